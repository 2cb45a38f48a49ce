"""NIK and KK number: cleaning, structure checks, what the NIK encodes, and its quality flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from povlink.exceptions import InvalidNikError, PovlinkError
from povlink.standardise import NikInfo, parse_nik
from povlink.standardise.identity import PROVINCE_CODES

from .conftest import standardise_cases

VALID = "3374015708450001"  # Kota Semarang, Semarang Tengah, woman born 17 August 1945, serial 1
TODAY = dt.date(2026, 1, 1)


# -- parse_nik ----------------------------------------------------------------------------------
def test_parse_nik_reads_region_date_sex_and_serial() -> None:
    """A woman's NIK has 40 added to the day; the codes come in the region table's dotted form."""
    assert parse_nik(VALID, today=TODAY) == NikInfo(
        nik=VALID,
        province_code="33",
        regency_code="33.74",
        district_code="33.74.01",
        birth_date=dt.date(1945, 8, 17),
        sex="F",
        serial="0001",
    )


@pytest.mark.parametrize(
    "written",
    [
        "3374 0157 0845 0001",
        "3374.0157.0845.0001",
        "3374-0157-0845-0001",
        "'3374015708450001",
        "3374015708450001.0",
        "  3374015708450001 ",
    ],
)
def test_parse_nik_cleans_spreadsheet_forms(written: str) -> None:
    """Spaces, dots, dashes, a leading apostrophe and a float's .0 are removed."""
    assert parse_nik(written, today=TODAY).nik == VALID


def test_parse_nik_men_have_the_day_as_is() -> None:
    """A day of 17 (not 57) is a man's."""
    info = parse_nik("3374011708450001", today=TODAY)
    assert (info.sex, info.birth_date) == ("M", dt.date(1945, 8, 17))


@pytest.mark.parametrize(
    ("nik", "born"),
    [
        ("3374010502050001", dt.date(2005, 2, 5)),  # 2005 is not in the future: 20yy
        ("3374010502300001", dt.date(1930, 2, 5)),  # 2030 would be: 19yy
        ("3374010101260001", dt.date(2026, 1, 1)),  # today itself is allowed
        ("3374010201260001", dt.date(1926, 1, 2)),  # tomorrow is not
        ("3374016902840001", dt.date(1984, 2, 29)),  # a woman born on a leap day
    ],
)
def test_parse_nik_chooses_a_sensible_century(nik: str, born: dt.date) -> None:
    """The two-digit year is 20yy unless that date lies after today."""
    assert parse_nik(nik, today=TODAY).birth_date == born


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        (
            "3.37402E+15",
            "NIK '3.37402E+15' is in scientific notation (Excel damage): its last digits are "
            "lost; read the file with the column as text",
        ),
        (
            "337401170845001",
            "NIK '337401170845001' has 15 digits after cleaning; a NIK has exactly 16",
        ),
        (
            "33740117084500011",
            "NIK '33740117084500011' has 17 digits after cleaning; a NIK has exactly 16",
        ),
        (
            "3374O11708450001",
            "NIK '3374O11708450001' contains characters other than digits, spaces, dots and dashes",
        ),
        (
            "0074011708450001",
            "NIK '0074011708450001' does not start with a province code (11-96, e.g. 33 Jawa "
            "Tengah)",
        ),
        (
            "3300011708450001",
            "NIK '3300011708450001' has regency code 00 or 70 or kecamatan code 00 (digits 3-6)",
        ),
        (
            "3374013202850001",
            "NIK '3374013202850001' has no valid birth date in digits 7-12 (DDMMYY, women's day "
            "plus 40)",
        ),
        (
            "3374011708450000",
            "NIK '3374011708450000' has serial 0000 (digits 13-16); serials start at 0001",
        ),
        (
            "9471015708450001.0",
            "NIK '9471015708450001.0' passed through a float and is above 2^53, so its last "
            "digit cannot be trusted; read the file with the column as text",
        ),
        ("--", "NIK '--' is empty after cleaning"),
    ],
)
def test_parse_nik_says_what_is_wrong(nik: str, message: str) -> None:
    """Each broken rule has its own message naming the value."""
    with pytest.raises(InvalidNikError) as caught:
        parse_nik(nik)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "nik",
    [
        "3374017213850001",  # day 72: beyond a woman's 71
        "3374012902850001",  # 29 February 1985
        "3374014113850001",  # month 13
        "3374010001850001",  # day 00
    ],
)
def test_parse_nik_rejects_impossible_dates(nik: str) -> None:
    """The date part must be a real date after removing the women's +40."""
    with pytest.raises(InvalidNikError, match="no valid birth date"):
        parse_nik(nik)


def test_invalid_nik_error_is_a_value_error() -> None:
    """Callers can catch it as ValueError or as any povlink error."""
    with pytest.raises(ValueError, match="16") as caught:
        parse_nik("123")
    assert isinstance(caught.value, PovlinkError)


