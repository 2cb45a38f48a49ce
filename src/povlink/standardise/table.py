"""The entry points: standardise a whole table in the engine, or one record through the same SQL.

:func:`standardise_sql` composes every field's rules into one chain of SQL stages (``WITH s0 AS
(...), s1 AS (SELECT *, ... FROM s0), ...``). :func:`standardise_table` runs it over a table, with
the region names resolved once per distinct written name; :func:`standardise_record` runs the very
same statements on a one-row table, so that there is one implementation of every rule.

>>> out = standardise_record({"nik": "3374015708450001", "full_name": "Hj. SITI  AMINAH, S.Pd",
...                           "birth_date": "17 Agt 1945", "sex": "P"})
>>> out["full_name"], out["name_titles"], out["birth_date"], out["quality_flags"]
('siti aminah', 'hj spd', datetime.date(1945, 8, 17), [])
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Mapping
from typing import Any, Final

from povlink.engine import Engine, quote_identifier, quote_literal
from povlink.exceptions import ConfigError, SourceError
from povlink.schema import CANONICAL_FIELDS, STANDARDISED_FIELDS, StandardisedRecord, sql_columns
from povlink.standardise.address import (
    REGION_FLAGS,
    address_flag_conditions,
    address_stages,
    address_text_sql,
    city_sql,
    region_resolution_sql,
)
from povlink.standardise.dates import DATE_ORDERS, date_flag_conditions, date_stages, place_name_sql
from povlink.standardise.flags import QUALITY_FLAGS
from povlink.standardise.household import (
    household_key_sql,
    relationship_flag_conditions,
    relationship_sql,
)
from povlink.standardise.identity import identity_check_columns, identity_parse_columns
from povlink.standardise.kk import kk_flag_conditions, kk_value_columns
from povlink.standardise.missing import present_text_sql
from povlink.standardise.names import name_flag_conditions, name_stages
from povlink.standardise.nik import nik_flag_conditions, nik_ok_columns, nik_value_columns
from povlink.standardise.phone import phone_flag_conditions, phone_sql
from povlink.standardise.regions import RegionTable, load_regions
from povlink.standardise.sex import sex_flag_conditions, sex_sql

__all__ = ["standardise_record", "standardise_sql", "standardise_table"]

Columns = list[tuple[str, str]]

#: The region columns the resolution adds (besides the flags).
_REGION_VALUES: Final[tuple[str, ...]] = (
    "kelurahan_code",
    "kecamatan_code",
    "kelurahan_name",
    "kecamatan_name",
)

_NIK_SHARED: Final[str] = (
    "(nik IS NOT NULL AND full_name IS NOT NULL AND "
    "min(full_name) OVER (PARTITION BY source, nik) <> "
    "max(full_name) OVER (PARTITION BY source, nik) AND NOT coalesce("
    "min(birth_date) OVER (PARTITION BY source, nik) = "
    "max(birth_date) OVER (PARTITION BY source, nik) AND "
    "count(birth_date) OVER (PARTITION BY source, nik) = "
    "count(*) OVER (PARTITION BY source, nik), false))"
)


def _txt(field: str) -> str:
    return f"{field}_txt"


def _zip_stages(*groups: list[Columns]) -> list[Columns]:
    """Merge per-field stage lists: stage i of the result holds stage i of every field."""
    depth = max(len(g) for g in groups)
    return [[col for g in groups if i < len(g) for col in g[i]] for i in range(depth)]


def _address_stages() -> list[Columns]:
    """The stages that find RT, RW and the written kelurahan and kecamatan."""
    return address_stages(
        address=_txt("address"),
        rt=_txt("rt"),
        rw=_txt("rw"),
        kelurahan=_txt("kelurahan"),
        kecamatan=_txt("kecamatan"),
    )


def _field_stages() -> list[Columns]:
    """Every stage after the text clean-up, in order (see the module docstring)."""
    parallel = _zip_stages(
        [
            identity_parse_columns("nik", _txt("nik"))
            + identity_parse_columns("kk", _txt("kk_number")),
            identity_check_columns("nik", female_offset=True)
            + identity_check_columns("kk", female_offset=False),
        ],
        name_stages("name", _txt("full_name"), output="full_name", phonetic="name_phonetic"),
        name_stages(
            "mother", _txt("mother_name"), output="mother_name", phonetic="mother_name_phonetic"
        ),
        date_stages(_txt("birth_date"), order="_date_order"),
        _address_stages(),
    )
    parallel[-1] = parallel[-1] + nik_ok_columns()
    values: Columns = [
        *nik_value_columns(stated_year="birth_year"),
        *kk_value_columns(),
        ("sex", sex_sql(_txt("sex"))),
        ("relationship", relationship_sql(_txt("relationship"))),
        ("birth_place", f"coalesce({place_name_sql(_birth_place_sql())}, _bd_place)"),
        ("address", address_text_sql(_txt("address"))),
        ("city", city_sql(_txt("city"))),
        ("household_key", household_key_sql(_txt("household_key"))),
        ("phone", phone_sql(_txt("phone"))),
    ]
    return [*parallel, values]


def _birth_place_sql() -> str:
    """SQL: the birth place column, without a date written in the same cell."""
    text = _txt("birth_place")
    return (
        f"CASE WHEN regexp_matches({text}, '^[^0-9,]+,[^,]*[0-9]') "
        f"THEN split_part({text}, ',', 1) ELSE {text} END"
    )


def _local_flag_conditions() -> dict[str, str]:
    """Flag code -> SQL condition for every flag computed from the record alone."""
    conditions = [
        *nik_flag_conditions(),
        *kk_flag_conditions(),
        *name_flag_conditions(_txt("full_name"), "full_name"),
        *name_flag_conditions(_txt("mother_name"), "mother_name"),
        *date_flag_conditions(_txt("birth_date")),
        *sex_flag_conditions(_txt("sex")),
        *relationship_flag_conditions(_txt("relationship")),
        *address_flag_conditions(),
        *phone_flag_conditions(_txt("phone")),
    ]
    return dict(conditions)


def _flag_conditions() -> dict[str, str]:
    """Flag code -> SQL condition over the final stage, in :data:`QUALITY_FLAGS` order."""
    conditions = _local_flag_conditions()
    conditions.update({flag: f"p.{flag}" for flag in REGION_FLAGS})
    conditions["nik_shared"] = _NIK_SHARED
    missing = set(QUALITY_FLAGS) ^ set(conditions)
    if missing:  # pragma: no cover - guarded by a unit test
        raise AssertionError(f"flags without a rule or rules without a flag: {sorted(missing)}")
    return {flag: conditions[flag] for flag in QUALITY_FLAGS}


def _date_order_sql(date_order: str | Mapping[str, str]) -> str:
    """SQL for the ``_date_order`` column: one order, or a CASE over the source name."""
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


def _stage_chain(
    source_sql: str,
    columns: set[str],
    date_order_sql: str,
    stages: list[Columns],
    fields: tuple[str, ...] = CANONICAL_FIELDS,
) -> tuple[str, str]:
    """The ``WITH`` clause of ``stages`` over the canonical ``fields`` and its last stage's name."""
    raw = ", ".join(
        f"CAST({quote_identifier(f)} AS VARCHAR) AS {f}_raw"
        if f in columns
        else f"CAST(NULL AS VARCHAR) AS {f}_raw"
        for f in fields
    )
    ctes = [
        "s0 AS (SELECT CAST(record_id AS VARCHAR) AS record_id, "
        f"CAST(source AS VARCHAR) AS source, {raw}, {date_order_sql} AS _date_order "
        f"FROM {source_sql})",
        "s1 AS (SELECT *, "
        + ", ".join(f"{present_text_sql(f + '_raw')} AS {_txt(f)}" for f in fields)
        + " FROM s0)",
    ]
    for i, stage in enumerate(stages, start=2):
        cols = ", ".join(f"{expr} AS {name}" for name, expr in stage)
        ctes.append(f"s{i} AS (SELECT *, {cols} FROM s{i - 1})")
    return "WITH " + ",\n".join(ctes), f"s{len(ctes) - 1}"


