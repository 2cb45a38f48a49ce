"""The registry: versions of lists, runs, and all-or-nothing writes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from povlink.config import Source
from povlink.exceptions import RegistryError, SourceError
from povlink.project import Project
from povlink.registry import Registry

from .helpers import DTKS_CSV, DTKS_SOURCE, write_project


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_first_ingest_is_version_one(tmp_path: Path) -> None:
    """Every record of a new source is added in version 1, and the run is recorded."""
    project = Project.from_toml(write_project(tmp_path, DTKS_SOURCE, {"dtks.csv": DTKS_CSV}))
    summary = project.ingest()
    (v,) = summary.sources
    assert (v.version, v.n_records, v.n_added, v.n_changed, v.n_withdrawn) == (1, 3, 3, 0, 0)
    with project.open_registry(read_only=True) as reg:
        runs = reg.runs()
        assert runs["command"].tolist() == ["ingest"]
        assert reg.current_records()["record_id"].tolist() == [
            "dinsos_dtks:1", "dinsos_dtks:2", "dinsos_dtks:3",
        ]  # fmt: skip


def test_unchanged_file_is_skipped(tmp_path: Path) -> None:
    """A second ingest of the same bytes writes no new version."""
    project = Project.from_toml(write_project(tmp_path, DTKS_SOURCE, {"dtks.csv": DTKS_CSV}))
    project.ingest()
    (v,) = project.ingest().sources
    assert v.unchanged
    assert v.version == 1
    with project.open_registry(read_only=True) as reg:
        assert len(reg.versions("dinsos_dtks")) == 1


def test_unchanged_file_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recognising an unchanged file costs one pass over its bytes, not a new read."""
    project = Project.from_toml(write_project(tmp_path, DTKS_SOURCE, {"dtks.csv": DTKS_CSV}))
    project.ingest()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged file was staged again")

    monkeypatch.setattr("povlink.registry.stage_source", refuse)
    (v,) = project.ingest().sources
    assert (v.unchanged, v.version, v.n_records) == (True, 1, 3)


def test_same_bytes_read_another_way_are_a_new_version(tmp_path: Path) -> None:
    """Changing how a file is decoded (here its encoding) re-reads it: the bytes are the same,
    the records are not."""
    files = {"dtks.csv": DTKS_CSV.replace("SITI", "SÉTI")}
    Project.from_toml(write_project(tmp_path, DTKS_SOURCE, files)).ingest()
    cp1252 = DTKS_SOURCE + '[source.options]\nencoding = "cp1252"\n'
    (v,) = Project.from_toml(write_project(tmp_path, cp1252, files)).ingest().sources
    assert not v.unchanged
    assert (v.version, v.n_changed) == (2, 1)


def test_changed_file_records_added_changed_withdrawn(tmp_path: Path) -> None:
    """A refreshed list becomes version 2; version 1 stays queryable."""
    config = write_project(tmp_path, DTKS_SOURCE, {"dtks.csv": DTKS_CSV})
    project = Project.from_toml(config)
    project.ingest()
    (tmp_path / "dtks.csv").write_text(
        "ID_ART,NIK,NAMA,TGL_LAHIR,KET\n"
        "1,3374014101850001,SITI AMINAH,01-01-1985,x\n"  # unchanged
        "3,3374010202900003,Joko,1990-02-03,y\n"  # changed: NIK filled in
        "4,,Wagiyem,1950,\n"  # added; 2 is withdrawn
    )
    (v,) = project.ingest().sources
    assert (v.version, v.n_added, v.n_changed, v.n_withdrawn) == (2, 1, 1, 1)
    with project.open_registry(read_only=True) as reg:
        assert reg.changes("dinsos_dtks", 2).values.tolist() == [
            ["dinsos_dtks:2", "withdrawn"],
            ["dinsos_dtks:3", "changed"],
            ["dinsos_dtks:4", "added"],
        ]
        v1 = reg.records_at("dinsos_dtks", 1)
        assert v1["record_id"].tolist() == ["dinsos_dtks:1", "dinsos_dtks:2", "dinsos_dtks:3"]
        assert v1.loc[v1.record_id == "dinsos_dtks:3", "nik"].isna().all()
        now = reg.current_records()
        assert sorted(now["record_id"]) == ["dinsos_dtks:1", "dinsos_dtks:3", "dinsos_dtks:4"]
        assert now.loc[now.record_id == "dinsos_dtks:3", "nik"].item() == "3374010202900003"


