"""The ``povlink`` command: argument parsing and printing only; the work is in :mod:`povlink`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from povlink import __version__
from povlink.exceptions import PovlinkError

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
