"""The SQL of standardisation: every field's rules composed into statements, in two ways.

**Whole tables** (:func:`table_steps`). Fields whose values repeat (names, dates, addresses, NIK
and KK numbers, sex...) form *groups*: each group's rules run once per distinct written value
(``SELECT DISTINCT``) into a table of its own, which at city scale saves most of the
regular-expression work. The written kelurahan and kecamatan (columns, else ``KEL.``/``KEC.`` in
the address text) are resolved against the region table once per distinct pair
(:func:`~povlink.standardise.address.region_resolution_sql`) from the group tables. A last
statement joins the group tables back to the records and runs the stages that compare fields: the
NIK against the stated birth date and sex, the RT/RW columns against the address text. Each step
is a plain ``SELECT`` over named tables, so the engine knows the real size of every group (one
statement with every group as a CTE let DuckDB misjudge the region join by twelve orders of
magnitude and build its hash table on the million records).

**One record** (:func:`record_parts`, :func:`record_output_part`). The same stages, each group's
chained over a one-row relation of parameters: no ``DISTINCT`` and no join-backs, which make no
sense for one row; :mod:`povlink.standardise.record` prepares each part once.

The table-level flag ``nik_shared`` compares records; it is its own pass
(:mod:`povlink.standardise.shared`), so both compositions leave it out.

A whole table stores no copy of the raw values (long free text, costly to compress into the
registry file): they stay in the raw records. It stores their hash (``raw_hash``), which a refresh
compares, and the digits of a NIK kept out of ``nik`` (``nik_kept_out``), which the
``nik_shared`` pass groups on.

Each CTE adds its stage's columns to the previous one (``SELECT *, <expr> AS <name> FROM prev``),
so every expression reads named columns and is written once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    region_keys_sql,
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
from povlink.standardise.missing import present_text_stages
from povlink.standardise.names import name_flag_conditions, name_stages
from povlink.standardise.nik import (
    nik_birth_date_columns,
    nik_flag_conditions,
    nik_ok_columns,
    nik_value_columns,
)
from povlink.standardise.phone import phone_flag_conditions, phone_stages
from povlink.standardise.sex import sex_flag_conditions, sex_sql

__all__ = [
    "RecordPart",
    "Step",
    "check_date_order",
    "flag_rules",
    "raw_hash_sql",
    "record_inputs",
    "record_output_part",
    "record_parts",
    "source_sql",
    "stored_extra_columns",
    "table_steps",
]

Columns = list[tuple[str, str]]

#: The region columns the resolution adds.
_REGION_VALUES: Final[tuple[str, ...]] = (
    "kelurahan_code",
    "kecamatan_code",
    "kelurahan_name",
    "kecamatan_name",
)

#: Fields standardised record by record (their values hardly repeat).
_ROW_FIELDS: Final[tuple[str, ...]] = ("phone",)

#: NIK flags that compare the NIK with other fields (the rest depend on NIK and KK alone).
_NIK_CROSS_FLAGS: Final[tuple[str, ...]] = ("nik_birth_date_mismatch", "nik_sex_mismatch")

#: Groups that reach the records through the place table rather than directly.
_PLACE_GROUPS: Final[tuple[str, ...]] = ("g_kel", "g_kec")


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


@dataclass(frozen=True)
class Step:
    """One statement of a table standardisation: create ``table`` from the SELECT ``sql``."""

    table: str
    sql: str


def _birth_place_sql() -> str:
    """SQL: the birth place column, without a date written in the same cell."""
    text = _txt("birth_place")
    return (
        f"CASE WHEN regexp_matches({text}, '^[^0-9,]+,[^,]*[0-9]') "
        f"THEN split_part({text}, ',', 1) ELSE {text} END"
    )


def _groups(today: str = "current_date") -> list[_Group]:
    """The distinct-value groups, each with its stages, outputs and flag conditions.

    ``today`` is the SQL of the current date (see :func:`record_parts`).
    """
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
        [*nik_value_columns(), *kk_value_columns()],
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
                "nik",
                "nik_partial",
                "nik_sex",
                "nik_region",
                "kk_number",
                "_nik_ok",
                "_nik_day",
                "_nik_month",
                "_nik_yy",
                "_nik_digits",
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
            date_stages(_txt("birth_date"), order="_date_order", today=today),
            ("birth_date", "birth_year", "birth_date_is_placeholder", "_bd_place"),
            date_flag_conditions(_txt("birth_date"), today=today),
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
        _Group(
            "g_household",
            ("household_key",),
            [[("household_key", household_key_sql(_txt("household_key")))]],
            ("household_key",),
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


def _present_stages(fields: tuple[str, ...] | list[str]) -> list[Columns]:
    """The two stages making ``<field>_txt`` (present text or NULL) of each ``<field>_raw``."""
    stages = [present_text_stages(f"{f}_raw", _txt(f)) for f in fields]
    return [[c for s in stages for c in s[0]], [c for s in stages for c in s[1]]]


def _address_key_sql(column: str) -> str:
    """SQL: the address when it may name a kelurahan or kecamatan (``KEL.``, ``KEC.``, ``DESA``,
    ``DS.``), else the empty string: most addresses name neither, and the places then group on
    the kelurahan and kecamatan columns alone. The markers are looked for in the lower-cased
    text, so a marker written with an accent or an apostrophe inside is not recognised."""
    text = f"coalesce({column}, '')"
    return f"CASE WHEN regexp_matches(lower({text}), 'kel|kec|desa|ds') THEN {text} ELSE '' END"


def _row_stages() -> list[Columns]:
    """Stages run on every record: the phone number and the address key."""
    present = _present_stages(_ROW_FIELDS)
    return [
        present[0],
        [*present[1], ("_address_key", _address_key_sql("address_raw"))],
        *phone_stages(_txt("phone")),
    ]


def _joined_stages(today: str = "current_date") -> list[Columns]:
    """Stages once every field is at hand: the ones that compare fields."""
    rt_rw = [c for c in address_joined_columns(kelurahan="", kecamatan="") if c[0] in ("rt", "rw")]
    # The birth place column wins; else the place written in the birth date's cell.
    place = ("birth_place", "coalesce(_bp_column, _bd_place)")
    nik = nik_birth_date_columns(stated_year="birth_year", today=today)
    return [[*rt_rw, place, *nik]]


def _record_flag_conditions() -> dict[str, str]:
    """Flag code -> SQL condition over the joined record, in :data:`QUALITY_FLAGS` order.

    Group flags are computed inside their group and arrive as ``_f_<flag>`` columns; so do the
    region flags. The table-level flags are left out (their own pass adds them).
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
    conditions.update({flag: f"_f_{flag}" for flag in REGION_FLAGS})
    return {flag: conditions[flag] for flag in QUALITY_FLAGS if flag not in TABLE_LEVEL_FLAGS}


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
    for i, stage in enumerate((s for s in stages if s), start=1):
        cols = ", ".join(f"{expr} AS {alias}" for alias, expr in stage)
        ctes.append(f"{name}_{i} AS (SELECT *, {cols} FROM {last})")
        last = f"{name}_{i}"
    return ctes, last


