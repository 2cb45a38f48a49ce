"""The city on disk: files, truth, project file, metadata and determinism."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from povlink.schema import CANONICAL_FIELDS
from povlink.synth import SynthCity, generate_city

from .conftest import load_project, read_source


def _digest(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def test_same_seed_writes_identical_bytes(tmp_path: Path) -> None:
    """Every file, xlsx and parquet included, is byte-identical for the same arguments."""
    a = generate_city(tmp_path / "a", households=300, seed=5, whole_city_register=True)
    b = generate_city(tmp_path / "b", households=300, seed=5, whole_city_register=True)
    digests = _digest(a.out_dir)
    assert {Path(f.path).suffix for f in a.lists} >= {".csv", ".tsv", ".xlsx", ".parquet", ".jsonl"}
    assert digests == _digest(b.out_dir)


def test_same_bytes_in_another_process(tmp_path: Path) -> None:
    """A fresh interpreter with another hash seed writes the same bytes (no set-order leaks)."""
    here = generate_city(tmp_path / "here", households=200, seed=9)
    code = (
        "import sys; from povlink.synth import generate_city; "
        "generate_city(sys.argv[1], households=200, seed=9)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "there")], check=True, env=env)
    assert _digest(here.out_dir) == _digest(tmp_path / "there")


def test_different_seed_writes_a_different_city(tmp_path: Path) -> None:
    """Another seed changes the lists and the truth."""
    a = generate_city(tmp_path / "a", households=300, seed=5)
    b = generate_city(tmp_path / "b", households=300, seed=6)
    da, db = _digest(a.out_dir), _digest(b.out_dir)
    changed = {name for name in da if da[name] != db[name]}
    assert {"truth.csv", "dinsos_dtks_2022.csv", "disdik_kip_2024.xlsx"} <= changed


def test_at_least_eight_lists_of_the_required_kinds(small_city: SynthCity) -> None:
    """Nine lists with the register, of every file type, one of them latin-1 with semicolons."""
    project = load_project(small_city)
    sources = project["source"]
    assert len(sources) == 9
    assert len(small_city.lists) == 9
    suffixes = {Path(s["path"]).suffix for s in sources}
    assert suffixes == {".csv", ".tsv", ".xlsx", ".parquet", ".jsonl"}
    latin = [s for s in sources if s.get("options", {}).get("encoding") == "latin-1"]
    assert len(latin) == 1
    assert latin[0]["options"]["delimiter"] == ";"
    split_names = [s["name"] for s in sources if isinstance(s["columns"]["full_name"], list)]
    assert split_names == ["disnaker_pelatihan"]


def test_without_register_there_are_eight_lists(tmp_path: Path) -> None:
    """The whole-city register is written only when asked for."""
    city = generate_city(tmp_path, households=200, seed=1)
    assert [f.name for f in city.lists if f.name == "bps_regsosek"] == []
    assert len(city.lists) == 8


def test_project_file_maps_columns_that_exist(small_city: SynthCity) -> None:
    """Each source names a file, an id column and canonical fields that all exist."""
    project = load_project(small_city)
    assert project["registry"] == "registry.duckdb"
    for source in project["source"]:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", source["name"])
        frame = read_source(small_city.project_file, source)
        assert source["id_column"] in frame.columns
        assert frame[source["id_column"]].is_unique, source["name"]
        for canonical, column in source["columns"].items():
            assert canonical in CANONICAL_FIELDS
            for c in [column] if isinstance(column, str) else column:
                assert c in frame.columns, (source["name"], c)
        assert set(source.get("options", {})) <= {"encoding", "delimiter", "sheet", "date_order"}


def test_project_file_is_valid_for_povlink(small_city: SynthCity) -> None:
    """povlink's own project-file loader accepts the written povlink.toml as it is."""
    from povlink.config import load_project as load_config

    config = load_config(small_city.project_file)
    assert [s.name for s in config.sources] == [f.name for f in small_city.lists]


def test_public_names_are_exported() -> None:
    """povlink.synth exports each public name once, and each exists."""
    import povlink.synth

    assert len(set(povlink.synth.__all__)) == len(povlink.synth.__all__)
    assert {"generate_city", "generate_population", "DamageRates"} <= set(povlink.synth.__all__)
    assert all(hasattr(povlink.synth, name) for name in povlink.synth.__all__)


def test_truth_covers_every_record_exactly_once(small_city: SynthCity) -> None:
    """truth.csv has one row per record of every list, keyed source:agency id."""
    project = load_project(small_city)
    truth = pd.read_csv(small_city.truth_file, dtype=str)
    assert list(truth.columns) == ["record_id", "person_id", "household_id"]
    assert truth["record_id"].is_unique
    ids = pd.concat(
        [
            source["name"]
            + ":"
            + read_source(small_city.project_file, source)[source["id_column"]].astype(str)
            for source in project["source"]
        ]
    )
    assert sorted(ids) == sorted(truth["record_id"])
    assert truth["person_id"].str.fullmatch(r"P\d{8}").all()
    assert truth["household_id"].str.fullmatch(r"H\d{8}").all()


def test_values_are_written_as_text(small_city: SynthCity) -> None:
    """Parquet columns are strings and NIKs keep their 16 digits (never a float)."""
    project = load_project(small_city)
    for source in project["source"]:
        frame = read_source(small_city.project_file, source)
        if source["path"].endswith(".parquet"):
            assert all(frame[c].map(type).eq(str).all() for c in frame.columns)
        nik = frame[source["columns"]["nik"]].astype(str)
        plain = nik[nik.str.fullmatch(r"\d+")]
        assert (plain.str.len() == 16).mean() > 0.9, source["name"]
        assert not nik.str.endswith(".0").any()


