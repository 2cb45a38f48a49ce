"""The table contract, the single-record entry point, the flag catalogue and portable SQL."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import pkgutil
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlglot
from sqlglot import exp

import povlink.standardise
from povlink.engine import Engine
from povlink.exceptions import ConfigError, SourceError
from povlink.schema import CANONICAL_FIELDS, STANDARDISED_FIELDS, StandardisedRecord, sql_columns
from povlink.standardise import (
    QUALITY_FLAGS,
    TABLE_LEVEL_FLAGS,
    standardise_record,
    standardise_table,
)
from povlink.standardise.flags import FLAG_FIELDS
from povlink.standardise.pipeline import (
    flag_rules,
    record_output_part,
    record_parts,
    table_steps,
)
from povlink.standardise.shared import shared_nik_update_sql

from .conftest import standardise_cases

PERSON = {
    "nik": "3374015708450001",
    "kk_number": "3374011708450001",
    "full_name": "Hj. SITI  AMINAH, S.Pd",
    "birth_date": "SEMARANG, 17-08-1945",
    "sex": "P",
    "mother_name": "Ibu Soepijah",
    "relationship": "Istri",
    "address": "Jl. Pemuda No. 5 RT 003 RW 005",
    "kelurahan": "Kel. Sekayu",
    "kecamatan": "Semarang Tengah",
    "city": "Kota Semarang",
    "household_key": "IDBDT-01",
    "phone": "0812-3456-7890",
}

STANDARD_PERSON = {
    "nik": "3374015708450001",
    "nik_partial": "337401570845000",
    "nik_birth_date": dt.date(1945, 8, 17),
    "nik_sex": "F",
    "nik_region": "337401",
    "kk_number": "3374011708450001",
    "full_name": "siti aminah",
    "name_titles": "hj spd",
    "name_patronym": None,
    "name_tokens": ["siti", "aminah"],
    "name_phonetic": "siti amina",
    "mother_name": "supiyah",
    "mother_name_phonetic": "supia",
    "birth_date": dt.date(1945, 8, 17),
    "birth_year": 1945,
    "birth_date_is_placeholder": False,
    "birth_place": "semarang",
    "sex": "F",
    "relationship": "spouse",
    "address": "jalan pemuda no 5",
    "rt": 3,
    "rw": 5,
    "kelurahan_code": "33.74.01.1007",
    "kecamatan_code": "33.74.01",
    "kelurahan_name": "sekayu",
    "kecamatan_name": "semarang tengah",
    "city": "kota semarang",
    "household_key": "IDBDT-01",
    "phone": "081234567890",
    "quality_flags": [],
}


def test_standardise_record_gives_every_field() -> None:
    """One full record, every standardised field exactly."""
    assert standardise_record(PERSON) == STANDARD_PERSON


def test_standardise_record_accepts_non_text_values() -> None:
    """Numbers and dates are written as text first (a date as ISO)."""
    got = standardise_record({"rt": 3, "birth_date": dt.date(1985, 12, 5), "nik": None})
    assert (got["rt"], got["birth_date"], got["nik"]) == (3, dt.date(1985, 12, 5), None)


def test_standardise_record_refuses_unknown_fields() -> None:
    """A typo in a field name is an error that lists the canonical fields."""
    with pytest.raises(ConfigError, match="record has unknown fields nama; the canonical fields"):
        standardise_record({"nama": "Budi"})


def test_standardise_record_uses_the_source_date_order() -> None:
    """A record's source picks its date order from a mapping."""
    got = standardise_record(
        {"source": "dinkes", "birth_date": "03/04/1985"}, date_order={"dinkes": "mdy"}
    )
    assert got["birth_date"] == dt.date(1985, 3, 4)


