"""Benchmark: standardise 1,000,000 messy raw records (all fields) in the engine.

Run ``.venv/bin/python benchmarks/standardise.py [--rows N] [--repeat R]``. The script

1. generates ``N`` raw records with numpy (vectorised): about ``N / 2.5`` persons in households,
   each appearing on several agency lists and written each time as that agency might (NIKs with
   spreadsheet damage, names with titles and old spellings, dates in eight forms, RT/RW in four
   layouts, kelurahan names, codes and typos...), and writes them to a parquet file;
2. runs each repetition in a fresh child process that reads the parquet into an in-memory engine
   and times ``standardise_table`` alone: wall clock and CPU time (all threads; the machine may be
   shared, so both are recorded with the load average); the child's peak resident memory
   (``ru_maxrss``) covers the loaded table plus the standardisation;
3. runs each repetition of the incremental path in a fresh child process too: the records are
   standardised (not timed), then 1% of them are touched (0.5% changed, 0.2% removed, 0.3%
   added) and ``standardise_changed`` refreshes the table, into a new table and in place (both
   timed); the first repetition checks both results against ``standardise_table`` row for row;
4. times ``standardise_record`` in a fresh child process: 200 records of the same generator (every
   field filled, values varied) after 50 warm-up calls, one call at a time;
5. writes the medians and every run to ``benchmarks/results/standardise.json`` and a table to
   ``benchmarks/results/standardise.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / "results"

PROVINCES = np.array(["33", "33", "33", "33", "31", "35", "32", "94"])
# (modern spelling, older spelling or abbreviation written by some agencies)
NAMES = [
    ("Siti", "St."), ("Aminah", "Aminah"), ("Sri", "Sri"), ("Wahyuni", "Wahjuni"),
    ("Nurhayati", "Nurhajati"), ("Sulastri", "Soelastri"), ("Sutrisno", "Soetrisno"),
    ("Slamet", "Selamet"), ("Mulyadi", "Muljadi"), ("Suharto", "Soeharto"), ("Joko", "Djoko"),
    ("Cahyono", "Tjahjono"), ("Yusuf", "Jusuf"), ("Khotijah", "Chotidjah"), ("Muhammad", "M."),
    ("Ahmad", "Achmad"), ("Abdul", "Abd."), ("Rizki", "Rizky"), ("Agus", "Agus"),
    ("Budi", "Budi"), ("Santoso", "Santosa"), ("Wagiyem", "Wagijem"), ("Poniyem", "Ponijem"),
    ("Herman", "Herman"), ("Supardi", "Soepardi"), ("Ismail", "Ismail"),
    ("Supriyanto", "Suprianto"), ("Wahyudi", "Wahjudi"), ("Junaidi", "Djunaidi"),
    ("Suparman", "Soeparman"), ("Sumiati", "Soemiati"), ("Sumarni", "Soemarni"),
    ("Sunarti", "Soenarti"), ("Ernawati", "Ernawaty"), ("Kartini", "Kartini"), ("Dwi", "Dwi"),
    ("Tri", "Tri"), ("Eko", "Eko"), ("Nur", "Nur"), ("Rahmat", "Rachmat"), ("Zainal", "Zaenal"),
    ("Fitri", "Fitriy"), ("Indah", "Indah"), ("Lestari", "Lestary"), ("Purnomo", "Poernomo"),
    ("Hartono", "Hartono"), ("Yanti", "Janti"), ("Setiawan", "Setiawan"),
    ("Kurniawan", "Kurniawan"),
    ("Hidayat", "Hidajat"), ("Rohmah", "Rochmah"), ("Fatimah", "Fatimah"), ("Suyanto", "Soejanto"),
    ("Haryanto", "Harjanto"), ("Sugiyono", "Soegijono"), ("Wulandari", "Wulandari"),
    ("Puspita", "Puspita"), ("Andi", "Andy"), ("Bambang", "Bambang"), ("Joyo", "Djojo"),
]  # fmt: skip
MODERN = np.array([m for m, _ in NAMES])
OLD = np.array([o for _, o in NAMES])
TITLES = np.array(["Hj. ", "H. ", "Drs. ", "Ibu ", "Bpk. ", "Ny. ", "Ir. "])
DEGREES = np.array([", S.Pd", " SE", ", A.Md", ", M.Si", " S.Pd.I"])
MONTHS = np.array(["Jan", "Februari", "Maret", "Apr", "Mei", "Juni", "Juli", "Agt", "Sept", "Okt",
                   "Nop", "Des"])  # fmt: skip
SEX_M = np.array(["L", "1", "Laki-laki", "LAKI-LAKI", "Pria", "LK", "M"])
SEX_F = np.array(["P", "2", "Perempuan", "PEREMPUAN", "Wanita", "PR", "F"])
RELATIONSHIP = np.array(
    ["Kepala Keluarga", "KRT", "1", "Istri", "2", "Anak", "3", "Anak", "Anak", "Cucu", "Menantu",
     "Orang Tua", "Famili Lain", "Lainnya", "-"]
)  # fmt: skip
MISSING = np.array(["", "-", "0", "NULL", "belum ada", "tidak ada"])
STREETS = np.array(
    ["Jl. Pemuda No. ", "Gg. Mawar ", "JLN. KAUMAN ", "Jl Dr Cipto ", "Jl. Majapahit "]
)


def _pick(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    return pool[rng.integers(0, len(pool), n)]


def _zfill(values: np.ndarray, width: int) -> np.ndarray:
    return pd.Series(values).astype(str).str.zfill(width).to_numpy(dtype=object)


def _mask(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    return rng.random(n) < p


def _names(rng: np.random.Generator, tokens: np.ndarray, n: int) -> pd.Series:
    """Write each record's name from its person's name tokens, as an agency might."""
    parts = []
    for column in tokens.T:
        present = column >= 0
        old = _mask(rng, n, 0.12)
        word = np.where(old, OLD[np.maximum(column, 0)], MODERN[np.maximum(column, 0)])
        parts.append(np.where(present, word, ""))
    name = pd.Series(parts[0]) + " " + pd.Series(parts[1])
    name = name + pd.Series(np.where(parts[2] != "", " " + parts[2], ""))
    titled = _mask(rng, n, 0.08)
    name[titled] = _pick(rng, TITLES, int(titled.sum())) + name[titled]
    degree = _mask(rng, n, 0.04)
    name[degree] = name[degree] + _pick(rng, DEGREES, int(degree.sum()))
    upper = _mask(rng, n, 0.5)
    name[upper] = name[upper].str.upper()
    return name


def generate(n: int, seed: int = 20261128) -> pd.DataFrame:
    """``n`` raw records of about ``n / 2.5`` persons in ``n / 9`` households, all text.

    A person appears on several agency lists, each list writing them its own way: names with or
    without titles, in old or new spelling, upper or mixed case; dates in eight forms; NIKs with
    spreadsheet damage; kelurahan as names, codes, with prefixes or typos; RT/RW in four layouts.
    """
    rng = np.random.default_rng(seed)
    regions = pd.read_csv(
        Path(__file__).parents[1] / "src" / "povlink" / "data" / "semarang_wilayah.csv", dtype=str
    )
    persons = max(n * 2 // 5, 1)
    households = max(persons * 10 // 37, 1)
    # -- persons -----------------------------------------------------------------------------
    hh_of = rng.integers(0, households, persons)
    weights = 1 / np.arange(1, len(NAMES) + 1)
    weights /= weights.sum()
    tokens = rng.choice(len(NAMES), size=(persons, 3), p=weights)
    tokens[_mask(rng, persons, 0.7), 2] = -1
    mother_tokens = rng.choice(len(NAMES), size=(persons, 3), p=weights)
    mother_tokens[:, 2] = -1
    born = pd.to_datetime("1930-01-01") + pd.to_timedelta(rng.integers(0, 34000, persons), unit="D")
    female = _mask(rng, persons, 0.52)
    nik = (
        _pick(rng, PROVINCES, persons)
        + _zfill(rng.integers(1, 80, persons), 2)
        + _zfill(rng.integers(1, 20, persons), 2)
        + _zfill(born.day.to_numpy() + np.where(female, 40, 0), 2)
        + _zfill(born.month.to_numpy(), 2)
        + _zfill(born.year.to_numpy() % 100, 2)
        + _zfill(rng.integers(1, 9999, persons), 4)
    )
    # -- households ---------------------------------------------------------------------------
    kk = (
        "337401"
        + _zfill(rng.integers(1, 29, households), 2)
        + _zfill(rng.integers(1, 13, households), 2)
        + _zfill(rng.integers(5, 24, households), 2)
        + _zfill(rng.integers(1, 9999, households), 4)
    )
    region = rng.integers(0, len(regions), households)
    rt = rng.integers(1, 25, households)
    rw = rng.integers(1, 15, households)
    street = _pick(rng, STREETS, households) + rng.integers(1, 200, households).astype(str)
    # -- records -------------------------------------------------------------------------------
    who = rng.integers(0, persons, n)
    hh = hh_of[who]
    record_nik = pd.Series(nik[who])
    spaced = _mask(rng, n, 0.05)
    record_nik[spaced] = record_nik[spaced].str.replace(r"(\d{4})(?=\d)", r"\1 ", regex=True)
    excel = _mask(rng, n, 0.03)
    record_nik[excel] = record_nik[excel].str.slice(0, 1) + "." + record_nik[excel].str.slice(1, 6)
    record_nik[excel] = record_nik[excel] + "E+15"
    floated = _mask(rng, n, 0.02)
    record_nik[floated] = record_nik[floated] + ".0"
    missing = _mask(rng, n, 0.06)
    record_nik[missing] = _pick(rng, MISSING, int(missing.sum()))
    truncated = _mask(rng, n, 0.01)
    record_nik[truncated] = record_nik[truncated].str.slice(0, 15)
    family_card = _mask(rng, n, 0.01)
    record_nik[family_card] = kk[hh[family_card]]

    person_born = born[who]
    form = rng.integers(0, 8, n)
    iso = person_born.strftime("%Y-%m-%d").to_numpy()
    dmy = person_born.strftime("%d-%m-%Y").to_numpy()
    words = (
        person_born.day.astype(str).to_numpy() + " " + MONTHS[person_born.month.to_numpy() - 1]
        + " " + person_born.year.astype(str).to_numpy()
    )  # fmt: skip
    birth = np.select(
        [form == 0, form == 1, form == 2, form == 3, form == 4, form == 5, form == 6],
        [
            iso,
            dmy,
            person_born.strftime("%-d/%-m/%Y").to_numpy(),
            words,
            (person_born - pd.Timestamp("1899-12-30")).days.astype(str).to_numpy(),
            "SEMARANG, " + dmy,
            person_born.strftime("%Y%m%d").to_numpy(),
        ],
        default=np.where(
            _mask(rng, n, 0.5), "01-01-" + person_born.year.astype(str).to_numpy(), "-"
        ),
    )
    sex = np.where(female[who], _pick(rng, SEX_F, n), _pick(rng, SEX_M, n))

    row = region[hh]
    kel_form = rng.integers(0, 6, n)
    kel = np.select(
        [kel_form == 0, kel_form == 1, kel_form == 2],
        [
            np.char.upper(regions["nama_kelurahan"].to_numpy()[row].astype(str)),
            "Kel. " + regions["nama_kelurahan"].to_numpy()[row],
            regions["kode_kelurahan"].to_numpy()[row],
        ],
        default=regions["nama_kelurahan"].to_numpy()[row],
    )
    kel = pd.Series(kel)
    typo = _mask(rng, n, 0.04)
    kel[typo] = kel[typo].str.slice(0, 3) + kel[typo].str.slice(4)
    rt_form = rng.integers(0, 4, n)
    rt_r, rw_r = rt[hh], rw[hh]
    rt_text = np.select(
        [rt_form == 0, rt_form == 1, rt_form == 2],
        [
            _zfill(rt_r, 3),
            _zfill(rt_r, 3) + "/" + _zfill(rw_r, 3),
            "RT." + rt_r.astype(str) + "/RW." + rw_r.astype(str),
        ],
        default=rt_r.astype(str),
    )
    address = street[hh] + np.where(
        rt_form == 3, " RT " + _zfill(rt_r, 3) + " RW " + _zfill(rw_r, 3), ""
    )
    return pd.DataFrame(
        {
            "record_id": "bench:" + pd.Series(np.arange(n)).astype(str),
            "source": _pick(rng, np.array(["dinsos", "dinkes", "disdik", "dukcapil"]), n),
            "nik": record_nik,
            "kk_number": kk[hh],
            "full_name": _names(rng, tokens[who], n),
            "birth_date": birth,
            "birth_place": np.where(form == 5, None, "Semarang"),
            "sex": sex,
            "mother_name": _names(rng, mother_tokens[who], n),
            "relationship": _pick(rng, RELATIONSHIP, n),
            "address": address,
            "rt": rt_text,
            "rw": np.where(rt_form == 0, _zfill(rw_r, 2), None),
            "kelurahan": kel,
            "kecamatan": np.where(
                _mask(rng, n, 0.7), regions["nama_kecamatan"].to_numpy()[row], None
            ),
            "city": "Kota Semarang",
            "household_key": pd.Series(hh).astype(str) + ".0",
            "phone": "08" + pd.Series(rng.integers(10**9, 10**10, n)).astype(str),
        }
    ).astype("string")


def _child(parquet: str) -> dict[str, Any]:
    """One measured run: load the parquet into an engine, then time the standardisation."""
    from povlink.engine import Engine
    from povlink.standardise import load_regions, standardise_table

    regions = load_regions()
    with Engine() as engine:
        engine.create_table("raw", f"SELECT * FROM {Engine.parquet_relation(Path(parquet))}")
        load = os.getloadavg()[0]
        start, cpu = time.perf_counter(), time.process_time()
        standardise_table(engine, "raw", "standardised", regions=regions)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        rows = engine.count("standardised")
        flagged = engine.scalar("SELECT count(*) FROM standardised WHERE len(quality_flags) > 0")
        resolved = engine.scalar("SELECT count(kelurahan_code) FROM standardised")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "load_average_before": load,
        "peak_rss_mib": peak_kib / 1024,
        "rows": rows,
        "flagged_rows": flagged,
        "kelurahan_resolved": resolved,
    }


#: The edits of the incremental run, by record number modulo 1000: 0.5% of the records change a
#: field, 0.2% are removed and 0.3% are added (copies of others under new ids, with a new name).
_EDITS = """
CREATE TABLE edited AS
SELECT record_id, source, nik, kk_number,
       CASE WHEN n % 1000 < 3 THEN full_name || ' Baru' ELSE full_name END AS full_name,
       CASE WHEN n % 1000 = 3 THEN '01-01-1990' ELSE birth_date END AS birth_date,
       birth_place, sex, mother_name, relationship,
       CASE WHEN n % 1000 = 4 THEN 'Jl. Baru No. 1' ELSE address END AS address,
       rt, rw, kelurahan, kecamatan, city, household_key, phone
