"""Standardise a whole table in the engine: :func:`standardise_table`.

It runs the statements of :mod:`povlink.standardise.pipeline` over a table (a helper table per
group of fields, then the records joined back to them), then the table-level pass of
:mod:`povlink.standardise.shared`. :mod:`povlink.standardise.record` runs the same rules for one
record, so that there is one implementation of every rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from povlink.engine import Engine, quote_identifier
from povlink.exceptions import SourceError
from povlink.standardise.pipeline import check_date_order, table_steps
from povlink.standardise.regions import RegionTable, load_regions

__all__ = ["run_table_steps", "source_columns", "standardise_table"]


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
    shared_flags: bool = False,
) -> None:
    """Write the per-record standardisation of ``relation`` to ``target_table`` (a temporary
    table if ``temporary``), through helper tables that are dropped afterwards. The table-level
    flag ``nik_shared`` is set over the whole of ``relation`` if ``shared_flags``, else left out.
    Call inside a transaction."""
    prefix = f"_povlink_std_{uuid.uuid4().hex[:12]}_"
    regions_table = f"{prefix}regions"
    steps = table_steps(
        relation,
        columns,
        quote_identifier(regions_table),
        target=target_table,
        prefix=prefix,
        date_order=date_order,
        shared_flags=shared_flags,
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
    temporary: bool = False,
) -> None:
    """Standardise every record of ``source_table`` into ``target_table``, inside the engine.

    ``source_table`` has ``record_id``, ``source`` and any subset of
    :data:`~povlink.schema.CANONICAL_FIELDS` (a missing column means NULL). ``target_table`` gets
    ``record_id``, ``source``, every :class:`~povlink.schema.StandardisedRecord` field with its SQL
    type, then ``nik_kept_out`` (the digits of a NIK kept out of ``nik``, for the ``nik_shared``
    groups) and ``raw_hash`` (the hash of the record's source and raw values, which
    :func:`~povlink.standardise.standardise_changed` compares); one row per record, in no set
    order. The raw values are not copied: they stay in ``source_table``.
    ``date_order`` is ``"dmy"``, ``"mdy"`` or ``"ymd"``, or a mapping of source name to order
    (other sources: ``"dmy"``). ``regions`` defaults to the packaged Kota Semarang table.
    ``temporary`` makes ``target_table`` a temporary table.

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
            temporary=temporary,
            shared_flags=True,  # in the last statement: an UPDATE would rewrite a stored table
        )
