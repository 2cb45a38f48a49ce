"""One-record matching (issue 6): how fast ``Matcher.match`` answers for one applicant.

1. **The registry**: the synthetic city of ``--households`` households (default 211,000, about
   1,000,000 records with the whole-city register), generated and resolved once into
   ``--registry-dir`` (default ``/tmp/povlink-bench-match/city-<households>-<seed>``) and reused
   while that folder holds a resolved registry of the same size and seed; ``--rebuild`` makes a
   new one. Building a million records takes a few minutes.
2. **The queries**: ``--queries`` records (default 200) drawn with a fixed seed from the lists whose
   dates are written day first (as a service's form reads them), damaged as applicants' forms
   are: the NIK left out or mistyped, a typo in the name, the family card, address, mother's name
   or birth date left out. One query in ten is an applicant the registry does not know (a name
   and birth date put together from other records, no NIK).
3. **The measurement**, in a fresh process (its peak memory is its own): open
   ``project.matcher()`` (timed), match ``--warmup`` other records, then match every query once,
   timed; then as many other records stage by stage (standardise, candidate search, scoring,
   grouping) to show where the time goes. Every record is new to the matcher: standardising a
   record seen before is several times faster. The load average is recorded beside them.

Run: ``.venv/bin/python benchmarks/match.py [--households N] [--queries N] [--registry-dir DIR]
[--rebuild]``. Writes ``results/match.json`` and ``results/match.md``. Target at a million
records: p50 < 50 ms, p99 < 200 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _common import measure, write_results

SEED = 8080  # the city benchmark's seed: the same city at the same size
MARKER = "match-registry.json"
TARGET_P50_MS, TARGET_P99_MS = 50.0, 200.0
STAGES = ("standardise", "search", "score", "group")

BUILD = """
from povlink.project import Project
from povlink.synth import generate_city
city = generate_city({folder!r}, households={households}, seed={seed}, whole_city_register=True)
t1 = time.perf_counter()
summary = Project.from_toml({config!r}).resolve().summary
EXTRA = {{"records": summary.records, "persons": summary.persons,
          "synth_seconds": t1 - _t0, "resolve_seconds": time.perf_counter() - t1}}
"""

MATCH = """
import json, os
from povlink.project import Project
queries = json.load(open({queries!r}, encoding="utf-8"))
project = Project.from_toml({config!r})
t = time.perf_counter()
matcher = project.matcher()
open_seconds = time.perf_counter() - t
for q in queries["warmup"]:
    matcher.match(q["record"])
load_before = os.getloadavg()[0]
wall, cpu, first = [], [], []
for q in queries["timed"]:
    t, c = time.perf_counter(), time.process_time()
    result = matcher.match(q["record"])
    wall.append(1000 * (time.perf_counter() - t))
    cpu.append(1000 * (time.process_time() - c))
    first.append(None if result.empty else str(result.loc[0, "person_id"]))
stages = {{name: {{"wall": [], "cpu": []}} for name in ("standardise", "search", "score", "group")}}
candidates = []
for q in queries["staged"]:
    marks = [(time.perf_counter(), time.process_time())]
    standardised = matcher._standardise(q["record"])
    marks.append((time.perf_counter(), time.process_time()))
    query, found = matcher._search(standardised)
    marks.append((time.perf_counter(), time.process_time()))
    scored = matcher._score(query, found)
    marks.append((time.perf_counter(), time.process_time()))
    matcher._group(scored, found, top=5)
    marks.append((time.perf_counter(), time.process_time()))
    for name, (a, b) in zip(stages, zip(marks, marks[1:])):
        stages[name]["wall"].append(1000 * (b[0] - a[0]))
        stages[name]["cpu"].append(1000 * (b[1] - a[1]))
    candidates.append(found.num_rows)
matcher.close()
EXTRA = {{"open_seconds": open_seconds, "match_ms": wall, "match_cpu_ms": cpu,
          "first_person": first, "stage_ms": stages, "candidates": candidates,
          "load_average": [load_before, os.getloadavg()[0]]}}
