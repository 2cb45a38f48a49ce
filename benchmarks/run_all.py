"""Run every benchmark (``make bench``) and rebuild ``benchmarks/README.md`` from the results.

Each script writes ``results/<name>.json`` and ``results/<name>.md``; this runner calls them in
turn with their default (full-size) arguments, then stitches the markdown tables together with
the machine they ran on. ``--readme-only`` just rebuilds the README from the results present.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"

#: Script and arguments, in the order of the pipeline.
BENCHMARKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ingest.py", ()),
    ("standardise.py", ()),
    ("synth.py", ()),
    ("accuracy.py", ()),
    ("speed.py", ()),
    ("households.py", ()),
    ("match.py", ()),
    (
        "city.py",
        ("--households", "50000", "100000", "200000", "500000", "--whole-city-register"),
    ),
)

INTRO = """# Benchmarks

Speed, memory and accuracy are measured here, never by timed unit tests. Each script runs its
measurements in fresh processes (peak memory is the process's own `ru_maxrss`), repeats where
time allows and reports medians; ratios measured side by side in one run carry the conclusions,
because these 2-core machines are noisy (other jobs may run beside a benchmark).

Run everything with `make bench`, or one script, e.g. `.venv/bin/python benchmarks/ingest.py`.
Results are in `results/*.json` (with the machine's cores, memory and package versions) and the
tables below are rebuilt from `results/*.md` by `benchmarks/run_all.py --readme-only`.
"""


def machine_line() -> str:
    for path in sorted(RESULTS.glob("*.json")):
        data = json.loads(path.read_text())
        m = data.get("machine")
        if m:
            packages = ", ".join(f"{k} {v}" for k, v in m.get("packages", {}).items() if v)
            return (
                f"Machine: {m.get('cores')} cores, {m.get('memory_gib')} GiB, Python "
                f"{m.get('python')}; {packages}."
            )
    return ""


def write_readme() -> None:
    order = [Path(name).stem for name, _ in BENCHMARKS]
    tables = sorted(RESULTS.glob("*.md"), key=lambda p: [*order, p.stem].index(p.stem))
    parts = [INTRO, machine_line(), ""]
    parts += [p.read_text().strip() + "\n" for p in tables]
    (HERE / "README.md").write_text("\n".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readme-only", action="store_true")
    args = parser.parse_args()
    if not args.readme_only:
        for script, arguments in BENCHMARKS:
            print(f"== {script} {' '.join(arguments)}", flush=True)
            subprocess.run([sys.executable, str(HERE / script), *arguments], check=True)
    write_readme()


if __name__ == "__main__":
    main()