def test_table_has_the_contracted_columns_and_types() -> None:
    """record_id, source, every StandardisedRecord field with its SQL type, then nik_kept_out
    and raw_hash: no copy of the raw values."""
    with Engine() as engine:
        engine.execute("CREATE TABLE src AS SELECT 'a:1' AS record_id, 'a' AS source, 'x' AS nik")
        standardise_table(engine, "src", "std")
        described = engine.rows("DESCRIBE std")
    types = {name: kind for name, kind, *_ in described}
    expected = {"record_id": "VARCHAR", "source": "VARCHAR"} | sql_columns(StandardisedRecord)
    expected |= {"nik_kept_out": "VARCHAR", "raw_hash": "UBIGINT"}
    assert types == expected
    assert [name for name, *_ in described] == list(expected)


def test_table_accepts_any_subset_of_columns_and_types() -> None:
    """Missing canonical columns are NULL; numeric columns are read as text; extras are ignored."""
    with Engine() as engine:
        engine.execute(
            "CREATE TABLE src AS SELECT 'a:1' AS record_id, 'a' AS source, 7 AS rt, "
            "'Slamet' AS full_name, 42 AS extra_column"
        )
        standardise_table(engine, "src", "std")
        row = engine.rows("SELECT rt, full_name, nik, nik_kept_out, quality_flags FROM std")
        as_text = engine.rows(
            "SELECT (SELECT raw_hash FROM std) = hash('a', "
            + ", ".join(
                "'7'" if f == "rt" else "'Slamet'" if f == "full_name" else "NULL::VARCHAR"
                for f in CANONICAL_FIELDS
            )
            + ")"
        )
    assert row == [(7, "slamet", None, None, [])]
    assert as_text == [(True,)]  # the numeric column is hashed as the text the rules read


def test_raw_hash_is_the_source_and_raw_values_and_nik_kept_out_the_kept_out_digits() -> None:
    """Records with one source and the same raw values share raw_hash, whatever their id; a
    NIK kept out of nik (equal to the KK number, rounded by a float) keeps its digits aside."""
    with Engine() as engine:
        engine.execute(
            "CREATE TABLE src AS SELECT * FROM (VALUES "
            "('a:1', 'a', '3374011708450001', NULL), ('a:2', 'a', '3374011708450001', NULL), "
            "('b:1', 'b', '3374011708450001', NULL), ('a:3', 'a', NULL, NULL), "
            "('a:4', 'a', '3374011708450001', '3374011708450001'), "
            "('a:5', 'a', '9471015708450001.0', NULL)) AS t(record_id, source, nik, kk_number)"
        )
        standardise_table(engine, "src", "std")
        rows = engine.rows("SELECT record_id, raw_hash, nik, nik_kept_out FROM std")
    hashes = {r[0]: r[1] for r in rows}
    assert hashes["a:1"] == hashes["a:2"]
    assert len({hashes[i] for i in ("a:1", "b:1", "a:3", "a:4", "a:5")}) == 5
    kept_out = {r[0]: (r[2], r[3]) for r in rows}
    assert kept_out["a:1"] == ("3374011708450001", None)
    assert kept_out["a:3"] == (None, None)
    assert kept_out["a:4"] == (None, "3374011708450001")
    assert kept_out["a:5"] == (None, "9471015708450001")  # beyond a float's digits


def test_table_leaves_no_helper_tables_and_replaces_the_target() -> None:
    """Running twice replaces the target; the region copy is dropped."""
    with Engine() as engine:
        engine.execute("CREATE TABLE src AS SELECT 'a:1' AS record_id, 'a' AS source")
        standardise_table(engine, "src", "std")
        standardise_table(engine, "src", "std")
        tables = sorted(
            r[0] for r in engine.rows("SELECT table_name FROM information_schema.tables")
        )
        assert engine.count("std") == 1
    assert tables == ["src", "std"]


