"""Hand-built engine tables for tests: raw records to standardise, and ``standardised``."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from povlink.engine import Engine, quote_identifier
from povlink.schema import CANONICAL_FIELDS, StandardisedRecord, sql_columns


def load_raw_records(
    engine: Engine, name: str, records: Mapping[str, Mapping[str, str | None]]
) -> None:
    """Table ``name`` of raw records (record id -> fields, ``source`` among them), every
    canonical field a text column: the input of the standardisation."""
    frame = pd.DataFrame(
        [
            {"record_id": rid, "source": r.get("source")} | {f: r.get(f) for f in CANONICAL_FIELDS}
            for rid, r in records.items()
        ],
        columns=["record_id", "source", *CANONICAL_FIELDS],
        dtype=object,
    )
    engine.register(f"{name}_frame", frame)
    casts = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in frame.columns)
    try:
        engine.create_table(name, f"SELECT {casts} FROM {name}_frame")
    finally:
        engine.unregister(f"{name}_frame")


def load_standardised(engine: Engine, frame: pd.DataFrame) -> None:
    """Write ``standardised`` and ``person_clusters`` from ``frame``.

    ``frame`` has ``record_id``, ``source``, ``person`` (its person cluster) and any standardised
    fields; the others are typed NULLs (list columns are left out).
    """
    engine.register("input_records", frame.astype(object).where(frame.notna(), None))
    columns = {"record_id": "VARCHAR", "source": "VARCHAR", **sql_columns(StandardisedRecord)}
    select = ", ".join(
        f"CAST({quote_identifier(name) if name in frame.columns else 'NULL'} AS {sql_type}) "
        f"AS {quote_identifier(name)}"
        for name, sql_type in columns.items()
        if not sql_type.endswith("[]")
    )
    try:
        engine.create_table("standardised", f"SELECT {select} FROM input_records")
        engine.create_table(
            "person_clusters",
            "SELECT record_id, person AS cluster_id, 1.0 AS cluster_confidence FROM input_records",
        )
    finally:
        engine.unregister("input_records")
