"""The project file: the contract of architecture.md and its error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from povlink.config import Source, load_project
from povlink.exceptions import ConfigError

from .helpers import DTKS_CSV, DTKS_SOURCE, write_project


def test_reads_the_documented_contract(tmp_path: Path) -> None:
    """Every key of the contract is read, and paths are relative to the project file."""
    config_path = write_project(
        tmp_path,
        DTKS_SOURCE
        + '[source.options]\nencoding = "latin-1"\ndelimiter = ";"\ndate_order = "mdy"\n',
        {"dtks.csv": DTKS_CSV},
    )
    config = load_project(config_path)
    (source,) = config.sources
    assert config.registry == tmp_path / "registry.duckdb"
    assert source.path == tmp_path / "dtks.csv"
    assert source.agency == "Dinas Sosial"
    assert source.programs() == ["PKH", "BPNT"]
    assert source.options.encoding == "latin-1"
    assert source.options.delimiter == ";"
    assert source.options.date_order == "mdy"


def test_a_list_of_columns_means_join_them() -> None:
    """``full_name = ["A", "B"]`` maps two columns onto one field."""
    source = Source(name="a", id_column="ID", columns={"full_name": ["DEPAN", "BELAKANG"]})
    assert source.mapped_columns() == {"full_name": ["DEPAN", "BELAKANG"]}


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Problems in several sources come in one error, each naming source and key."""
    config_path = write_project(
        tmp_path,
        """
[[source]]
name = "Dinsos"
path = "dtks.csv"
id_column = "ID"
[source.columns]
nikk = "NIK"
[[source]]
name = "kis"
path = "missing.csv"
id_column = "ID"
[[source]]
name = "kis"
path = "dtks.csv"
id_column = "ID"
""",
        {"dtks.csv": DTKS_CSV},
    )
    with pytest.raises(ConfigError) as info:
        load_project(config_path)
    problems = info.value.problems
    assert (
        "source 'Dinsos': key 'columns.nikk': unknown canonical field 'nikk'; did you mean 'nik'?"
        in problems
    )
    assert any("source 'kis': key 'path': file 'missing.csv' not found" in p for p in problems)
    assert "source 'kis': key 'name': two sources are named 'kis'" in problems
    assert any(
        p.startswith("source 'Dinsos': key 'name': 'Dinsos' is not a valid") for p in problems
    )
    assert str(info.value).startswith(f"{config_path}: 4 problems:")


def test_malformed_toml_names_the_file_and_line(tmp_path: Path) -> None:
    """A TOML syntax error gives the path and TOML's own message with its line."""
    path = tmp_path / "povlink.toml"
    path.write_text('registry = "r.duckdb"\n[[source]\nname = "a"\n')
    with pytest.raises(ConfigError, match=r"povlink\.toml: not valid TOML: .*line 2"):
        load_project(path)


def test_missing_project_file(tmp_path: Path) -> None:
    """A project file that does not exist is named."""
    with pytest.raises(ConfigError, match=r"project file .*nope\.toml not found"):
        load_project(tmp_path / "nope.toml")


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    """The format comes from the suffix, so an unknown one is an error."""
    config_path = write_project(
        tmp_path,
        '[[source]]\nname = "a"\npath = "a.xls"\nid_column = "ID"\n',
        {"a.xls": "x"},
    )
    with pytest.raises(ConfigError, match=r"cannot tell the format of 'a\.xls'"):
        load_project(config_path)


def test_unknown_field_without_a_close_match_lists_the_fields() -> None:
    """Without a close match the message lists every canonical field."""
    with pytest.raises(ValueError, match="the fields are: nik, kk_number"):
        Source(name="a", id_column="ID", columns={"zzz": "Q"})


def test_memory_limit_is_checked_and_shared(tmp_path: Path) -> None:
    """[engine] memory_limit must be a size; the registry and linkage engines get half each."""
    config_path = write_project(tmp_path, DTKS_SOURCE, {"dtks.csv": DTKS_CSV})
    sources = config_path.read_text()
    config_path.write_text('[engine]\nmemory_limit = "4GiB"\n' + sources.replace("registry =", "#"))
    assert load_project(config_path).engine.share_of_memory(2) == f"{2 * 2**30}B"
    config_path.write_text('[engine]\nmemory_limit = "lots"\n' + sources.replace("registry =", "#"))
    with pytest.raises(
        ConfigError, match=r"key 'engine\.memory_limit': 'lots' is not a memory size"
    ):
        load_project(config_path)