def test_table_without_record_id_is_a_source_error() -> None:
    """The message names what is missing and what the table has."""
    with Engine() as engine:
        engine.execute("CREATE TABLE src AS SELECT 'x' AS nik, 'a' AS source")
        with pytest.raises(SourceError) as caught:
            standardise_table(engine, "src", "std")
    assert str(caught.value) == (
        "table 'src' has no column record_id; it has nik, source. Standardisation needs "
        "record_id and source beside the canonical fields."
    )


def test_flags_are_queryable_per_record() -> None:
    """quality_flags is a list column that SQL can filter on."""
    with Engine() as engine:
        engine.execute(
            "CREATE TABLE src AS SELECT * FROM (VALUES ('a:1', 'a', '3.37401E+15'), "
            "('a:2', 'a', '3374015708450001')) t(record_id, source, nik)"
        )
        standardise_table(engine, "src", "std")
        hits = engine.rows(
            "SELECT record_id FROM std WHERE list_contains(quality_flags, 'nik_excel_notation')"
        )
    assert hits == [("a:1",)]


# -- the flag catalogue ----------------------------------------------------------------------------
def test_every_flag_code_begins_with_its_field_and_has_a_meaning() -> None:
    """Codes read '<field>_<what is wrong>' and are explained in one place."""
    for code, meaning in QUALITY_FLAGS.items():
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", code), code
        assert code.split("_")[0] in FLAG_FIELDS
        assert len(meaning) > 20


#: One record (or table of records) that raises each flag.
FLAG_EXAMPLES: dict[str, dict[str, str]] = {
    "nik_excel_notation": {"nik": "3.37401E+15"},
    "nik_float_rounded": {"nik": "9471015708450001.0"},
    "nik_not_digits": {"nik": "3374O15708450001"},
    "nik_wrong_length": {"nik": "33740157084500"},
    "nik_province_invalid": {"nik": "1074015708450001"},
    "nik_region_invalid": {"nik": "3370015708450001"},
    "nik_date_invalid": {"nik": "3374019908450001"},
    "nik_serial_zero": {"nik": "3374015708450000"},
    "nik_equals_kk": {"nik": "3374011708450001", "kk_number": "3374011708450001"},
    "nik_birth_date_mismatch": {"nik": "3374015708450001", "birth_date": "18-08-1945"},
    "nik_sex_mismatch": {"nik": "3374015708450001", "sex": "L"},
    "kk_excel_notation": {"kk_number": "3.37401E+15"},
    "kk_float_rounded": {"kk_number": "9471011708450001.0"},
    "kk_not_digits": {"kk_number": "33740117O8450001"},
    "kk_wrong_length": {"kk_number": "3374011708"},
    "kk_province_invalid": {"kk_number": "9974011708450001"},
    "kk_region_invalid": {"kk_number": "3374001708450001"},
    "kk_date_invalid": {"kk_number": "3374015708450001"},
    "kk_serial_zero": {"kk_number": "3374011708450000"},
    "full_name_empty": {"full_name": "H."},
    "mother_name_empty": {"mother_name": "Ibu"},
    "birth_date_invalid": {"birth_date": "30-02-1990"},
    "birth_date_future": {"birth_date": "01-06-2100"},
    "birth_date_too_old": {"birth_date": "05-06-1850"},
    "birth_date_year_only": {"birth_date": "1980"},
    "birth_date_two_digit_year": {"birth_date": "05-06-80"},
    "birth_date_day_month_swapped": {"birth_date": "06/15/1980"},
    "birth_date_excel_serial": {"birth_date": "29000"},
    "birth_date_placeholder": {"birth_date": "1980-07-01"},
    "sex_invalid": {"sex": "X1"},
    "relationship_invalid": {"relationship": "Kos"},
    "rt_invalid": {"rt": "RT"},
    "rt_conflict": {"rt": "1", "address": "RT 2"},
    "rw_invalid": {"rw": "9999"},
    "rw_conflict": {"rw": "1", "address": "RW 2"},
    "kecamatan_unknown": {"kecamatan": "Kebayoran"},
    "kecamatan_fuzzy": {"kecamatan": "Pedurunga"},
    "kelurahan_unknown": {"kelurahan": "Cempaka Putih"},
    "kelurahan_ambiguous": {"kelurahan": "Purwosari"},
    "kelurahan_fuzzy": {"kelurahan": "Tlogosari Kulom"},
    "kelurahan_kecamatan_mismatch": {"kelurahan": "Kauman", "kecamatan": "Mijen"},
    "phone_invalid": {"phone": "12345"},
}


