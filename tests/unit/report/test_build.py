"""The report's figures on the hand-built small city, checked against answers worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.exceptions import ConfigError, RegistryError
from povlink.report import IntegrationReport, build_report
from tests.unit.report.small_city import (
    BANDARHARJO,
    BRUMBUNGAN,
    BULU_LOR,
    MIROTO,
    SOURCES,
    load_small_city,
)


@pytest.fixture
def city(engine: Engine) -> Engine:
    load_small_city(engine)
    return engine


@pytest.fixture(scope="module")
def report() -> IntegrationReport:
    """The small city's report, built once for the tests that only read it."""
    with Engine() as engine:
        load_small_city(engine)
        return build_report(engine)


def _by(frame: pd.DataFrame, key: str) -> dict[str, dict[str, object]]:
    return {str(row[key]): row for row in frame.to_dict(orient="records")}


# -- the city -------------------------------------------------------------------------------
def test_city_counts_distinct_persons_and_households(report: IntegrationReport) -> None:
    """Eight persons and six households, whatever the number of records naming them."""
    assert (report.summary.at[0, "records"], report.persons, report.households) == (14, 8, 6)


def test_overcount_is_the_lists_households_summed_minus_distinct(
    report: IntegrationReport,
) -> None:
    """3 + 3 + 2 + 3 + 0 list households are 11; minus 6 distinct households, 5 over-counted."""
    assert report.list_households == 11
    assert report.overcount == 5
    assert report.summary.at[0, "overcount_ratio"] == pytest.approx(11 / 6)


def test_program_overcount_adds_up_the_program_lists_only(report: IntegrationReport) -> None:
    """kis, kip, pkh, latih name 3 + 2 + 3 + 0 = 8 households, 5 distinct; dtks is a register."""
    row = report.summary.iloc[0]
    assert row["program_lists"] == 4
    assert row["program_list_households"] == 8
    assert row["program_households"] == 5
    assert row["program_overcount"] == 3
    assert row["program_overcount_ratio"] == pytest.approx(8 / 5)


def test_city_household_counts(report: IntegrationReport) -> None:
    """H1, H2, H3, H6 are in several lists; H4 is reached by no program; the rest by a city one."""
    row = report.summary.iloc[0].to_dict()
    assert {k: row[k] for k in ("lists", "multi_list_households")} == {
        "lists": 5,
        "multi_list_households": 4,
    }
    assert row["city_program_households"] == 5
    assert row["no_program_households"] == 1


# -- the lists ------------------------------------------------------------------------------
def test_per_list_figures(report: IntegrationReport) -> None:
    """Records, persons, households, duplicates, NIK problems and singletons of each list."""
    columns = [
        "records",
        "persons",
        "households",
        "duplicates",
        "nik_missing",
        "nik_invalid",
        "nik_inconsistent",
        "singletons",
    ]
    got = {s: [int(row[c]) for c in columns] for s, row in _by(report.sources, "source").items()}  # type: ignore[call-overload]
    assert got == {
        "dtks": [5, 4, 3, 1, 1, 2, 1, 2],
        "kis": [4, 3, 3, 1, 0, 0, 1, 0],
        "kip": [2, 2, 2, 0, 1, 0, 0, 2],
        "pkh": [3, 3, 3, 0, 0, 0, 0, 0],
        "latih": [0, 0, 0, 0, 0, 0, 0, 0],
    }


def test_per_list_rows_carry_agency_and_program(report: IntegrationReport) -> None:
    """Each list keeps its agency and program text as configured."""
    rows = _by(report.sources, "source")
    assert [(rows[s]["agency"], rows[s]["program"]) for s, _, _ in SOURCES] == [
        (a, p) for _, a, p in SOURCES
    ]


def test_overlap_counts_households_named_by_both_lists(report: IntegrationReport) -> None:
    """The diagonal is a list's households; off it, the households two lists share."""
    expected = pd.DataFrame(
        {
            "dtks": [3, 1, 1, 0, 1],
            "kip": [1, 2, 0, 0, 0],
            "kis": [1, 0, 3, 0, 3],
            "latih": [0, 0, 0, 0, 0],
            "pkh": [1, 0, 3, 0, 3],
        },
        index=pd.Index(["dtks", "kip", "kis", "latih", "pkh"], name="source"),
    )
    pd.testing.assert_frame_equal(report.overlap, expected)