def test_parse_nik_rejects_non_text() -> None:
    """A number is refused: NIKs must never pass through a numeric type."""
    with pytest.raises(InvalidNikError, match="must be text, got 3374015708450001 that is a int"):
        parse_nik(3374015708450001)  # type: ignore[arg-type]


def test_province_codes_are_the_38_of_2025() -> None:
    """The province list is the current one: 11-19, 21, 31-36, 51-53, 61-65, 71-76, 81-82, 91-96."""
    assert len(PROVINCE_CODES) == 38
    assert {"11", "21", "33", "36", "53", "65", "76", "82", "96"} <= PROVINCE_CODES
    assert not {"00", "10", "20", "22", "37", "54", "77", "83", "90", "97"} & PROVINCE_CODES


# -- the engine's NIK columns ---------------------------------------------------------------------
CASES: dict[str, dict[str, str | None]] = {
    "clean_spaces": {"nik": "3374 0157 0845 0001"},
    "clean_dashes": {"nik": "3374-0157-0845-0001"},
    "clean_apostrophe": {"nik": "'3374015708450001"},
    "clean_float": {"nik": "3374015708450001.0"},
    "excel_short": {"nik": "3.37401E+15"},
    "excel_comma": {"nik": "3,37401570845001E+15"},
    "excel_lower": {"nik": "3.374e+15"},
    "float_rounded": {"nik": "9471015708450001.0"},
    "length": {"nik": "337401570845001"},
    "letters": {"nik": "3374O15708450001"},
    "province": {"nik": "0074015708450001"},
    "region": {"nik": "3374005708450001"},
    "date": {"nik": "3374013202850001"},
    "serial": {"nik": "3374015708450000"},
    "equals_kk": {"nik": "3374011708450001", "kk_number": "3374011708450001"},
    "mismatch": {"nik": VALID, "birth_date": "17-08-1946", "sex": "L"},
    "agrees": {"nik": VALID, "birth_date": "17 Agustus 1945", "sex": "Perempuan"},
    "placeholder_year_agrees": {"nik": VALID, "birth_date": "01-01-1945"},
    "placeholder_year_differs": {"nik": VALID, "birth_date": "01-01-1944"},
    "stated_century": {"nik": "3374010502200001", "birth_date": "05-02-1920"},
    "default_century": {"nik": "3374010502200001"},
    "missing_dash": {"nik": "-"},
    "missing_zero": {"nik": "0"},
    "missing_words": {"nik": "belum ada"},
    "kk_valid": {"kk_number": "3374011708450001"},
    "kk_woman_day": {"kk_number": "3374015708450001"},
    "kk_excel": {"kk_number": "3.37401E+15"},
    "kk_serial": {"kk_number": "3374011708450000"},
    "kk_length": {"kk_number": "33740117084500"},
}


@pytest.fixture(scope="module")
def out() -> dict[str, dict[str, Any]]:
    """Every case of this module, standardised in one table."""
    return standardise_cases(CASES)


@pytest.mark.parametrize(
    "case", ["clean_spaces", "clean_dashes", "clean_apostrophe", "clean_float"]
)
def test_nik_cleaning_in_the_engine(out: dict[str, dict[str, Any]], case: str) -> None:
    """The engine cleans like parse_nik and derives the same date, sex and region."""
    row = out[case]
    assert (row["nik"], row["nik_birth_date"], row["nik_sex"], row["nik_region"]) == (
        VALID,
        dt.date(1945, 8, 17),
        "F",
        "337401",
    )
    assert row["nik_partial"] == VALID[:15]
    assert row["quality_flags"] == []


@pytest.mark.parametrize(
    ("case", "partial", "region"),
    [
        ("excel_short", None, "337401"),
        ("excel_comma", "337401570845001", "337401"),
        ("excel_lower", None, None),
    ],
)
def test_excel_notation_keeps_only_what_survives(
    out: dict[str, dict[str, Any]], case: str, partial: str | None, region: str | None
) -> None:
    """Scientific notation nulls the NIK; shown digits are kept for blocking when enough."""
    row = out[case]
    assert (row["nik"], row["nik_partial"], row["nik_region"]) == (None, partial, region)
    assert row["quality_flags"] == ["nik_excel_notation"]


def test_float_above_2_53_is_not_trusted(out: dict[str, dict[str, Any]]) -> None:
    """A Papua NIK that went through a float loses its last digit: null, prefix kept."""
    row = out["float_rounded"]
    assert (row["nik"], row["nik_partial"], row["nik_region"]) == (
        None,
        "947101570845000",
        "947101",
    )
    assert row["quality_flags"] == ["nik_float_rounded"]