def source_sql(relation: str, columns: set[str], date_order: str | Mapping[str, str]) -> str:
    """SQL subquery: ``record_id``, ``source``, ``<field>_raw`` (text) and ``_date_order``.

    ``relation`` is a table or subquery with the columns ``columns``; an absent canonical field is
    NULL.
    """
    raw = ", ".join(
        f"CAST({quote_identifier(f)} AS VARCHAR) AS {f}_raw"
        if f in columns
        else f"CAST(NULL AS VARCHAR) AS {f}_raw"
        for f in CANONICAL_FIELDS
    )
    return (
        "(SELECT CAST(record_id AS VARCHAR) AS record_id, CAST(source AS VARCHAR) AS source, "
        f"{raw}, {check_date_order(date_order)} AS _date_order FROM {relation})"
    )


def _group_sql(group: _Group, source: str) -> str:
    """SELECT of one group's table: its keys, outputs and flags, one row per distinct key.

    Keys are ``coalesce(raw, '')``: NULL and the empty string are both missing, so they share a
    result, and the join back needs no NULL-safe comparison.
    """
    keys = ", ".join(f"coalesce({k}, '') AS {k}" for k in group.keys)
    first = f"{group.name}_0 AS (SELECT DISTINCT {keys} FROM {source} s0)"
    stages = [*_present_stages(group.fields), *group.stages]
    chain, last = _chain(group.name, f"{group.name}_0", stages)
    columns = [*group.keys, *group.outputs, *(f"({c}) AS _f_{f}" for f, c in group.flags)]
    return f"WITH {', '.join([first, *chain])} SELECT {', '.join(columns)} FROM {last}"


