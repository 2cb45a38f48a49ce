"""Sex, relationship, phone, household key and the missing-value forms shared by every field."""

from __future__ import annotations

from typing import Any

import pytest

from povlink.schema import CANONICAL_FIELDS
from povlink.standardise.missing import MISSING_VALUES

from .conftest import standardise_cases

SEX = {
    "L": "M", "l": "M", "LK": "M", "Laki-laki": "M", "LAKI LAKI": "M", "laki2": None, "Pria": "M",
    "M": "M", "Male": "M", "1": "M", "P": "F", "PR": "F", "Perempuan": "F", "PEREMPUAN": "F",
    "Wanita": "F", "W": "F", "F": "F", "female": "F", "2": "F", "3": None, "Banci": None,
}  # fmt: skip

RELATIONSHIP = {
    "Kepala Keluarga": "head", "KEPALA RUMAH TANGGA": "head", "KRT": "head", "1": "head",
    "Istri": "spouse", "ISTERI": "spouse", "Suami": "spouse", "Istri/Suami": "spouse",
    "2": "spouse", "Anak": "child", "Anak Kandung": "child", "anak tiri": "child", "3": "child",
    "Menantu": "in_law", "4": "in_law", "Cucu": "grandchild", "5": "grandchild",
    "Orang Tua": "parent", "Mertua": "parent", "Orang Tua/Mertua": "parent", "6": "parent",
    "Famili Lain": "other", "Lainnya": "other", "Pembantu": "other", "8": "other",
    "Tetangga": None, "9": None,
}  # fmt: skip

PHONE = {
    "081234567890": "081234567890",
    "0812-3456-7890": "081234567890",
    "+62 812 3456 7890": "081234567890",
    "6281234567890": "081234567890",
    "81234567890": "081234567890",
    "81234567890.0": "081234567890",
    "024 3541234": None,  # a Semarang landline, not a mobile number
    "0812": None,
}


@pytest.fixture(scope="module")
def out() -> dict[str, dict[str, Any]]:
    """Every case of this module, standardised in one table."""
    cases = {f"sex{i}": {"sex": v} for i, v in enumerate(SEX)}
    cases |= {f"rel{i}": {"relationship": v} for i, v in enumerate(RELATIONSHIP)}
    cases |= {f"tel{i}": {"phone": v} for i, v in enumerate(PHONE)}
    cases |= {f"miss{i}": dict.fromkeys(CANONICAL_FIELDS, v) for i, v in enumerate(_MISSING_FORMS)}
    cases["hh_float"] = {"household_key": " 3374010012.0 "}
    cases["hh_text"] = {"household_key": "IDBDT-0001"}
    return standardise_cases(cases)


@pytest.mark.parametrize(("index", "written"), list(enumerate(SEX)), ids=list(SEX))
def test_sex_codes(out: dict[str, dict[str, Any]], index: int, written: str) -> None:
    """L/P, 1/2, M/F, Laki-laki/Perempuan, Pria/Wanita in any case to M/F; others flagged."""
    row = out[f"sex{index}"]
    expected = SEX[written]
    assert row["sex"] == expected
    assert row["quality_flags"] == ([] if expected else ["sex_invalid"])


@pytest.mark.parametrize(
    ("index", "written"), list(enumerate(RELATIONSHIP)), ids=list(RELATIONSHIP)
)
def test_relationship_codes(out: dict[str, dict[str, Any]], index: int, written: str) -> None:
    """Indonesian values and the BDT Hub_KRT codes to a small code set."""
    row = out[f"rel{index}"]
    expected = RELATIONSHIP[written]
    assert row["relationship"] == expected
    assert row["quality_flags"] == ([] if expected else ["relationship_invalid"])


@pytest.mark.parametrize(("index", "written"), list(enumerate(PHONE)), ids=list(PHONE))
def test_phone_numbers(out: dict[str, dict[str, Any]], index: int, written: str) -> None:
    """Mobile numbers in 08... form, whatever the country code or punctuation."""
    row = out[f"tel{index}"]
    assert row["phone"] == PHONE[written]
    assert row["quality_flags"] == ([] if PHONE[written] else ["phone_invalid"])


def test_household_key_is_trimmed_and_unfloated(out: dict[str, dict[str, Any]]) -> None:
    """The agency's key loses spaces and a float's .0, and is otherwise kept as written."""
    assert (out["hh_float"]["household_key"], out["hh_text"]["household_key"]) == (
        "3374010012",
        "IDBDT-0001",
    )


_MISSING_FORMS = [
    "",
    "  ",
    "-",
    "--",
    "0",
    "000",
    ".",
    "NULL",
    "null",
    "None",
    "NaN",
    "N/A",
    "#N/A",
]
_MISSING_FORMS += ["belum ada", "BELUM ADA", "Tidak Ada", "tdk ada", "kosong", "\t-\n"]


@pytest.mark.parametrize(("index", "written"), list(enumerate(_MISSING_FORMS)))
def test_missing_value_forms_are_null_everywhere(
    out: dict[str, dict[str, Any]], index: int, written: str
) -> None:
    """Every field treats these as no value: nothing standardised and nothing flagged."""
    row = out[f"miss{index}"]
    values = {k: v for k, v in row.items() if k not in ("record_id", "source", "raw_hash")}
    assert {k: v for k, v in values.items() if v not in (None, [])} == {}


def test_missing_values_are_documented_lower_case() -> None:
    """The list is compared after lower-casing, so it holds lower-case forms only."""
    assert all(v == v.lower().strip() for v in MISSING_VALUES)
    assert {"", "belum ada", "tidak ada", "null", "n/a"} <= set(MISSING_VALUES)
