"""Vectorised text building and editing for millions of values.

Text lives in Arrow string arrays: values are built by taking from small pre-formatted tables
(``"00"`` … ``"99"``) and joining arrays element-wise in Arrow's C++ kernels, and edited (typos,
transpositions) on a matrix of UTF-8 bytes, one row per value. No Python code runs once per person.
Dates are integer day numbers (days since 1970-01-01), split into parts with integer arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Text: TypeAlias = Any  # a pyarrow StringArray (pyarrow ships no type information)
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
FloatArray: TypeAlias = npt.NDArray[np.float64]
Bytes: TypeAlias = npt.NDArray[np.uint8]


def texts(values: Sequence[str]) -> Text:
    """A constant pool of strings as an Arrow array."""
    return pa.array(list(values), pa.string())


#: ``PAD2.take([7]) == ["07"]``; likewise 3 and 4 digits; PLAIN is unpadded 0 … 9999.
PAD2: Final[Text] = texts([f"{i:02d}" for i in range(100)])
PAD3: Final[Text] = texts([f"{i:03d}" for i in range(1000)])
PAD4: Final[Text] = texts([f"{i:04d}" for i in range(10000)])
PLAIN: Final[Text] = texts([str(i) for i in range(10000)])
MONTHS_ID: Final[Text] = texts(
    [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ]
)


def take(pool: Text, index: npt.ArrayLike) -> Text:
    """``pool[index]`` element-wise."""
    return pool.take(pa.array(np.asarray(index, dtype=np.int64)))


def join(*parts: Text | str) -> Text:
    """Element-wise concatenation of string arrays (and constant strings) of equal length."""
    arrays = [p for p in parts if not isinstance(p, str)]
    if not arrays:
        raise ValueError("join needs at least one array")
    return pc.binary_join_element_wise(*parts, "")


def where(mask: npt.ArrayLike, yes: Text | str, no: Text | str) -> Text:
    """``yes`` where ``mask`` holds, else ``no`` (arrays or constant strings)."""
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), yes, no)


def choose(rng: np.random.Generator, pool: Text, weights: npt.ArrayLike | None, size: int) -> Text:
    """Draw ``size`` values from ``pool`` with the given (unnormalised) weights."""
    if weights is None:
        return take(pool, rng.integers(0, len(pool), size))
    w = np.asarray(weights, dtype=np.float64)
    return take(pool, rng.choice(len(pool), size=size, p=w / w.sum()))


def assemble(kind: IntArray, pieces: Sequence[Text]) -> Text:
    """Interleave ``pieces[k]`` into the positions where ``kind == k`` (in their order)."""
    order = np.argsort(kind, kind="stable")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return take(pa.concat_arrays([p.cast(pa.string()) for p in pieces]), inverse)


def put(values: Text, mask: BoolArray, replacement: Text) -> Text:
    """``values`` with the positions in ``mask`` replaced, in order, by ``replacement``."""
    return pc.replace_with_mask(values, pa.array(np.asarray(mask, dtype=bool)), replacement)


def rank_within(keys: npt.ArrayLike) -> IntArray:
    """1, 2, 3 … within each distinct key, in the order the values appear."""
    k = np.asarray(keys)
    if len(k) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(k, kind="stable")
    sorted_keys = k[order]
    starts = np.ones(len(k), dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    position = np.arange(len(k), dtype=np.int64)
    first = np.maximum.accumulate(np.where(starts, position, 0))
    ranks = np.empty(len(k), dtype=np.int64)
    ranks[order] = position - first + 1
    return ranks


# --- dates ---------------------------------------------------------------------------------------


def civil_from_days(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Year, month, day of day numbers since 1970-01-01 (proleptic Gregorian, vectorised).

    Birth dates span a century or so: the parts are computed once per distinct day of that span
    and then looked up, which is much faster than dividing millions of int64 values.
    """
    d = np.asarray(days, dtype=np.int64)
    if len(d) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), empty.copy()
    lo, hi = int(d.min()), int(d.max())
    if hi - lo > len(d):
        return _civil_arithmetic(d)
    year, month, day = _civil_arithmetic(np.arange(lo, hi + 1, dtype=np.int64))
    offset = d - lo
    return year[offset], month[offset], day[offset]


