"""Speed: povlink's linkage against a plain Splink model on the same million records.

The synthetic city is generated at the size that gives ``--records`` agency records (default
1,000,000), ingested and standardised once, and written to parquet. Then, each in a fresh child
process (so that its peak memory is its own), on the same machine in the same run:

* **povlink**: ``LinkageModel().fit``, ``predict`` and ``cluster_records`` (with conflict
  splitting) on the standardised table;
* **plain Splink**: the hand-written model of ``benchmarks/plain_splink.py`` (train, predict,
  Splink's connected components) on the same standardised columns.

Standardisation is shared input, not timed here (``benchmarks/standardise.py`` measures it).
Target: povlink within 1.3× of plain Splink's time. Peak resident memory is recorded.

Both engines get the same limits: ``--threads`` (default 2) and 8 GiB of memory, spilling to disk
beyond it. The two run in turn ``--repeat`` times (default 3); the table has the medians, and the
ratio is that of the median linkage times. Each run also records its CPU seconds (user + system,
both threads) and the load average before it: on a shared machine wall time grows with whatever
else runs, CPU time much less.

Run: ``.venv/bin/python benchmarks/speed.py [--records N] [--threads T] [--repeat R]
[--work-dir DIR]``. Writes ``benchmarks/results/speed.json`` and ``speed.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import ingest_and_standardise, measure, median_of, write_results

RECORDS_PER_HOUSEHOLD = 1.36  # measured on the synthetic city (27,254 records, 20,000 households)
SEED = 20_261_129  # no test uses this seed

POVLINK_CHILD = """
from povlink.engine import Engine
from povlink.linkage import LinkageModel, cluster_records
engine = Engine(threads={threads}, memory_limit="8GiB", temp_directory={spill!r})
engine.execute("CREATE TABLE standardised AS SELECT * FROM read_parquet('{parquet}')")
c0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
t0 = time.perf_counter()
model = LinkageModel().fit(engine)
t1 = time.perf_counter()
model.predict(engine)
t2 = time.perf_counter()
cluster_records(engine, threshold=model.threshold)
t3 = time.perf_counter()
EXTRA = {{
    "train": t1 - t0, "predict": t2 - t1, "cluster": t3 - t2, "linkage": t3 - t0,
    "cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - c0,
    "pairs_scored": engine.rows("SELECT count(*) FROM pairwise_predictions")[0][0],
    "persons": engine.rows("SELECT count(DISTINCT cluster_id) FROM person_clusters")[0][0],
}}
"""

PLAIN_CHILD = """
import sys
sys.path.insert(0, {bench!r})
from plain_splink import city_settings, run_plain_splink
from povlink.engine import Engine
engine = Engine(threads={threads}, memory_limit="8GiB", temp_directory={spill!r})
engine.execute(
    "CREATE TABLE plain_input AS SELECT record_id AS unique_id, nik, full_name, birth_date, sex, "
    "mother_name, kelurahan_name, rw, rt, address, kk_number "
    "FROM read_parquet('{parquet}')"
)
c0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
t0 = time.perf_counter()
model = city_settings()
clusters = run_plain_splink(engine, "plain_input", model, threshold=0.9)
t3 = time.perf_counter()
EXTRA = {{
    **model.timings, "linkage": t3 - t0,
    "cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - c0,
    "pairs_scored": engine.rows("SELECT count(*) FROM plain_pairs")[0][0],
    "persons": int(clusters["cluster_id"].nunique()),
}}
"""


def make_input(records: int, out: Path) -> dict[str, Any]:
    """Generate, ingest and standardise a city of about ``records`` records into a parquet file."""
    from povlink.registry import Registry
    from povlink.synth import generate_city

    t0 = time.perf_counter()
    households = round(records / RECORDS_PER_HOUSEHOLD)
    made = generate_city(out / "city", households=households, seed=SEED)
    ingest_and_standardise(made.project_file, out / "registry.duckdb")
    with Registry(out / "registry.duckdb", read_only=True) as registry:
        parquet = out / "standardised.parquet"
        registry.engine.execute(f"COPY standardised TO '{parquet}' (FORMAT parquet)")
        n = registry.engine.rows("SELECT count(*) FROM standardised")[0][0]
    return {
        "households": households,
        "records": int(n),
        "prepare_seconds": time.perf_counter() - t0,
        "parquet": str(parquet),
    }


def _load_or_make_input(records: int, work: Path) -> dict[str, Any]:
    """Reuse the input written by an earlier run into ``work`` for the same size, else make it."""
    meta = work / f"input_{records}.json"
    if meta.exists():
        data: dict[str, Any] = json.loads(meta.read_text())
        if Path(data["parquet"]).exists():
            return data
    data = make_input(records, work)
    meta.write_text(json.dumps(data))
    return data


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of every timed value over ``runs`` (counts are the same in every run)."""
    timed = ("train", "predict", "cluster", "linkage", "cpu", "peak_rss_mib", "seconds")
    return runs[0] | {k: median_of(runs, k) for k in timed}


