"""Ingest a 1,000,000-row csv agency list into a new registry: wall time and peak memory.

Target (issue 2) on a 2-core machine: under 15 s and under 2 GiB.

    .venv/bin/python benchmarks/ingest.py [--rows 1000000] [--repeat 3]

With ``--city FOLDER`` (a city made by ``povlink.synth.generate_city``) it instead times every
list of the city into a new registry, then a second ingest after its largest csv list lost its
last row, reporting wall and CPU seconds (the CPU time is steadier on a shared machine):

    .venv/bin/python benchmarks/ingest.py --city /tmp/city [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from _common import measure, median_of, write_results

FIRST = np.array(["SITI", "SRI", "MUHAMMAD", "NUR", "SUTRISNO", "SLAMET", "AMINAH", "JOKO"])
LAST = np.array(["AMINAH", "WAHYUNI", "RIZKI", "HAYATI", "", "RIYADI", "SUPRIYANTO", "WIDODO"])


def write_list(path: Path, rows: int, seed: int = 7) -> None:
    """A DTKS-like csv with NIK, KK, name, birth date, address columns (vectorised)."""
    rng = np.random.default_rng(seed)
    day = rng.integers(1, 29, rows)
    month = rng.integers(1, 13, rows)
    year = rng.integers(1940, 2020, rows)
    female = rng.random(rows) < 0.5
    serial = rng.integers(1, 9999, rows)
    nik = (
        pd.Series([f"3374{k:02d}" for k in rng.integers(1, 17, rows)])
        + pd.Series(day + 40 * female).map("{:02d}".format)
        + pd.Series(month).map("{:02d}".format)
        + pd.Series(year % 100).map("{:02d}".format)
        + pd.Series(serial).map("{:04d}".format)
    )
    frame = pd.DataFrame(
        {
            "ID_ART": np.arange(1, rows + 1),
            "NIK": nik,
            "NO_KK": nik.str[:6] + "0101" + "20" + pd.Series(serial).map("{:04d}".format),
            "NAMA": pd.Series(FIRST[rng.integers(0, 8, rows)])
            + " "
            + pd.Series(LAST[rng.integers(0, 8, rows)]),
            "TGL_LAHIR": pd.Series(day).map("{:02d}".format)
            + "-"
            + pd.Series(month).map("{:02d}".format)
            + "-"
            + pd.Series(year).astype(str),
            "JNS_KEL": np.where(female, "P", "L"),
            "ALAMAT": "JL. MELATI NO. " + pd.Series(serial % 200).astype(str) + " RT 003 RW 005",
            "KELURAHAN": "Kauman",
            "KET": "",
        }
    )
    frame.to_csv(path, index=False)


_TIMED_INGEST = """
from povlink.project import Project
_project = Project.from_toml({toml!r})
_r0, _w0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
_summary = _project.ingest()
_r1 = resource.getrusage(resource.RUSAGE_SELF)
EXTRA = {{"ingest_seconds": time.perf_counter() - _w0,
          "cpu_seconds": _r1.ru_utime + _r1.ru_stime - _r0.ru_utime - _r0.ru_stime,
          "records": sum(v.n_records for v in _summary.sources)}}
"""


def city(folder: Path, repeat: int) -> None:
    """A new registry from every list of a city, then a re-ingest with one list changed."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "city"
        shutil.copytree(folder, work, ignore=shutil.ignore_patterns("registry.duckdb*", "truth*"))
        changed = max(work.glob("*.csv"), key=lambda p: p.stat().st_size)
        original = changed.read_bytes()
        toml = str(work / "povlink.toml")
        fresh, again = [], []
        for _ in range(repeat):
            changed.write_bytes(original)
            for old in work.glob("registry.duckdb*"):
                old.unlink()
            fresh.append(measure(_TIMED_INGEST.format(toml=toml)))
            changed.write_bytes(original[: original.rstrip(b"\n").rfind(b"\n") + 1])
            again.append(measure(_TIMED_INGEST.format(toml=toml)))
    rows = []
    for name, runs in (("new registry", fresh), (f"{changed.name} changed", again)):
        rows.append(
            f"| {name} | {runs[0]['records']:,} | {len(runs)} | "
            f"{median_of(runs, 'ingest_seconds'):.2f} | {median_of(runs, 'cpu_seconds'):.2f} | "
            f"{median_of(runs, 'peak_rss_mib'):.0f} |"
        )
    table = (
        f"### Ingest of the city in {folder.name}\n\n"
        "| ingest | records | runs | median wall s | median CPU s | peak RSS MiB |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: |\n" + "\n".join(rows) + "\n"
    )
    write_results("ingest_city", {"city": str(folder), "fresh": fresh, "changed": again}, table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--city", type=Path, help="a generated city folder to ingest instead")
    args = parser.parse_args()
    if args.city is not None:
        city(args.city, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_list(folder / "dtks.csv", args.rows)
        size_mib = (folder / "dtks.csv").stat().st_size / 2**20
        (folder / "povlink.toml").write_text(
            'registry = "registry.duckdb"\n[[source]]\nname = "dinsos_dtks"\npath = "dtks.csv"\n'
            'id_column = "ID_ART"\n[source.columns]\nnik = "NIK"\nkk_number = "NO_KK"\n'
            'full_name = "NAMA"\nbirth_date = "TGL_LAHIR"\nsex = "JNS_KEL"\naddress = "ALAMAT"\n'
            'kelurahan = "KELURAHAN"\n'
        )
        runs = []
        for _ in range(args.repeat):
            (folder / "registry.duckdb").unlink(missing_ok=True)
            runs.append(
                measure(
                    f"""
                    from povlink.project import Project
                    summary = Project.from_toml({str(folder / "povlink.toml")!r}).ingest()
                    EXTRA = {{"records": summary.sources[0].n_records}}
                    """
                )
            )
        assert all(r["records"] == args.rows for r in runs)
    seconds = median_of(runs, "seconds")
    peak = median_of(runs, "peak_rss_mib")
    table = (
        "### Ingest (issue 2): one csv list into a new registry\n\n"
        "| rows | file MiB | runs | median s | peak RSS MiB (median) | target |\n"
        "| ---: | ---: | ---: | ---: | ---: | --- |\n"
        f"| {args.rows:,} | {size_mib:.0f} | {len(runs)} | {seconds:.2f} | {peak:.0f} | "
        "< 15 s, < 2048 MiB |\n"
    )
    write_results(
        "ingest",
        {"rows": args.rows, "file_mib": size_mib, "runs": runs, "median_seconds": seconds,
         "median_peak_rss_mib": peak},
        table,
    )  # fmt: skip


if __name__ == "__main__":
    main()
