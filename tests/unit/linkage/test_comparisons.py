"""Comparison levels: which level a pair of values reaches, as Splink would number it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.linkage.blocking import link_input_sql
from povlink.linkage.comparisons import COMPARISONS
from povlink.linkage.training import gamma_sql


def _settings(name: str) -> dict[str, Any]:
    (spec,) = (c for c in COMPARISONS if c.name == name)
    comparison: dict[str, Any] = spec.build().get_comparison("duckdb").as_dict()
    return comparison


def _level(engine: Engine, name: str, left: dict[str, Any], right: dict[str, Any]) -> str:
    """The label of the level two standardised records reach on comparison ``name``."""
    frame = pd.DataFrame([{"record_id": "a:1", **left}, {"record_id": "a:2", **right}])
    engine.register("frame", frame)
    engine.create_table("standardised", "SELECT * FROM frame")
    engine.unregister("frame")
    engine.create_table("li", link_input_sql("standardised", set(frame.columns)))
    columns = engine.columns("li")
    sides = ", ".join(f"{s}.{c} AS {c}_{s}" for c in columns for s in ("l", "r"))
    comparison = _settings(name)
    value = engine.rows(
        f"SELECT {gamma_sql(comparison)} FROM (SELECT {sides} FROM li l, li r "
        "WHERE l.unique_id = 'a:1' AND r.unique_id = 'a:2')"
    )[0][0]
    if value == -1:
        return "null"
    ranked = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
    return str(ranked[len(ranked) - 1 - value]["label_for_charts"])


@pytest.mark.parametrize(
    ("other", "level"),
    [
        ("3374015502900001", "same NIK"),
        ("3374015502910001", "one typo in the birth date digits"),
        ("3374025502900001", "null"),  # a region digit apart, same date and serial: ambiguous
        ("3374015502900002", "All other comparisons"),  # the serial: another person
    ],
)
def test_nik_levels(engine: Engine, other: str, level: str) -> None:
    """A typo in the NIK's date digits is a level; one region digit apart is neutral."""
    assert _level(engine, "nik", {"nik": "3374015502900001"}, {"nik": other}) == level


_DROPPED = "one name's tokens all in the other (dropped token)"


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("slamet", "ahmad slamet riyadi", _DROPPED),
        ("aminah", "siti aminah binti slamet", _DROPPED),
        ("aminah siti", "siti aminah", "same tokens in another order"),
        ("budi santoso", "agus santoso", "same last token"),
        ("budi santoso", "budi kurniawan", "same first token"),
    ],
)
def test_name_levels(engine: Engine, left: str, right: str, level: str) -> None:
    """Dropped, reordered and shared tokens reach their own levels."""
    records = [{"full_name": n, "name_tokens": n.split()} for n in (left, right)]
    assert _level(engine, "full_name", *records) == level


@pytest.mark.parametrize(
    ("other", "level"),
    [
        (dt.date(1990, 12, 3), "same date"),
        (dt.date(1990, 12, 8), "one typo in the date"),
        (dt.date(1990, 12, 30), "one typo in the date"),  # 03 -> 30: two digits swapped
        (dt.date(1990, 3, 12), "day and month swapped"),
        (dt.date(1990, 12, 25), "same year and month"),
    ],
)
def test_birth_date_levels(engine: Engine, other: dt.date, level: str) -> None:
    """One changed or swapped digit is a typo; a day and month swap is its own level."""
    records = [
        {"birth_date": d, "birth_year": d.year, "birth_date_is_placeholder": False}
        for d in (dt.date(1990, 12, 3), other)
    ]
    assert _level(engine, "birth_date", *records) == level


def _home(kk: str | None, address: str, kelurahan: str, rt: int) -> dict[str, Any]:
    return {"kk_number": kk, "address": address, "kelurahan_name": kelurahan, "rt": rt, "rw": 1}


@pytest.mark.parametrize(
    ("right", "level"),
    [
        (_home("3374010101100001", "jalan pemuda no 12", "jomblang", 3), "same KK number"),
        (_home(None, "jalan pemuda no 12", "jomblang", 3), "same address in the same kelurahan"),
        (_home(None, "jalan pemuda no 12", "lamper", 3), "same address"),
        (_home(None, "no 12 jalan pemuda", "lamper", 3), "address words alike in another order "
         "(Jaro-Winkler ≥ 0.9 on sorted words)"),
        (_home(None, "jalan kartini no 4", "jomblang", 3), "same kelurahan, RW and RT"),
        (_home(None, "jalan kartini no 4", "jomblang", 5), "same kelurahan and RW"),
    ],
)  # fmt: skip
def test_residence_counts_the_most_specific_agreement_once(
    engine: Engine, right: dict[str, Any], level: str
) -> None:
    """KK, address and region are one comparison: a household member agrees on it once."""
    left = _home("3374010101100001", "jalan pemuda no 12", "jomblang", 3)
    assert _level(engine, "residence", left, right) == level
    assert not any(c.name in ("dwelling", "area") for c in COMPARISONS)


def test_a_frequency_adjusted_level_must_be_its_columns_exact_match() -> None:
    """Adjusting a level that is not ``c_l = c_r`` for the frequencies of ``c`` is refused: its
    u probability would not be the exact match's the adjustment starts from."""
    from povlink.linkage.comparisons import _level

    with pytest.raises(ValueError, match="must be 'full_name_l = full_name_r'"):
        _level("name_key_l = name_key_r", "same tokens", tf_adjustment_column="full_name")