@pytest.mark.parametrize(
    ("case", "flag"),
    [
        ("length", "nik_wrong_length"),
        ("letters", "nik_not_digits"),
        ("province", "nik_province_invalid"),
        ("region", "nik_region_invalid"),
        ("date", "nik_date_invalid"),
        ("serial", "nik_serial_zero"),
    ],
)
def test_structurally_invalid_nik_is_null_with_its_flag(
    out: dict[str, dict[str, Any]], case: str, flag: str
) -> None:
    """Each broken rule nulls the NIK and its derived values and says which rule."""
    row = out[case]
    assert (row["nik"], row["nik_birth_date"], row["nik_sex"], row["nik_partial"]) == (None,) * 4
    assert row["quality_flags"] == [flag]


def test_nik_equal_to_kk_is_not_a_person_key(out: dict[str, dict[str, Any]]) -> None:
    """The family card number in the NIK field is flagged and not used as the NIK."""
    row = out["equals_kk"]
    assert (row["nik"], row["kk_number"]) == (None, "3374011708450001")
    assert row["quality_flags"] == ["nik_equals_kk"]


def test_disagreeing_date_and_sex_are_flagged_and_kept(out: dict[str, dict[str, Any]]) -> None:
    """Neither the NIK's nor the stated values are thrown away."""
    row = out["mismatch"]
    assert (row["nik_birth_date"], row["birth_date"]) == (
        dt.date(1945, 8, 17),
        dt.date(1946, 8, 17),
    )
    assert (row["nik_sex"], row["sex"]) == ("F", "M")
    assert row["quality_flags"] == ["nik_birth_date_mismatch", "nik_sex_mismatch"]


def test_agreeing_date_and_sex_raise_nothing(out: dict[str, dict[str, Any]]) -> None:
    """An Indonesian month name and 'Perempuan' agree with the NIK."""
    assert out["agrees"]["quality_flags"] == []


def test_placeholder_dates_are_compared_on_the_year(out: dict[str, dict[str, Any]]) -> None:
    """1 January stands for 'unknown day': only a different year is a mismatch."""
    assert out["placeholder_year_agrees"]["quality_flags"] == ["birth_date_placeholder"]
    assert out["placeholder_year_differs"]["quality_flags"] == [
        "nik_birth_date_mismatch",
        "birth_date_placeholder",
    ]


def test_stated_birth_year_settles_the_nik_century(out: dict[str, dict[str, Any]]) -> None:
    """NIK year 20 is 1920 for a person stated to be born in 1920, else 2020."""
    assert out["stated_century"]["nik_birth_date"] == dt.date(1920, 2, 5)
    assert out["stated_century"]["quality_flags"] == []
    assert out["default_century"]["nik_birth_date"] == dt.date(2020, 2, 5)


@pytest.mark.parametrize("case", ["missing_dash", "missing_zero", "missing_words"])
def test_missing_nik_forms_are_null_without_flags(
    out: dict[str, dict[str, Any]], case: str
) -> None:
    """'-', '0' and 'belum ada' are not NIKs and not errors either."""
    assert (out[case]["nik"], out[case]["quality_flags"]) == (None, [])


@pytest.mark.parametrize(
    ("case", "kk", "flags"),
    [
        ("kk_valid", "3374011708450001", []),
        ("kk_woman_day", None, ["kk_date_invalid"]),
        ("kk_excel", None, ["kk_excel_notation"]),
        ("kk_serial", None, ["kk_serial_zero"]),
        ("kk_length", None, ["kk_wrong_length"]),
    ],
)
def test_kk_number_rules(
    out: dict[str, dict[str, Any]], case: str, kk: str | None, flags: list[str]
) -> None:
    """A KK's date is its issue date: no +40, so a day of 57 is invalid."""
    assert (out[case]["kk_number"], out[case]["quality_flags"]) == (kk, flags)


def test_nik_shared_by_different_people_in_one_source_is_flagged() -> None:
    """The head's NIK copied to members is flagged on each; duplicates and other sources are not."""
    out = standardise_cases(
        {
            "head": {
                "source": "a",
                "nik": VALID,
                "full_name": "Siti Aminah",
                "birth_date": "17-08-1945",
            },
            "child": {"source": "a", "nik": VALID, "full_name": "Budi", "birth_date": "02-03-1990"},
            "other_source": {
                "source": "b",
                "nik": VALID,
                "full_name": "Budi",
                "birth_date": "02-03-1990",
            },
            "dup1": {
                "source": "a",
                "nik": "3374011708450001",
                "full_name": "Slamet",
                "birth_date": "17-08-1945",
            },
            "dup2": {
                "source": "a",
                "nik": "3374011708450001",
                "full_name": "SLAMET",
                "birth_date": "17/08/1945",
            },
            "spelling": {
                "source": "b",
                "nik": "3374011708450002",
                "full_name": "Slamet",
                "birth_date": "17-08-1945",
            },
            "spelling2": {
                "source": "b",
                "nik": "3374011708450002",
                "full_name": "Selamet",
                "birth_date": "17-08-1945",
            },
        }
    )
    flagged = {case for case, row in out.items() if "nik_shared" in row["quality_flags"]}
    assert flagged == {"head", "child"}
