"""The SQL of standardisation: every field's rules composed into two statements.

Statement 1 (:func:`standardise_sql`) reads the raw table and writes every standardised value and
the record-level flags. Fields whose values repeat (names, dates, addresses, sex...) form *groups*:
each group's rules run once per distinct written value (``SELECT DISTINCT``) and join back to the
records, which at city scale saves most of the regular-expression work. NIK, KK number, phone and
household key hardly repeat and are standardised record by record. After the join, the stages that
compare fields run (the NIK against the stated birth date and sex, RT/RW columns against the
address text, the kelurahan column or the address text).

Statement 2 (:func:`finish_sql`) reads statement 1's table: it resolves the written kelurahan and
kecamatan once per distinct pair against the region table and adds the region columns, and it
flags NIKs shared by different people in one source. Both are plain SQL over whole tables.

Each CTE adds its stage's columns to the previous one (``SELECT *, <expr> AS <name> FROM prev``),
so every expression reads named columns and is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from povlink.engine import quote_identifier, quote_literal
from povlink.exceptions import ConfigError
from povlink.schema import CANONICAL_FIELDS, STANDARDISED_FIELDS, StandardisedRecord, sql_columns
from povlink.standardise.address import (
    REGION_FLAGS,
    address_flag_conditions,
    address_joined_columns,
    address_stages,
    city_sql,
    region_column_sql,
    region_resolution_sql,
    rt_rw_flag_conditions,
    rt_rw_stages,
)
from povlink.standardise.dates import DATE_ORDERS, date_flag_conditions, date_stages, place_name_sql
from povlink.standardise.flags import QUALITY_FLAGS, TABLE_LEVEL_FLAGS
from povlink.standardise.household import (
    household_key_sql,
    relationship_flag_conditions,
    relationship_sql,
)
from povlink.standardise.identity import identity_check_columns, identity_parse_stages
from povlink.standardise.kk import kk_flag_conditions, kk_value_columns
from povlink.standardise.missing import present_text_sql
from povlink.standardise.names import name_flag_conditions, name_stages
from povlink.standardise.nik import nik_flag_conditions, nik_ok_columns, nik_value_columns
from povlink.standardise.phone import phone_flag_conditions, phone_sql
from povlink.standardise.sex import sex_flag_conditions, sex_sql

__all__ = ["STAGE_COLUMNS", "check_date_order", "finish_sql", "standardise_sql"]

Columns = list[tuple[str, str]]

#: The region columns statement 2 adds.
_REGION_VALUES: Final[tuple[str, ...]] = (
    "kelurahan_code",
    "kecamatan_code",
    "kelurahan_name",
    "kecamatan_name",
)

#: Fields standardised record by record (their values hardly repeat).
_ROW_FIELDS: Final[tuple[str, ...]] = ("nik", "kk_number", "household_key", "phone")

#: Columns of statement 1's table: identity, the fields it fills, the written region names, raws.
STAGE_COLUMNS: Final[tuple[str, ...]] = (
    "record_id",
    "source",
    *(f for f in STANDARDISED_FIELDS if f not in _REGION_VALUES),
    "_kel_in",
    "_kec_in",
    *(f"{f}_raw" for f in CANONICAL_FIELDS),
)


def _txt(field: str) -> str:
    return f"{field}_txt"


@dataclass(frozen=True)
class _Group:
    """Fields standardised once per distinct combination of their raw values (and date order)."""

    name: str
    fields: tuple[str, ...]
    stages: list[Columns]
    outputs: tuple[str, ...]
    flags: Columns
    extra_keys: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return (*(f"{f}_raw" for f in self.fields), *self.extra_keys)


def _birth_place_sql() -> str:
    """SQL: the birth place column, without a date written in the same cell."""
    text = _txt("birth_place")
    return (
        f"CASE WHEN regexp_matches({text}, '^[^0-9,]+,[^,]*[0-9]') "
        f"THEN split_part({text}, ',', 1) ELSE {text} END"
    )


def _groups() -> list[_Group]:
    """The distinct-value groups, each with its stages, outputs and flag conditions."""
    dates = [
        *date_stages(_txt("birth_date"), order="_date_order"),
        [("birth_place", f"coalesce({place_name_sql(_birth_place_sql())}, _bd_place)")],
    ]
    return [
        _Group(
            "g_name",
            ("full_name",),
            name_stages("name", _txt("full_name"), output="full_name", phonetic="name_phonetic"),
            ("full_name", "name_titles", "name_patronym", "name_tokens", "name_phonetic"),
            name_flag_conditions(_txt("full_name"), "full_name"),
        ),
        _Group(
            "g_mother",
            ("mother_name",),
            name_stages(
                "mother", _txt("mother_name"), output="mother_name", phonetic="mother_name_phonetic"
            ),
            ("mother_name", "mother_name_phonetic"),
            name_flag_conditions(_txt("mother_name"), "mother_name"),
        ),
        _Group(
            "g_date",
            ("birth_date", "birth_place"),
            dates,
            ("birth_date", "birth_year", "birth_date_is_placeholder", "birth_place"),
            date_flag_conditions(_txt("birth_date")),
            extra_keys=("_date_order",),
        ),
        _Group(
            "g_address",
            ("address",),
            address_stages(_txt("address")),
            ("address", "_rt_addr_ok", "_rw_addr_ok", "_kel_addr", "_kec_addr"),
            [],
        ),
        _Group(
            "g_rtrw",
            ("rt", "rw"),
            rt_rw_stages(_txt("rt"), _txt("rw")),
            ("_rt_col_ok", "_rw_col_ok"),
            rt_rw_flag_conditions(),
        ),
        _Group(
            "g_kel",
            ("kelurahan",),
            [[("_kel_col", region_column_sql(_txt("kelurahan"), kind="kelurahan"))]],
            ("_kel_col",),
            [],
        ),
        _Group(
            "g_kec",
            ("kecamatan",),
            [[("_kec_col", region_column_sql(_txt("kecamatan"), kind="kecamatan"))]],
            ("_kec_col",),
            [],
        ),
        _Group(
            "g_sex",
            ("sex",),
            [[("sex", sex_sql(_txt("sex")))]],
            ("sex",),
            sex_flag_conditions(_txt("sex")),
        ),
        _Group(
            "g_relationship",
            ("relationship",),
            [[("relationship", relationship_sql(_txt("relationship")))]],
            ("relationship",),
            relationship_flag_conditions(_txt("relationship")),
        ),
        _Group("g_city", ("city",), [[("city", city_sql(_txt("city")))]], ("city",), []),
    ]


def _row_stages() -> list[Columns]:
    """Stages run on every record: NIK and KK cleaning and checks, household key and phone."""
    nik = identity_parse_stages("nik", _txt("nik"))
    kk = identity_parse_stages("kk", _txt("kk_number"))
    return [
        [(_txt(f), present_text_sql(f"{f}_raw")) for f in _ROW_FIELDS],
        nik[0]
        + kk[0]
        + [
            ("household_key", household_key_sql(_txt("household_key"))),
            ("phone", phone_sql(_txt("phone"))),
        ],
        nik[1] + kk[1],
        identity_check_columns("nik", female_offset=True)
        + identity_check_columns("kk", female_offset=False),
    ]


def _joined_stages() -> list[Columns]:
    """Stages after the groups are joined: the ones that compare fields."""
    return [
        nik_ok_columns() + address_joined_columns(kelurahan="_kel_col", kecamatan="_kec_col"),
        [*nik_value_columns(stated_year="birth_year"), *kk_value_columns()],
    ]


def _record_flag_conditions() -> dict[str, str]:
    """Flag code -> SQL condition of statement 1, in :data:`QUALITY_FLAGS` order.

    Group flags are computed inside their group and arrive as ``_f_<flag>`` columns.
    """
    conditions = dict(
        [
            *nik_flag_conditions(),
            *kk_flag_conditions(),
            *address_flag_conditions(),
            *phone_flag_conditions(_txt("phone")),
        ]
    )
    for group in _groups():
        conditions.update({flag: f"_f_{flag}" for flag, _ in group.flags})
    return {flag: conditions[flag] for flag in QUALITY_FLAGS if flag in conditions}


def flag_rules() -> set[str]:
    """Every flag code some SQL rule raises (a unit test compares it with the catalogue)."""
    return set(_record_flag_conditions()) | set(REGION_FLAGS) | set(TABLE_LEVEL_FLAGS)


def check_date_order(date_order: str | Mapping[str, str]) -> str:
    """SQL for the ``_date_order`` column (one order, or a CASE over the source name).

    Raises :class:`~povlink.exceptions.ConfigError` naming every unknown order.
    """
    orders = {"": date_order} if isinstance(date_order, str) else dict(date_order)
    bad = {name: o for name, o in orders.items() if o not in DATE_ORDERS}
    if bad:
        raise ConfigError(
            f"date_order must be one of {', '.join(DATE_ORDERS)}; got "
            + ", ".join(f"{o!r}" + (f" for source {s!r}" if s else "") for s, o in bad.items())
        )
    if isinstance(date_order, str):
        return quote_literal(date_order)
    whens = " ".join(
        f"WHEN {quote_literal(s)} THEN {quote_literal(o)}" for s, o in sorted(orders.items())
    )
    return f"CASE source {whens} ELSE 'dmy' END" if whens else "'dmy'"


def _chain(name: str, source: str, stages: list[Columns]) -> tuple[list[str], str]:
    """CTEs ``<name>_1``, ``<name>_2``... each adding one stage's columns to the previous one."""
    ctes, last = [], source
    for i, stage in enumerate(stages, start=1):
        cols = ", ".join(f"{expr} AS {alias}" for alias, expr in stage)
        ctes.append(f"{name}_{i} AS (SELECT *, {cols} FROM {last})")
        last = f"{name}_{i}"
    return ctes, last