def standardise_sql(
    source_sql: str,
    source_columns: set[str],
    regions_sql: str,
    *,
    date_order: str | Mapping[str, str] = "dmy",
) -> str:
    """The one SELECT producing the standardised table from ``source_sql`` (a table or subquery).

    ``source_columns`` are the columns ``source_sql`` has (absent canonical fields are NULL);
    ``regions_sql`` is a relation with the region csv's columns. The written kelurahan and
    kecamatan names are resolved once per distinct pair
    (:func:`~povlink.standardise.address.region_resolution_sql`) and joined back.
    """
    with_clause, last = _stage_chain(
        source_sql, source_columns, _date_order_sql(date_order), _field_stages()
    )
    types = sql_columns(StandardisedRecord)
    flags = _flag_conditions()
    flag_list = (
        "list_filter(["
        + ", ".join(f"CASE WHEN {cond} THEN '{flag}' END" for flag, cond in flags.items())
        + "], lambda f: f IS NOT NULL)"
    )
    values = []
    for field in STANDARDISED_FIELDS:
        if field == "quality_flags":
            expr = flag_list
        elif field in _REGION_VALUES:
            expr = f"p.{field}"
        else:
            expr = f"s.{field}"
        values.append(f"CAST({expr} AS {types[field]}) AS {field}")
    raws = [f"s.{f}_raw" for f in CANONICAL_FIELDS]
    places = region_resolution_sql(f"({_names_sql(source_sql, source_columns)})", regions_sql)
    return (
        f"{with_clause}\nSELECT s.record_id, s.source, "
        + ", ".join(values + raws)
        + f" FROM {last} s LEFT JOIN ({places}) p "
        "ON coalesce(p._kel_in, '') = coalesce(s._kel_in, '') "
        "AND coalesce(p._kec_in, '') = coalesce(s._kec_in, '')"
    )