"""


def registry_folder(args: argparse.Namespace) -> Path:
    if args.registry_dir is not None:
        return Path(args.registry_dir)
    base = Path(tempfile.gettempdir()) / "povlink-bench-match"
    return base / f"city-{args.households}-{args.seed}"


def ensure_registry(folder: Path, households: int, seed: int, *, rebuild: bool) -> dict[str, Any]:
    """A resolved city in ``folder``: the one there when it was built with these arguments."""
    marker = folder / MARKER
    wanted = {"households": households, "seed": seed, "whole_city_register": True}
    if not rebuild and marker.exists() and (folder / "registry.duckdb").exists():
        built = json.loads(marker.read_text(encoding="utf-8"))
        if all(built.get(k) == v for k, v in wanted.items()):
            print(f"reusing the registry in {folder} ({built['records']:,} records)", flush=True)
            return dict(built)
    print(f"building a registry of {households:,} households in {folder} ...", flush=True)
    for name in ("registry.duckdb", "registry.duckdb.wal", MARKER):
        (folder / name).unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    config = str(folder / "povlink.toml")
    made = measure(
        BUILD.format(folder=str(folder), households=households, seed=seed, config=config)
    )
    built = {**wanted, **{k: made[k] for k in ("records", "persons", "synth_seconds")}}
    built["resolve_seconds"] = made["resolve_seconds"]
    marker.write_text(json.dumps(built, indent=2), encoding="utf-8")
    return built


def _typo(text: str, rng: random.Random) -> str:
    """One keying error: two neighbouring letters swapped, a letter dropped or doubled."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def damage(record: dict[str, str], rng: random.Random) -> dict[str, str]:
    """The record as an applicant's form might give it."""
    out = dict(record)
    if "nik" in out:
        roll = rng.random()
        if roll < 0.3:
            del out["nik"]
        elif roll < 0.35:
            digits = list(out["nik"])
            i = rng.randrange(len(digits))
            digits[i] = str((int(digits[i]) + 1) % 10) if digits[i].isdigit() else digits[i]
            out["nik"] = "".join(digits)
    if "full_name" in out and rng.random() < 0.3:
        out["full_name"] = _typo(out["full_name"], rng)
    for field, p in (("kk_number", 0.5), ("mother_name", 0.5), ("phone", 0.5)):
        if field in out and rng.random() < p:
            del out[field]
    if rng.random() < 0.3:
        for field in ("address", "rt", "rw", "kelurahan", "kecamatan"):
            out.pop(field, None)
    if "birth_date" in out and rng.random() < 0.1:
        del out["birth_date"]
    return out