def _place_sql(source: str, regions_sql: str, tables: Mapping[str, str]) -> str:
    """SELECT of the place table: per distinct (kelurahan, kecamatan, address key) as written,
    the resolved region codes, names and flags. Reads the tables of groups g_kel, g_kec and
    g_address (``tables`` maps a group name to its table)."""
    written = [
        c
        for c in address_joined_columns(kelurahan="_kel_col", kecamatan="_kec_col")
        if c[0] in ("_kel_in", "_kec_in")
    ]
    places = region_resolution_sql(
        "(SELECT DISTINCT _kel_in, _kec_in FROM p_3)", f"({region_keys_sql(regions_sql)})"
    )
    region = ", ".join(
        [f"p.{c}" for c in _REGION_VALUES] + [f"p.{f} AS _f_{f}" for f in REGION_FLAGS]
    )
    return (
        "WITH p_1 AS (SELECT DISTINCT coalesce(kelurahan_raw, '') AS kelurahan_raw, "
        "coalesce(kecamatan_raw, '') AS kecamatan_raw, "
        f"{_address_key_sql('address_raw')} AS address_key FROM {source} s0), "
        "p_2 AS (SELECT t.*, g_kel._kel_col, g_kec._kec_col, g_address._kel_addr, "
        "g_address._kec_addr FROM p_1 t "
        f"LEFT JOIN {tables['g_kel']} AS g_kel ON g_kel.kelurahan_raw = t.kelurahan_raw "
        f"LEFT JOIN {tables['g_kec']} AS g_kec ON g_kec.kecamatan_raw = t.kecamatan_raw "
        f"LEFT JOIN {tables['g_address']} AS g_address "
        "ON g_address.address_raw = t.address_key), "
        "p_3 AS (SELECT *, "
        + ", ".join(f"{expr} AS {name}" for name, expr in written)
        + " FROM p_2), "
        f"places AS ({places}) "
        f"SELECT t.kelurahan_raw, t.kecamatan_raw, t.address_key, {region} FROM p_3 t "
        "LEFT JOIN places p ON coalesce(p._kel_in, '') = coalesce(t._kel_in, '') "
        "AND coalesce(p._kec_in, '') = coalesce(t._kec_in, '')"
    )


def raw_hash_sql() -> str:
    """SQL: the ``raw_hash`` of a record, a 64-bit hash of its ``source`` and raw values (the
    ``<field>_raw`` text columns of :func:`source_sql`).

    Each value is hashed in its own position and NULL has a hash of its own, so records with
    equal values have equal hashes; records with different values have equal hashes only by a
    collision (odds of about one in 2^64 for each changed record).

    >>> raw_hash_sql().startswith("hash(source, nik_raw, ")
    True
    """
    return f"hash({', '.join(['source', *(f'{f}_raw' for f in CANONICAL_FIELDS)])})"


def _kept_out_sql(prefix: str = "") -> str:
    """SQL: the cleaned digits of a NIK kept out of ``nik`` (it equals the KK number, or was
    rounded by a float), else NULL; the columns are those of the NIK group, named after
    ``prefix`` (``"g_ident."`` say)."""
    return (
        f"CASE WHEN {prefix}nik IS NULL AND ({prefix}_f_nik_equals_kk OR "
        f"{prefix}_f_nik_float_rounded) THEN {prefix}_nik_digits END"
    )


