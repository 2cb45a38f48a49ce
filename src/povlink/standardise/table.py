"""The entry points: standardise a whole table in the engine, or one record through the same SQL.

:func:`standardise_table` runs the statements of :mod:`povlink.standardise.pipeline` over a
table, then the table-level pass of :mod:`povlink.standardise.shared`; :func:`standardise_record`
runs the same rules (the same SQL expressions, chained over one row instead of grouped by distinct
value) as a prepared statement, so that there is one implementation of every rule.

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
from typing import Any

from povlink.engine import Engine, quote_identifier, quote_literal
from povlink.exceptions import ConfigError, SourceError
from povlink.schema import CANONICAL_FIELDS, STANDARDISED_FIELDS
from povlink.standardise.address import region_keys_sql
from povlink.standardise.pipeline import check_date_order, record_sql, table_steps
from povlink.standardise.regions import RegionTable, load_regions
from povlink.standardise.shared import shared_nik_update_sql

__all__ = ["standardise_record", "standardise_table"]


def _create_regions_table(engine: Engine, regions: RegionTable, name: str) -> None:
    """Copy ``regions`` into the temporary table ``name``."""
    view = f"{name}_view"
    engine.register(view, regions.to_frame())
    try:
        engine.create_table(name, f"SELECT * FROM {quote_identifier(view)}", temporary=True)
    finally:
        engine.unregister(view)


def source_columns(engine: Engine, source_table: str) -> set[str]:
    """The columns of ``source_table``; a :class:`SourceError` without record_id or source."""
    columns = set(engine.columns(source_table))
    absent = [c for c in ("record_id", "source") if c not in columns]
    if absent:
        raise SourceError(
            f"table {source_table!r} has no column {', '.join(absent)}; it has "
            f"{', '.join(sorted(columns)) or 'no columns'}. Standardisation needs record_id and "
            "source beside the canonical fields."
        )
    return columns


def run_table_steps(
    engine: Engine,
    relation: str,
    columns: set[str],
    target_table: str,
    *,
    regions: RegionTable,
    date_order: str | Mapping[str, str],
    temporary: bool = False,
) -> None:
    """Write the per-record standardisation of ``relation`` to ``target_table`` (no table-level
    flags; a temporary table if ``temporary``), through helper tables that are dropped
    afterwards. Call inside a transaction."""
    prefix = f"_povlink_std_{uuid.uuid4().hex[:12]}_"
    regions_table = f"{prefix}regions"
    steps = table_steps(
        relation,
        columns,
        quote_identifier(regions_table),
        target=target_table,
        prefix=prefix,
        date_order=date_order,
    )
    helpers = [regions_table, *(step.table for step in steps[:-1])]
    try:
        _create_regions_table(engine, regions, regions_table)
        for step in steps[:-1]:
            engine.create_table(step.table, step.sql, temporary=True)
        engine.create_table(steps[-1].table, steps[-1].sql, temporary=temporary)
    finally:
        for helper in helpers:
            engine.drop_table(helper)


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
    columns = source_columns(engine, source_table)
    check_date_order(date_order)  # validate before touching the engine
    table = regions if regions is not None else load_regions()
    with engine.transaction():
        run_table_steps(
            engine,
            quote_identifier(source_table),
            columns,
            target_table,
            regions=table,
            date_order=date_order,
        )
        engine.execute(shared_nik_update_sql(quote_identifier(target_table)))


def _literal(value: object) -> str:
    """``value`` (text, a date or None) as an SQL literal; a NUL character as ``chr(0)``."""
    if value is None:
        return "CAST(NULL AS VARCHAR)"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    text = str(value)
    return " || chr(0) || ".join(quote_literal(part) for part in text.split("\0"))


class _RecordEngine:
    """A per-thread in-memory engine holding one prepared statement per (regions, date order).

    The statement of :func:`~povlink.standardise.pipeline.record_sql` is prepared once and run
    with the record's values, so a call costs the execution only, not the planning of some
    thousand expressions. DuckDB 2.0 plans a prepared statement anew at every execution when it
    reads a table or the clock, so the statement reads neither: the record and today's date are
    its parameters and the keyed region table is written into it as a VALUES list. The values
    are passed as literals (``EXECUTE`` takes no bound parameters).
    """

    def __init__(self) -> None:
        self.engine = Engine(threads=1)
        self.statements: dict[tuple[RegionTable, str], str] = {}

    def _keyed_regions(self, regions: RegionTable) -> str:
        """The keyed region table of ``regions`` as a VALUES relation."""
        view = "_povlink_regions_view"
        self.engine.register(view, regions.to_frame())
        try:
            rows = self.engine.rows(region_keys_sql(quote_identifier(view)))
        finally:
            self.engine.unregister(view)
        values = ", ".join(
            "(" + ", ".join(quote_literal(str(v)) for v in row) + ")" for row in rows
        )
        names = "kec_code, kec_official, kel_code, kel_official, kec_key, kel_key"
        return f"(SELECT * FROM (VALUES {values}) AS v({names}))"

    def statement(self, regions: RegionTable, date_order: str | Mapping[str, str]) -> str:
        """The name of the prepared statement for ``regions`` and ``date_order``."""
        order = check_date_order(date_order)
        key = (regions, order)
        if key not in self.statements:
            columns = ("record_id", "source", *(f"{f}_raw" for f in CANONICAL_FIELDS))
            params = ", ".join(f"CAST(${i} AS VARCHAR) AS {c}" for i, c in enumerate(columns, 1))
            relation = (
                f"(SELECT *, {order} AS _date_order FROM (SELECT {params}, "
                f"CAST(${len(columns) + 1} AS DATE) AS _today) AS p)"
            )
            name = f"_povlink_record_{len(self.statements)}"
            sql = record_sql(relation, self._keyed_regions(regions))
            self.engine.execute(f"PREPARE {name} AS {sql}")
            self.statements[key] = name
        return self.statements[key]

    def run(
        self, values: list[str | None], regions: RegionTable, date_order: str | Mapping[str, str]
    ) -> tuple[Any, ...]:
        """Standardise one record (``record_id``, ``source``, canonical fields); its output row."""
        name = self.statement(regions, date_order)
        today = self.engine.scalar("SELECT current_date")
        args = ", ".join(_literal(v) for v in [*values, today])
        rows = self.engine.rows(f"EXECUTE {name}({args})")
        return tuple(rows[0])


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
    The record runs through the rules :func:`standardise_table` runs; the table-level flags
    (``nik_shared``) compare records, so one record never raises them. The first call of a
    thread (and of each region table and date order) prepares the statement; later calls only
    execute it.

    >>> standardise_record({"full_name": "DJOKO TJAHJONO", "rt": "RT.3/RW.5"})["rw"]
    5
    """
    unknown = sorted(set(record) - set(CANONICAL_FIELDS) - {"source", "record_id"})
    if unknown:
        raise ConfigError(
            f"record has unknown fields {', '.join(unknown)}; the canonical fields are "
            f"{', '.join(CANONICAL_FIELDS)}"
        )
    values = [
        "record:1",
        _as_text(record.get("source", "record")),
        *(_as_text(record.get(f)) for f in CANONICAL_FIELDS),
    ]
    table = regions if regions is not None else load_regions()
    row = _record_engine().run(values, table, date_order)
    # Columns: record_id, source, then the standardised fields.
    return dict(zip(STANDARDISED_FIELDS, row[2:], strict=True))