FROM (SELECT *, CAST(split_part(record_id, ':', 2) AS BIGINT) AS n FROM raw)
WHERE n % 1000 NOT IN (5, 6)
UNION ALL
SELECT 'new:' || record_id, source, nik, kk_number, 'Anak ' || full_name, birth_date,
       birth_place, sex, mother_name, relationship, address, rt, rw, kelurahan, kecamatan, city,
       household_key, phone
FROM (SELECT *, CAST(split_part(record_id, ':', 2) AS BIGINT) AS n FROM raw)
WHERE n % 1000 IN (7, 8, 9)
"""


def _child_incremental(parquet: str, verify: bool) -> dict[str, Any]:
    """One measured incremental run: standardise, edit 1% of the records, time the refresh."""
    from povlink.engine import Engine
    from povlink.standardise import load_regions, standardise_changed, standardise_table

    regions = load_regions()
    with Engine() as engine:
        engine.create_table("raw", f"SELECT * FROM {Engine.parquet_relation(Path(parquet))}")
        standardise_table(engine, "raw", "previous", regions=regions)
        engine.execute(_EDITS)
        result: dict[str, Any] = {"load_average_before": os.getloadavg()[0]}
        # First into a new table (the previous one stays), then in place.
        for mode, target in (("new_table", "refreshed"), ("in_place", "previous")):
            start, cpu = time.perf_counter(), time.process_time()
            changes = standardise_changed(engine, "edited", "previous", target, regions=regions)
            result[f"{mode}_seconds"] = time.perf_counter() - start
            result[f"{mode}_cpu_seconds"] = time.process_time() - cpu
        result |= {
            "added": changes.added,
            "changed": changes.changed,
            "removed": changes.removed,
            "flags_changed": changes.flags_changed,
            "full_fallback": changes.full,
            "rows": engine.count("edited"),
        }
        if verify:
            standardise_table(engine, "edited", "expected", regions=regions)
            result["identical_to_standardise_table"] = all(
                engine.scalar(
                    f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})"
                )
                == 0
                for a, b in [
                    ("refreshed", "expected"),
                    ("expected", "refreshed"),
                    ("previous", "expected"),
                    ("expected", "previous"),
                ]
            ) and engine.columns("previous") == engine.columns("expected")
    return result


def _child_latency() -> dict[str, Any]:
    """Latency of ``standardise_record`` over varied records, after a warm-up."""
    from povlink.schema import CANONICAL_FIELDS
    from povlink.standardise import standardise_record

    frame = generate(2000, seed=7).astype(object)
    records = [
        {f: (None if pd.isna(v) else str(v)) for f, v in row.items() if f in CANONICAL_FIELDS}
        for row in frame.to_dict("records")
    ]
    start = time.perf_counter()
    standardise_record(records[0])
    first = time.perf_counter() - start
    for record in records[1:50]:
        standardise_record(record)
    walls, cpus = [], []
    for record in records[1000:1200]:
        start, cpu = time.perf_counter(), time.process_time()
        standardise_record(record)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    walls.sort()
    return {
        "calls": len(walls),
        "first_call_seconds": round(first, 3),
        "median_ms": round(statistics.median(walls) * 1000, 2),
        "p90_ms": round(walls[int(0.9 * len(walls))] * 1000, 2),
        "median_cpu_ms": round(statistics.median(cpus) * 1000, 2),
        "load_average_before": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-incremental", help=argparse.SUPPRESS)
    parser.add_argument("--verify", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-latency", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_latency:
        print(json.dumps(_child_latency()))
        return
    if args.child:
        print(json.dumps(_child(args.child)))
        return
    if args.child_incremental:
        print(json.dumps(_child_incremental(args.child_incremental, args.verify)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        parquet = Path(tmp) / "raw.parquet"
        start = time.perf_counter()
        generate(args.rows).to_parquet(parquet, index=False)
        generated = time.perf_counter() - start
        runs = []
        for i in range(args.repeat):
            done = subprocess.run(
                [sys.executable, __file__, "--child", str(parquet)],
                check=True,
                capture_output=True,
                text=True,
            )
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            run = runs[-1]
            print(
                f"run {i + 1}: {run['seconds']:.2f} s wall, {run['cpu_seconds']:.2f} s CPU, "
                f"{run['peak_rss_mib']:.0f} MiB"
            )
        incremental = []
        for i in range(args.repeat):
            verify = ["--verify"] if i == 0 else []
            done = subprocess.run(
                [sys.executable, __file__, "--child-incremental", str(parquet), *verify],
                check=True,
                capture_output=True,
                text=True,
            )
            incremental.append(json.loads(done.stdout.strip().splitlines()[-1]))
            inc = incremental[-1]
            print(
                f"incremental {i + 1}: in place {inc['in_place_seconds']:.2f} s wall "
                f"({inc['in_place_cpu_seconds']:.2f} s CPU), new table "
                f"{inc['new_table_seconds']:.2f} s wall"
            )
    done = subprocess.run(
        [sys.executable, __file__, "--child-latency"], check=True, capture_output=True, text=True
    )
    latency = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"standardise_record: median {latency['median_ms']:.2f} ms, p90 {latency['p90_ms']:.2f} ms"
    )
    result = {
        "benchmark": "standardise_table, all fields",
        "rows": args.rows,
        "repeat": args.repeat,
        "median_seconds": round(statistics.median(r["seconds"] for r in runs), 3),
        "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs), 3),
        "median_peak_rss_mib": round(statistics.median(r["peak_rss_mib"] for r in runs), 1),
        "runs": runs,
        "incremental": _incremental_summary(
            incremental, statistics.median(r["seconds"] for r in runs)
        ),
        "standardise_record": latency,
        "generation_seconds": round(generated, 2),
        "target_seconds": 10,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "duckdb": _duckdb_version(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": f"python benchmarks/standardise.py --rows {args.rows} --repeat {args.repeat}",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "standardise.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "standardise.md").write_text(_markdown(result))
    print(_markdown(result))


def _incremental_summary(runs: list[dict[str, Any]], full_seconds: float) -> dict[str, Any]:
    """Medians of the incremental runs and their share of the full standardisation's time."""
    summary: dict[str, Any] = {
        "touched_records": runs[0]["added"] + runs[0]["changed"] + runs[0]["removed"],
        "rows": runs[0]["rows"],
        "identical_to_standardise_table": runs[0].get("identical_to_standardise_table"),
        "target_share_of_full": 0.15,
        "runs": runs,
    }
    for mode in ("in_place", "new_table"):
        seconds = statistics.median(r[f"{mode}_seconds"] for r in runs)
        summary[f"{mode}_median_seconds"] = round(seconds, 3)
        summary[f"{mode}_median_cpu_seconds"] = round(
            statistics.median(r[f"{mode}_cpu_seconds"] for r in runs), 3
        )
        summary[f"{mode}_share_of_full"] = round(seconds / full_seconds, 3)
    return summary