def test_failure_mid_run_leaves_the_file_exactly_as_before(tmp_path: Path) -> None:
    """A second source that fails after the first was written rolls everything back."""
    sources = DTKS_SOURCE + textwrap.dedent("""
        [[source]]
        name = "dinkes_kis"
        path = "kis.csv"
        id_column = "ID"
        [source.columns]
        nik = "NIK"
    """)
    config = write_project(tmp_path, sources, {"dtks.csv": DTKS_CSV, "kis.csv": "ID,NIK\n1,3\n"})
    project = Project.from_toml(config)
    project.ingest()
    registry_file = tmp_path / "registry.duckdb"
    before = _digest(registry_file)
    (tmp_path / "dtks.csv").write_text(DTKS_CSV + "9,,New Person,,\n")  # would be version 2
    (tmp_path / "kis.csv").write_text("ID,NIK\n1,3\n1,4\n")  # fails: repeated id
    with pytest.raises(SourceError, match="repeats"):
        project.ingest()
    assert _digest(registry_file) == before
    with project.open_registry(read_only=True) as reg:
        assert reg.versions()["version"].tolist() == [1, 1]
        assert len(reg.runs()) == 1


def test_failure_injected_inside_a_write_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error raised between two writes of one source leaves no trace."""
    config = write_project(tmp_path, DTKS_SOURCE, {"dtks.csv": DTKS_CSV})
    project = Project.from_toml(config)
    project.ingest()
    (tmp_path / "dtks.csv").write_text(DTKS_CSV + "9,,New Person,,\n")
    original = Registry._store_version

    def failing(self: Registry, *args: object) -> object:
        original(self, *args)  # type: ignore[arg-type]
        raise RuntimeError("disk full")

    monkeypatch.setattr(Registry, "_store_version", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        project.ingest()
    monkeypatch.undo()
    with project.open_registry(read_only=True) as reg:
        assert reg.versions()["version"].tolist() == [1]
        assert len(reg.current_records()) == 3


KIS_WORKBOOK_SOURCE = """
[[source]]
name = "dinkes_kis"
path = "kis.xlsx"
id_column = "ID"
[source.columns]
nik = "NIK"
full_name = "NAMA"
"""


def _write_workbook(path: Path, rows: list[list[object]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()


def _csv_and_workbook_project(tmp_path: Path) -> Project:
    config = write_project(tmp_path, DTKS_SOURCE + KIS_WORKBOOK_SOURCE, {"dtks.csv": DTKS_CSV})
    _write_workbook(tmp_path / "kis.xlsx", [["ID", "NIK", "NAMA"], [7, "3374010101900001", "Ani"]])
    return Project.from_toml(config)


def test_a_changed_workbook_is_read_in_a_thread_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worksheet is read off the main thread (so the engine can read the other files
    meanwhile), and its records are stored as a serial read would store them."""
    import threading

    import povlink.registry

    project = _csv_and_workbook_project(tmp_path)
    readers: list[str] = []
    original = povlink.registry.read_workbook

    def recording(source: Source) -> object:
        readers.append(threading.current_thread().name)
        return original(source)

    monkeypatch.setattr(povlink.registry, "read_workbook", recording)
    dtks, kis = project.ingest().sources
    assert readers
    assert readers[0].startswith("povlink-workbook")
    assert (dtks.n_added, kis.n_added) == (3, 1)
    with project.open_registry(read_only=True) as reg:
        records = reg.current_records().set_index("record_id")
    assert records.loc["dinkes_kis:7", ["nik", "full_name"]].tolist() == [
        "3374010101900001", "Ani",
    ]  # fmt: skip
    assert len(records) == 4


def test_an_unchanged_workbook_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The early read is only for workbooks whose bytes changed."""
    project = _csv_and_workbook_project(tmp_path)
    project.ingest()
    (tmp_path / "dtks.csv").write_text(DTKS_CSV + "9,,New Person,,\n")

    def refuse(source: Source) -> None:
        raise AssertionError(f"the unchanged workbook of {source.name} was read again")

    monkeypatch.setattr("povlink.registry.read_workbook", refuse)
    dtks, kis = project.ingest().sources
    assert (dtks.version, dtks.n_added) == (2, 1)
    assert kis.unchanged


def test_the_first_failing_source_is_reported_whatever_was_read_early(tmp_path: Path) -> None:
    """A damaged workbook read early does not hide the failure of a source before it in the
    project, and neither failure writes anything."""
    project = _csv_and_workbook_project(tmp_path)
    project.ingest()
    registry_file = tmp_path / "registry.duckdb"
    before = _digest(registry_file)
    (tmp_path / "dtks.csv").write_text(DTKS_CSV + "1,,Again,,\n")  # fails: repeated id
    (tmp_path / "kis.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(SourceError, match=r"dinsos_dtks.*repeats"):
        project.ingest()
    (tmp_path / "dtks.csv").write_text(DTKS_CSV)
    with pytest.raises(SourceError, match=r"dinkes_kis.*cannot read workbook"):
        project.ingest()
    assert _digest(registry_file) == before


_KILL_SCRIPT = """
import sys, time
from povlink.project import Project
from povlink.registry import Registry
original = Registry._store_version
def slow(self, *args):
    result = original(self, *args)
    print("written", flush=True)
    time.sleep(60)
    return result
