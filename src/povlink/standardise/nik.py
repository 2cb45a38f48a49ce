"""NIK, the 16-digit national identity number ``PP KK CC DDMMYY SSSS``.

In the engine, :func:`nik_value_columns` derives ``nik``, ``nik_partial``, ``nik_sex`` and
``nik_region`` from the cleaned number (see :mod:`povlink.standardise.identity`) and
:func:`nik_birth_date_columns` ``nik_birth_date``; for one value, :func:`parse_nik` applies the
same rules and explains what is wrong.

The NIK's two-digit birth year takes its century from the stated birth date when their last two
digits agree; otherwise it is 20yy unless that date lies in the future, then 19yy.

>>> info = parse_nik("3374 0157 0845 0001")
>>> info.birth_date, info.sex, info.district_code, info.serial
(datetime.date(1945, 8, 17), 'F', '33.74.01', '0001')
>>> parse_nik("3.37402E+15")
Traceback (most recent call last):
  ...
povlink.exceptions.InvalidNikError: NIK '3.37402E+15' is in scientific notation (Excel damage): \
its last digits are lost; read the file with the column as text
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from povlink.exceptions import InvalidNikError
from povlink.standardise.identity import (
    FLOAT_EXACT_LIMIT,
    PROVINCE_CODES,
    century_for,
    problem_of_digits,
    province_code_sql,
)

__all__ = [
    "NikInfo",
    "nik_birth_date_columns",
    "nik_flag_conditions",
    "nik_ok_columns",
    "nik_value_columns",
    "parse_nik",
]

_EXCEL = re.compile(r"[0-9][.,]?[0-9]*[eE][+]?[0-9]{1,3}")
_FLOAT = re.compile(r"[0-9]{15,}[.]0+")

_MESSAGES: Final[dict[str, str]] = {
    "not_digits": "contains characters other than digits, spaces, dots and dashes",
    "province_invalid": "does not start with a province code (11-96, e.g. 33 Jawa Tengah)",
    "region_invalid": "has regency code 00 or 70 or kecamatan code 00 (digits 3-6)",
    "date_invalid": ("has no valid birth date in digits 7-12 (DDMMYY, women's day plus 40)"),
    "serial_zero": "has serial 0000 (digits 13-16); serials start at 0001",
}


@dataclass(frozen=True, slots=True)
class NikInfo:
    """What a valid NIK says about its holder.

    Codes are in the region table's dotted form: ``province_code`` ``33``, ``regency_code``
    ``33.74``, ``district_code`` (kecamatan of first registration, not the current address)
    ``33.74.01``.
    """

    nik: str
    province_code: str
    regency_code: str
    district_code: str
    birth_date: dt.date
    sex: str
    serial: str


def parse_nik(value: str, *, today: dt.date | None = None) -> NikInfo:
    """Check a NIK and read what it encodes; raise :class:`InvalidNikError` saying what is wrong.

    Cleaning is the engine's: spaces, dots, dashes, a leading apostrophe and a trailing ``.0`` are
    removed. ``today`` (default: the current date) decides the century of the birth year.

    >>> parse_nik("'3374011708450001").sex
    'M'
    >>> parse_nik("337401170845001")
    Traceback (most recent call last):
      ...
    povlink.exceptions.InvalidNikError: NIK '337401170845001' has 15 digits after cleaning; \
