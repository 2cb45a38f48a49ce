"""Shared helpers for the benchmark scripts: run a measured child process, record results.

Each measurement runs in a fresh Python process so that its peak memory (``ru_maxrss``) is its
own. Machines here are noisy: scripts repeat runs and report medians and ratios.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"

_CHILD_PRELUDE = """
import json, resource, sys, time
_t0 = time.perf_counter()
"""
_CHILD_EPILOGUE = """
_elapsed = time.perf_counter() - _t0
print("__MEASURE__" + json.dumps({"seconds": _elapsed,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    **globals().get("EXTRA", {})}))
"""


def measure(code: str, *, cwd: Path | None = None) -> dict[str, Any]:
    """Run ``code`` in a new interpreter; return its wall time (s) and peak RSS (MiB).

    The code may set a dict ``EXTRA`` whose items are added to the result.
    """
    script = _CHILD_PRELUDE + textwrap.dedent(code) + _CHILD_EPILOGUE
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-4000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("__MEASURE__"))
    return dict(json.loads(line.removeprefix("__MEASURE__")))


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def machine() -> dict[str, Any]:
    """Cores, memory and package versions, stored beside every result."""
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for pkg in ("povlink", "splink", "duckdb", "pandas", "pyarrow", "numpy"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def write_results(name: str, results: dict[str, Any], table: str) -> None:
    """Write ``results/<name>.json`` and the markdown table ``results/<name>.md``."""
    RESULTS.mkdir(exist_ok=True)
    payload = {"machine": machine(), **results}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    (RESULTS / f"{name}.md").write_text(table.rstrip() + "\n")
    print(table)


def ingest_and_standardise(project_file: Path, registry_path: Path) -> None:
    """Ingest every list of a project into a new registry and store its ``standardised`` table.

    The first two stages of ``povlink resolve``, for benchmarks that time linkage on its own.
    """
    from povlink.config import load_project
    from povlink.registry import Registry
    from povlink.standardise import load_regions, standardise_table

    config = load_project(project_file)
    with Registry(registry_path) as registry, registry.run("ingest") as run:
        for source in config.sources:
            registry.ingest(run, source)
        names = [s.name for s in config.sources]
        registry.engine.create_table("records", registry.current_records_sql(names))
        standardise_table(
            registry.engine,
            "records",
            "standardised",
            regions=load_regions(config.regions),
            date_order={s.name: s.options.date_order for s in config.sources},
        )


def change_one_percent(folder: Path, total_records: int) -> int:
    """Retype the name of 1% of all records, all in the largest csv list; return how many."""
    from povlink.config import load_project

    config = load_project(folder / "povlink.toml")
    csv_sources = [s for s in config.sources if s.path and s.path.suffix == ".csv"]
    source = max(csv_sources, key=lambda s: s.path.stat().st_size if s.path else 0)
    assert source.path is not None
    encoding = source.options.encoding
    delimiter = source.options.delimiter or ","
    with source.path.open(encoding=encoding, newline="") as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    name_column = source.mapped_columns()["full_name"][0]
    name = rows[0].index(name_column)
    wanted = max(1, total_records // 100)
    for row in rows[1 : 1 + wanted]:
        row[name] = row[name] + " X"
    with source.path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return min(wanted, len(rows) - 1)