def test_metadata_counts_match_the_files(small_city: SynthCity) -> None:
    """metadata.json's parameters and per-list counts describe what was written."""
    meta = json.loads(small_city.metadata_file.read_text("utf-8"))
    assert meta["parameters"]["households"] == 1_500
    assert meta["parameters"]["seed"] == 7
    truth = pd.read_csv(small_city.truth_file, dtype=str)
    per_source = truth["record_id"].str.split(":").str[0].value_counts()
    for name, info in meta["lists"].items():
        assert info["records"] == per_source[name]
    assert meta["counts"]["records"] == len(truth) == small_city.records
    assert 0 < meta["counts"]["poor_households_in_no_list"] < meta["counts"]["poor_households"]
    assert meta["counts"]["non_poor_households_in_a_list"] > 0


def test_household_truth_lists_every_household(small_city: SynthCity) -> None:
    """truth_households.csv holds each household once, with decile and poverty flag."""
    households = pd.read_csv(small_city.household_truth_file, dtype=str, keep_default_na=False)
    truth = pd.read_csv(small_city.truth_file, dtype=str)
    assert households["household_id"].is_unique
    assert set(truth["household_id"]) <= set(households["household_id"])
    assert len(households) == small_city.households
    assert (households["poor"] == "true").sum() > 0


def test_dtks_lists_rumah_tangga_that_hold_two_cards(tmp_path: Path) -> None:
    """One IDBDT can hold two true households (KK ≠ rumah tangga), members ranked to its head."""
    city = generate_city(tmp_path, households=3_000, seed=2)
    dtks = pd.read_csv(
        city.list_paths["dinsos_dtks"],
        sep=";",
        encoding="latin-1",
        dtype=str,
        keep_default_na=False,
    )
    truth = pd.read_csv(city.truth_file, dtype=str).set_index("record_id")
    dtks["household_id"] = truth.loc["dinsos_dtks:" + dtks["ID_ART"], "household_id"].to_numpy()
    per_idbdt = dtks.groupby("IDBDT")["household_id"].nunique()
    assert (per_idbdt == 2).sum() > 5
    assert per_idbdt.max() == 2
    shared = dtks[dtks["IDBDT"].isin(per_idbdt[per_idbdt == 2].index)]
    assert set(shared["HUB_KRT"]) >= {"KEPALA RUMAH TANGGA", "ANAK", "CUCU"}
    assert shared.groupby("IDBDT")["NO_KK"].nunique().max() >= 2


def test_a_tiny_city_omits_lists_with_nobody_on_them(tmp_path: Path) -> None:
    """An empty list is neither written nor mapped, so the project file stays readable."""
    city = generate_city(tmp_path, households=3, seed=1)
    project = load_project(city)
    written = {p.name for p in tmp_path.iterdir()}
    assert len(project["source"]) == len(city.lists) < 8
    for source in project["source"]:
        assert source["path"] in written
        assert len(read_source(city.project_file, source)) > 0
    meta = json.loads(city.metadata_file.read_text("utf-8"))
    empty = [name for name, info in meta["lists"].items() if info["records"] == 0]
    assert empty
    assert all(meta["lists"][name]["file"] is None for name in empty)


def test_latin1_file_reads_back_in_its_encoding(small_city: SynthCity) -> None:
    """The DTKS list is latin-1 with semicolons, and upper case as Dinsos writes it."""
    path = small_city.list_paths["dinsos_dtks"]
    text = path.read_bytes().decode("latin-1")
    header = text.splitlines()[0]
    assert header.startswith("ID_ART;IDBDT;NO_KK;NIK;NAMA;")
    names = pd.read_csv(path, sep=";", encoding="latin-1", dtype=str)["NAMA"]
    assert (names == names.str.upper()).all()


@pytest.mark.parametrize(
    ("source", "column", "pattern"),
    [
        ("dinsos_dtks", "TGL_LAHIR", r"\d\d-\d\d-\d{4}"),
        ("dinkes_kis", "TGL_LAHIR", r"\d{4}-\d\d-\d\d"),
        ("disdik_kip", "TANGGAL_LAHIR", r"\d{1,2} [A-Z][a-z]+ \d{4}"),
        ("disperkim_rutilahu", "TTL", r"[A-Z ]+(?:, \d\d-\d\d-\d{4})?"),
        ("disnaker_pelatihan", "TANGGAL_LAHIR", r"\d\d/\d\d/\d{4}"),
        ("disdik_kip", "RT_RW", r"\d{3}/\d{3}"),
        ("dinkes_kis", "ALAMAT", r".+ RT \d{3} RW \d{3}"),
        ("dinperla_nelayan", "jenis_kelamin", r"LAKI-LAKI|PEREMPUAN"),
        ("dinsos_dtks", "JNS_KEL", r"[12]"),
    ],
)
def test_each_list_has_its_own_formats(
    small_city: SynthCity, source: str, column: str, pattern: str
) -> None:
    """Date, sex and RT/RW forms differ by list as agencies write them."""
    project = load_project(small_city)
    (entry,) = [s for s in project["source"] if s["name"] == source]
    values = read_source(small_city.project_file, entry)[column].astype(str)
    values = values[values != ""]
    assert len(values) > 0
    assert values.str.fullmatch(pattern).mean() > 0.95
