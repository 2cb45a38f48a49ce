"""Helpers for the standardisation tests: run many cases through one bulk standardisation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from povlink.engine import Engine
from povlink.schema import CANONICAL_FIELDS
from povlink.standardise import standardise_table


def standardise_cases(
    cases: Mapping[str, Mapping[str, str | None]],
    *,
    date_order: str | Mapping[str, str] = "dmy",
    source: str = "test",
) -> dict[str, dict[str, Any]]:
    """Standardise every case (case id -> raw fields) in one table; case id -> output row.

    Running all the cases of a module through one ``standardise_table`` call keeps the tests fast
    and exercises the bulk path that the pipeline uses.
    """
    rows = [
        {"record_id": case_id, "source": record.get("source", source)}
        | {f: record.get(f) for f in CANONICAL_FIELDS}
        for case_id, record in cases.items()
    ]
    frame = pd.DataFrame(rows, columns=["record_id", "source", *CANONICAL_FIELDS], dtype=object)
    with Engine() as engine:
        engine.register("cases_frame", frame)
        casts = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in frame.columns)
        engine.create_table("cases", f"SELECT {casts} FROM cases_frame")
        standardise_table(engine, "cases", "out", date_order=date_order)
        columns = engine.columns("out")
        rows = engine.rows("SELECT * FROM out")
    return {str(row[0]): dict(zip(columns, row, strict=True)) for row in rows}