Registry._store_version = slow
Project.from_toml(sys.argv[1]).ingest()
"""


def test_killed_run_leaves_the_previous_state(tmp_path: Path) -> None:
    """A process killed with SIGKILL after writing, before committing, changes nothing."""
    config = write_project(tmp_path, DTKS_SOURCE, {"dtks.csv": DTKS_CSV})
    Project.from_toml(config).ingest()
    (tmp_path / "dtks.csv").write_text(DTKS_CSV + "9,,New Person,,\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(config)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "written"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    time.sleep(0.1)
    with Project.from_toml(config).open_registry(read_only=True) as reg:
        assert reg.versions()["version"].tolist() == [1]
        assert len(reg.current_records()) == 3
        assert len(reg.runs()) == 1


def test_newer_registry_is_refused_and_untouched(tmp_path: Path) -> None:
    """A registry from a newer povlink is refused with a clear message and not modified."""
    path = tmp_path / "r.duckdb"
    with Registry(path) as reg:
        reg.set_meta("schema", "99")
        reg.engine.checkpoint()
    before = _digest(path)
    with pytest.raises(
        RegistryError, match=r"written by a newer povlink .*the file was not modified"
    ):
        Registry(path)
    assert _digest(path) == before


def test_corrupt_file_is_refused(tmp_path: Path) -> None:
    """A file that is not a DuckDB database is refused and left as it was."""
    path = tmp_path / "r.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(RegistryError, match="cannot open the registry"):
        Registry(path)
    assert path.read_bytes() == b"this is not a database" * 100


def test_foreign_duckdb_file_is_refused(tmp_path: Path) -> None:
    """A DuckDB file with someone else's tables is not taken over."""
    path = tmp_path / "r.duckdb"
    from povlink.engine import Engine

    with Engine(path) as e:
        e.execute("CREATE TABLE t (a INT)")
    with pytest.raises(RegistryError, match="not a povlink registry"):
        Registry(path)


def test_a_dataframe_source_from_the_python_api(tmp_path: Path) -> None:
    """A source without a path is fed as a DataFrame, read as text like a file."""
    from povlink.config import ProjectConfig

    source = Source(name="kis", id_column="NO", columns={"nik": "NIK", "full_name": "NAMA"})
    config = ProjectConfig(registry=tmp_path / "r.duckdb", sources=[source])
    frame = pd.DataFrame({"NO": [1, 2], "NIK": ["0374010101900001", None], "NAMA": ["a", "b"]})
    (version,) = Project(config, data={"kis": frame}).ingest().sources
    assert version.n_added == 2
    with Registry(tmp_path / "r.duckdb", read_only=True) as reg:
        records = reg.current_records()
    assert records["record_id"].tolist() == ["kis:1", "kis:2"]
    assert records["nik"].tolist()[0] == "0374010101900001"


def test_a_source_without_path_or_data_is_refused(tmp_path: Path) -> None:
    """Forgetting the DataFrame of a path-less source is a config error naming it."""
    from povlink.config import ProjectConfig
    from povlink.exceptions import ConfigError

    source = Source(name="kis", id_column="NO")
    with pytest.raises(ConfigError, match="source\\(s\\) kis have no path"):
        Project(ProjectConfig(registry=tmp_path / "r.duckdb", sources=[source]))


@pytest.mark.parametrize("temporary", [False, True])
def test_moved_table_outlives_the_connection(tmp_path: Path, temporary: bool) -> None:
    """move_table stores a table under a new name, replacing the old one, even when the table
    moved was temporary (which a rename would lose when the registry closes)."""
    path = tmp_path / "registry.duckdb"
    with Registry(path) as reg, reg.run("test"):
        reg.replace_table("stored", "SELECT 1 AS x")
        reg.engine.create_table("fresh", "SELECT 2 AS x", temporary=temporary)
        reg.move_table("fresh", "stored")
    with Registry(path, read_only=True) as reg:
        assert reg.engine.rows("SELECT x FROM stored") == [(2,)]
        assert not reg.has_table("fresh")