def _names_sql(source_sql: str, source_columns: set[str]) -> str:
    """SELECT of the written kelurahan and kecamatan (``_kel_in``, ``_kec_in``) of every record."""
    with_clause, last = _stage_chain(
        source_sql,
        source_columns,
        "'dmy'",
        _address_stages(),
        ("address", "rt", "rw", "kelurahan", "kecamatan"),
    )
    return f"{with_clause}\nSELECT DISTINCT _kel_in, _kec_in FROM {last}"


def _create_regions_table(engine: Engine, regions: RegionTable, name: str) -> None:
    """Copy ``regions`` into the temporary table ``name``."""
    view = f"{name}_view"
    engine.register(view, regions.to_frame())
    try:
        engine.create_table(name, f"SELECT * FROM {quote_identifier(view)}", temporary=True)
    finally:
        engine.unregister(view)


def standardise_table(
    engine: Engine,
    source_table: str,
    target_table: str,
    *,
    regions: RegionTable | None = None,
    date_order: str | Mapping[str, str] = "dmy",
) -> None:
    """Standardise every record of ``source_table`` into ``target_table``, inside the engine.

    ``source_table`` has ``record_id``, ``source`` and any subset of
    :data:`~povlink.schema.CANONICAL_FIELDS` (a missing column means NULL). ``target_table`` gets
    ``record_id``, ``source``, every :class:`~povlink.schema.StandardisedRecord` field with its SQL
    type and ``<field>_raw`` for each canonical field (one row per record, in no set order).
    ``date_order`` is ``"dmy"``, ``"mdy"`` or ``"ymd"``, or a mapping of source name to order
    (other sources: ``"dmy"``). ``regions`` defaults to the packaged Kota Semarang table.

    Raises :class:`~povlink.exceptions.SourceError` when ``record_id`` or ``source`` is missing
    and :class:`~povlink.exceptions.ConfigError` for an unknown date order.
    """
    columns = set(engine.columns(source_table))
    absent = [c for c in ("record_id", "source") if c not in columns]
    if absent:
        raise SourceError(
            f"table {source_table!r} has no column {', '.join(absent)}; it has "
            f"{', '.join(sorted(columns)) or 'no columns'}. Standardisation needs record_id and "
            "source beside the canonical fields."
        )
    _date_order_sql(date_order)  # validate before touching the engine
    table = regions if regions is not None else load_regions()
    regions_table = f"_povlink_regions_{uuid.uuid4().hex[:12]}"
    sql = standardise_sql(
        quote_identifier(source_table),
        columns,
        quote_identifier(regions_table),
        date_order=date_order,
    )
    with engine.transaction():
        _create_regions_table(engine, table, regions_table)
        try:
            engine.create_table(target_table, sql)
        finally:
            engine.drop_table(regions_table)