# -- programs -------------------------------------------------------------------------------
def test_program_text_is_split_on_commas_and_slashes(report: IntegrationReport) -> None:
    """ "PKH, BPNT" is two programs and "Pelatihan / Padat Karya" two more; DTKS is none."""
    got = {
        row["program"]: (row["lists"], row["households"]) for _, row in report.programs.iterrows()
    }
    assert got == {
        "BPNT": ("pkh", 3),
        "KIS": ("kis", 3),
        "PKH": ("pkh", 3),
        "KIP": ("kip", 2),
        "PADAT KARYA": ("latih", 0),
        "PELATIHAN": ("latih", 0),
    }


def test_register_names_in_program_text_are_not_programs(engine: Engine) -> None:
    """ "Regsosek 2022 / Padat Karya" gives one program; the register's name is dropped."""
    sources = [(n, a, "Regsosek 2022 / Padat Karya" if n == "latih" else p) for n, a, p in SOURCES]
    load_small_city(engine, sources=sources)
    programs = build_report(engine).programs
    assert programs[programs["lists"] == "latih"]["program"].tolist() == ["PADAT KARYA"]


def test_households_by_combination_of_programs(report: IntegrationReport) -> None:
    """H1, H3, H6 get BPNT, KIS and PKH; H2 and H5 KIP; H4 nothing (it is only on DTKS)."""
    got = report.program_combinations[["programs", "n_programs", "households"]]
    assert got.to_dict(orient="records") == [
        {"programs": "BPNT + KIS + PKH", "n_programs": 3, "households": 3},
        {"programs": "KIP", "n_programs": 1, "households": 2},
        {"programs": "", "n_programs": 0, "households": 1},
    ]
    assert report.program_combinations["share"].tolist() == pytest.approx([0.5, 2 / 6, 1 / 6])


# -- the reference list (DTKS) --------------------------------------------------------------
def test_reference_defaults_to_the_list_named_dtks(report: IntegrationReport) -> None:
    """dtks is the register: H3, H5, H6 are in programs but not in it; H4 in it, in no program."""
    row = report.summary.iloc[0]
    assert report.reference_source == "dtks"
    assert row["reference_households"] == 3
    assert row["program_households_not_in_reference"] == 3
    assert row["reference_households_without_program"] == 1
    assert report.notes == ()


def test_reference_found_through_the_program_text(engine: Engine) -> None:
    """A list whose program mentions DTKS is the reference even when its name does not."""
    load_small_city(engine, rename={"dtks": "dinsos_basis"})
    engine.execute("UPDATE sources SET program = 'Basis DTKS' WHERE source = 'dinsos_basis'")
    assert build_report(engine).reference_source == "dinsos_basis"


def test_no_reference_omits_the_dtks_figures_with_a_note(engine: Engine) -> None:
    """Without a list mentioning DTKS the comparison columns are absent and a note says why."""
    load_small_city(engine, rename={"dtks": "basis"})
    engine.execute("UPDATE sources SET program = NULL WHERE source = 'basis'")
    report = build_report(engine)
    assert report.reference_source is None
    assert "reference_households" not in report.summary.columns
    assert "reference_households" not in report.kecamatan.columns
    assert len(report.notes) == 1
    assert report.notes[0].startswith("No list is marked as the national register (DTKS)")
    # Without a reference every program counts as a city program; H4 is still reached by none.
    assert report.summary.at[0, "city_program_households"] == 5


def test_explicit_reference_source(city: Engine) -> None:
    """With kis as reference, city programs are those of kip, pkh, latih: H2, H5 are not in kis."""
    row = build_report(city, reference_source="kis").summary.iloc[0]
    assert row["reference_households"] == 3
    assert row["program_households_not_in_reference"] == 2
    assert row["reference_households_without_program"] == 0
    assert row["city_program_households"] == 5


def test_unknown_reference_source_is_a_config_error(city: Engine) -> None:
    """Naming a reference list that does not exist says which lists do."""
    with pytest.raises(ConfigError) as caught:
        build_report(city, reference_source="dtsen")
    assert str(caught.value) == (
        "reference source 'dtsen' is not a source; the sources are dtks, kip, kis, latih, pkh"
    )


def test_several_dtks_lists_take_the_first_with_a_note(engine: Engine) -> None:
    """Two lists mentioning DTKS: the first by name is used, and the report says so."""
    sources = [(n, a, "KIS, DTKS" if n == "kis" else p) for n, a, p in SOURCES]
    load_small_city(engine, sources=sources)
    report = build_report(engine)
    assert report.reference_source == "dtks"
    assert report.notes == (
        "Several lists mention DTKS (dtks, kis); 'dtks' is used as the national register. "
        "Name the reference source to choose another.",
    )