def test_every_flag_has_an_example_that_raises_it_alone() -> None:
    """Each documented flag is produced by the rules, and each example raises only its own."""
    cases = dict(FLAG_EXAMPLES)
    cases["nik_shared_1"] = {
        "nik": "3374014408800001",
        "full_name": "A",
        "birth_date": "04-08-1980",
    }
    cases["nik_shared_2"] = {
        "nik": "3374014408800001",
        "full_name": "B",
        "birth_date": "01-02-1991",
    }
    out = standardise_cases(cases)
    raised = {flag: out[flag]["quality_flags"] for flag in FLAG_EXAMPLES}
    assert raised == {flag: [flag] for flag in FLAG_EXAMPLES}
    assert out["nik_shared_1"]["quality_flags"] == ["nik_shared"]
    assert set(FLAG_EXAMPLES) | {"nik_shared"} == set(QUALITY_FLAGS) == flag_rules()
    assert {"nik_shared"} == TABLE_LEVEL_FLAGS


# -- the single-record path ------------------------------------------------------------------
#: Records the single-record path must standardise exactly as the table path: the person above,
#: values its statement passes as literals, and address-text places either path may skip.
RECORD_EXAMPLES: dict[str, dict[str, str | None]] = {
    "person": PERSON,
    "quotes": {"full_name": "Ma'ruf O'Neil", "address": "Jl. 'Pemuda' No. 5", "rt": "''"},
    "nul": {"full_name": "Budi\x00Santoso", "nik": "3374\x0015708450001"},
    "breaks": {"full_name": "\tSiti\nAminah\r", "phone": " 0812\t3456 7890 "},
    "kel_in_address": {"address": "Jl. Kauman 3, Kel. Sekayu, Kec. Semarang Tengah"},
    "accented_marker": {"address": "Jl. Kauman 3, Kél. Sekayu"},
    "kel_column_wins": {"address": "Kel. Sekayu", "kelurahan": "Kauman"},
    "only_kecamatan": {"kecamatan": "Pedurunga", "address": "ds. krajan"},
    "empty": {},
}


@pytest.mark.parametrize("case", sorted(set(FLAG_EXAMPLES) | set(RECORD_EXAMPLES)))
def test_record_path_gives_the_table_row(
    case: str, table_rows: dict[str, dict[str, object]]
) -> None:
    """standardise_record gives exactly the table path's row, for every example of this module."""
    record = (FLAG_EXAMPLES | RECORD_EXAMPLES)[case]
    expected = {f: table_rows[case][f] for f in STANDARDISED_FIELDS}
    assert standardise_record(record) == expected


@pytest.fixture(scope="module")
def table_rows() -> dict[str, dict[str, object]]:
    """Every example of this module standardised as one table (no NIK repeats among them)."""
    return standardise_cases(FLAG_EXAMPLES | RECORD_EXAMPLES)


def test_standardise_record_remembers_results_only_for_the_same_input() -> None:
    """A value seen before gives the remembered result; the same text under another source's
    date order, or with other fields, is standardised anew."""
    orders = {"dinkes": "mdy"}
    first = standardise_record({"birth_date": "03/04/1985", "sex": "P"}, date_order=orders)
    other = standardise_record(
        {"source": "dinkes", "birth_date": "03/04/1985", "sex": "L"}, date_order=orders
    )
    again = standardise_record({"birth_date": "03/04/1985", "sex": "P"}, date_order=orders)
    assert (first["birth_date"], other["birth_date"]) == (dt.date(1985, 4, 3), dt.date(1985, 3, 4))
    assert (first["sex"], other["sex"]) == ("F", "M")
    assert again == first


