"""The ``povlink`` command: argument parsing and printing only; the work is in :mod:`povlink`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from povlink._version import __version__
from povlink.exceptions import ConfigError, PovlinkError
from povlink.schema import CANONICAL_FIELDS

if TYPE_CHECKING:
    from povlink.evaluate import Scores

log = logging.getLogger("povlink")

Handler = Callable[[argparse.Namespace], int]


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


# -- commands -----------------------------------------------------------------------------------
def _cmd_ingest(args: argparse.Namespace) -> int:
    from povlink.project import Project

    summary = Project.from_toml(args.config).ingest()
    if args.json:
        _print_json(summary.to_dict())
        return 0
    print(f"run {summary.run_id}: ingested {len(summary.sources)} source(s)")
    for s in summary.sources:
        if s.unchanged:
            print(f"  {s.source:<24} unchanged (version {s.version}, {s.n_records:,} records)")
        else:
            print(
                f"  {s.source:<24} version {s.version}: {s.n_records:,} records "
                f"(+{s.n_added:,} added, ~{s.n_changed:,} changed, -{s.n_withdrawn:,} withdrawn)"
            )
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from povlink.project import Project

    for path in Project.from_toml(args.config).export(args.out):
        print(path)
    return 0


def _cmd_resolve(args: argparse.Namespace) -> int:
    from povlink.project import Project

    result = Project.from_toml(args.config).resolve(retrain=args.retrain, full=args.full)
    s = result.summary
    if args.json:
        _print_json(s.to_dict())
        return 0
    model = "trained" if s.model_trained else "reused"
    mode = f"incremental ({s.records_rescored:,} records rescored)" if s.incremental else "full"
    print(f"run {s.run_id}: {s.records:,} records from {len(s.sources)} list(s)")
    print(f"  persons      {s.persons:,}")
    print(f"  households   {s.households:,}")
    print(
        f"  links        {s.links:,} of {s.pairs_scored:,} scored pairs (threshold {s.threshold})"
    )
    print(f"  model        {model}; scoring {mode}")
    print(
        f"  person IDs   {s.ids_created:,} created, {s.ids_carried_forward:,} carried forward, "
        f"{s.ids_retired:,} retired"
    )
    print("  seconds      " + ", ".join(f"{k} {v:.1f}" for k, v in s.stage_seconds.items()))
    return 0


def _print_scores(label: str, scores: Scores | None) -> None:
    if scores is None:
        return
    print(
        f"  {label:<11} pairwise P {scores.pairwise_precision:.4f} R {scores.pairwise_recall:.4f} "
        f"F1 {scores.pairwise_f1:.4f} | B-cubed P {scores.bcubed_precision:.4f} "
        f"R {scores.bcubed_recall:.4f} F1 {scores.bcubed_f1:.4f}"
    )


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from povlink.project import Project

    evaluation = Project.from_toml(args.config).evaluate(args.truth)
    if args.json:
        _print_json(evaluation.to_dict())
        return 0
    print(f"against {args.truth} ({evaluation.persons.records:,} records)")
    _print_scores("persons", evaluation.persons)
    _print_scores("households", evaluation.households)
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from povlink.synth import generate_city

    city = generate_city(
        args.out,
        households=args.households,
        seed=args.seed,
        whole_city_register=args.whole_city_register,
    )
    print(
        f"wrote {len(city.lists)} lists ({city.records:,} records of {city.persons:,} residents "
        f"in {city.households:,} households) to {city.out_dir}"
    )
    print(f"  project file  {city.project_file}")
    print(f"  truth         {city.truth_file}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from povlink.project import Project
    from povlink.synth import generate_city

    folder: Path = args.dir
    registry = folder / "registry.duckdb"
    registry.unlink(missing_ok=True)  # a demo starts from scratch
    city = generate_city(folder, households=args.households, seed=args.seed)
    print(f"synthesised {city.records:,} records in {len(city.lists)} lists under {folder}")
    project = Project.from_toml(city.project_file)
    summary = project.resolve().summary
    print(
        f"resolved into {summary.persons:,} persons and {summary.households:,} households "
        f"({summary.links:,} links, {sum(summary.stage_seconds.values()):.1f} s)"
    )
    evaluation = project.evaluate(city.truth_file)
    print("accuracy against the synthetic truth:")
    _print_scores("persons", evaluation.persons)
    _print_scores("households", evaluation.households)
    report = project.report()
    html = report.to_html(folder / "report.html")
    figures = report.to_json()
    print(
        f"the lists name {figures.get('list_households', 'n/a')} households in total; "
        f"{figures['households']:,} distinct"
    )
    print(f"report: {html}")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from povlink.project import Project

    explanation = Project.from_toml(args.config).explain(args.record_a, args.record_b)
    print(explanation.to_text())
    if args.html:
        print(f"waterfall chart: {explanation.to_html(args.html)}")
    return 0


def _cmd_match(args: argparse.Namespace) -> int:
    from povlink.match import describe_match, match_to_json
    from povlink.project import Project

    record = {f: getattr(args, f) for f in CANONICAL_FIELDS if getattr(args, f) is not None}
    if not record:
        raise ConfigError(
            "give at least one field of the record, e.g. --nik 3374... --full-name 'Siti Aminah'"
        )
    result = Project.from_toml(args.config).match(record, top=args.top)
    if args.json:
        _print_json(match_to_json(result))
    else:
        print(describe_match(result))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from povlink.project import Project

    report = Project.from_toml(args.config).report()
    if args.html:
        report.to_html(args.html)
        print(args.html)
    if args.json or not args.html:
        _print_json(report.to_json())
    return 0


def _cmd_history(args: argparse.Namespace) -> int:
    from povlink.project import Project

    history = Project.from_toml(args.config).history(args.person_id)
    if args.json:
        _print_json(
            {
                "person_id": history.person_id,
                "records": history.records.to_dict(orient="records"),
                "events": history.events.to_dict(orient="records"),
            }
        )
        return 0
    print(f"person {history.person_id}")
    print("records (run_from..run_to: the runs in which the record carried this ID)")
    print(history.records.to_string(index=False) if not history.records.empty else "  none")
    print("events")
    print(history.events.to_string(index=False) if not history.events.empty else "  none")
    return 0


# -- parser -------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``povlink`` command."""
    parser = argparse.ArgumentParser(
        prog="povlink",
        description="One register of persons and households from a city's poverty lists.",
    )
    parser.add_argument("--version", action="version", version=f"povlink {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    common.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = add("ingest", _cmd_ingest, "read every source into the registry")
    p.add_argument("config", type=Path, help="the project file (povlink.toml)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = add("resolve", _cmd_resolve, "ingest, standardise, link and assign stable IDs")
    p.add_argument("config", type=Path, help="the project file (povlink.toml)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--retrain", action="store_true", help="train a new model, do not reuse")
    p.add_argument("--full", action="store_true", help="score every pair, even if few changed")

    p = add("evaluate", _cmd_evaluate, "precision, recall and F1 against a truth file")
    p.add_argument("config", type=Path, help="the project file (povlink.toml)")
    p.add_argument(
        "--truth", type=Path, required=True, help="csv: record_id,person_id[,household_id]"
    )
    p.add_argument("--json", action="store_true", help="print the scores as JSON")

    p = add("synth", _cmd_synth, "write a synthetic city: agency lists, truth and povlink.toml")
    p.add_argument("--out", type=Path, required=True, help="the folder to write into")
    p.add_argument("--households", type=int, default=2_000, help="households in the city")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    p.add_argument(
        "--whole-city-register", action="store_true", help="add a list of every resident"
    )

    p = add("demo", _cmd_demo, "synthesise a small city, resolve and evaluate it, write the report")
    p.add_argument("--dir", type=Path, default=Path("povlink-demo"), help="where to write")
    p.add_argument("--households", type=int, default=2_000, help="households in the city")
    p.add_argument("--seed", type=int, default=2026, help="random seed of the city")

    p = add("explain", _cmd_explain, "why two records do or do not match")
    p.add_argument("config", type=Path, help="the project file (povlink.toml)")
    p.add_argument("record_a", help="a record id, e.g. dinsos_dtks:3374-0001")
    p.add_argument("record_b", help="another record id")
    p.add_argument("--html", type=Path, metavar="FILE", help="also write the waterfall chart")

    p = add("match", _cmd_match, "the most likely persons for one record (registry unchanged)")
    p.add_argument("config", type=Path, help="the project file (povlink.toml)")
    for field in CANONICAL_FIELDS:
        p.add_argument(f"--{field.replace('_', '-')}", dest=field, metavar="VALUE")
    p.add_argument("--top", type=int, default=5, help="how many persons to show")
    p.add_argument("--json", action="store_true", help="print as JSON")

    p = add("report", _cmd_report, "the integration report: overlaps, coverage, data quality")
    p.add_argument("config", type=Path, help="the project file (povlink.toml)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--html", type=Path, metavar="FILE", help="write one self-contained HTML page")

    p = add("history", _cmd_history, "a person's records over time and the events on the ID")
    p.add_argument("config", type=Path, help="the project file (povlink.toml)")
    p.add_argument("person_id", help="a person ID such as P000000042")
    p.add_argument("--json", action="store_true", help="print as JSON")

    p = add("export", _cmd_export, "write the register's tables as csv files")
    p.add_argument("config", type=Path, help="the project file (povlink.toml)")
    p.add_argument("--out", type=Path, required=True, help="the folder to write into")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``povlink`` command; return its exit code (0 ok, 2 bad input or config)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else (logging.WARNING if args.quiet else logging.INFO),
        format="%(message)s",
        stream=sys.stderr,
    )
    handler: Handler = args.handler
    try:
        return handler(args)
    except PovlinkError as err:
        if args.debug:
            traceback.print_exc()
        print(f"povlink: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("povlink: interrupted; the registry is unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
