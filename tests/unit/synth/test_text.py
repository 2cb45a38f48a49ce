"""The vectorised text and date helpers behind the generator."""

from __future__ import annotations

import datetime as dt

import jellyfish
import numpy as np
import pyarrow as pa
import pytest

from povlink.synth._damage import old_spelling
from povlink.synth._text import (
    civil_from_days,
    days_from_civil,
    excel_scientific,
    excel_truncated,
    misspell,
    mistype_digit,
    rank_within,
    transpose_digits,
)

NIKS = pa.array(["3374012302880001", "3374999995000000", "3374065507950123"])


def test_excel_scientific_shows_six_significant_digits() -> None:
    """Excel's General format: rounded half up, trailing zeros of the mantissa dropped."""
    assert excel_scientific(pa.array(["3374012302880001"])).to_pylist() == ["3.37401E+15"]
    assert excel_scientific(pa.array(["3374050000000001"])).to_pylist() == ["3.37405E+15"]
    assert excel_scientific(pa.array(["3300000000000000"])).to_pylist() == ["3.3E+15"]
    assert excel_scientific(pa.array(["9999995000000000"])).to_pylist() == ["1E+16"]


def test_excel_truncation_zeroes_the_sixteenth_digit() -> None:
    """Only 15 significant digits survive a pass through Excel."""
    assert excel_truncated(NIKS).to_pylist()[0] == "3374012302880000"


def test_misspell_makes_exactly_one_edit() -> None:
    """Every changed name is one substitution, deletion, insertion or swap away."""
    names = pa.array(["Sutrisno", "Sri Wahyuni", "Muhammad Rizky Pratama", "Slamet"] * 50)
    out = misspell(np.random.default_rng(1), names)
    distances = {
        jellyfish.damerau_levenshtein_distance(a, b)
        for a, b in zip(names.to_pylist(), out.to_pylist(), strict=True)
    }
    assert distances == {1}


def test_digit_edits_keep_sixteen_digits() -> None:
    """A mistyped NIK differs in one digit; a transposed one swaps two neighbours."""
    rng = np.random.default_rng(2)
    for before, after in zip(NIKS.to_pylist(), mistype_digit(rng, NIKS).to_pylist(), strict=True):
        assert len(after) == 16
        assert sum(a != b for a, b in zip(before, after, strict=True)) == 1
    for before, after in zip(
        NIKS.to_pylist(), transpose_digits(rng, NIKS).to_pylist(), strict=True
    ):
        i = next(k for k in range(16) if before[k] != after[k])
        assert after[i : i + 2] == before[i : i + 2][::-1]
        assert after[:i] + after[i + 2 :] == before[:i] + before[i + 2 :]


@pytest.mark.parametrize(
    ("modern", "old"),
    [
        ("Wahyudi", "Wahjoedi"),
        ("Suharto", "Soeharto"),
        ("Joko", "Djoko"),
        ("Cahyono", "Tjahjono"),
        ("Khotimah", "Chotimah"),
        ("Nyoman", "Njoman"),
    ],
)
def test_old_spelling_reverses_the_1947_and_1972_reforms(modern: str, old: str) -> None:
    """oe for u, dj for j, j for y, tj for c, ch for kh, nj for ny."""
    assert old_spelling(pa.array([modern])).to_pylist() == [old]


def test_day_numbers_round_trip_through_the_calendar() -> None:
    """Day numbers match Python's calendar over two centuries, leap days included."""
    days = np.arange(-40_000, 25_000, 7, dtype=np.int64)
    year, month, day = civil_from_days(days)
    epoch = dt.date(1970, 1, 1)
    for d, y, m, dd in list(zip(days, year, month, day, strict=True))[::97]:
        assert epoch + dt.timedelta(days=int(d)) == dt.date(int(y), int(m), int(dd))
    np.testing.assert_array_equal(days_from_civil(year, month, day), days)


def test_rank_within_numbers_each_group_in_order() -> None:
    """Ranks restart at 1 for each key and follow the order of appearance."""
    assert rank_within(np.array([5, 3, 5, 5, 3, 9])).tolist() == [1, 1, 2, 3, 2, 1]