def test_standardise_record_is_thread_safe() -> None:
    """Threads standardising at once (each with its own connection) get the serial results."""
    records = [{"full_name": f"Budi {i}", "birth_date": f"{i + 1:02d}-01-1980"} for i in range(8)]
    serial = [standardise_record(r) for r in records]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(standardise_record, records))
    assert parallel == serial


# -- portability -----------------------------------------------------------------------------------
def _statements() -> list[str]:
    """Every statement of standardisation: the table steps, the shared-NIK pass, the parts of
    the single-record path (over a relation of their parameters)."""
    columns = {"record_id", "source", *CANONICAL_FIELDS}
    steps = table_steps(
        "src", columns, "regions", target="std", prefix="p_", date_order={"a": "mdy"}
    )
    parts = record_parts("keyed_regions")
    parts.append(record_output_part([("full_name", "VARCHAR"), ("_f_sex_invalid", "BOOLEAN")]))
    record = [
        part.select(
            "(SELECT " + ", ".join(f"CAST(? AS {kind}) AS {c}" for c, kind in part.params) + ")"
        )
        for part in parts
    ]
    return [*(step.sql for step in steps), shared_nik_update_sql("std"), *record]


def _sql() -> str:
    """The statements joined (for text searches)."""
    return ";\n".join(_statements())


def test_sql_transpiles_to_spark() -> None:
    """sqlglot turns every statement into Spark SQL without DuckDB-only functions."""
    spark = " ".join(
        " ".join(sqlglot.transpile(sql, read="duckdb", write="spark")) for sql in _statements()
    )
    functions = set(re.findall(r"\b([A-Z_]+)\(", spark))
    assert not functions & {
        "TRY_STRPTIME",
        "STRIP_ACCENTS",
        "LIST_POSITION",
        "REGEXP_SPLIT_TO_ARRAY",
    }
    assert "MAKE_DATE" in functions


def test_every_regexp_replace_says_first_or_all() -> None:
    """Every regexp_replace has the 'g' flag or an anchored pattern (engines differ otherwise)."""
    trees = [tree for sql in _statements() for tree in sqlglot.parse(sql, read="duckdb")]
    calls = [call for tree in trees if tree for call in tree.find_all(exp.RegexpReplace)]
    assert len(calls) > 50
    for call in calls:
        modifiers = call.args.get("modifiers")
        pattern = call.args["expression"].name
        assert (
            (modifiers is not None and modifiers.name == "g")
            or pattern.startswith("^")
            or (pattern.endswith("$"))
        ), pattern


def test_sql_avoids_engine_specific_forms() -> None:
    """No case-insensitive flag, no arrow lambdas, no back-references in replacements."""
    sql = _sql()
    assert "->" not in sql
    trees = [tree for one in _statements() for tree in sqlglot.parse(one, read="duckdb")]
    for call in (c for tree in trees if tree for c in tree.find_all(exp.RegexpReplace)):
        modifiers = call.args.get("modifiers")
        assert modifiers is None or modifiers.name == "g"
        assert not re.search(r"\\[0-9]", call.args["replacement"].name)


def test_standardised_fields_are_all_produced() -> None:
    """The SELECT writes every field of the schema (no field left behind when the schema grows)."""
    for field in STANDARDISED_FIELDS:
        assert f" AS {field}," in _sql() or f" AS {field} " in _sql()


@pytest.mark.parametrize(
    "module",
    sorted(
        m.name for m in pkgutil.iter_modules(povlink.standardise.__path__, "povlink.standardise.")
    ),
)
def test_docstring_examples_run(module: str) -> None:
    """The examples in the docstrings are true."""
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