#: The columns a stored standardised table has after the standardised fields, with their SQL:
#: the digits of a NIK kept out of ``nik`` (equal to the KK number, or rounded by a float; the
#: record still belongs to their ``nik_shared`` group) and the hash of the raw values (what a
#: refresh compares). The raw values themselves stay in the raw records.
_STORED_EXTRAS: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "nik_kept_out",
        "VARCHAR",
        _kept_out_sql(),
    ),
    ("raw_hash", "UBIGINT", raw_hash_sql()),
)


def stored_extra_columns() -> list[tuple[str, str]]:
    """The columns a standardised table has after the standardised fields, with their SQL
    types: ``nik_kept_out`` and ``raw_hash`` (see :func:`table_steps`)."""
    return [(name, kind) for name, kind, _ in _STORED_EXTRAS]


def _output_sql(last: str, *, stored: bool, shared_flags: bool = False) -> str:
    """The final SELECT over CTE ``last``: ids, every standardised field typed, and with
    ``stored`` the columns of :func:`stored_extra_columns`. With ``shared_flags``, ``last`` has
    ``_f_nik_shared`` and the flag ends the list."""
    types = sql_columns(StandardisedRecord)
    conditions = _record_flag_conditions()
    if shared_flags:  # the last flag of the catalogue, so the list keeps its order
        conditions["nik_shared"] = "_f_nik_shared"
    flags = ", ".join(f"CASE WHEN {cond} THEN '{flag}' END" for flag, cond in conditions.items())
    # Most records have no flag: one test of every condition spares them the list.
    any_flag = " OR ".join(f"({cond})" for cond in conditions.values())
    select = ["record_id", "source"]
    for field in STANDARDISED_FIELDS:
        if field == "quality_flags":
            select.append(
                f"CASE WHEN {any_flag} THEN list_filter([{flags}], lambda f: f IS NOT NULL) "
                "ELSE CAST([] AS VARCHAR[]) END AS quality_flags"
            )
        else:
            select.append(f"CAST({field} AS {types[field]}) AS {field}")
    if stored:
        select += [f"CAST({sql} AS {kind}) AS {name}" for name, kind, sql in _STORED_EXTRAS]
    return f"SELECT {', '.join(select)} FROM {last}"