def _table(
    records: int,
    threads: int,
    runs: dict[str, list[dict[str, Any]]],
    ours: dict[str, Any],
    plain: dict[str, Any],
) -> str:
    """The markdown result: medians, the ratios, and every run's time and load."""
    rows = [
        "| | train (s) | predict (s) | cluster (s) | linkage total (s) | CPU (s) "
        "| peak memory (MiB) | pairs scored | persons |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, r in (("povlink", ours), ("plain Splink", plain)):
        rows.append(
            f"| {name} | {r['train']:.1f} | {r['predict']:.1f} | {r['cluster']:.1f} "
            f"| **{r['linkage']:.1f}** | {r['cpu']:.1f} | {r['peak_rss_mib']:,.0f} "
            f"| {r['pairs_scored']:,} | {r['persons']:,} |"
        )
    per_run = "; ".join(
        f"{name} " + ", ".join(f"{r['linkage']:.1f} s (load {r['load_before']:.1f})" for r in rs)
        for name, rs in runs.items()
    )
    repeat = len(runs["povlink"])
    return (
        f"# Speed: {records:,} records, {threads} threads\n\n"
        f"Medians of {repeat} runs each, the two models in turn.\n\n"
        + "\n".join(rows)
        + f"\n\npovlink / plain Splink time: **{ours['linkage'] / plain['linkage']:.2f}×** "
        f"(CPU time {ours['cpu'] / plain['cpu']:.2f}×; target ≤ 1.3×)\n\n"
        f"Linkage per run, with the load average before it: {per_run}. CPU seconds are user + "
        "system time of both threads, which other jobs on the machine inflate far less than "
        "wall time.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work-dir", type=Path, help="keep the generated input here (reused)")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, Any]]] = {"povlink": [], "plain Splink": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data = _load_or_make_input(args.records, work)
        print(f"input: {data['records']:,} records in {data['prepare_seconds']:.0f} s", flush=True)
        bench = str(Path(__file__).parent)
        spill = str(work / "spill")
        children = {
            "plain Splink": PLAIN_CHILD.format(
                parquet=data["parquet"], threads=args.threads, bench=bench, spill=spill
            ),
            "povlink": POVLINK_CHILD.format(
                parquet=data["parquet"], threads=args.threads, spill=spill
            ),
        }
        for i in range(args.repeat):
            for name, code in children.items():
                load = os.getloadavg()[0]
                run = measure(code) | {"load_before": load}
                runs[name].append(run)
                print(
                    f"run {i + 1} {name}: {run['linkage']:.1f} s, {run['cpu']:.1f} CPU s "
                    f"(load {load:.1f})",
                    flush=True,
                )
    ours, plain = _median_run(runs["povlink"]), _median_run(runs["plain Splink"])
    ratio = ours["linkage"] / plain["linkage"]
    cpu_ratio = ours["cpu"] / plain["cpu"]
    table = _table(data["records"], args.threads, runs, ours, plain)
    write_results(
        "speed",
        {
            "input": {k: v for k, v in data.items() if k != "parquet"},
            "threads": args.threads,
            "repeat": args.repeat,
            "povlink": ours,
            "plain_splink": plain,
            "runs": runs,
            "ratio": ratio,
            "cpu_ratio": cpu_ratio,
            "target_ratio": 1.3,
        },
        table,
    )


if __name__ == "__main__":
    main()
