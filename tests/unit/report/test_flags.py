"""Reading quality-flag codes: the field they concern and the kind of NIK problem."""

from __future__ import annotations

import pytest

from povlink.report._flags import (
    describe_code,
    field_of_code,
    nik_problem_of_code,
    read_flag_codes,
)


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("nik_missing", "nik"),
        ("nik_birth_date_mismatch", "nik"),
        ("kk_number_invalid_length", "kk_number"),
        ("birth_date_missing", "birth_date"),
        ("birth_place_unknown", "birth_place"),
        ("kelurahan_unknown", "kelurahan"),
        ("kk_wrong_length", "kk_number"),
        ("mother_name_empty", "mother_name"),
        ("zz_odd", "zz"),
        ("phone", "phone"),
        ("Sex_Unknown", "sex"),
    ],
)
def test_field_of_code_is_the_longest_field_prefix(code: str, field: str) -> None:
    """A code belongs to the longest canonical field it starts with, else to its first word."""
    assert field_of_code(code) == field


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("nik_missing", "missing"),
        ("nik_blank", "missing"),
        ("nik_invalid_length", "invalid"),
        ("nik_excel_notation", "invalid"),
        ("nik_bad_province", "invalid"),
        ("nik_birth_date_mismatch", "inconsistent"),
        ("nik_sex_mismatch", "inconsistent"),
        ("nik_shared", "inconsistent"),
        ("nik_equals_kk", "inconsistent"),
        ("kk_number_missing", None),
        ("nikah_status_missing", None),
    ],
)
def test_nik_problem_of_code(code: str, problem: str | None) -> None:
    """NIK codes split into missing, inconsistent and (otherwise) invalid; others are not NIK."""
    assert nik_problem_of_code(code) == problem


def test_read_flag_codes_orders_fields_for_fixing() -> None:
    """Canonical fields keep their order (the NIK first); unknown fields come after them all."""
    read = {c.code: c for c in read_flag_codes(["zz_odd", "phone_invalid", "nik_missing"])}
    assert read["nik_missing"].field_order == 0
    assert read["phone_invalid"].field_order == 15
    assert read["zz_odd"].field_order == 16
    assert [c.code for c in read_flag_codes(["b_x", "a_x", "b_x"])] == ["a_x", "b_x"]


def test_describe_code() -> None:
    """The standardiser's words for its codes, the report's for empty key fields, else nothing."""
    from povlink.standardise import QUALITY_FLAGS

    assert describe_code("nik_shared") == QUALITY_FLAGS["nik_shared"]
    assert describe_code("kelurahan_missing") == "the kelurahan is empty: the list gives none"
    assert describe_code("phone_missing") == ""
    assert describe_code("zz_odd") == ""
