"""Households at city scale (issue 6): a full resolution beside an incremental one after a refresh.

Inputs: the synthetic city (``--households 200000 --whole-city-register``: about 947,000
records) ingested and standardised by povlink, with the true person IDs standing in for the
linkage's (``truth.csv``; the structure of persons, cards and addresses is the city's). Then one
list is refreshed, two ways:

* ``names``: the refresh of ``benchmarks/city.py``: records of the list making up ``--share``
  (1%) of all records get a retyped name;
* ``mixed``: as many records of the list are edited: 40% a retyped name, 15% a new card and
  address, 15% a retyped address, 10% a changed role, 10% withdrawn, 10% new family members
  beside them; and a twentieth of that number of records across all lists get another person ID
  (the linkage split them off).

Each measurement runs in a fresh process on a DuckDB file holding the tables (loaded before the
clock starts), each kind in turn, ``--repeat`` times:

* ``full``: ``resolve_households`` over the refreshed records;
* ``incremental``: the same with ``previous=`` (the last run's households, standardised records
  and person IDs), the changed records found by comparing the two runs;
* ``incremental_changed``: the same, given the table of changed records the resolve stage
  already has (every record whose standardised row differs, and the withdrawn ones);
* ``incremental_in_place``: the same, updating the previous household table in place (only the
  rows resolved again are deleted and inserted).

With ``--baseline REV``, ``full_baseline`` times the full resolution of ``households.py`` at the
git revision ``REV`` too (e.g. the version before a change). Every output is checked to hold
exactly the rows of this version's full resolution. Wall and CPU
seconds (user + system, both cores) are reported: the CPU time depends less on what else the
machine runs.

    .venv/bin/python benchmarks/households.py                    # prepares the city (~4 min)
    .venv/bin/python benchmarks/households.py --data /tmp/hh     # keeps the prepared tables there
    .venv/bin/python benchmarks/households.py --data /tmp/hh --baseline f4cd995~1

Results: ``results/households.json`` and ``results/households.md``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import ingest_and_standardise, measure, write_results

SCENARIOS = ("names", "mixed")
KINDS = ("full", "incremental", "incremental_changed", "incremental_in_place")
#: The tables of a prepared folder (one parquet file each): the previous run's, then each
#: scenario's current ones.
OLD_TABLES = ("standardised_old", "persons_old", "households_old")
NEW_TABLES = ("standardised", "persons", "changed", "households_full")

RUN = """
import importlib.util, sys, time
from povlink.engine import Engine
from povlink.households import PreviousHouseholds, resolve_households
if {kind!r} == "full_baseline":  # another version of the module, e.g. before a change
    spec = importlib.util.spec_from_file_location("baseline", {baseline!r})
    baseline = importlib.util.module_from_spec(spec)
    sys.modules["baseline"] = baseline  # a dataclass looks its module up while it is made
    spec.loader.exec_module(baseline)
    resolve_households = baseline.resolve_households
engine = Engine({database!r})
for name, file in {files!r}.items():
    engine.create_table(name, f"SELECT * FROM read_parquet('{{file}}')")
engine.checkpoint()
kind = {kind!r}
previous = None if kind.startswith("full") else PreviousHouseholds(
    standardised="standardised_old", persons="persons_old", households="households_old")
output = "households_old" if kind == "incremental_in_place" else "households_new"
options = {{}} if kind == "full_baseline" else {{
    "previous": previous, "changed": "changed" if kind.startswith("incremental_") else None}}
t0, c0 = time.perf_counter(), time.process_time()
result = resolve_households(
    engine, standardised="standardised", persons="persons", output=output, **options)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
records = engine.count(output)
differ = engine.scalar(
    f"SELECT count(*) FROM ((SELECT * FROM {{output}} EXCEPT ALL SELECT * FROM households_full)"
    f" UNION ALL (SELECT * FROM households_full EXCEPT ALL SELECT * FROM {{output}}))")
if result is None:  # the baseline returns nothing
    summary = {{"resolved": records, "incremental": False, "rounds": 0, "reason": None}}
else:
    summary = {{k: getattr(result, k) for k in ("resolved", "incremental", "rounds", "reason")}}
EXTRA = {{"kind": kind, "households_seconds": seconds, "households_cpu_seconds": cpu,
          "records": records, "rows_differing": differ, **summary}}
