"""City scale (issues 6 and 8): the whole povlink run on a synthetic Semarang, beside plain Splink.

For each size: generate the city, run ``povlink resolve`` from the raw files and write the
integration report (stage times and the process's peak memory), then a hand-written plain Splink
model (``plain_splink.city_settings``) over the same records already standardised by povlink
(train, predict, cluster), each in its own process. Then, on the largest size: a refresh of one
list with 1% of all records changed (incremental), one-record matching latency, and the full run
under a memory limit.

    .venv/bin/python benchmarks/city.py --households 500000 --whole-city-register
    .venv/bin/python benchmarks/city.py --households 20000 50000 100000 --repeat 1

Results: ``results/city.json`` and ``results/city.md``. Ratios measured in one run carry the
conclusions; absolute seconds depend on what else the machine runs.
"""

from __future__ import annotations

import argparse
import itertools
import math
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

from _common import change_one_percent, measure, median_of, write_results

RESOLVE = """
import time
from pathlib import Path
from povlink.project import Project
project = Project.from_toml({config!r})
summary = project.resolve(full={full!r}).summary
t0 = time.perf_counter()
project.report().to_html(Path({config!r}).parent / "report.html")
stages = {{**summary.stage_seconds, "report": round(time.perf_counter() - t0, 3)}}
EXTRA = {{"records": summary.records, "persons": summary.persons,
          "households": summary.households, "stages": stages,
          "incremental": summary.incremental, "rescored": summary.records_rescored}}
"""

PLAIN = """
import sys, time
sys.path.insert(0, {bench!r})
from plain_splink import city_settings, run_plain_splink
from povlink.engine import Engine
from povlink.registry import Registry
with Registry({registry!r}, read_only=True) as reg:
    work = Engine()
    work.copy_table(reg.engine, "SELECT record_id AS unique_id, * FROM standardised", "records")
t0 = time.perf_counter()
model = city_settings()
clusters = run_plain_splink(work, "records", model, threshold=0.9)
EXTRA = {{"stages": model.timings, "clusters": int(clusters["cluster_id"].nunique())}}
"""

MATCH = """
import time, statistics
import pandas as pd
from povlink.project import Project
project = Project.from_toml({config!r})
with project.open_registry(read_only=True) as reg:
    queries = reg.current_records().sample({n}, random_state=7)
t0 = time.perf_counter()
matcher = project.matcher()
open_s = time.perf_counter() - t0
times = []
for _, q in queries.iterrows():
    record = {{f: q[f] for f in ("nik", "full_name", "birth_date", "sex") if pd.notna(q[f])}}
    t = time.perf_counter()
    matcher.match(record)
    times.append(time.perf_counter() - t)
matcher.close()
times.sort()
EXTRA = {{"open_seconds": open_s, "p50_ms": 1000 * times[len(times) // 2],
          "p99_ms": 1000 * times[min(len(times) - 1, int(len(times) * 0.99))],
          "queries": len(times)}}
"""


def generate(folder: Path, households: int, seed: int, whole_city: bool) -> dict[str, Any]:
    return measure(
        f"""
        from povlink.synth import generate_city
        city = generate_city({str(folder)!r}, households={households}, seed={seed},
                             whole_city_register={whole_city!r})
        EXTRA = {{"records": city.records}}
        """
    )


def one_size(
    households: int, whole_city: bool, repeat: int, seed: int, tmp: Path
) -> dict[str, Any]:
    folder = tmp / f"city-{households}"
    made = generate(folder, households, seed, whole_city)
    config = str(folder / "povlink.toml")
    registry = folder / "registry.duckdb"
    povlink_runs, plain_runs = [], []
    for _ in range(repeat):
        registry.unlink(missing_ok=True)
        povlink_runs.append(measure(RESOLVE.format(config=config, full=True)))
        plain_runs.append(
            measure(PLAIN.format(bench=str(Path(__file__).parent), registry=str(registry)))
        )
    pov = median_of(povlink_runs, "seconds")
    plain = median_of(plain_runs, "seconds")
    plain_core = statistics.median(sum(r["stages"].values()) for r in plain_runs)
    return {
        "households": households,
        "whole_city_register": whole_city,
        "records": made["records"],
        "synth_seconds": made["seconds"],
        "povlink_runs": povlink_runs,
        "plain_runs": plain_runs,
        "povlink_seconds": pov,
        "povlink_peak_mib": median_of(povlink_runs, "peak_rss_mib"),
        "plain_seconds": plain,
        "plain_train_predict_cluster_seconds": plain_core,
        "plain_peak_mib": median_of(plain_runs, "peak_rss_mib"),
        "ratio": pov / plain_core,
        "folder": str(folder),
    }