# -- regions --------------------------------------------------------------------------------
def test_household_region_is_the_most_common_kelurahan(report: IntegrationReport) -> None:
    """H2 has two records in Brumbungan and one in Jagalan; H6 ties and takes the lower code."""
    kel = _by(report.kelurahan.dropna(subset=["kelurahan_code"]), "kelurahan_code")
    assert kel[MIROTO]["households"] == 1
    assert kel[BRUMBUNGAN]["households"] == 1
    assert kel["33.74.01.1003"]["households"] == 0
    assert kel[BANDARHARJO]["households"] == 2
    assert kel[BULU_LOR]["households"] == 0


def test_kecamatan_figures(report: IntegrationReport) -> None:
    """H4 gives only a kecamatan (03); H5 gives no region and is counted as unknown."""
    kec = report.kecamatan.set_index("kecamatan_code", drop=False)
    columns = [
        "households",
        "list_households",
        "overcount",
        "program_households",
        "program_list_households",
        "program_overcount",
        "city_program_households",
        "no_program_households",
        "reference_households",
        "program_households_not_in_reference",
        "reference_households_without_program",
    ]
    assert kec.loc["33.74.01", columns].tolist() == [2, 5, 3, 2, 3, 1, 2, 0, 2, 0, 0]
    assert kec.loc["33.74.02", columns].tolist() == [2, 4, 2, 2, 4, 2, 2, 0, 0, 2, 0]
    assert kec.loc["33.74.03", columns].tolist() == [1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1]
    unknown = report.kecamatan.iloc[-1]
    assert unknown["kecamatan_code"] is None
    assert unknown[columns].tolist() == [1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0]
    assert kec.loc["33.74.01", "kecamatan_name"] == "Semarang Tengah"


def test_every_region_of_the_table_is_listed(report: IntegrationReport) -> None:
    """16 kecamatan and 177 kelurahan of Semarang, plus one row of unknown region each."""
    assert len(report.kecamatan) == 17
    assert len(report.kelurahan) == 178


@pytest.mark.parametrize("level", ["kecamatan", "kelurahan"])
def test_region_totals_equal_the_city(report: IntegrationReport, level: str) -> None:
    """Each household is in exactly one region, so the regions add up to the city."""
    frame = getattr(report, level)
    for column in (
        "households",
        "list_households",
        "overcount",
        "program_households",
        "program_list_households",
        "program_overcount",
        "no_program_households",
    ):
        assert frame[column].sum() == report.summary.at[0, column]


def test_custom_region_table(city: Engine) -> None:
    """Codes outside a given region table still appear, with no name."""
    regions = pd.DataFrame(
        {
            "kode_kecamatan": ["33.74.01"],
            "nama_kecamatan": ["Tengah"],
            "kode_kelurahan": [MIROTO],
            "nama_kelurahan": ["Miroto"],
        }
    )
    report = build_report(city, regions=regions)
    kec = report.kecamatan
    assert kec["kecamatan_code"].tolist() == ["33.74.01", "33.74.02", "33.74.03", None]
    assert kec["kecamatan_name"].tolist() == ["Tengah", None, None, None]
    assert kec["households"].tolist() == [2, 2, 1, 1]


def test_region_table_missing_a_column_is_a_config_error(city: Engine) -> None:
    """A region table without the kelurahan names is refused with what it has."""
    regions = pd.DataFrame({"kode_kecamatan": [], "nama_kecamatan": [], "kode_kelurahan": []})
    with pytest.raises(ConfigError) as caught:
        build_report(city, regions=regions)
    assert str(caught.value) == (
        "region table the regions DataFrame: column(s) nama_kelurahan not found; it has "
        "kode_kecamatan, nama_kecamatan, kode_kelurahan. A region table needs kode_kecamatan, "
        "nama_kecamatan, kode_kelurahan, nama_kelurahan."
    )


# -- data quality ---------------------------------------------------------------------------
def test_quality_by_field_is_ranked_within_each_list(report: IntegrationReport) -> None:
    """The field with most flagged records first; ties go to the NIK, then the canonical order."""
    got = report.quality_by_field[["source", "rank", "field", "records"]]
    assert [tuple(r) for r in got.itertuples(index=False)] == [
        ("dtks", 1, "nik", 3),
        ("dtks", 2, "birth_date", 1),
        ("dtks", 3, "kelurahan", 1),
        ("kip", 1, "nik", 1),
        ("kip", 2, "kelurahan", 1),
        ("kip", 3, "kecamatan", 1),
        ("kis", 1, "nik", 1),
        ("kis", 2, "kelurahan", 1),
    ]
    assert report.quality_by_field["rate"].tolist() == pytest.approx(
        [0.6, 0.2, 0.2, 0.5, 0.5, 0.5, 0.25, 0.25]
    )


