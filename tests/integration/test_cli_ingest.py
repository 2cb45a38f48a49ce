"""The command line: ingest and export, and one readable message per bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from povlink.cli import main
from tests.unit.core.helpers import DTKS_CSV, DTKS_SOURCE, write_project

pytestmark = pytest.mark.integration


def test_ingest_then_export_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`povlink ingest` then `povlink export` writes records.csv with the raw fields."""
    config = write_project(tmp_path, DTKS_SOURCE, {"dtks.csv": DTKS_CSV})
    assert main(["ingest", str(config)]) == 0
    assert "dinsos_dtks" in capsys.readouterr().out
    assert main(["export", str(config), "--out", str(tmp_path / "out")]) == 0
    with (tmp_path / "out" / "records.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["record_id"] for r in rows] == ["dinsos_dtks:1", "dinsos_dtks:2", "dinsos_dtks:3"]
    assert rows[1]["full_name"] == "BUDI, SANTOSO"
    assert rows[2]["nik"] == ""


@pytest.mark.parametrize(
    ("sources", "files", "expected"),
    [
        (DTKS_SOURCE.replace('"NAMA"', '"NAMA_X"'), {"dtks.csv": DTKS_CSV},
         "column 'NAMA_X' not found in dtks.csv; the file has ID_ART, NIK, NAMA, TGL_LAHIR, KET"),
        (DTKS_SOURCE, {}, "key 'path': file 'dtks.csv' not found"),
        (DTKS_SOURCE.replace("full_name", "ful_name"), {"dtks.csv": DTKS_CSV},
         "unknown canonical field 'ful_name'; did you mean 'full_name'?"),
        (DTKS_SOURCE.replace('"dinsos_dtks"', '"Dinsos DTKS"'), {"dtks.csv": DTKS_CSV},
         "'Dinsos DTKS' is not a valid source name"),
        (DTKS_SOURCE + DTKS_SOURCE, {"dtks.csv": DTKS_CSV}, "two sources are named 'dinsos_dtks'"),
        (DTKS_SOURCE, {"dtks.csv": DTKS_CSV + "1,,dup,,\n"}, "column 'ID_ART' repeats 1 value(s)"),
        (DTKS_SOURCE, {"dtks.csv": DTKS_CSV + ",,no id,,\n"}, "is empty in data row(s) 4"),
        (DTKS_SOURCE, {"dtks.csv": DTKS_CSV.encode() + "5,,Jos\xe9,,\n".encode("latin-1")},
         "dtks.csv line 5 (data row 4) cannot be decoded as utf-8"),
        ("[[source\n", {}, "not valid TOML"),
    ],
)  # fmt: skip
def test_bad_input_one_message_no_traceback_registry_untouched(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sources: str,
    files: dict[str, str | bytes],
    expected: str,
) -> None:
    """Exit code 2, one readable line naming the culprit, and no registry written."""
    config = write_project(tmp_path, sources, files)
    assert main(["ingest", str(config)]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert err.startswith("povlink: error: ")
    assert "Traceback" not in err
    assert not (tmp_path / "registry.duckdb").exists() or _no_versions(tmp_path)


def _no_versions(folder: Path) -> bool:
    from povlink.registry import Registry

    with Registry(folder / "registry.duckdb", read_only=True) as reg:
        return reg.versions().empty


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--debug adds the traceback for a bug report."""
    config = write_project(tmp_path, DTKS_SOURCE, {})
    assert main(["ingest", str(config), "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err