"""


def prepare(folder: Path, households: int, seed: int, source: str, share: float) -> None:
    """Generate and standardise the city, refresh one list both ways, resolve in full."""
    from povlink.engine import Engine
    from povlink.households import resolve_households
    from povlink.synth import generate_city

    generate_city(folder / "city", households=households, seed=seed, whole_city_register=True)
    registry = folder / "registry.duckdb"
    ingest_and_standardise(folder / "city" / "povlink.toml", registry)
    with Engine(registry) as e:
        e.create_table("standardised_old", "SELECT * FROM standardised")
        e.create_table(
            "persons_old",
            f"SELECT record_id, person_id FROM read_csv('{folder}/city/truth.csv', "
            "all_varchar = true)",
        )
        resolve_households(
            e, standardised="standardised_old", persons="persons_old", output="households_old"
        )
        for name in OLD_TABLES:
            e.write_parquet(f"SELECT * FROM {name}", folder / f"{name}.parquet")
        for scenario in SCENARIOS:
            refresh_one_list(e, source=source, share=share, names_only=scenario == "names")
            resolve_households(e, persons="persons", output="households_full")
            for name in NEW_TABLES:
                e.write_parquet(f"SELECT * FROM {name}", folder / f"{name}_{scenario}.parquet")
    registry.unlink()


def refresh_one_list(e: Any, *, source: str, share: float, names_only: bool) -> None:
    """``standardised``, ``persons`` and ``changed`` after a refresh of the list ``source``."""
    edits = int(share * e.count("standardised_old"))
    e.create_table(
        "picked",
        f"""
        SELECT record_id, row_number() OVER (ORDER BY hash(record_id || 'pick')) AS n
        FROM standardised_old WHERE source = '{source}'
        ORDER BY hash(record_id || 'pick') LIMIT {edits}
        """,
    )
    # mixed: n % 20 in 0-7 retyped name, 8-10 new card and address, 11-13 retyped address,
    # 14-15 changed role, 16-17 withdrawn, 18-19 a new family member beside the picked record
    kind = "0" if names_only else "p.n % 20"
    e.create_table(
        "standardised",
        f"""
        WITH edit AS (SELECT record_id, n, {kind} AS kind FROM picked AS p)
        SELECT s.* REPLACE (
            CASE WHEN p.kind < 8 THEN s.full_name || ' X' ELSE s.full_name END AS full_name,
            CASE WHEN p.kind BETWEEN 8 AND 10
                 THEN substr(s.kk_number, 1, 6) || '010125' || lpad(CAST(p.n AS VARCHAR), 4, '0')
                 ELSE s.kk_number END AS kk_number,
            CASE WHEN p.kind BETWEEN 8 AND 10 THEN 'JL BARU NO ' || CAST(p.n AS VARCHAR)
                 WHEN p.kind BETWEEN 11 AND 13 THEN s.address || ' A'
                 ELSE s.address END AS address,
            CASE WHEN p.kind BETWEEN 14 AND 15 THEN 'other' ELSE s.relationship END
                AS relationship)
        FROM standardised_old AS s LEFT JOIN edit AS p USING (record_id)
        WHERE p.kind IS NULL OR p.kind NOT BETWEEN 16 AND 17
        UNION ALL
        SELECT s.* REPLACE (s.record_id || 'N' AS record_id, 'BAYI ' || s.full_name AS full_name,
                            'child' AS relationship)
        FROM standardised_old AS s JOIN edit AS p USING (record_id)
        WHERE p.kind >= 18
        """,
    )
    split = "FALSE" if names_only else f"hash(record_id || 'split') % {20 * round(1 / share)} = 0"
    e.create_table(
        "persons",
        f"""
        SELECT record_id,
               CASE WHEN {split} THEN person_id || 'S' ELSE person_id END AS person_id
        FROM persons_old
        UNION ALL
        SELECT s.record_id, 'PN' || s.record_id FROM standardised AS s
        WHERE s.record_id LIKE '%N'
        """,
    )
    # As the resolve stage finds them: a hash of every column of each row, and withdrawn IDs.
    columns = ", ".join(
        f"coalesce(CAST({c} AS VARCHAR), chr(0))" for c in e.columns("standardised")
    )
    row = f"md5(concat_ws(chr(31), {columns}))"
    e.create_table(
        "changed",
        f"""
        SELECT n.record_id FROM (SELECT record_id, {row} AS h FROM standardised) AS n
        LEFT JOIN (SELECT record_id, {row} AS h FROM standardised_old) AS o USING (record_id)
        WHERE o.h IS NULL OR o.h <> n.h
        UNION ALL
        (SELECT record_id FROM standardised_old EXCEPT SELECT record_id FROM standardised)
        """,
    )
    e.drop_table("picked")


def counts(folder: Path, scenario: str) -> dict[str, Any]:
    """Records, changed records and changed person IDs of a scenario."""
    return measure(
        f"""
        import duckdb
        con = duckdb.connect()
        def one(sql):
            return con.sql(sql).fetchall()[0][0]
        new = "'{folder}/standardised_{scenario}.parquet'"
        EXTRA = {{
            "records": one(f"SELECT count(*) FROM {{new}}"),
            "changed": one("SELECT count(*) FROM '{folder}/changed_{scenario}.parquet'"),
            "person_changes": one(
                "SELECT count(*) FROM '{folder}/persons_{scenario}.parquet' AS n "
                "JOIN '{folder}/persons_old.parquet' AS o USING (record_id) "
                "WHERE o.person_id <> n.person_id"),
        }}
        """
    )


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    first = runs[0]
    return {
        "median_seconds": statistics.median(r["households_seconds"] for r in runs),
        "median_cpu_seconds": statistics.median(r["households_cpu_seconds"] for r in runs),
        "seconds": [r["households_seconds"] for r in runs],
        "median_peak_mib": statistics.median(r["peak_rss_mib"] for r in runs),
        "rows_differing": max(r["rows_differing"] for r in runs),
        **{k: first[k] for k in ("records", "resolved", "incremental", "rounds", "reason")},
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        "### Households after a refresh (`benchmarks/households.py`)",
        "",
        f"{result['records']:,} records (synthetic city, true person IDs); one list refreshed. "
        f"`resolve_households` alone, medians of {result['repeat']} runs, each kind in turn in "
        "a fresh process; CPU is user + system time over both cores."
        + (
            f" `full_baseline`: the full resolution of `households.py` at {result['baseline']}."
            if result["baseline"]
            else ""
        ),
        "",
        "| refresh | kind | median s | CPU s | share of full (wall / CPU) | records resolved | "
        "closure rounds | rows differing from full | runs s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for scenario, s in result["scenarios"].items():
        full = s["kinds"]["full"]  # the shares are of this version's full resolution
        label = (
            f"{scenario}: {s['changed']:,} records new, changed or withdrawn, "
            f"{s['person_changes']:,} person IDs changed"
        )
        for kind, k in s["kinds"].items():
            lines.append(
                f"| {label} | {kind} | {k['median_seconds']:.2f} | "
                f"{k['median_cpu_seconds']:.2f} | "
                f"{k['median_seconds'] / full['median_seconds']:.0%} / "
                f"{k['median_cpu_seconds'] / full['median_cpu_seconds']:.0%} | "
                f"{k['resolved']:,} | {k['rounds']} | {k['rows_differing']} | "
                + ", ".join(f"{x:.2f}" for x in k["seconds"])
                + " |"
            )
            label = ""
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=8080)
    parser.add_argument("--source", default="dinsos_dtks")
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="a prepared folder (made if empty or missing)")
    parser.add_argument(
        "--baseline",
        help="a git revision: also time the full resolution of its src/povlink/households.py",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="povlink-households-") as tmp:
        folder = args.data or Path(tmp) / "data"
        folder.mkdir(parents=True, exist_ok=True)
        wanted = [f"{n}.parquet" for n in OLD_TABLES]
        wanted += [f"{n}_{s}.parquet" for n in NEW_TABLES for s in SCENARIOS]
        if not all((folder / name).exists() for name in wanted):
            prepare(folder, args.households, args.seed, args.source, args.share)
        kinds = KINDS
        baseline = Path(tmp) / "baseline_households.py"
        if args.baseline:
            source = subprocess.run(
                ["git", "show", f"{args.baseline}:src/povlink/households.py"],
                capture_output=True,
                text=True,
                check=True,
                cwd=Path(__file__).parent,
            ).stdout
            baseline.write_text(source)
            kinds = ("full_baseline", *KINDS)
        scenarios: dict[str, Any] = {}
        for scenario in SCENARIOS:
            files = {n: str(folder / f"{n}.parquet") for n in OLD_TABLES}
            files |= {n: str(folder / f"{n}_{scenario}.parquet") for n in NEW_TABLES}
            runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
            for i in range(args.repeat):
                for kind in kinds:
                    database = Path(tmp) / f"{scenario}-{kind}-{i}.duckdb"
                    code = RUN.format(
                        database=str(database), files=files, kind=kind, baseline=str(baseline)
                    )
                    runs[kind].append(measure(code))
                    database.unlink()
                    run = runs[kind][-1]
                    print(scenario, kind, f"{run['households_seconds']:.2f} s", file=sys.stderr)
            scenarios[scenario] = {
                **counts(folder, scenario),
                "kinds": {kind: summarise(r) for kind, r in runs.items()},
                "runs": runs,
            }
    result = {
        "args": {k: str(v) for k, v in vars(args).items()},
        "records": scenarios["mixed"]["records"],
        "repeat": args.repeat,
        "baseline": args.baseline,
        "scenarios": scenarios,
    }
    write_results("households", result, table(result))


if __name__ == "__main__":
    main()