def _group_ctes(group: _Group) -> list[str]:
    """The CTEs of one group, ending in ``<group name>`` with its keys, outputs and flags.

    Keys are ``coalesce(raw, '')``: NULL and the empty string are both missing, so they share a
    result, and the join back needs no NULL-safe comparison.
    """
    keys = ", ".join(f"coalesce({k}, '') AS {k}" for k in group.keys)
    present = [(_txt(f), present_text_sql(f"{f}_raw")) for f in group.fields]
    ctes = [f"{group.name}_0 AS (SELECT DISTINCT {keys} FROM s0)"]
    chain, last = _chain(group.name, f"{group.name}_0", [present, *group.stages])
    columns = [*group.keys, *group.outputs, *(f"({c}) AS _f_{f}" for f, c in group.flags)]
    return [*ctes, *chain, f"{group.name} AS (SELECT {', '.join(columns)} FROM {last})"]


def standardise_sql(
    source_sql: str, source_columns: set[str], *, date_order: str | Mapping[str, str] = "dmy"
) -> str:
    """Statement 1: the SELECT of :data:`STAGE_COLUMNS` from ``source_sql`` (table or subquery).

    ``source_columns`` are the columns ``source_sql`` has; absent canonical fields are NULL.
    """
    raw = ", ".join(
        f"CAST({quote_identifier(f)} AS VARCHAR) AS {f}_raw"
        if f in source_columns
        else f"CAST(NULL AS VARCHAR) AS {f}_raw"
        for f in CANONICAL_FIELDS
    )
    ctes = [
        "s0 AS (SELECT CAST(record_id AS VARCHAR) AS record_id, "
        f"CAST(source AS VARCHAR) AS source, {raw}, {check_date_order(date_order)} AS _date_order "
        f"FROM {source_sql})"
    ]
    groups = _groups()
    for group in groups:
        ctes += _group_ctes(group)
    row_ctes, row_last = _chain("r", "s0", _row_stages())
    ctes += row_ctes
    joined, joins = [], []
    for g in groups:
        joined += [f"{g.name}.{c}" for c in (*g.outputs, *(f"_f_{f}" for f, _ in g.flags))]
        on = " AND ".join(f"{g.name}.{k} = coalesce(r.{k}, '')" for k in g.keys)
        joins.append(f"LEFT JOIN {g.name} ON {on}")
    ctes.append(f"j AS (SELECT r.*, {', '.join(joined)} FROM {row_last} r {' '.join(joins)})")
    joined_ctes, last = _chain("k", "j", _joined_stages())
    ctes += joined_ctes

    types = sql_columns(StandardisedRecord)
    flags = ", ".join(
        f"CASE WHEN {cond} THEN '{flag}' END" for flag, cond in _record_flag_conditions().items()
    )
    select = []
    for column in STAGE_COLUMNS:
        if column == "quality_flags":
            select.append(f"list_filter([{flags}], lambda f: f IS NOT NULL) AS quality_flags")
        elif column in types:
            select.append(f"CAST({column} AS {types[column]}) AS {column}")
        else:
            select.append(column)
    return "WITH " + ",\n".join(ctes) + f"\nSELECT {', '.join(select)} FROM {last}"


