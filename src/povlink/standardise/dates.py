"""Birth dates (and the birth place that often shares their cell).

Read forms, each an anchored pattern over the lower-cased text:

============================  ============================================================
``1985-12-05`` (ISO)          also ``1985/12/05``, with a time (``1985-12-05 00:00:00``)
``19851205``                  yyyymmdd when it starts 19/20 with a month 01-12, else ddmmyyyy
``05-12-1985``                and ``5/12/1985``, ``05.12.1985``, ``05 12 85``: the source's
                              ``date_order`` (dmy, mdy, ymd) decides which part is the day
``5 Desember 1985``           Indonesian and English month names and abbreviations
                              (``05 Des 1985``, ``5-Agt-85``, ``Mei``, ``Okt``, ``Dec``)
``December 5, 1985``          English order
``31386``                     an Excel serial day number (4-5 digits)
``1985``, ``00-00-1985``      the year only: ``birth_date`` null, ``birth_year`` kept
``SEMARANG, 05-12-1985``      place and date in one cell: the place fills ``birth_place``
============================  ============================================================

A date only valid with day and month the other way round is read so and flagged. Two-digit years
are 20yy unless that is after this year. Impossible, future and over-120-years dates are null with
a flag; placeholder dates (1 January, 1 July, 31 December) are kept but flagged, so that linkage
can trust only their year. Dates are built with ``make_date`` after the parts are validated (no
``strptime``), which every engine supports.

>>> month_number_sql("w").count("WHEN")
12
"""

from __future__ import annotations

from typing import Final

from povlink.standardise.missing import fold_text_sql, one_of_sql

__all__ = [
    "DATE_ORDERS",
    "MONTH_NAMES",
    "date_flag_conditions",
    "date_stages",
    "month_number_sql",
    "place_name_sql",
]

#: The orders a source may declare for ambiguous numeric dates.
DATE_ORDERS: Final[tuple[str, ...]] = ("dmy", "mdy", "ymd")

#: Month number -> the Indonesian and English names and abbreviations written for it.
MONTH_NAMES: Final[dict[int, tuple[str, ...]]] = {
    1: ("januari", "january", "jan"),
    2: ("februari", "pebruari", "february", "feb", "peb", "febr", "pebr"),
    3: ("maret", "march", "mar", "mrt"),
    4: ("april", "apr"),
    5: ("mei", "may"),
    6: ("juni", "june", "jun"),
    7: ("juli", "july", "jul"),
    8: ("agustus", "august", "agu", "agt", "ags", "agst", "aug"),
    9: ("september", "sept", "sep", "spt"),
    10: ("oktober", "october", "okt", "oct"),
    11: ("november", "nopember", "nov", "nop"),
    12: ("desember", "december", "des", "dec"),
}

_ISO: Final[str] = "^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}$"
_COMPACT: Final[str] = "^[0-9]{8}$"
_NUMERIC: Final[str] = "^[0-9]{1,2}[-/. ]+[0-9]{1,2}[-/. ]+([0-9]{2}|[0-9]{4})$"
_DAY_MONTH_NAME: Final[str] = "^[0-9]{1,2}[-/. ]*[a-z]+[.]?[-/., ]*([0-9]{2}|[0-9]{4})$"
_MONTH_NAME_DAY: Final[str] = "^[a-z]+[.]? *[0-9]{1,2}(st|nd|rd|th)?[, ]+[0-9]{4}$"
_YEAR: Final[str] = "^(18|19|20)[0-9]{2}$"
_SERIAL: Final[str] = "^[0-9]{4,5}([.][0-9]+)?$"
_PLACE_COMMA: Final[str] = "^[^0-9,]+,[^,]*[0-9]"
_PLACE_SPACE: Final[str] = "^[a-z][a-z .]*[a-z] +[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4}$"
_NUMERIC_KIND: Final[str] = "(_bd_kind = 'iso' OR _bd_kind = 'compact' OR _bd_kind = 'numeric')"
_TIME: Final[str] = "[ t][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?$"


def month_number_sql(word: str) -> str:
    """SQL: the month number of a month name or abbreviation in ``word``, else NULL."""
    whens = " ".join(f"WHEN {one_of_sql(word, names)} THEN {n}" for n, names in MONTH_NAMES.items())
    return f"CASE {whens} END"


def place_name_sql(expression: str) -> str:
    """SQL: a place name as lower-case words, without a leading ``kota``/``kab.`` (or NULL).

    >>> "kabupaten" in place_name_sql("x")
    True
    """
    words = (
        f"trim(regexp_replace(regexp_replace({fold_text_sql(expression)}, '[^a-z]', ' ', 'g'), "
        "' +', ' ', 'g'))"
    )
    bare = f"regexp_replace({words}, '^(kota|kab|kabupaten|kodya|kotamadya|kotif) ', '')"
    return f"nullif({bare}, '')"