def draw_queries(config: Path, n: int, warmup: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """Damaged records of registered persons, and applicants the registry does not know."""
    import pandas as pd

    from povlink.project import Project
    from povlink.schema import CANONICAL_FIELDS

    project = Project.from_toml(config)
    day_first = [s.name for s in project.config.sources if s.options.date_order == "dmy"]
    with project.open_registry(read_only=True) as registry:
        records = registry.current_records(day_first)
        persons = dict(registry.engine.rows("SELECT record_id, person_id FROM persons"))
    rng = random.Random(seed)
    drawn = records.sample(2 * n + warmup, random_state=seed)
    pool = records.dropna(subset=["full_name", "birth_date"]).sample(6 * n, random_state=seed + 1)
    queries = []
    for i, (_, row) in enumerate(drawn.iterrows()):
        raw = {f: str(row[f]) for f in CANONICAL_FIELDS if pd.notna(row[f])}
        if rng.random() < 0.1:  # not in the registry: a name and birth date nobody has
            a, b, c = (pool.iloc[(3 * i + k) % len(pool)] for k in range(3))
            first, last = str(a["full_name"]).split()[0], str(b["full_name"]).split()[-1]
            raw = {"full_name": f"{first} {last}", "birth_date": str(c["birth_date"])}
            queries.append({"record": raw, "person_id": None})
        else:
            queries.append({"record": damage(raw, rng), "person_id": persons[row["record_id"]]})
    return {"timed": queries[:n], "staged": queries[n : 2 * n], "warmup": queries[2 * n :]}


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def table(summary: dict[str, Any], args: argparse.Namespace) -> str:
    s = summary
    wall, cpu = s["match_ms"], s["match_cpu_ms"]
    met = wall["p50"] < TARGET_P50_MS and wall["p99"] < TARGET_P99_MS
    stages = ", ".join(
        f"{name} {v['wall']['p50']:.1f} / {v['wall']['p99']:.1f} (CPU {v['cpu']['p50']:.1f})"
        for name, v in sorted(s["stages_ms"].items(), key=lambda item: STAGES.index(item[0]))
    )
    c = s["candidates"]
    return "\n".join(
        [
            "### One-record matching (issue 6)",
            "",
            f"`.venv/bin/python benchmarks/match.py --households {args.households} --queries "
            f"{args.queries}` on {s['date']}: {s['records']:,} registry records, {os.cpu_count()} "
            f"cores, load average {s['load_average'][0]:.1f} before the timed matches and "
            f"{s['load_average'][1]:.1f} after (other jobs may share the machine: wall times "
            "grow with them, the process's CPU time much less).",
            "",
            "| | p50 ms | p90 ms | p99 ms | max ms |",
            "| --- | ---: | ---: | ---: | ---: |",
            *(
                f"| {label} | {v['p50']:.1f} | {v['p90']:.1f} | {v['p99']:.1f} | {v['max']:.1f} |"
                for label, v in (("match, wall", wall), ("match, CPU", cpu))
            ),
            "",
            f"- Target p50 < {TARGET_P50_MS:.0f} ms, p99 < {TARGET_P99_MS:.0f} ms (wall): "
            f"{'met' if met else 'missed'}. Matcher opened in {s['open_seconds']:.1f} s; peak "
            f"memory {s['peak_rss_mib']:,.0f} MiB.",
            f"- Stages, on {s['queries']} other records, wall median / p99 ms (CPU median): "
            f"{stages}.",
            f"- Candidates per query: median {c['p50']}, p99 {c['p99']}, most {c['max']}.",
            f"- The registered person came first for {s['found_first']:.1%} of the "
            f"{s['registered']} damaged records of registered persons; "
            f"{s['queries'] - s['registered']} applicants were unknown to the registry.",
        ]
    )


def spread(values: list[float]) -> dict[str, float]:
    return {
        "p50": quantile(values, 0.5),
        "p90": quantile(values, 0.9),
        "p99": quantile(values, 0.99),
        "max": max(values),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=211_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--registry-dir", default=None)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    folder = registry_folder(args)
    built = ensure_registry(folder, args.households, args.seed, rebuild=args.rebuild)
    config = folder / "povlink.toml"
    queries = draw_queries(config, args.queries, args.warmup, args.seed)
    with tempfile.TemporaryDirectory(prefix="povlink-match-") as tmp:
        path = Path(tmp) / "queries.json"
        path.write_text(json.dumps(queries), encoding="utf-8")
        run = measure(MATCH.format(queries=str(path), config=str(config)))
    registered = [q["person_id"] for q in queries["timed"]]
    known = [(want, got) for want, got in zip(registered, run["first_person"], strict=True) if want]
    summary = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "records": built["records"],
        "queries": len(run["match_ms"]),
        "open_seconds": run["open_seconds"],
        "peak_rss_mib": run["peak_rss_mib"],
        "match_ms": spread(run["match_ms"]),
        "match_cpu_ms": spread(run["match_cpu_ms"]),
        "stages_ms": {
            name: {clock: spread(v[clock]) for clock in ("wall", "cpu")}
            for name, v in run["stage_ms"].items()
        },
        "candidates": spread(run["candidates"]),
        "registered": len(known),
        "found_first": sum(want == got for want, got in known) / max(len(known), 1),
        "load_average": run["load_average"],
    }
    write_results(
        "match",
        {"summary": summary, "registry": built, "run": run, "args": vars(args)},
        table(summary, args),
    )


if __name__ == "__main__":
    main()
