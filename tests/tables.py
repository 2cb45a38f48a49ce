"""Hand-built engine tables for tests of the stages that read ``standardised``."""

from __future__ import annotations

import pandas as pd

from povlink.engine import Engine, quote_identifier
from povlink.schema import StandardisedRecord, sql_columns


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