def finish_sql(stage_table: str, regions_sql: str) -> str:
    """Statement 2: statement 1's table with region codes, region flags and ``nik_shared``.

    The written kelurahan/kecamatan pairs are resolved once per distinct pair
    (:func:`~povlink.standardise.address.region_resolution_sql`). A NIK is shared when one source
    uses it for records with different names and birth dates (the head's NIK copied to the
    members): found per (source, NIK) group and joined back, cheaper than a window over every
    column. The output has ``record_id``, ``source``, every standardised field, then the raws.
    """
    t = quote_identifier(stage_table)
    places = region_resolution_sql(f"(SELECT DISTINCT _kel_in, _kec_in FROM {t})", regions_sql)
    shared = (
        f"SELECT source, nik FROM {t} WHERE nik IS NOT NULL AND full_name IS NOT NULL "
        "GROUP BY source, nik HAVING min(full_name) <> max(full_name) AND NOT "
        "coalesce(min(birth_date) = max(birth_date) AND count(birth_date) = count(*), false)"
    )
    late = [f"CASE WHEN p.{f} THEN '{f}' END" for f in REGION_FLAGS]
    late.append("CASE WHEN sh.nik IS NOT NULL THEN 'nik_shared' END")
    flags = (
        f"list_concat(t.quality_flags, list_filter([{', '.join(late)}], lambda f: f IS NOT NULL))"
    )
    types = sql_columns(StandardisedRecord)
    columns = ["t.record_id", "t.source"]
    for field in STANDARDISED_FIELDS:
        if field == "quality_flags":
            columns.append(f"{flags} AS quality_flags")
        elif field in _REGION_VALUES:
            columns.append(f"CAST(p.{field} AS {types[field]}) AS {field}")
        else:
            columns.append(f"t.{field}")
    columns += [f"t.{f}_raw" for f in CANONICAL_FIELDS]
    return (
        f"SELECT {', '.join(columns)} FROM {t} t "
        f"LEFT JOIN ({places}) p ON coalesce(p._kel_in, '') = coalesce(t._kel_in, '') "
        "AND coalesce(p._kec_in, '') = coalesce(t._kec_in, '') "
        f"LEFT JOIN ({shared}) sh ON sh.source = t.source AND sh.nik = t.nik"
    )