def table_steps(
    relation: str,
    columns: set[str],
    regions_sql: str,
    *,
    target: str,
    prefix: str,
    date_order: str | Mapping[str, str] = "dmy",
    shared_flags: bool = False,
) -> list[Step]:
    """The statements standardising ``relation`` (a table or subquery) against ``regions_sql``.

    ``columns`` are the columns ``relation`` has (absent canonical fields are NULL);
    ``regions_sql`` is a relation with the region csv's columns. Every step but the last creates
    a helper table named ``<prefix><group>``; the last creates ``target`` with ``record_id``,
    ``source``, every :class:`~povlink.schema.StandardisedRecord` field with its SQL type, then
    ``nik_kept_out`` (the cleaned digits of a NIK kept out of ``nik`` because it equals the KK
    number or was rounded by a float, else NULL: the ``nik_shared`` pass groups the record on
    them) and ``raw_hash`` (:func:`raw_hash_sql`, what a refresh compares); the raw values are
    not copied, they stay in ``relation``. ``quality_flags`` lacks the table-level flags,
    unless ``shared_flags``: then a step finds the shared (source, NIK) groups of the whole
    relation (see :mod:`povlink.standardise.shared`) and the last statement flags their members,
    so that the table needs no UPDATE afterwards.
    """
    source = source_sql(relation, columns, date_order)
    groups = _groups()
    tables = {g.name: quote_identifier(f"{prefix}{g.name}") for g in [*groups]}
    tables["g_place"] = quote_identifier(f"{prefix}g_place")
    steps = [Step(f"{prefix}{g.name}", _group_sql(g, source)) for g in groups]
    steps.append(Step(f"{prefix}g_place", _place_sql(source, regions_sql, tables)))
    if shared_flags:
        tables["g_shared"] = quote_identifier(f"{prefix}g_shared")
        by_name = {g.name: g for g in groups}
        steps.append(Step(f"{prefix}g_shared", _shared_groups_sql(source, by_name, tables)))

    row_ctes, row_last = _chain("r", source, _row_stages())
    joined, joins = [], []
    for g in groups:
        if g.name in _PLACE_GROUPS:
            continue
        joined += [f"{g.name}.{c}" for c in (*g.outputs, *(f"_f_{f}" for f, _ in g.flags))]
        on = " AND ".join(f"{g.name}.{k} = coalesce(r.{k}, '')" for k in g.keys)
        joins.append(f"LEFT JOIN {tables[g.name]} AS {g.name} ON {on}")
    joined += [f"g_place.{c}" for c in _REGION_VALUES]
    joined += [f"g_place._f_{f}" for f in REGION_FLAGS]
    joins.append(
        f"LEFT JOIN {tables['g_place']} AS g_place "
        "ON g_place.kelurahan_raw = coalesce(r.kelurahan_raw, '') "
        "AND g_place.kecamatan_raw = coalesce(r.kecamatan_raw, '') "
        "AND g_place.address_key = r._address_key"
    )
    if shared_flags:
        joined.append("g_shared.nik IS NOT NULL AS _f_nik_shared")
        joins.append(
            f"LEFT JOIN {tables['g_shared']} AS g_shared ON g_shared.source = r.source "
            f"AND g_shared.nik = coalesce(g_ident.nik, {_kept_out_sql('g_ident.')})"
        )
    ctes = [
        *row_ctes,
        f"j AS (SELECT r.*, {', '.join(joined)} FROM {row_last} r {' '.join(joins)})",
    ]
    joined_ctes, last = _chain("k", "j", _joined_stages())
    ctes += joined_ctes
    output = _output_sql(last, stored=True, shared_flags=shared_flags)
    final = "WITH " + ",\n".join(ctes) + "\n" + output
    return [*steps, Step(target, final)]


def _shared_groups_sql(source: str, groups: Mapping[str, _Group], tables: Mapping[str, str]) -> str:
    """SELECT of the shared (source, NIK) groups: records with a valid NIK and a name, holding
    different names and not one common birth date (the rule of
    :mod:`povlink.standardise.shared`), read from the group tables of NIK, name and date."""
    joins = " ".join(
        f"JOIN {tables[name]} AS {name} ON "
        + " AND ".join(f"{name}.{k} = coalesce(s.{k}, '')" for k in groups[name].keys)
        for name in ("g_ident", "g_name", "g_date")
    )
    return (
        f"SELECT s.source, g_ident.nik FROM {source} AS s {joins} "
        "WHERE g_ident.nik IS NOT NULL AND g_name.full_name IS NOT NULL "
        "GROUP BY s.source, g_ident.nik "
        "HAVING min(g_name.full_name) <> max(g_name.full_name) AND NOT coalesce("
        "min(g_date.birth_date) = max(g_date.birth_date) "
        "AND count(g_date.birth_date) = count(*), false)"
    )


def _nest(relation: str, stages: list[Columns]) -> str:
    """Subqueries over ``relation``, each adding one stage's columns to the previous one."""
    current = relation
    for stage in (s for s in stages if s):
        cols = ", ".join(f"{expr} AS {alias}" for alias, expr in stage)
        current = f"(SELECT *, {cols} FROM {current} AS t)"
    return current


@dataclass(frozen=True)
class RecordPart:
    """One statement of the single-record path: ``params`` (column, SQL type) in, ``columns`` out.

    ``select(relation)`` is the SELECT over a one-row ``relation`` holding the ``params``
    columns. The parts are the groups (a record's fields standardised group by group, as the
    table path does per distinct value), the place (the region resolution) and the output.
    """

    name: str
    params: tuple[tuple[str, str], ...]
    select: Callable[[str], str]


