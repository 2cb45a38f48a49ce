"""HTML building blocks of the report page: number formats, tables, figure cards.

Numbers are formatted for reading (``12,345``, ``12.3%``); a missing value shows as a dash. Table
cells keep the exact value in ``data-value`` so that the page's script sorts numbers as numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from importlib import resources
from typing import Any

import pandas as pd

Row = dict[str, Any]


def is_missing(value: Any) -> bool:
    """None, pandas' NA or a float NaN (how SQL NULL reaches a DataFrame)."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def fmt_int(value: Any) -> str:
    """12345 → "12,345"; a missing value → "–"."""
    return "–" if is_missing(value) else f"{int(value):,}"


def fmt_pct(value: Any) -> str:
    """0.1234 → "12.3%"; a missing value → "–"."""
    return "–" if is_missing(value) else f"{float(value):.1%}"


def fmt_ratio(value: Any) -> str:
    """2.277 → "2.3 times"; a missing value → "–"."""
    return "–" if is_missing(value) else f"{float(value):.1f} times"


def fmt_text(value: Any) -> str:
    return "" if is_missing(value) else str(value)


@dataclass(frozen=True)
class Column:
    """One table column: the DataFrame key, its heading, and how its values are shown."""

    key: str
    heading: str
    kind: str = "int"  # "int", "pct", "text", "rate" (a percentage with a bar) or "name"
    detail: str | None = None  # for "name": the key of a second, smaller line


def _name_cell(column: Column, row: Row) -> str:
    name = escape(fmt_text(row.get(column.key)))
    detail = fmt_text(row.get(column.detail)) if column.detail else ""
    small = f'<br><span class="detail">{escape(detail)}</span>' if detail else ""
    return f'<td class="name"><b>{name}</b>{small}</td>'


def _cell(column: Column, value: Any, *, blank_missing: bool = False) -> str:
    if blank_missing and is_missing(value):
        return "<td></td>"
    if column.kind == "text":
        return f"<td>{escape(fmt_text(value))}</td>"
    data = "" if is_missing(value) else f' data-value="{float(value)!r}"'
    if column.kind == "int":
        return f'<td class="num"{data}>{fmt_int(value)}</td>'
    text = fmt_pct(value)
    if column.kind == "rate" and not is_missing(value):
        fill = f'<span style="width:{min(max(float(value), 0.0), 1.0) * 100:.1f}%"></span>'
        bar = f'<span class="ratebar">{fill}</span>'
        return f'<td class="num"{data}>{bar}{text}</td>'
    return f'<td class="num"{data}>{text}</td>'


def render_table(
    columns: Sequence[Column],
    rows: Sequence[Row],
    *,
    total: Row | None = None,
    table_id: str | None = None,
    caption: str | None = None,
) -> str:
    """An HTML table (sortable by clicking a heading) with an optional bold total row at the end."""
    ident = f' id="{escape(table_id)}"' if table_id else ""
    head = "".join(
        f'<th class="num">{escape(c.heading)}</th>'
        if c.kind not in ("text", "name")
        else f"<th>{escape(c.heading)}</th>"
        for c in columns
    )

    def line(row: Row, *, is_total: bool = False) -> str:
        return "".join(
            _name_cell(c, row)
            if c.kind == "name"
            else _cell(c, row.get(c.key), blank_missing=is_total)
            for c in columns
        )

    body = "".join(f"<tr>{line(row)}</tr>" for row in rows)
    foot = (
        f'<tfoot><tr class="total">{line(total, is_total=True)}</tr></tfoot>'
        if total is not None
        else ""
    )
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="scroll"><table class="sortable"{ident}>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody>{foot}</table></div>"
    )


def rows_of(frame: pd.DataFrame) -> list[Row]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def card(value: str, label: str, *, warn: bool = False) -> str:
    kind = "card warn" if warn else "card"
    return (
        f'<div class="{kind}"><div class="value">{escape(value)}</div>'
        f'<div class="label">{escape(label)}</div></div>'
    )


def asset(name: str) -> str:
    return resources.files("povlink.report").joinpath(name).read_text(encoding="utf-8")