def _civil_arithmetic(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Howard Hinnant's civil_from_days, element-wise."""
    z = np.asarray(days, dtype=np.int64) + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year.astype(np.int64), month.astype(np.int64), day.astype(np.int64)


def days_from_civil(year: IntArray, month: IntArray, day: IntArray) -> IntArray:
    """Day numbers since 1970-01-01 of year, month, day (the inverse of civil_from_days)."""
    y = np.asarray(year, dtype=np.int64) - (np.asarray(month) <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    m = np.asarray(month, dtype=np.int64)
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + np.asarray(day, dtype=np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    result: IntArray = era * 146_097 + doe - 719_468
    return result


def days_in_month(year: IntArray, month: IntArray) -> IntArray:
    """Number of days of each month."""
    nxt_year = np.where(month == 12, year + 1, year)
    nxt_month = np.where(month == 12, 1, month + 1)
    result: IntArray = days_from_civil(nxt_year, nxt_month, np.ones_like(month)) - (
        days_from_civil(year, month, np.ones_like(month))
    )
    return result


# --- byte-matrix edits ---------------------------------------------------------------------------

_UPPER: Final[Bytes] = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", np.uint8)
_LOWER: Final[Bytes] = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", np.uint8)
_DIGITS: Final[Bytes] = np.frombuffer(b"0123456789", np.uint8)


def to_matrix(values: Text) -> tuple[Bytes, IntArray]:
    """UTF-8 bytes of ``values`` as an ``(n, width + 1)`` zero-padded matrix, and byte lengths."""
    arr = pc.fill_null(values.cast(pa.string()), "")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, np.int32)[arr.offset : arr.offset + n + 1].astype(np.int64)
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    width = int(lengths.max(initial=0)) + 1
    matrix = np.zeros((n, width), np.uint8)
    rows = np.repeat(np.arange(n), lengths)
    cols = np.arange(int(lengths.sum())) - np.repeat(offsets[:-1] - offsets[0], lengths)
    matrix[rows, cols] = data[offsets[0] : offsets[-1]]
    return matrix, lengths


def from_matrix(matrix: Bytes) -> Text:
    """The inverse of :func:`to_matrix`: rows up to their first zero byte, as strings."""
    n = matrix.shape[0]
    filled = np.cumprod(matrix != 0, axis=1).astype(bool)
    lengths = filled.sum(axis=1)
    data = matrix[filled]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))


def _pick_position(rng: np.random.Generator, allowed: BoolArray) -> IntArray:
    """One random allowed column per row (``-1`` where a row allows none)."""
    keys = rng.random(allowed.shape) * allowed
    pos: IntArray = keys.argmax(axis=1).astype(np.int64)
    pos[~allowed.any(axis=1)] = -1
    return pos


def _same_class(rng: np.random.Generator, original: Bytes) -> Bytes:
    """A random letter of the same case as ``original`` (a digit for a digit), never equal."""
    is_digit = (original >= 48) & (original <= 57)
    is_lower = (original >= 97) & (original <= 122)
    base = np.where(is_digit, 48, np.where(is_lower, 97, 65))
    size = np.where(is_digit, 10, 26)
    step = 1 + (rng.random(original.shape) * (size - 1)).astype(np.int64)
    result: Bytes = (base + (original.astype(np.int64) - base + step) % size).astype(np.uint8)
    return result


def _alnum(m: Bytes) -> BoolArray:
    result: BoolArray = ((m >= 48) & (m <= 57)) | ((m >= 65) & (m <= 90)) | ((m >= 97) & (m <= 122))
    return result


