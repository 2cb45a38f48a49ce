"""The matcher passes a record and its candidates to its prepared statements as JSON text: every
value must come back from the engine exactly as it went in."""

from __future__ import annotations

import datetime as dt
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from povlink.engine import Engine
from povlink.match import _json_text, _parameter_relation

COLUMNS = [
    ("name", "VARCHAR"),
    ("tokens", "VARCHAR[]"),
    ("born", "DATE"),
    ("year", "INTEGER"),
    ("placeholder", "BOOLEAN"),
    ("tf", "DOUBLE"),
]


def _read(engine: Engine, values: dict[str, object], *, rows: bool) -> list[tuple[object, ...]]:
    relation = _parameter_relation(1, COLUMNS, rows=rows)
    return engine.rows(f"SELECT * FROM ({relation})", [_json_text(values)])


def test_a_record_comes_back_with_its_types() -> None:
    """Quotes, NUL, accents, a float that is not a short decimal, a date and NULLs survive."""
    record = {
        "name": 'o\'neil \0 é 😀 "x"',
        "tokens": ["siti", None, ""],
        "born": dt.date(1945, 8, 17),
        "year": -3,
        "placeholder": False,
        "tf": 0.1 + 0.2,
    }
    with Engine() as engine:
        assert _read(engine, record, rows=False) == [tuple(record.values())]
        assert _read(engine, dict.fromkeys(record), rows=False) == [(None,) * len(record)]


def test_candidates_come_back_as_rows() -> None:
    """A list a column gives a row per element, in order, nested lists and NULLs kept."""
    columns = {
        "name": ["a", None],
        "tokens": [["a", "b"], None],
        "born": [None, dt.date(2001, 2, 28)],
        "year": [1, 2],
        "placeholder": [True, None],
        "tf": [1e-300, 5e-324],
    }
    with Engine() as engine:
        got = _read(engine, columns, rows=True)
    assert got == list(zip(*columns.values(), strict=True))


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(),
    number=st.floats(allow_nan=False, allow_infinity=False),
)
def test_any_text_and_float_come_back_exactly(text: str, number: float) -> None:
    """Arbitrary text and any finite float round-trip bit for bit."""
    record = {"name": text, "tokens": [text], "born": None, "year": None, "placeholder": None}
    record["tf"] = number
    with Engine() as engine:
        (row,) = _read(engine, record, rows=False)
    assert row[0] == text
    assert row[1] == [text]
    assert row[5] == number
    assert math.copysign(1.0, row[5]) == math.copysign(1.0, number)