a NIK has exactly 16
    """
    if not isinstance(value, str):
        raise InvalidNikError(
            f"NIK must be text, got {value!r} that is a {type(value).__name__}; "
            "read identity numbers as text so that no digit is lost"
        )
    text = value.strip()
    if _EXCEL.fullmatch(text):
        raise InvalidNikError(
            f"NIK {value!r} is in scientific notation (Excel damage): its last digits are lost; "
            "read the file with the column as text"
        )
    floaty = _FLOAT.fullmatch(text) is not None
    if floaty:
        text = text.split(".", 1)[0]
    digits = re.sub(r"[ .-]", "", text.lstrip("'"))
    if not digits:
        raise InvalidNikError(f"NIK {value!r} is empty after cleaning")
    problem = problem_of_digits(digits, female_offset=True)
    if problem == "wrong_length":
        raise InvalidNikError(
            f"NIK {value!r} has {len(digits)} digits after cleaning; a NIK has exactly 16"
        )
    if problem is not None:
        raise InvalidNikError(f"NIK {value!r} {_MESSAGES[problem]}")
    if floaty and digits > FLOAT_EXACT_LIMIT:
        raise InvalidNikError(
            f"NIK {value!r} passed through a float and is above 2^53, so its last digit "
            "cannot be trusted; read the file with the column as text"
        )
    dd, mm, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    day = dd - 40 if dd > 40 else dd
    year = century_for(yy, mm, day, today or dt.date.today())
    try:
        birth_date = dt.date(year, mm, day)
    except ValueError:  # 29 February of 1900 (yy 00 only when 2000-02-29 is in the future)
        raise InvalidNikError(f"NIK {value!r} {_MESSAGES['date_invalid']}") from None
    assert digits[:2] in PROVINCE_CODES
    return NikInfo(
        nik=digits,
        province_code=digits[:2],
        regency_code=f"{digits[:2]}.{digits[2:4]}",
        district_code=f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}",
        birth_date=birth_date,
        sex="F" if dd > 40 else "M",
        serial=digits[12:],
    )


def _century_year_sql(yy: str, month: str, day: str, stated_year: str, today: str) -> str:
    """SQL: the four-digit year of a NIK date (stated birth year's century when it agrees)."""
    leap_safe = (
        f"({month} <> 2 OR {day} <> 29 OR "
        f"({stated_year} % 4 = 0 AND ({stated_year} % 100 <> 0 OR {stated_year} % 400 = 0)))"
    )
    recent = f"make_date(2000 + {yy}, {month}, {day})"
    return (
        f"CASE WHEN {stated_year} % 100 = {yy} AND {stated_year} BETWEEN 1800 AND 2199 "
        f"AND {leap_safe} THEN {stated_year} "
        f"WHEN {recent} <= {today} THEN 2000 + {yy} "
        f"WHEN {month} = 2 AND {day} = 29 AND {yy} = 0 THEN NULL "
        f"ELSE 1900 + {yy} END"
    )


def nik_ok_columns() -> list[tuple[str, str]]:
    """SQL column ``_nik_ok``: the cleaned NIK breaks no rule and is not the KK number.

    Reads the NIK and KK columns of :mod:`~povlink.standardise.identity`.
    """
    return [
        (
            "_nik_ok",
            "coalesce(_nik_problem IS NULL AND _nik_digits IS NOT NULL "
            "AND (_kk_digits IS NULL OR _nik_digits <> _kk_digits), false)",
        )
    ]


def nik_value_columns() -> list[tuple[str, str]]:
    """SQL columns ``nik``, ``nik_partial``, ``nik_sex`` and ``nik_region``.

    Reads the NIK columns of :mod:`~povlink.standardise.identity` (prefix ``nik``) and ``_nik_ok``
    (:func:`nik_ok_columns`), nothing else, so they are computed once per written NIK and KK
    number. A NIK equal to the record's KK number is not the person's NIK: it is null (and
    flagged).

    >>> [name for name, _ in nik_value_columns()][:2]
    ['nik', 'nik_partial']
    """
    ok = "_nik_ok"
    partial_digits = (
        "CASE WHEN _nik_problem = 'excel_notation' AND length(_nik_mantissa) >= 15 "
        "THEN substr(_nik_mantissa, 1, 15) "
        "WHEN _nik_problem = 'float_rounded' THEN substr(_nik_digits, 1, 15) END"
    )
    region_of_partial = (
        "CASE WHEN _nik_problem = 'excel_notation' AND length(_nik_mantissa) >= 6 "
        f"AND {province_code_sql('substr(_nik_mantissa, 1, 2)')}"
        " THEN substr(_nik_mantissa, 1, 6) "
        "WHEN _nik_problem = 'float_rounded' THEN substr(_nik_digits, 1, 6) END"
    )
    return [
        ("nik", f"CASE WHEN {ok} THEN _nik_digits END"),
        (
            "nik_partial",
            f"CASE WHEN {ok} THEN substr(_nik_digits, 1, 15) ELSE {partial_digits} END",
        ),
        ("nik_sex", f"CASE WHEN {ok} THEN CASE WHEN _nik_female THEN 'F' ELSE 'M' END END"),
        (
            "nik_region",
            f"CASE WHEN {ok} THEN substr(_nik_digits, 1, 6) ELSE {region_of_partial} END",
        ),
    ]


def nik_birth_date_columns(
    *, stated_year: str, today: str = "current_date"
) -> list[tuple[str, str]]:
    """SQL column ``nik_birth_date``: the birth date the NIK encodes.

    Reads ``_nik_ok``, ``_nik_yy``, ``_nik_month``, ``_nik_day`` and the stated birth year column
    ``stated_year``, whose century the NIK's two-digit year takes when they agree; ``today`` is
    the SQL of the current date.

    >>> nik_birth_date_columns(stated_year="birth_year")[0][0]
    'nik_birth_date'
    """
    year = _century_year_sql("_nik_yy", "_nik_month", "_nik_day", stated_year, today)
    return [
        ("nik_birth_date", f"CASE WHEN _nik_ok THEN make_date({year}, _nik_month, _nik_day) END")
    ]


def nik_flag_conditions() -> list[tuple[str, str]]:
    """(flag, SQL condition) pairs for the NIK, in :data:`~povlink.standardise.QUALITY_FLAGS` order.

    Reads the NIK columns, ``birth_date``, ``birth_date_is_placeholder`` and ``sex``. A placeholder
    birth date (1 January...) is compared on its year only. ``nik_shared`` needs the whole table and
    is added by the table stage.
    """
    from povlink.standardise.identity import PROBLEMS

    flags = [(f"nik_{p}", f"_nik_problem = '{p}'") for p in PROBLEMS]
    flags.append(("nik_equals_kk", "(_nik_problem IS NULL AND _nik_digits = _kk_digits)"))
    flags.append(
        (
            "nik_birth_date_mismatch",
            "(nik_birth_date IS NOT NULL AND birth_date IS NOT NULL AND "
            "CASE WHEN birth_date_is_placeholder THEN year(nik_birth_date) <> year(birth_date) "
            "ELSE nik_birth_date <> birth_date END)",
        )
    )
    flags.append(
        ("nik_sex_mismatch", "(nik_sex IS NOT NULL AND sex IS NOT NULL AND nik_sex <> sex)")
    )
    return flags
