"""Birth dates in every written form, the source's date order, and the date flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from .conftest import standardise_cases

D = dt.date(1985, 12, 5)

# written -> (birth_date, birth_year, flags)
FORMS: dict[str, tuple[dt.date | None, int | None, list[str]]] = {
    "1985-12-05": (D, 1985, []),
    "1985/12/05": (D, 1985, []),
    "1985-12-05 00:00:00": (D, 1985, []),
    "1985-12-05T00:00:00": (D, 1985, []),
    "19851205": (D, 1985, []),
    "05121985": (D, 1985, []),
    "05-12-1985": (D, 1985, []),
    "5/12/1985": (D, 1985, []),
    "05.12.1985": (D, 1985, []),
    "05 12 1985": (D, 1985, []),
    "05-12-85": (D, 1985, ["birth_date_two_digit_year"]),
    "5 Desember 1985": (D, 1985, []),
    "05 Des 1985": (D, 1985, []),
    "05-DES-85": (D, 1985, ["birth_date_two_digit_year"]),
    "5 December 1985": (D, 1985, []),
    "December 5, 1985": (D, 1985, []),
    "Dec 5th, 1985": (D, 1985, []),
    "17 Agt 1945": (dt.date(1945, 8, 17), 1945, []),
    "17 Agustus 1945": (dt.date(1945, 8, 17), 1945, []),
    "2 Mei 1970": (dt.date(1970, 5, 2), 1970, []),
    "9 Okt 2001": (dt.date(2001, 10, 9), 2001, []),
    "3 Pebruari 1960": (dt.date(1960, 2, 3), 1960, []),
    "4 Nopember 1999": (dt.date(1999, 11, 4), 1999, []),
    "31386": (D, 1985, ["birth_date_excel_serial"]),
    "31386.0": (D, 1985, ["birth_date_excel_serial"]),
    "SEMARANG, 05-12-1985": (D, 1985, []),
    "Kota Semarang, 5 Desember 1985": (D, 1985, []),
    "Semarang 05-12-1985": (D, 1985, []),
    "25/12/1985": (dt.date(1985, 12, 25), 1985, []),
    "12/25/1985": (dt.date(1985, 12, 25), 1985, ["birth_date_day_month_swapped"]),
    "1985": (None, 1985, ["birth_date_year_only"]),
    "00-00-1985": (None, 1985, ["birth_date_year_only"]),
    "31-02-1985": (None, None, ["birth_date_invalid"]),
    "29-02-1985": (None, None, ["birth_date_invalid"]),
    "29-02-1984": (dt.date(1984, 2, 29), 1984, []),
    "29-02-1900": (None, None, ["birth_date_invalid"]),
    "32-13-1985": (None, None, ["birth_date_invalid"]),
    "kemarin": (None, None, ["birth_date_invalid"]),
    "5 Jumat 1985": (None, None, ["birth_date_invalid"]),
    "2099-01-05": (None, None, ["birth_date_future"]),
    "1890-06-15": (None, None, ["birth_date_too_old"]),
    "01-01-1970": (dt.date(1970, 1, 1), 1970, ["birth_date_placeholder"]),
    "01-07-1970": (dt.date(1970, 7, 1), 1970, ["birth_date_placeholder"]),
    "31-12-1970": (dt.date(1970, 12, 31), 1970, ["birth_date_placeholder"]),
    "-": (None, None, []),
    "0": (None, None, []),
    "tidak tahu": (None, None, []),
}


@pytest.fixture(scope="module")
def out() -> dict[str, dict[str, Any]]:
    """Every written date of this module, standardised in one table (order dmy)."""
    return standardise_cases({f"d{i}": {"birth_date": w} for i, w in enumerate(FORMS)})


@pytest.mark.parametrize(("index", "written"), list(enumerate(FORMS)), ids=list(FORMS))
def test_birth_date_forms(out: dict[str, dict[str, Any]], index: int, written: str) -> None:
    """Each written form gives this date, year and flags (dmy order)."""
    row = out[f"d{index}"]
    assert (row["birth_date"], row["birth_year"], row["quality_flags"]) == FORMS[written]


def test_placeholder_marks_only_1_jan_1_jul_31_dec(out: dict[str, dict[str, Any]]) -> None:
    """birth_date_is_placeholder is true, false, or null without a date."""
    by_written = {w: out[f"d{i}"]["birth_date_is_placeholder"] for i, w in enumerate(FORMS)}
    assert (by_written["01-07-1970"], by_written["05-12-1985"], by_written["1985"]) == (
        True,
        False,
        None,
    )


def test_combined_place_and_date_fills_birth_place() -> None:
    """The place in 'SEMARANG, 05-12-1985' becomes birth_place when no place is mapped."""
    out = standardise_cases(
        {
            "combined": {"birth_date": "SEMARANG, 05-12-1985"},
            "kota": {"birth_date": "Kota Semarang, 5 Desember 1985"},
            "mapped": {"birth_date": "SEMARANG, 05-12-1985", "birth_place": "Kab. Kendal"},
            "place_only": {"birth_place": "KOTA SEMARANG"},
            "place_with_date": {"birth_place": "Demak, 01-02-1990"},
        }
    )
    assert {k: r["birth_place"] for k, r in out.items()} == {
        "combined": "semarang",
        "kota": "semarang",
        "mapped": "kendal",
        "place_only": "semarang",
        "place_with_date": "demak",
    }


def test_date_order_decides_ambiguous_numeric_dates() -> None:
    """03/04/1985 is 3 April under dmy and 4 March under mdy; ymd reads 85/04/03."""
    cases = {"a": {"birth_date": "03/04/1985"}, "b": {"birth_date": "85/04/03"}}
    dmy = standardise_cases(cases, date_order="dmy")
    mdy = standardise_cases(cases, date_order="mdy")
    ymd = standardise_cases(cases, date_order="ymd")
    assert dmy["a"]["birth_date"] == dt.date(1985, 4, 3)
    assert mdy["a"]["birth_date"] == dt.date(1985, 3, 4)
    assert ymd["b"]["birth_date"] == dt.date(1985, 4, 3)
    assert ymd["a"]["birth_date"] == dt.date(1985, 4, 3)  # a four-digit last part is a year


def test_date_order_per_source() -> None:
    """A mapping gives each source its own order; unlisted sources read dmy."""
    out = standardise_cases(
        {
            "us": {"source": "dinkes", "birth_date": "03/04/1985"},
            "id": {"source": "dinsos", "birth_date": "03/04/1985"},
            "other": {"source": "disdik", "birth_date": "03/04/1985"},
        },
        date_order={"dinkes": "mdy", "dinsos": "dmy"},
    )
    assert [out[k]["birth_date"].month for k in ("us", "id", "other")] == [3, 4, 4]


def test_unknown_date_order_is_a_config_error() -> None:
    """A typo in the source options is reported with the source named."""
    from povlink.exceptions import ConfigError

    with pytest.raises(
        ConfigError, match="date_order must be one of dmy, mdy, ymd; got 'dym' for source 'x'"
    ):
        standardise_cases({"a": {"birth_date": "1"}}, date_order={"x": "dym"})
