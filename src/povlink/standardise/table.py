"""The entry points: standardise a whole table in the engine, or one record through the same SQL.

:func:`standardise_table` runs the statement of :mod:`povlink.standardise.pipeline` over a table;
:func:`standardise_record` runs the very same statement on a one-row table, so that there is one
implementation of every rule.

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

from povlink.engine import Engine, quote_identifier
from povlink.exceptions import ConfigError, SourceError
from povlink.schema import CANONICAL_FIELDS, STANDARDISED_FIELDS
from povlink.standardise.pipeline import check_date_order, standardise_sql
from povlink.standardise.regions import RegionTable, load_regions

__all__ = ["standardise_record", "standardise_table"]


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
    check_date_order(date_order)  # validate before touching the engine
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
    engine once, and the SQL text is built once per (region table, date order).
    """

    record_table: Final[str] = "_povlink_record"

    def __init__(self) -> None:
        self.engine = Engine(threads=1)
        # Planning dominates a one-row query; the optimiser only pays off on many rows, and it
        # never changes a result (the property tests compare this path with the bulk one).
        self.engine.execute("PRAGMA disable_optimizer")
        cols = ", ".join(
            f"{quote_identifier(c)} VARCHAR" for c in ("record_id", "source", *CANONICAL_FIELDS)
        )
        self.engine.execute(f"CREATE TEMP TABLE {self.record_table} ({cols})")
        self.regions: dict[RegionTable, str] = {}
        self.sql: dict[tuple[str, str], str] = {}

    def run(
        self, values: list[str | None], regions: RegionTable, date_order: str | Mapping[str, str]
    ) -> tuple[Any, ...]:
        """Standardise one record (``record_id``, ``source``, canonical fields); its output row."""
        if regions not in self.regions:
            name = f"_povlink_regions_{len(self.regions)}"
            _create_regions_table(self.engine, regions, name)
            self.regions[regions] = name
        key = (self.regions[regions], check_date_order(date_order))
        if key not in self.sql:
            self.sql[key] = standardise_sql(
                self.record_table,
                {"record_id", "source", *CANONICAL_FIELDS},
                quote_identifier(self.regions[regions]),
                date_order=date_order,
            )
        placeholders = ", ".join("?" for _ in values)
        with self.engine.transaction():
            self.engine.execute(f"DELETE FROM {self.record_table}")
            self.engine.execute(f"INSERT INTO {self.record_table} VALUES ({placeholders})", values)
            rows = self.engine.rows(self.sql[key])
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
    The record runs through the statement :func:`standardise_table` runs; the table-level flags
    (``nik_shared``) compare records, so one record never raises them.

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
    # Columns: record_id, source, the standardised fields, then the raw fields.
    return dict(zip(STANDARDISED_FIELDS, row[2 : 2 + len(STANDARDISED_FIELDS)], strict=True))
