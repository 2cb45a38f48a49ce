"""The rules shared by the two 16-digit identity numbers: NIK and KK number.

Both are ``PP KK CC DDMMYY SSSS``: province, regency, kecamatan of registration, a date (the birth
date for a NIK, with 40 added to the day for women; the issue date for a KK) and a serial from
``0001``. This module holds the rule tables (:data:`PROVINCE_CODES`) and builds, for either number,
the SQL that cleans it and names the first rule it breaks. :mod:`povlink.standardise.nik` runs the
same checks in Python for :func:`~povlink.standardise.parse_nik`, from the same tables.

Cleaning (the order matters):

1. A value in scientific notation (``3.37401E+15``, also with an Indonesian decimal comma) is Excel
   damage: the number is gone, only the shown digits may serve for blocking.
2. A trailing ``.0`` after 15 or more digits is a float artefact (``3374015708450001.0``); above
   2^53 the last digit of such a value cannot be trusted.
3. A leading apostrophe (Excel's "text" marker), spaces, dots and dashes are removed.

>>> len(PROVINCE_CODES)
38
>>> problem_of_digits("3374015708450001", female_offset=True)
>>> problem_of_digits("0074015708450001", female_offset=True)
'province_invalid'
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

__all__ = [
    "DATE_PROBLEM",
    "FLOAT_EXACT_LIMIT",
    "PROBLEMS",
    "PROVINCE_CODES",
    "century_for",
    "identity_check_stages",
    "identity_parse_stages",
    "problem_of_digits",
    "province_code_sql",
]

#: The 38 province codes (Kemendagri 2025): 11-19, 21, 31-36, 51-53, 61-65, 71-76, 81-82, 91-96.
PROVINCE_CODES: Final[frozenset[str]] = frozenset(
    [str(n) for n in range(11, 20)]
    + ["21"]
    + [str(n) for n in range(31, 37)]
    + [str(n) for n in range(51, 54)]
    + [str(n) for n in range(61, 66)]
    + [str(n) for n in range(71, 77)]
    + ["81", "82"]
    + [str(n) for n in range(91, 97)]
)

#: The largest integer a float64 holds exactly (2^53); NIKs above it are corrupted by floats.
FLOAT_EXACT_LIMIT: Final[str] = "9007199254740992"

#: Problems in the order they are checked; each becomes the flag ``<field>_<problem>``.
PROBLEMS: Final[tuple[str, ...]] = (
    "excel_notation",
    "not_digits",
    "wrong_length",
    "province_invalid",
    "region_invalid",
    "date_invalid",
    "serial_zero",
    "float_rounded",
)

DATE_PROBLEM: Final[str] = "date_invalid"

_EXCEL_PATTERN: Final[str] = "^[0-9][.,]?[0-9]*e[+]?[0-9]{1,3}$"
_FLOAT_PATTERN: Final[str] = "^[0-9]{15,}[.]0+$"
_INVALID_REGENCIES: Final[tuple[str, ...]] = ("00", "70")


def century_for(yy: int, month: int, day: int, today: dt.date) -> int:
    """The year a two-digit ``yy`` stands for: 20yy unless that date is after ``today``.

    >>> century_for(5, 1, 1, dt.date(2026, 1, 1)), century_for(85, 1, 1, dt.date(2026, 1, 1))
    (2005, 1985)
    """
    try:
        recent = dt.date(2000 + yy, month, day)
    except ValueError:
        return 1900 + yy
    return 2000 + yy if recent <= today else 1900 + yy


def province_code_sql(expression: str, *, numeric: bool = False) -> str:
    """SQL: the two digits ``expression`` (a number if ``numeric``) are one of the province codes.

    Written as ranges of numbers (11-19, 21, 31-36...), cheaper than a pattern per value.

    >>> province_code_sql("p")[:47]
    'coalesce(TRY_CAST(p AS INTEGER) BETWEEN 11 AND '
    """
    codes = sorted(int(c) for c in PROVINCE_CODES)
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    number = expression if numeric else f"TRY_CAST({expression} AS INTEGER)"
    tests = " OR ".join(f"{number} BETWEEN {lo} AND {hi}" for lo, hi in ranges)
    return f"coalesce({tests}, false)"


def _days_in_month_sql(month: str, leap: str) -> str:
    return (
        f"CASE WHEN {month} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
        f"WHEN {month} = 4 OR {month} = 6 OR {month} = 9 OR {month} = 11 THEN 30 ELSE 31 END"
    )


def identity_parse_stages(prefix: str, text: str) -> list[list[tuple[str, str]]]:
    """SQL stages that clean an identity number: ``_<prefix>_excel``, ``_floaty``, ``_digits``...

    ``text`` is the column of present (non-missing, trimmed) text.

    >>> [[name for name, _ in stage] for stage in identity_parse_stages("nik", "nik_txt")]
    [['_nik_excel', '_nik_floaty'], ['_nik_mantissa', '_nik_digits']]
    """
    lowered = f"lower({text})"
    # strpos guards skip the patterns for the usual plain digits.
    excel = (
        f"coalesce(strpos({lowered}, 'e') > 0 "
        f"AND regexp_matches({lowered}, '{_EXCEL_PATTERN}'), false)"
    )
    floaty = (
        f"coalesce(strpos({text}, '.') > 0 AND regexp_matches({text}, '{_FLOAT_PATTERN}'), false)"
    )
    mantissa = (
        f"CASE WHEN _{prefix}_excel "
        f"AND regexp_extract({lowered}, 'e[+]?([0-9]{{1,3}})$', 1) = '15' "
        f"THEN regexp_replace(regexp_extract({lowered}, '^([0-9][.,]?[0-9]*)e', 1), "
        "'[.,]', '', 'g') END"
    )
    unfloated = f"CASE WHEN _{prefix}_floaty THEN split_part({text}, '.', 1) ELSE {text} END"
    digits = (
        f"CASE WHEN {text} IS NULL OR _{prefix}_excel THEN NULL "
        f"ELSE regexp_replace(ltrim({unfloated}, ''''), '[ .-]', '', 'g') END"
    )
    return [
        [(f"_{prefix}_excel", excel), (f"_{prefix}_floaty", floaty)],
        [(f"_{prefix}_mantissa", mantissa), (f"_{prefix}_digits", digits)],
    ]


def identity_check_stages(prefix: str, *, female_offset: bool) -> list[list[tuple[str, str]]]:
    """SQL stages naming the first rule the cleaned number breaks (``_<prefix>_problem``).

    The first stage reads the two-digit parts once (``_<prefix>_pp``, ``_dd``, ``_mm``, ``_yy``);
    the second adds the problem and the date parts ``_<prefix>_day``, ``_<prefix>_month``,
    ``_<prefix>_yy`` (the day with the women's +40 removed when ``female_offset``). Reads the
    columns of :func:`identity_parse_stages`.

    >>> parts, checks = identity_check_stages("kk", female_offset=False)
    >>> [n for n, _ in parts]
    ['_kk_pp', '_kk_dd', '_kk_mm', '_kk_yy']
    >>> [n for n, _ in checks]
    ['_kk_problem', '_kk_day', '_kk_month', '_kk_female']
    """
    d, p = f"_{prefix}_digits", f"_{prefix}"
    parts = [
        (f"{p}_{name}", f"TRY_CAST(substr({d}, {start}, 2) AS INTEGER)")
        for name, start in (("pp", 1), ("dd", 7), ("mm", 9), ("yy", 11))
    ]
    dd, mm, yy = f"{p}_dd", f"{p}_mm", f"{p}_yy"
    day = f"CASE WHEN {dd} > 40 THEN {dd} - 40 ELSE {dd} END" if female_offset else dd
    day_ok = (
        f"({dd} BETWEEN 1 AND 31 OR {dd} BETWEEN 41 AND 71)"
        if female_offset
        else (f"{dd} BETWEEN 1 AND 31")
    )
    # A two-digit year is leap when divisible by 4 (00 stands for 2000, a leap year).
    date_ok = (
        f"({day_ok} AND {mm} BETWEEN 1 AND 12 AND "
        f"({day}) <= {_days_in_month_sql(mm, f'{yy} % 4 = 0')})"
    )
    regency = f"substr({d}, 3, 2)"
    invalid_region = " OR ".join(f"{regency} = '{code}'" for code in _INVALID_REGENCIES)
    problem = (
        f"CASE WHEN {d} IS NULL THEN CASE WHEN {p}_excel THEN 'excel_notation' END "
        f"WHEN NOT regexp_matches({d}, '^[0-9]+$') THEN 'not_digits' "
        f"WHEN length({d}) <> 16 THEN 'wrong_length' "
        f"WHEN NOT {province_code_sql(f'{p}_pp', numeric=True)} THEN 'province_invalid' "
        f"WHEN {invalid_region} OR substr({d}, 5, 2) = '00' THEN 'region_invalid' "
        f"WHEN NOT {date_ok} THEN '{DATE_PROBLEM}' "
        f"WHEN substr({d}, 13, 4) = '0000' THEN 'serial_zero' "
        f"WHEN {p}_floaty AND {d} > '{FLOAT_EXACT_LIMIT}' THEN 'float_rounded' END"
    )
    female = f"({dd} > 40)" if female_offset else "false"
    return [
        parts,
        [
            (f"{p}_problem", problem),
            (f"{p}_day", day),
            (f"{p}_month", mm),
            (f"{p}_female", female),
        ],
    ]


def problem_of_digits(digits: str, *, female_offset: bool) -> str | None:
    """The first rule a cleaned identity number breaks, in Python (the SQL rule's twin).

    >>> problem_of_digits("3374015708450000", female_offset=True)
    'serial_zero'
    >>> problem_of_digits("3374013102850001", female_offset=False)
    'date_invalid'
    """
    if not re.fullmatch(r"[0-9]+", digits):
        return "not_digits"
    if len(digits) != 16:
        return "wrong_length"
    if digits[:2] not in PROVINCE_CODES:
        return "province_invalid"
    if digits[2:4] in _INVALID_REGENCIES or digits[4:6] == "00":
        return "region_invalid"
    dd, mm, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    day = dd - 40 if female_offset and dd > 40 else dd
    day_ok = 1 <= dd <= 31 or (female_offset and 41 <= dd <= 71)
    try:
        dt.date(2000 + yy, mm, day)
    except ValueError:
        return DATE_PROBLEM
    if not day_ok:
        return DATE_PROBLEM
    if digits[12:] == "0000":
        return "serial_zero"
    return None
