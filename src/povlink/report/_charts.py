"""Charts as inline SVG text, drawn from the report's figures (no script and no network needed).

Every chart is a ``<figure>`` holding one ``<svg>`` with a ``<title>`` for screen readers and a
``<title>`` on each mark, so hovering shows the exact figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

#: Colours that stay distinct for the common forms of colour blindness (Okabe–Ito based).
BLUE = "#0072b2"
ORANGE = "#e69f00"
VERMILION = "#d55e00"
GREY = "#9aa5b1"
SKY = "#56b4e9"

_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _figure(svg: str, caption: str) -> str:
    return f'<figure class="chart">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


def bar_chart(
    items: Sequence[tuple[str, int]],
    *,
    title: str,
    caption: str,
    colour: str = BLUE,
    width: int = 760,
    label_width: int = 240,
) -> str:
    """Horizontal bars, one per (label, value), values printed at the bar ends."""
    bar, gap, top = 22, 8, 6
    height = top * 2 + len(items) * (bar + gap)
    plot = width - label_width - 80
    largest = max((v for _, v in items), default=0) or 1
    marks = []
    for i, (label, value) in enumerate(items):
        y = top + i * (bar + gap)
        w = max(value / largest * plot, 1 if value else 0)
        marks.append(
            f"<g><title>{escape(label)}: {_n(value)}</title>"
            f'<text x="{label_width - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end" '
            f'font-size="13">{escape(_truncate(label, (label_width - 12) // 8))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}" '
            f'rx="2"/><text x="{label_width + w + 6:.1f}" y="{y + bar * 0.7:.1f}" '
            f'font-size="13">{_n(value)}</text></g>'
        )
    svg = (
        f'<svg role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" {_FONT}><title>{escape(title)}</title>'
        + "".join(marks)
        + "</svg>"
    )
    return _figure(svg, caption)


def stacked_bar_chart(
    rows: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[tuple[str, str]],
    *,
    title: str,
    caption: str,
    width: int = 760,
    label_width: int = 170,
) -> str:
    """Horizontal stacked bars: one row per (label, values), one segment per (series, colour)."""
    bar, gap, top, legend = 20, 7, 6, 30
    height = legend + top * 2 + len(rows) * (bar + gap)
    plot = width - label_width - 70
    largest = max((sum(v) for _, v in rows), default=0) or 1
    keys = []
    x = 0
    for name, colour in series:
        keys.append(
            f'<rect x="{x}" y="4" width="14" height="14" fill="{colour}"/>'
            f'<text x="{x + 20}" y="16" font-size="13">{escape(name)}</text>'
        )
        x += 30 + int(len(name) * 7.2)
    marks = []
    for i, (label, values) in enumerate(rows):
        y = legend + top + i * (bar + gap)
        marks.append(
            f'<text x="{label_width - 8}" y="{y + bar * 0.72:.1f}" text-anchor="end" '
            f'font-size="13">{escape(_truncate(label, (label_width - 12) // 7))}</text>'
        )
        left = float(label_width)
        for value, (name, colour) in zip(values, series, strict=True):
            w = value / largest * plot
            if value:
                marks.append(
                    f'<rect x="{left:.1f}" y="{y}" width="{w:.1f}" height="{bar}" '
                    f'fill="{colour}"><title>{escape(label)} – {escape(name)}: {_n(value)}'
                    "</title></rect>"
                )
            left += w
        marks.append(
            f'<text x="{left + 6:.1f}" y="{y + bar * 0.72:.1f}" font-size="13">'
            f"{_n(sum(values))}</text>"
        )
    svg = (
        f'<svg role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" {_FONT}><title>{escape(title)}</title>'
        + "".join(keys)
        + "".join(marks)
        + "</svg>"
    )
    return _figure(svg, caption)


def heatmap(
    labels: Sequence[str],
    matrix: Sequence[Sequence[int]],
    *,
    title: str,
    caption: str,
) -> str:
    """A square matrix of counts; a cell's shade is its count as a share of its row's diagonal."""
    cell = 64 if len(labels) <= 10 else 44
    left = 14 + 7 * max((len(_truncate(lb, 26)) for lb in labels), default=4)
    # Column labels run up and to the right at 45°: room above and beyond the last column.
    top = int(left * 0.75)
    size = len(labels) * cell
    width, height = left + size + top, top + size + 10
    marks = []
    for j, label in enumerate(labels):
        cx = left + j * cell + cell / 2
        marks.append(
            f'<text transform="translate({cx:.1f},{top - 8}) rotate(-45)" font-size="13">'
            f"{escape(_truncate(label, 26))}</text>"
        )
    for i, row_label in enumerate(labels):
        y = top + i * cell
        marks.append(
            f'<text x="{left - 8}" y="{y + cell / 2 + 5:.1f}" text-anchor="end" '
            f'font-size="13">{escape(_truncate(row_label, 26))}</text>'
        )
        own = matrix[i][i] or 1
        for j, col_label in enumerate(labels):
            value = matrix[i][j]
            share = value / own
            # Lightness from 97% (none shared) to 30% (all shared): darker means more overlap.
            light = 97 - 67 * share
            fill = f"hsl(205, 70%, {light:.0f}%)"
            ink = "#ffffff" if light < 60 else "#1f2933"
            marks.append(
                f"<g><title>{escape(row_label)} and {escape(col_label)}: {_n(value)} households "
                f"({share:.0%} of {escape(row_label)})</title>"
                f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{fill}" stroke="{"#1f2933" if i == j else "none"}"/>'
                f'<text x="{left + j * cell + (cell - 2) / 2:.1f}" y="{y + cell / 2 + 4:.1f}" '
                f'text-anchor="middle" font-size="12" fill="{ink}">{_n(value)}</text></g>'
            )
    svg = (
        f'<svg role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" {_FONT}><title>{escape(title)}</title>'
        + "".join(marks)
        + "</svg>"
    )
    return _figure(svg, caption)