def extras(
    size: dict[str, Any], memory_limit: str, queries: int, refresh_repeat: int
) -> dict[str, Any]:
    folder = Path(size["folder"])
    config = str(folder / "povlink.toml")
    out: dict[str, Any] = {}
    out["match"] = measure(MATCH.format(config=config, n=queries))
    registry = folder / "registry.duckdb"
    kept = folder.parent / "registry.after-full.duckdb"
    shutil.copy(registry, kept)
    originals = {p: p.read_bytes() for p in folder.glob("*.csv")}
    runs = []
    for _ in range(refresh_repeat):
        shutil.copy(kept, registry)
        for path, content in originals.items():
            path.write_bytes(content)
        changed = change_one_percent(folder, size["records"])
        runs.append(measure(RESOLVE.format(config=config, full=False)))
    refresh = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    out["refresh"] = {"changed_records": changed, "runs": runs, **refresh}
    out["refresh"]["share_of_full"] = refresh["seconds"] / size["povlink_seconds"]
    # Issue 6 compares resolve with resolve: the report is written anew after either.
    full_report = statistics.median(r["stages"]["report"] for r in size["povlink_runs"])
    out["refresh"]["share_of_full_resolve"] = (refresh["seconds"] - refresh["stages"]["report"]) / (
        size["povlink_seconds"] - full_report
    )
    limited = folder.parent / "limited"
    shutil.copytree(folder, limited)
    (limited / "registry.duckdb").unlink(missing_ok=True)
    spill = limited / "spill"
    text = (limited / "povlink.toml").read_text(encoding="utf-8")
    (limited / "povlink.toml").write_text(
        text.replace(
            'registry = "registry.duckdb"',
            f'registry = "registry.duckdb"\n[engine]\nmemory_limit = "{memory_limit}"\n'
            f'temp_directory = "{spill}"',
            1,
        ),
        encoding="utf-8",
    )
    out["memory_limited"] = {
        "limit": memory_limit,
        **measure(RESOLVE.format(config=str(limited / "povlink.toml"), full=True)),
    }
    return out


def table(sizes: list[dict[str, Any]], extra: dict[str, Any] | None) -> str:
    lines = [
        "### City scale (issues 6 and 8)",
        "",
        "| households | records | povlink resolve s | peak MiB | plain Splink train+predict+cluster"
        " s | plain peak MiB | ratio | stages (s) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in sizes:
        stages = s["povlink_runs"][0]["stages"]
        lines.append(
            f"| {s['households']:,} | {s['records']:,} | {s['povlink_seconds']:.1f} | "
            f"{s['povlink_peak_mib']:.0f} | {s['plain_train_predict_cluster_seconds']:.1f} | "
            f"{s['plain_peak_mib']:.0f} | {s['ratio']:.2f} | "
            + ", ".join(f"{k} {v:.0f}" for k, v in stages.items())
            + " |"
        )
    if len(sizes) > 1:
        lines += ["", "Scaling (time ratio per doubling of records):", ""]
        for a, b in itertools.pairwise(sizes):
            doublings = max(b["records"] / a["records"], 1.0001)
            per = (b["povlink_seconds"] / a["povlink_seconds"]) ** (1 / math.log2(doublings))
            lines.append(f"- {a['records']:,} → {b['records']:,} records: {per:.2f}x per doubling")
    if extra:
        m, r, lim = extra["match"], extra["refresh"], extra["memory_limited"]
        lines += [
            "",
            f"- One-record match on the largest registry: p50 {m['p50_ms']:.0f} ms, "
            f"p99 {m['p99_ms']:.0f} ms over {m['queries']} queries (matcher opened in "
            f"{m['open_seconds']:.1f} s). Target p50 < 50 ms, p99 < 200 ms.",
            f"- Refresh of one list, {r['changed_records']:,} records changed (1%): "
            f"{r['seconds']:.1f} s (median of {len(r['runs'])}: "
            + ", ".join(f"{x['seconds']:.1f}" for x in r["runs"])
            + f"), incremental={r['incremental']}, {r['share_of_full']:.0%} of the full run "
            f"with the report, {r['share_of_full_resolve']:.0%} of the full resolve without it "
            "(target ≤ 15%). Stages (s): "
            + ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
            + ".",
            f"- Full run under memory_limit {lim['limit']}: {lim['seconds']:.1f} s, "
            f"peak RSS {lim['peak_rss_mib']:.0f} MiB.",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, nargs="+", default=[20_000])
    parser.add_argument("--whole-city-register", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=8080)
    parser.add_argument("--memory-limit", default="4GiB")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--refresh-repeat", type=int, default=3)
    parser.add_argument("--no-extras", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="povlink-city-") as tmp:
        sizes = [
            one_size(h, args.whole_city_register, args.repeat, args.seed, Path(tmp))
            for h in args.households
        ]
        extra = (
            None
            if args.no_extras
            else extras(sizes[-1], args.memory_limit, args.queries, args.refresh_repeat)
        )
    write_results(
        "city", {"sizes": sizes, "extras": extra, "args": vars(args)}, table(sizes, extra)
    )


if __name__ == "__main__":
    main()