def _two_digit_year_sql(y: str, today: str) -> str:
    return f"CASE WHEN 2000 + {y} <= year({today}) THEN 2000 + {y} ELSE 1900 + {y} END"


def date_stages(
    text: str, *, order: str, today: str = "current_date"
) -> list[list[tuple[str, str]]]:
    """SQL stages reading the birth date in column ``text`` (``order``: a column of dmy/mdy/ymd).

    ``today`` is the SQL of the current date (a column where a prepared statement must not read
    the clock itself).

    Adds ``birth_date``, ``birth_year``, ``birth_date_is_placeholder``, the place written in the
    same cell (``_bd_place``) and internal ``_bd_*`` columns for the flags.

    >>> [c for c, _ in date_stages("t", order="o")[-1]]
    ['birth_year', 'birth_date_is_placeholder']
    """
    t = "_bd_t"
    split = (
        f"CASE WHEN regexp_matches({t}, '{_PLACE_COMMA}') "
        f"THEN trim(substr({t}, strpos({t}, ',') + 1))"
        f" WHEN regexp_matches({t}, '{_PLACE_SPACE}') THEN regexp_extract({t}, '([0-9].*)$', 1)"
        f" ELSE {t} END"
    )
    place = (
        f"CASE WHEN regexp_matches({t}, '{_PLACE_COMMA}') THEN split_part({t}, ',', 1)"
        f" WHEN regexp_matches({t}, '{_PLACE_SPACE}') "
        f"THEN regexp_extract({t}, '^([a-z][a-z .]*[a-z]) +[0-9]', 1)"
        " END"
    )
    stage1 = [(t, f"trim({fold_text_sql(text)})")]
    stage2 = [
        ("_bd_x", f"trim(regexp_replace({split}, '{_TIME}', ''))"),
        ("_bd_place", place_name_sql(place)),
    ]
    x = "_bd_x"
    kind = (
        f"CASE WHEN regexp_matches({x}, '{_ISO}') THEN 'iso' "
        f"WHEN regexp_matches({x}, '{_COMPACT}') THEN 'compact' "
        f"WHEN regexp_matches({x}, '{_NUMERIC}') THEN 'numeric' "
        f"WHEN regexp_matches({x}, '{_DAY_MONTH_NAME}') THEN 'day_month_name' "
        f"WHEN regexp_matches({x}, '{_MONTH_NAME_DAY}') THEN 'month_name_day' "
        f"WHEN regexp_matches({x}, '{_YEAR}') THEN 'year' "
        f"WHEN regexp_matches({x}, '{_SERIAL}') THEN 'serial' END"
    )
    stage3 = [
        ("_bd_kind", kind),
        ("_bd_n1", f"regexp_extract({x}, '([0-9]+)', 1)"),
        ("_bd_n2", f"regexp_extract({x}, '^[0-9]+[^0-9]+([0-9]+)', 1)"),
        ("_bd_n3", f"regexp_extract({x}, '([0-9]+)$', 1)"),
        ("_bd_word", f"regexp_extract({x}, '([a-z]+)', 1)"),
    ]
    n1, n2, n3 = (f"TRY_CAST(_bd_n{i} AS INTEGER)" for i in (1, 2, 3))
    compact_ymd = (
        f"((starts_with({x}, '19') OR starts_with({x}, '20')) "
        f"AND substr({x}, 5, 2) BETWEEN '01' AND '12')"
    )
    compact = {
        part: f"TRY_CAST(CASE WHEN {compact_ymd} THEN substr({x}, {ymd_at}) "
        f"ELSE substr({x}, {dmy_at}) END AS INTEGER)"
        for part, ymd_at, dmy_at in (
            ("y", "1, 4", "5, 4"),
            ("m", "5, 2", "3, 2"),
            ("d", "7, 2", "1, 2"),
        )
    }
    ymd = f"({order} = 'ymd' AND length(_bd_n3) = 2)"
    year = (
        f"CASE _bd_kind WHEN 'iso' THEN {n1} WHEN 'compact' THEN {compact['y']} "
        f"WHEN 'numeric' THEN CASE WHEN {ymd} THEN {n1} ELSE {n3} END "
        f"WHEN 'day_month_name' THEN {n3} WHEN 'month_name_day' THEN {n3} "
        f"WHEN 'year' THEN {n1} END"
    )
    named = "(_bd_kind = 'day_month_name' OR _bd_kind = 'month_name_day')"
    month = (
        f"CASE WHEN _bd_kind = 'iso' THEN {n2} WHEN _bd_kind = 'compact' THEN {compact['m']} "
        f"WHEN _bd_kind = 'numeric' THEN "
        f"CASE WHEN {order} = 'mdy' AND NOT {ymd} THEN {n1} ELSE {n2} END "
        f"WHEN {named} THEN {month_number_sql('_bd_word')} END"
    )
    day = (
        f"CASE _bd_kind WHEN 'iso' THEN {n3} WHEN 'compact' THEN {compact['d']} "
        f"WHEN 'numeric' THEN CASE WHEN {ymd} THEN {n3} WHEN {order} = 'mdy' THEN {n2} "
        f"ELSE {n1} END "
        f"WHEN 'day_month_name' THEN {n1} WHEN 'month_name_day' THEN {n1} END"
    )
    two_digit = (
        "((_bd_kind = 'numeric' OR _bd_kind = 'day_month_name') "
        f"AND length(CASE WHEN {ymd} THEN _bd_n1 ELSE _bd_n3 END) = 2)"
    )
    stage4 = [
        ("_bd_y0", year),
        ("_bd_m0", month),
        ("_bd_d0", day),
        ("_bd_two_digit", f"coalesce({two_digit}, false)"),
        ("_bd_serial", f"CASE WHEN _bd_kind = 'serial' THEN {n1} END"),
    ]
    swap = f"coalesce({_NUMERIC_KIND} AND _bd_m0 > 12 AND _bd_d0 BETWEEN 1 AND 12, false)"
    stage5 = [
        (
            "_bd_y",
            f"CASE WHEN _bd_two_digit THEN {_two_digit_year_sql('_bd_y0', today)} ELSE _bd_y0 END",
        ),
        ("_bd_m", f"CASE WHEN {swap} THEN _bd_d0 ELSE _bd_m0 END"),
        ("_bd_d", f"CASE WHEN {swap} THEN _bd_m0 ELSE _bd_d0 END"),
        ("_bd_swapped", swap),
    ]
    leap = "(_bd_y % 4 = 0 AND (_bd_y % 100 <> 0 OR _bd_y % 400 = 0))"
    dim = (
        f"CASE WHEN _bd_m = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
        "WHEN _bd_m = 4 OR _bd_m = 6 OR _bd_m = 9 OR _bd_m = 11 THEN 30 ELSE 31 END"
    )
    valid = (
        f"(_bd_y BETWEEN 1800 AND 2199 AND _bd_m BETWEEN 1 AND 12 AND _bd_d BETWEEN 1 AND {dim})"
    )
    parsed = (
        f"CASE WHEN _bd_serial BETWEEN 1 AND 99999 THEN DATE '1899-12-30' + _bd_serial "
        f"WHEN {valid} THEN make_date(_bd_y, _bd_m, _bd_d) END"
    )
    year_only = (
        f"coalesce(_bd_kind = 'year' OR ({_NUMERIC_KIND} "
        "AND _bd_y BETWEEN 1800 AND 2199 AND (_bd_m = 0 OR _bd_d = 0)), false)"
    )
    stage6 = [("_bd_parsed", parsed), ("_bd_year_only", year_only)]
    sensible = f"(_bd_parsed <= {today} AND year({today}) - year(_bd_parsed) <= 120)"
    year_sensible = f"(_bd_y <= year({today}) AND year({today}) - _bd_y <= 120)"
    stage7 = [("birth_date", f"CASE WHEN {sensible} THEN _bd_parsed END")]
    placeholder = (
        "((month(birth_date) = 1 AND day(birth_date) = 1) OR "
        "(month(birth_date) = 7 AND day(birth_date) = 1) OR "
        "(month(birth_date) = 12 AND day(birth_date) = 31))"
    )
    stage8 = [
        (
            "birth_year",
            "CASE WHEN birth_date IS NOT NULL THEN year(birth_date) "
            f"WHEN _bd_year_only AND {year_sensible} THEN _bd_y END",
        ),
        ("birth_date_is_placeholder", f"CASE WHEN birth_date IS NOT NULL THEN {placeholder} END"),
    ]
    return [stage1, stage2, stage3, stage4, stage5, stage6, stage7, stage8]


def date_flag_conditions(text: str, *, today: str = "current_date") -> list[tuple[str, str]]:
    """(flag, SQL condition) pairs for the birth date, in flag order (``today``: as for
    :func:`date_stages`)."""
    return [
        (
            "birth_date_invalid",
            f"({text} IS NOT NULL AND _bd_parsed IS NULL AND birth_year IS NULL)",
        ),
        ("birth_date_future", f"(_bd_parsed > {today})"),
        ("birth_date_too_old", f"(year({today}) - year(_bd_parsed) > 120)"),
        ("birth_date_year_only", "(_bd_year_only AND birth_year IS NOT NULL)"),
        ("birth_date_two_digit_year", "(_bd_two_digit AND _bd_parsed IS NOT NULL)"),
        ("birth_date_day_month_swapped", "(_bd_swapped AND _bd_parsed IS NOT NULL)"),
        ("birth_date_excel_serial", "(_bd_serial IS NOT NULL AND birth_date IS NOT NULL)"),
        ("birth_date_placeholder", "coalesce(birth_date_is_placeholder, false)"),
    ]