def _group_part(group: _Group, today: str) -> RecordPart:
    stages = [*_present_stages(group.fields), *group.stages]
    outputs = [*group.outputs, *(f"({c}) AS _f_{f}" for f, c in group.flags)]
    if group.name == "g_address":
        # Whether the address may name a place: the region part reads the address text's
        # kelurahan and kecamatan only then, as the table path's address key does.
        stages.append([("_address_marked", f"{_address_key_sql('address_raw')} <> ''")])
        outputs.append("_address_marked")
    params = [(key, "VARCHAR") for key in group.keys]
    if any(today in expr for stage in stages for _, expr in stage):
        params.append((today, "DATE"))

    def select(relation: str) -> str:
        return f"SELECT {', '.join(outputs)} FROM {_nest(relation, stages)} AS t"

    return RecordPart(group.name, tuple(params), select)


def record_parts(keyed_regions_sql: str) -> list[RecordPart]:
    """The group parts and the place part of the single-record path, in order.

    ``keyed_regions_sql`` has the columns of
    :func:`~povlink.standardise.address.region_keys_sql`. The date's part takes ``_today``, the
    current date, as a parameter: a prepared statement that reads the clock itself is planned
    anew at each execution (DuckDB 2.0).
    """
    parts = [_group_part(g, "_today") for g in _groups(today="_today")]
    written = [
        c
        for c in address_joined_columns(
            kelurahan="_kel_col",
            kecamatan="_kec_col",
            kelurahan_in_address="CASE WHEN _address_marked THEN _kel_addr END",
            kecamatan_in_address="CASE WHEN _address_marked THEN _kec_addr END",
        )
        if c[0] in ("_kel_in", "_kec_in")
    ]
    region = ", ".join([*_REGION_VALUES, *(f"{f} AS _f_{f}" for f in REGION_FLAGS)])

    def written_place(relation: str) -> str:
        return f"SELECT _kel_in, _kec_in FROM {_nest(relation, [written])} AS t"

    def place(relation: str) -> str:
        return f"SELECT {region} FROM ({region_resolution_sql(relation, keyed_regions_sql)}) AS p"

    written_params = (
        ("_kel_col", "VARCHAR"),
        ("_kec_col", "VARCHAR"),
        ("_kel_addr", "VARCHAR"),
        ("_kec_addr", "VARCHAR"),
        ("_address_marked", "BOOLEAN"),
    )
    # The place as written, then its resolution: many spellings share one written place.
    return [
        *parts,
        RecordPart("written_place", written_params, written_place),
        RecordPart("place", (("_kel_in", "VARCHAR"), ("_kec_in", "VARCHAR")), place),
    ]


def record_output_part(columns: list[tuple[str, str]]) -> RecordPart:
    """The output part: ``record_id``, ``source``, ``phone_raw``, ``_today`` and ``columns``
    (the group and place parts' outputs with their SQL types) in, every standardised field out
    (the table path's last stages: the phone number, the fields compared with each other)."""
    stages = [*_present_stages(_ROW_FIELDS), *phone_stages(_txt("phone"))]
    stages += _joined_stages(today="_today")
    params = [
        ("record_id", "VARCHAR"),
        ("source", "VARCHAR"),
        *((f"{f}_raw", "VARCHAR") for f in _ROW_FIELDS),
        ("_today", "DATE"),
        *columns,
    ]

    def select(relation: str) -> str:
        return _output_sql(f"{_nest(relation, stages)} AS k", stored=False)

    return RecordPart("output", tuple(params), select)


def record_inputs(part: RecordPart) -> tuple[str, ...]:
    """The columns of a group or place part the output part reads (g_kel, g_kec and the written
    place feed only the place part)."""
    if part.name in (*_PLACE_GROUPS, "written_place"):
        return ()
    groups = {g.name: g for g in _groups()}
    if part.name == "place":
        return (*_REGION_VALUES, *(f"_f_{f}" for f in REGION_FLAGS))
    group = groups[part.name]
    return (*group.outputs, *(f"_f_{f}" for f, _ in group.flags))