class _RecordEngine:
    """A per-thread in-memory engine holding the one-row record table and the region tables.

    The table ``_povlink_record`` has every canonical column; each region table is copied into the
    engine once, and the standardisation SELECT text is built once per (region table, date order).
    """

    record_table: Final[str] = "_povlink_record"

    def __init__(self) -> None:
        self.engine = Engine(threads=1)
        cols = ", ".join(
            f"{quote_identifier(c)} VARCHAR" for c in ("record_id", "source", *CANONICAL_FIELDS)
        )
        self.engine.execute(f"CREATE TEMP TABLE {self.record_table} ({cols})")
        self.regions: dict[RegionTable, str] = {}
        self.statements: dict[tuple[str, str], str] = {}

    def statement(self, regions: RegionTable, date_order: str | Mapping[str, str]) -> str:
        """The standardisation SELECT over the record table for these options."""
        if regions not in self.regions:
            name = f"_povlink_regions_{len(self.regions)}"
            _create_regions_table(self.engine, regions, name)
            self.regions[regions] = name
        order = _date_order_sql(date_order)
        key = (self.regions[regions], order)
        if key not in self.statements:
            self.statements[key] = standardise_sql(
                self.record_table,
                {"record_id", "source", *CANONICAL_FIELDS},
                quote_identifier(self.regions[regions]),
                date_order=date_order,
            )
        return self.statements[key]


_LOCAL = threading.local()


def _record_engine() -> _RecordEngine:
    """The calling thread's :class:`_RecordEngine`."""
    engine: _RecordEngine | None = getattr(_LOCAL, "engine", None)
    if engine is None:
        engine = _RecordEngine()
        _LOCAL.engine = engine
    return engine


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def standardise_record(
    record: Mapping[str, object],
    *,
    regions: RegionTable | None = None,
    date_order: str | Mapping[str, str] = "dmy",
) -> dict[str, Any]:
    """Standardise one record with the table's SQL; the fields and ``quality_flags`` as a dict.

    ``record`` maps canonical field names (and optionally ``source``, which picks a per-source
    ``date_order``) to values; non-text values are written as text first (a ``datetime.date`` as
    ISO). Dates come back as :class:`datetime.date`, RT/RW as ``int``, flags as a list of codes.
    ``nik_shared`` needs other records, so it never appears here.

    >>> standardise_record({"full_name": "DJOKO TJAHJONO", "rt": "RT.3/RW.5"})["rw"]
    5
    """
    unknown = sorted(set(record) - set(CANONICAL_FIELDS) - {"source", "record_id"})
    if unknown:
        raise ConfigError(
            f"record has unknown fields {', '.join(unknown)}; the canonical fields are "
            f"{', '.join(CANONICAL_FIELDS)}"
        )
    runner = _record_engine()
    statement = runner.statement(regions if regions is not None else load_regions(), date_order)
    values = [
        "record:1",
        _as_text(record.get("source", "record")),
        *(_as_text(record.get(f)) for f in CANONICAL_FIELDS),
    ]
    table = runner.record_table
    placeholders = ", ".join("?" for _ in values)
    with runner.engine.transaction():
        runner.engine.execute(f"DELETE FROM {table}")
        runner.engine.execute(f"INSERT INTO {table} VALUES ({placeholders})", values)
        row = runner.engine.rows(statement)[0]
    # Columns: record_id, source, the standardised fields, then the raw fields.
    return dict(zip(STANDARDISED_FIELDS, row[2 : 2 + len(STANDARDISED_FIELDS)], strict=True))
