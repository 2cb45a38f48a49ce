"""The SQL of standardisation: every field's rules composed into one statement.

Fields whose values repeat (names, dates, addresses, NIK and KK numbers, sex...) form *groups*:
each group's rules run once per distinct written value (``SELECT DISTINCT``) and the results join
back to the records, which at city scale saves most of the regular-expression work. Each group
reads only its own columns of the source table. After the join, the stages that compare fields
run: the NIK against the stated birth date and sex, the RT/RW columns against the address text.

The written kelurahan and kecamatan (columns, else ``KEL.``/``KEC.`` in the address text) are
resolved against the region table once per distinct pair
(:func:`~povlink.standardise.address.region_resolution_sql`), and NIKs shared by different people
in one source are found per (source, NIK) group; both join back like the groups.

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
from povlink.standardise.identity import identity_check_stages, identity_parse_stages
from povlink.standardise.kk import kk_flag_conditions, kk_value_columns
from povlink.standardise.missing import present_text_sql
from povlink.standardise.names import name_flag_conditions, name_stages
from povlink.standardise.nik import nik_flag_conditions, nik_ok_columns, nik_value_columns
from povlink.standardise.phone import phone_flag_conditions, phone_sql
from povlink.standardise.sex import sex_flag_conditions, sex_sql

__all__ = ["check_date_order", "flag_rules", "standardise_sql"]

Columns = list[tuple[str, str]]

#: The region columns the resolution adds.
_REGION_VALUES: Final[tuple[str, ...]] = (
    "kelurahan_code",
    "kecamatan_code",
    "kelurahan_name",
    "kecamatan_name",
)

#: Fields standardised record by record (their values hardly repeat).
_ROW_FIELDS: Final[tuple[str, ...]] = ("household_key", "phone")

#: NIK flags that compare the NIK with other fields (the rest depend on NIK and KK alone).
_NIK_CROSS_FLAGS: Final[tuple[str, ...]] = ("nik_birth_date_mismatch", "nik_sex_mismatch")

#: Groups joined through the place table rather than directly.
_PLACE_GROUPS: Final[tuple[str, ...]] = ("g_address", "g_kel", "g_kec")


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
    nik = identity_parse_stages("nik", _txt("nik"))
    kk = identity_parse_stages("kk", _txt("kk_number"))
    nik_check = identity_check_stages("nik", female_offset=True)
    kk_check = identity_check_stages("kk", female_offset=False)
    identity = [
        nik[0] + kk[0],
        nik[1] + kk[1],
        nik_check[0] + kk_check[0],
        nik_check[1] + kk_check[1],
        nik_ok_columns(),
    ]
    identity_flags = [
        *(f for f in nik_flag_conditions() if f[0] not in _NIK_CROSS_FLAGS),
        *kk_flag_conditions(),
    ]
    return [
        _Group(
            "g_ident",
            ("nik", "kk_number"),
            identity,
            (
                "_nik_ok",
                "_nik_problem",
                "_nik_digits",
                "_nik_mantissa",
                "_nik_day",
                "_nik_month",
                "_nik_yy",
                "_nik_female",
                "_kk_problem",
                "_kk_digits",
            ),
            identity_flags,
        ),
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
            ("birth_date",),
            date_stages(_txt("birth_date"), order="_date_order"),
            ("birth_date", "birth_year", "birth_date_is_placeholder", "_bd_place"),
            date_flag_conditions(_txt("birth_date")),
            extra_keys=("_date_order",),
        ),
        _Group(
            "g_birth_place",
            ("birth_place",),
            [[("_bp_column", place_name_sql(_birth_place_sql()))]],
            ("_bp_column",),
            [],
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
        # Few distinct values each: one group, one join.
        _Group(
            "g_coded",
            ("sex", "relationship", "city"),
            [
                [
                    ("sex", sex_sql(_txt("sex"))),
                    ("relationship", relationship_sql(_txt("relationship"))),
                    ("city", city_sql(_txt("city"))),
                ]
            ],
            ("sex", "relationship", "city"),
            [
                *sex_flag_conditions(_txt("sex")),
                *relationship_flag_conditions(_txt("relationship")),
            ],
        ),
    ]


def _row_stages() -> list[Columns]:
    """Stages run on every record: the household key and the phone number."""
    return [
        [(_txt(f), present_text_sql(f"{f}_raw")) for f in _ROW_FIELDS],
        [
            ("household_key", household_key_sql(_txt("household_key"))),
            ("phone", phone_sql(_txt("phone"))),
        ],
    ]


def _joined_stages() -> list[Columns]:
    """Stages after the groups are joined: the ones that compare fields."""
    rt_rw = [c for c in address_joined_columns(kelurahan="", kecamatan="") if c[0] in ("rt", "rw")]
    # The birth place column wins; else the place written in the birth date's cell.
    place = ("birth_place", "coalesce(_bp_column, _bd_place)")
    return [[*rt_rw, place, *nik_value_columns(stated_year="birth_year"), *kk_value_columns()]]


def _record_flag_conditions() -> dict[str, str]:
    """Flag code -> SQL condition over the joined record, in :data:`QUALITY_FLAGS` order.

    Group flags are computed inside their group and arrive as ``_f_<flag>`` columns; so do the
    region flags and ``nik_shared``.
    """
    conditions = dict(
        [
            *(f for f in nik_flag_conditions() if f[0] in _NIK_CROSS_FLAGS),
            *address_flag_conditions(),
            *phone_flag_conditions(_txt("phone")),
        ]
    )
    for group in _groups():
        conditions.update({flag: f"_f_{flag}" for flag, _ in group.flags})
    conditions.update({flag: f"_f_{flag}" for flag in (*REGION_FLAGS, *TABLE_LEVEL_FLAGS)})
    return {flag: conditions[flag] for flag in QUALITY_FLAGS}


def flag_rules() -> set[str]:
    """Every flag code some SQL rule raises (a unit test compares it with the catalogue)."""
    conditions = dict(
        [*nik_flag_conditions(), *address_flag_conditions(), *phone_flag_conditions("x")]
    )
    for group in _groups():
        conditions.update(dict(group.flags))
    return set(conditions) | set(REGION_FLAGS) | set(TABLE_LEVEL_FLAGS)


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


def _group_ctes(group: _Group, source: str) -> list[str]:
    """The CTEs of one group, ending in ``<group name>`` with its keys, outputs and flags.

    Keys are ``coalesce(raw, '')``: NULL and the empty string are both missing, so they share a
    result, and the join back needs no NULL-safe comparison.
    """
    keys = ", ".join(f"coalesce({k}, '') AS {k}" for k in group.keys)
    present = [(_txt(f), present_text_sql(f"{f}_raw")) for f in group.fields]
    ctes = [f"{group.name}_0 AS (SELECT DISTINCT {keys} FROM {source} s0)"]
    chain, last = _chain(group.name, f"{group.name}_0", [present, *group.stages])
    columns = [*group.keys, *group.outputs, *(f"({c}) AS _f_{f}" for f, c in group.flags)]
    return [*ctes, *chain, f"{group.name} AS (SELECT {', '.join(columns)} FROM {last})"]


def _address_key_sql(column: str) -> str:
    """SQL: the address when it may name a kelurahan or kecamatan (``KEL.``, ``KEC.``, ``DESA``,
    ``DS.``), else the empty string: most addresses name neither, and the places then group on
    the kelurahan and kecamatan columns alone. The markers are looked for in the lower-cased
    text, so a marker written with an accent or an apostrophe inside is not recognised."""
    text = f"lower(coalesce({column}, ''))"
    markers = " OR ".join(f"strpos({text}, '{m}') > 0" for m in ("kel", "kec", "desa", "ds"))
    return f"CASE WHEN {markers} THEN coalesce({column}, '') ELSE '' END"


def _place_ctes(source: str, regions_sql: str) -> list[str]:
    """CTEs ending in ``g_place``: per distinct (kelurahan, kecamatan, address key) as written,
    the resolved region codes, names and flags."""
    written = [
        c
        for c in address_joined_columns(kelurahan="_kel_col", kecamatan="_kec_col")
        if c[0] in ("_kel_in", "_kec_in")
    ]
    places = region_resolution_sql("(SELECT DISTINCT _kel_in, _kec_in FROM g_place_1)", regions_sql)
    region = ", ".join(
        [f"p.{c}" for c in _REGION_VALUES] + [f"p.{f} AS _f_{f}" for f in REGION_FLAGS]
    )
    return [
        "g_place_0 AS (SELECT DISTINCT coalesce(kelurahan_raw, '') AS kelurahan_raw, "
        "coalesce(kecamatan_raw, '') AS kecamatan_raw, "
        f"{_address_key_sql('address_raw')} AS address_key FROM {source} s0)",
        "g_place_1 AS (SELECT t.*, g_kel._kel_col, g_kec._kec_col, g_address._kel_addr, "
        "g_address._kec_addr FROM g_place_0 t "
        "LEFT JOIN g_kel ON g_kel.kelurahan_raw = t.kelurahan_raw "
        "LEFT JOIN g_kec ON g_kec.kecamatan_raw = t.kecamatan_raw "
        "LEFT JOIN g_address ON g_address.address_raw = t.address_key)",
        "g_place_2 AS (SELECT *, "
        + ", ".join(f"{expr} AS {name}" for name, expr in written)
        + " FROM g_place_1)",
        f"g_places AS ({places.replace('g_place_1', 'g_place_2')})",
        "g_place AS (SELECT t.kelurahan_raw, t.kecamatan_raw, t.address_key, "
        f"{region} FROM g_place_2 t LEFT JOIN g_places p "
        "ON coalesce(p._kel_in, '') = coalesce(t._kel_in, '') "
        "AND coalesce(p._kec_in, '') = coalesce(t._kec_in, ''))",
    ]


def _shared_nik_ctes(source: str) -> list[str]:
    """CTE ``g_shared``: the (source, NIK) pairs one source uses for different people.

    Different people: different standardised names and not one shared birth date (the head's
    NIK copied to the members). Found per group and joined back, cheaper than a window over
    every column.
    """
    keys = " AND ".join(f"g_ident.{k} = coalesce(s0.{k}, '')" for k in ("nik_raw", "kk_number_raw"))
    return [
        "g_shared AS (SELECT s0.source, g_ident._nik_digits AS nik "
        f"FROM {source} s0 JOIN g_ident ON {keys} "
        "JOIN g_name ON g_name.full_name_raw = coalesce(s0.full_name_raw, '') "
        "JOIN g_date ON g_date.birth_date_raw = coalesce(s0.birth_date_raw, '') "
        "AND g_date._date_order = s0._date_order "
        "WHERE g_ident._nik_ok AND g_name.full_name IS NOT NULL "
        "GROUP BY s0.source, g_ident._nik_digits "
        "HAVING min(g_name.full_name) <> max(g_name.full_name) AND NOT coalesce("
        "min(g_date.birth_date) = max(g_date.birth_date) "
        "AND count(g_date.birth_date) = count(*), false))"
    ]


def standardise_sql(
    source_sql: str,
    source_columns: set[str],
    regions_sql: str,
    *,
    date_order: str | Mapping[str, str] = "dmy",
) -> str:
    """The SELECT standardising ``source_sql`` (a table or subquery) against ``regions_sql``.

    ``source_columns`` are the columns ``source_sql`` has (absent canonical fields are NULL);
    ``regions_sql`` is a relation with the region csv's columns. The output has ``record_id``,
    ``source``, every :class:`~povlink.schema.StandardisedRecord` field with its SQL type, then
    ``<field>_raw`` for each canonical field.
    """
    raw = ", ".join(
        f"CAST({quote_identifier(f)} AS VARCHAR) AS {f}_raw"
        if f in source_columns
        else f"CAST(NULL AS VARCHAR) AS {f}_raw"
        for f in CANONICAL_FIELDS
    )
    # Every group reads the source as this subquery and takes only its own columns.
    source = (
        "(SELECT CAST(record_id AS VARCHAR) AS record_id, CAST(source AS VARCHAR) AS source, "
        f"{raw}, {check_date_order(date_order)} AS _date_order FROM {source_sql})"
    )
    groups = _groups()
    ctes: list[str] = []
    for group in groups:
        ctes += _group_ctes(group, source)
    ctes += _place_ctes(source, regions_sql)
    ctes += _shared_nik_ctes(source)
    row_ctes, row_last = _chain("r", source, _row_stages())
    ctes += row_ctes
    joined, joins = [], []
    for g in groups:
        if g.name in _PLACE_GROUPS:
            continue
        joined += [f"{g.name}.{c}" for c in (*g.outputs, *(f"_f_{f}" for f, _ in g.flags))]
        on = " AND ".join(f"{g.name}.{k} = coalesce(r.{k}, '')" for k in g.keys)
        joins.append(f"LEFT JOIN {g.name} ON {on}")
    joined += ["g_address.address", "g_address._rt_addr_ok", "g_address._rw_addr_ok"]
    joins.append("LEFT JOIN g_address ON g_address.address_raw = coalesce(r.address_raw, '')")
    joined += [f"g_place.{c}" for c in _REGION_VALUES]
    joined += [f"g_place._f_{f}" for f in REGION_FLAGS]
    joins.append(
        "LEFT JOIN g_place ON g_place.kelurahan_raw = coalesce(r.kelurahan_raw, '') "
        "AND g_place.kecamatan_raw = coalesce(r.kecamatan_raw, '') "
        f"AND g_place.address_key = {_address_key_sql('r.address_raw')}"
    )
    joined.append("g_shared.nik IS NOT NULL AS _f_nik_shared")
    joins.append(
        "LEFT JOIN g_shared ON g_shared.source = r.source AND g_shared.nik = g_ident._nik_digits"
    )
    ctes.append(f"j AS (SELECT r.*, {', '.join(joined)} FROM {row_last} r {' '.join(joins)})")
    joined_ctes, last = _chain("k", "j", _joined_stages())
    ctes += joined_ctes

    types = sql_columns(StandardisedRecord)
    flags = ", ".join(
        f"CASE WHEN {cond} THEN '{flag}' END" for flag, cond in _record_flag_conditions().items()
    )
    select = ["record_id", "source"]
    for field in STANDARDISED_FIELDS:
        if field == "quality_flags":
            select.append(f"list_filter([{flags}], lambda f: f IS NOT NULL) AS quality_flags")
        else:
            select.append(f"CAST({field} AS {types[field]}) AS {field}")
    select += [f"{f}_raw" for f in CANONICAL_FIELDS]
    return "WITH " + ",\n".join(ctes) + f"\nSELECT {', '.join(select)} FROM {last}"