def _duckdb_version() -> str:
    from importlib.metadata import version

    return version("duckdb")


def _markdown(result: dict[str, Any]) -> str:
    runs = result["runs"]
    lines = [
        "# Standardisation benchmark",
        "",
        f"`{result['command']}` on {result['date']} ({result['machine']['cpus']} CPUs, DuckDB "
        f"{result['machine']['duckdb']}, load average at the end "
        f"{result['machine']['load_average_at_end']}).",
        "",
        "| rows | runs | median wall (s) | median CPU (s) | median peak RSS (MiB) | rows/s "
        "| target |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| {result['rows']:,} | {len(runs)} | {result['median_seconds']:.2f} | "
        f"{result['median_cpu_seconds']:.2f} | "
        f"{result['median_peak_rss_mib']:.0f} | "
        f"{result['rows'] / result['median_seconds']:,.0f} | "
        f"< {result['target_seconds']} s: {'met' if result['median_seconds'] < 10 else 'missed'} |",
        "",
        "Per run, wall (s): "
        + ", ".join(f"{r['seconds']:.2f}" for r in runs)
        + "; load average before each run: "
        + ", ".join(f"{r['load_average_before']:.1f}" for r in runs)
        + ". Rows with at "
        f"least one quality flag: {runs[0]['flagged_rows']:,}; kelurahan resolved: "
        f"{runs[0]['kelurahan_resolved']:,}.",
        "",
        *_incremental_markdown(result),
        *_latency_markdown(result),
    ]
    return "\n".join(lines)