def test_quality_by_flag_counts_each_code_once_per_record(report: IntegrationReport) -> None:
    """dtks:5 carries kelurahan_unknown twice and counts once."""
    dtks = report.quality_by_flag[report.quality_by_flag["source"] == "dtks"]
    assert dict(zip(dtks["code"], dtks["records"], strict=True)) == {
        "birth_date_missing": 1,
        "kelurahan_unknown": 1,
        "nik_birth_date_mismatch": 1,
        "nik_excel_notation": 1,
        "nik_wrong_length": 1,
        "nik_missing": 1,
    }


def test_an_empty_field_is_missing_only_when_no_flag_explains_it(city: Engine) -> None:
    """An empty KK number is "kk_number_missing"; one emptied by a kk_ flag is that flag only."""
    city.execute("UPDATE standardised SET kk_number = NULL WHERE record_id IN ('kis:2', 'kis:4')")
    city.execute(
        "UPDATE standardised SET quality_flags = ['kk_wrong_length'] WHERE record_id = 'kis:2'"
    )
    report = build_report(city)
    kis = report.quality_by_flag[report.quality_by_flag["source"] == "kis"]
    assert sorted(zip(kis["field"], kis["code"], kis["records"], strict=True)) == [
        ("kelurahan", "kelurahan_unknown", 1),
        ("kk_number", "kk_number_missing", 1),
        ("kk_number", "kk_wrong_length", 1),
        ("nik", "nik_shared", 1),
    ]
    fields = report.quality_by_field[report.quality_by_field["source"] == "kis"]
    assert fields[["rank", "field", "records"]].to_dict(orient="records")[0] == {
        "rank": 1,
        "field": "kk_number",
        "records": 2,
    }


def test_quality_codes_carry_their_meaning(report: IntegrationReport) -> None:
    """Codes of the standardiser keep its description; missing fields get the report's own."""
    from povlink.standardise import QUALITY_FLAGS

    meaning = dict(
        zip(report.quality_by_flag["code"], report.quality_by_flag["description"], strict=True)
    )
    assert meaning["nik_excel_notation"] == QUALITY_FLAGS["nik_excel_notation"]
    assert meaning["birth_date_missing"] == "the birth date is empty: the list gives none"
    assert meaning["nik_missing"] == "the NIK is empty: the list gives none"


# -- inputs and side effects ----------------------------------------------------------------
def test_missing_tables_are_a_registry_error(engine: Engine) -> None:
    """Before resolving there is nothing to report on; the message says what to run."""
    engine.execute("CREATE TABLE sources (source VARCHAR, agency VARCHAR)")
    with pytest.raises(RegistryError) as caught:
        build_report(engine)
    assert str(caught.value) == (
        "cannot build the integration report: table 'standardised' is missing; table 'persons' "
        "is missing; table 'households' is missing; table 'sources' lacks column(s) program. "
        "Resolve the sources first (`povlink resolve CONFIG`)."
    )


def test_building_leaves_no_table_behind(city: Engine) -> None:
    """The working tables are temporary and dropped; the registry is not written to."""
    before = city.rows("SELECT table_name FROM information_schema.tables ORDER BY 1")
    build_report(city)
    after = city.rows("SELECT table_name FROM information_schema.tables ORDER BY 1")
    assert after == before


def test_a_read_only_registry_can_be_reported_on(tmp_path: Path) -> None:
    """The report needs no write access: `povlink report` opens the registry read-only."""
    with Engine(tmp_path / "registry.duckdb") as writable:
        load_small_city(writable)
    with Engine(tmp_path / "registry.duckdb", read_only=True) as engine:
        assert build_report(engine).households == 6


def test_records_without_ids_are_left_out_with_a_note(city: Engine) -> None:
    """A record the household stage missed is not counted as a household, and the report says so."""
    city.execute("DELETE FROM households WHERE record_id = 'kip:2'")
    report = build_report(city)
    assert report.households == 5
    assert report.notes == (
        "1 record has no household ID and is left out of the household figures; resolve the "
        "sources again to include it.",
    )


def test_empty_tables_give_zeros(engine: Engine) -> None:
    """An empty registry reports zeros and no over-count ratio instead of failing."""
    load_small_city(engine, sources=[])
    for table in ("standardised", "persons", "households"):
        engine.execute(f"DELETE FROM {table}")
    report = build_report(engine)
    assert (report.persons, report.households, report.list_households) == (0, 0, 0)
    assert math.isnan(report.summary.at[0, "overcount_ratio"])
    assert report.sources.empty
    assert report.program_combinations.empty
