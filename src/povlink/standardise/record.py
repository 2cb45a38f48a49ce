"""One record through the table's rules: :func:`standardise_record`.

The record runs through the same SQL expressions as :func:`~povlink.standardise.standardise_table`,
composed for one row by :func:`~povlink.standardise.pipeline.record_parts`: a prepared statement
per group of fields (the groups the table path standardises once per distinct value), one for the
region resolution and one for the output. A thread keeps its own in-memory engine with the
statements prepared once, so that a call pays for executions, not for planning; and each part
remembers its latest results by input value, as the table path computes each distinct value once:
a group whose values were seen before (the same sex code, kelurahan, or a missing field) is not
executed again.

DuckDB 2.0 plans a prepared statement anew at each execution when it reads a table or the clock,
or names a parameter twice, so no statement does: the record's values and today's date are
parameters, the keyed region table is written into the region statement as a VALUES list, and
``EXECUTE`` receives the values as typed literals (it takes no bound parameters).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Final

from povlink.engine import Engine, quote_identifier, quote_literal
from povlink.exceptions import ConfigError
from povlink.schema import CANONICAL_FIELDS, STANDARDISED_FIELDS
from povlink.standardise.address import region_keys_sql
from povlink.standardise.pipeline import (
    RecordPart,
    check_date_order,
    record_inputs,
    record_output_part,
    record_parts,
)
from povlink.standardise.regions import RegionTable, load_regions

__all__ = ["standardise_record"]

#: Results each part remembers (least recently used forgotten first).
_REMEMBERED: Final[int] = 4096


def _literal(value: object, sql_type: str) -> str:
    """``value`` as a constant of ``sql_type`` for ``EXECUTE`` (a NUL character as ``chr(0)``)."""
    if value is None:
        text = "NULL"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, dt.date):
        text = f"DATE '{value.isoformat()}'"
    elif isinstance(value, list):
        text = "[" + ", ".join(_literal(v, "VARCHAR") for v in value) + "]"
    else:
        text = " || chr(0) || ".join(quote_literal(part) for part in str(value).split("\0"))
    return f"CAST({text} AS {sql_type})"


class _Statement:
    """A part prepared in an engine, with its latest results by parameter values."""

    def __init__(self, engine: Engine, name: str, part: RecordPart) -> None:
        self.engine, self.name, self.part = engine, name, part
        params = ", ".join(
            f"CAST(${i} AS {kind}) AS {column}"
            for i, (column, kind) in enumerate(part.params, start=1)
        )
        engine.execute(f"PREPARE {name} AS {part.select(f'(SELECT {params})')}")
        nulls = ", ".join(f"CAST(NULL AS {kind}) AS {column}" for column, kind in part.params)
        described = engine.rows(f"DESCRIBE {part.select(f'(SELECT {nulls})')}")
        self.columns: list[tuple[str, str]] = [(name, kind) for name, kind, *_ in described]
        self.results: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()

    def run(self, values: Sequence[object], *, remember: bool = True) -> tuple[Any, ...]:
        """The part's output row for ``values`` (one per parameter)."""
        key = tuple(values)
        if remember and key in self.results:
            self.results.move_to_end(key)
            return self.results[key]
        args = ", ".join(
            _literal(v, kind) for v, (_, kind) in zip(values, self.part.params, strict=True)
        )
        row = tuple(self.engine.rows(f"EXECUTE {self.name}({args})")[0])
        if remember:
            self.results[key] = row
            if len(self.results) > _REMEMBERED:
                self.results.popitem(last=False)
        return row


class _RecordEngine:
    """A per-thread in-memory engine holding the prepared parts per region table."""

    def __init__(self) -> None:
        self.engine = Engine(threads=1)
        self.prepared: dict[RegionTable, tuple[list[_Statement], _Statement]] = {}

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

    def _statements(self, regions: RegionTable) -> tuple[list[_Statement], _Statement]:
        if regions not in self.prepared:
            n = len(self.prepared)
            parts = [
                _Statement(self.engine, f"_povlink_record_{n}_{p.name}", p)
                for p in record_parts(self._keyed_regions(regions))
            ]
            inputs = [c for s in parts for c in s.columns if c[0] in record_inputs(s.part)]
            output = record_output_part(inputs)
            self.prepared[regions] = (
                parts,
                _Statement(self.engine, f"_povlink_record_{n}_output", output),
            )
        return self.prepared[regions]

    def run(
        self, record: Mapping[str, str | None], regions: RegionTable, order_sql: str
    ) -> tuple[Any, ...]:
        """Standardise one record (``record_id``, ``source``, ``<field>_raw``): its output row."""
        parts, output = self._statements(regions)
        today, order = self.engine.rows(
            f"SELECT current_date, {order_sql} FROM (SELECT CAST(? AS VARCHAR) AS source)",
            [record["source"]],
        )[0]
        known: dict[str, Any] = {**record, "_today": today, "_date_order": order}
        for statement in parts:
            values = [known[column] for column, _ in statement.part.params]
            row = statement.run(values)
            known.update(zip((c for c, _ in statement.columns), row, strict=True))
        values = [known[column] for column, _ in output.part.params]
        return output.run(values, remember=False)


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
    The record runs through the rules :func:`~povlink.standardise.standardise_table` runs; the
    table-level flags (``nik_shared``) compare records, so one record never raises them. The
    first call of a thread (and of each region table) prepares the statements, a few hundred
    milliseconds; later calls only execute them. Threads may call it at once: each has its own
    engine.

    >>> standardise_record({"full_name": "DJOKO TJAHJONO", "rt": "RT.3/RW.5"})["rw"]
    5
    """
    unknown = sorted(set(record) - set(CANONICAL_FIELDS) - {"source", "record_id"})
    if unknown:
        raise ConfigError(
            f"record has unknown fields {', '.join(unknown)}; the canonical fields are "
            f"{', '.join(CANONICAL_FIELDS)}"
        )
    raw = {
        "record_id": "record:1",
        "source": _as_text(record.get("source", "record")),
        **{f"{f}_raw": _as_text(record.get(f)) for f in CANONICAL_FIELDS},
    }
    table = regions if regions is not None else load_regions()
    row = _record_engine().run(raw, table, check_date_order(date_order))
    # Columns: record_id, source, then the standardised fields.
    return dict(zip(STANDARDISED_FIELDS, row[2:], strict=True))