def misspell(rng: np.random.Generator, values: Text) -> Text:
    """One keyboard or copying error per value: substitute, delete, double or swap a character.

    Only ASCII letters and digits are touched, so separators and accented letters survive; a value
    without two such characters may come back unchanged.
    """
    if len(values) == 0:
        return values
    matrix, _ = to_matrix(values)
    n, width = matrix.shape
    matrix = np.concatenate([matrix, np.zeros((n, 1), np.uint8)], axis=1)
    alnum = _alnum(matrix)
    kind = rng.integers(0, 4, n)
    rows = np.arange(n)
    cols = np.arange(width + 1)[None, :]
    out = matrix.copy()
    pos = _pick_position(rng, alnum)

    sel = (kind == 0) & (pos >= 0)  # substitute
    out[rows[sel], pos[sel]] = _same_class(rng, matrix[rows[sel], pos[sel]])

    sel = (kind == 1) & (pos >= 0) & (alnum.sum(axis=1) >= 2)  # delete
    if sel.any():
        src = np.minimum(cols + (cols >= pos[sel][:, None]), width)
        out[sel] = np.take_along_axis(matrix[sel], src, axis=1)

    sel = (kind == 2) & (pos >= 0)  # double ("Suparrno")
    if sel.any():
        src = np.maximum(cols - (cols > pos[sel][:, None]), 0)
        out[sel] = np.take_along_axis(matrix[sel], src, axis=1)

    neighbours = alnum[:, :-1] & alnum[:, 1:] & (matrix[:, :-1] != matrix[:, 1:])
    pos2 = _pick_position(rng, neighbours)
    sel = (kind == 3) & (pos2 >= 0)  # swap neighbours
    r, p = rows[sel], pos2[sel]
    out[r, p], out[r, p + 1] = matrix[r, p + 1], matrix[r, p]
    return from_matrix(out)


def mistype_digit(rng: np.random.Generator, values: Text) -> Text:
    """Replace one digit of each value by a different digit."""
    if len(values) == 0:
        return values
    matrix, _ = to_matrix(values)
    pos = _pick_position(rng, (matrix >= 48) & (matrix <= 57))
    r = np.flatnonzero(pos >= 0)
    matrix[r, pos[r]] = _same_class(rng, matrix[r, pos[r]])
    return from_matrix(matrix)


def transpose_digits(rng: np.random.Generator, values: Text) -> Text:
    """Swap two neighbouring, different digits of each value (unchanged if there are none)."""
    if len(values) == 0:
        return values
    matrix, _ = to_matrix(values)
    digits = (matrix >= 48) & (matrix <= 57)
    allowed = digits[:, :-1] & digits[:, 1:] & (matrix[:, :-1] != matrix[:, 1:])
    pos = _pick_position(rng, allowed)
    r = np.flatnonzero(pos >= 0)
    p = pos[r]
    matrix[r, p], matrix[r, p + 1] = matrix[r, p + 1].copy(), matrix[r, p].copy()
    return from_matrix(matrix)


def excel_scientific(values: Text) -> Text:
    """How Excel's General format shows a 16-digit number: ``3.37401E+15``.

    Excel keeps six significant digits, rounding half up, and drops trailing zeros of the mantissa.
    """
    if len(values) == 0:
        return values
    matrix, _ = to_matrix(values)
    first7 = (matrix[:, :7].astype(np.int64) - 48) @ (10 ** np.arange(6, -1, -1, dtype=np.int64))
    mantissa = (first7 + 5) // 10
    carry = mantissa >= 1_000_000
    mantissa = np.where(carry, mantissa // 10, mantissa)
    exponent = 15 + carry.astype(np.int64)
    rest = pc.utf8_rtrim(
        join(take(PAD4, (mantissa % 100_000) // 10), take(PLAIN, mantissa % 10)), characters="0"
    )
    lead = take(PLAIN, mantissa // 100_000)
    body = where(pc.equal(rest, "").to_numpy(zero_copy_only=False), lead, join(lead, ".", rest))
    return join(body, "E+", take(PLAIN, exponent))


def excel_truncated(values: Text) -> Text:
    """A 16-digit number after Excel's 15 significant digits: the last digit becomes 0."""
    return join(pc.utf8_slice_codeunits(values, 0, 15), "0")