def _incremental_markdown(result: dict[str, Any]) -> list[str]:
    inc = result["incremental"]
    rows = [
        f"| {label} | {inc[f'{mode}_median_seconds']:.2f} "
        f"| {inc[f'{mode}_median_cpu_seconds']:.2f} | {inc[f'{mode}_share_of_full']:.1%} |"
        for label, mode in (("in place", "in_place"), ("into a new table", "new_table"))
    ]
    return [
        "## Incremental refresh (`standardise_changed`)",
        "",
        f"{inc['touched_records']:,} of {inc['rows']:,} records touched (0.5% changed, 0.2% "
        "removed, 0.3% added); result identical to `standardise_table`: "
        f"{inc['identical_to_standardise_table']}.",
        "",
        "| refresh | median wall (s) | median CPU (s) | share of the full run's wall |",
        "| --- | ---: | ---: | ---: |",
        *rows,
        "",
        f"Target: under {inc['target_share_of_full']:.0%} of the full run.",
        "",
    ]


def _latency_markdown(result: dict[str, Any]) -> list[str]:
    lat = result["standardise_record"]
    return [
        "## One record (`standardise_record`)",
        "",
        f"{lat['calls']} calls on varied records with every field filled, after 50 warm-up calls "
        f"(the first call prepares the statements: {lat['first_call_seconds']:.2f} s); load "
        f"average before: {lat['load_average_before']:.1f}.",
        "",
        "| median wall (ms) | p90 wall (ms) | median CPU (ms) |",
        "| ---: | ---: | ---: |",
        f"| {lat['median_ms']:.2f} | {lat['p90_ms']:.2f} | {lat['median_cpu_ms']:.2f} |",
        "",
    ]


if __name__ == "__main__":
    main()
