"""The report page in a real browser: headless Chromium, opened from disk with the network cut off.

Chromium is driven over its DevTools pipe (``--remote-debugging-pipe``, standard library only, see
``cdp.py``), which reports uncaught exceptions, console errors and every request the page makes.
Skipped when Chromium is not installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from povlink.engine import Engine
from povlink.report import build_report
from tests.browser.cdp import Chromium, colour_summary, decode_png, find_chromium
from tests.browser.example_city import load_example_city

CHROMIUM = find_chromium()
if CHROMIUM is None and os.environ.get("POVLINK_REQUIRE_CHROMIUM"):
    # CI installs Chromium and sets this, so a broken install fails instead of skipping.
    raise RuntimeError("POVLINK_REQUIRE_CHROMIUM is set but no Chromium executable was found")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); the page is untested "
    "in a browser",
)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a synthetic city with seven lists, written to disk."""
    with Engine() as engine:
        load_example_city(engine, households=600, seed=3)
        report = build_report(engine)
    return report.to_html(tmp_path_factory.mktemp("page") / "report.html")


@pytest.fixture(scope="module")
def browser(page: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    """Chromium with the page open, offline."""
    assert CHROMIUM is not None
    with Chromium(CHROMIUM, tmp_path_factory.mktemp("profile")) as chromium:
        chromium.open_offline(page)
        yield chromium


@pytest.mark.browser
@needs_chromium
def test_page_runs_without_console_errors(browser: Chromium) -> None:
    """No uncaught exception, console error or error log entry; the page's script ran to its end."""
    assert browser.evaluate("document.documentElement.getAttribute('data-report-ready')") == "yes"
    assert browser.console_errors() == []


@pytest.mark.browser
@needs_chromium
def test_page_asks_for_nothing_but_itself(browser: Chromium, page: Path) -> None:
    """The only request is the file itself: no script, style, font or image from elsewhere."""
    assert browser.requested_urls() == [page.resolve().as_uri()]
    assert browser.evaluate("document.querySelectorAll('img, link, iframe, object').length") == 0


@pytest.mark.browser
@needs_chromium
def test_screenshot_is_not_blank(browser: Chromium, tmp_path: Path) -> None:
    """The first 1280×2000 pixels hold text and charts: many colours, much that is not white."""
    png = browser.screenshot()
    (tmp_path / "report.png").write_bytes(png)
    width, height, _ = decode_png(png)
    assert (width, height) == (1280, 2000)
    colours, covered = colour_summary(png)
    assert colours >= 50, f"only {colours} colours: the page looks blank ({tmp_path})"
    assert covered >= 0.05, f"only {covered:.1%} of the page is not background ({tmp_path})"


@pytest.mark.browser
@needs_chromium
def test_every_chart_renders(browser: Chromium) -> None:
    """Each SVG chart has a size on the page and its pixels show marks in several colours."""
    boxes = browser.evaluate(
        "Array.from(document.querySelectorAll('figure.chart svg')).map(function (s) {"
        "  var r = s.getBoundingClientRect();"
        "  return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height,"
        "          s.querySelectorAll('rect').length]; })"
    )
    assert len(boxes) == 6
    for x, y, width, height, marks in boxes:
        assert width > 100
        assert height > 40
        assert marks >= 2
        shot = browser.screenshot({"x": x, "y": y, "width": width, "height": height})
        colours, covered = colour_summary(shot, step=2)
        assert colours >= 5, f"chart at y={y} shows only {colours} colours"
        assert covered >= 0.02, f"chart at y={y} is nearly empty"


@pytest.mark.browser
@needs_chromium
def test_clicking_a_heading_sorts_the_table(browser: Chromium) -> None:
    """The inline script sorts the lists table by records, largest first, on a click."""
    script = (
        "(function () { var t = document.getElementById('lists-table');"
        " t.tHead.rows[0].cells[1].click();"
        " return Array.from(t.tBodies[0].rows).map(function (r) {"
        "   return Number(r.cells[1].getAttribute('data-value')); }); })()"
    )
    records = browser.evaluate(script)
    assert records == sorted(records, reverse=True)
    assert browser.console_errors() == []


def _png(width: int, height: int, pixels: list[list[tuple[int, int, int]]]) -> bytes:
    """A PNG written with every filter type in turn, to check the reader against known pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    raw = b""
    previous = bytes(width * 3)
    for y, row in enumerate(pixels):
        line = bytes(v for pixel in row for v in pixel)
        kind = y % 5
        out = bytearray()
        for i, value in enumerate(line):
            left = line[i - 3] if i >= 3 else 0
            up = previous[i]
            corner = previous[i - 3] if i >= 3 else 0
            predictor = [
                0,
                left,
                up,
                (left + up) // 2,
                _paeth(left, up, corner),
            ][kind]
            out.append((value - predictor) & 0xFF)
        raw += bytes([kind]) + bytes(out)
        previous = line
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _paeth(left: int, up: int, corner: int) -> int:
    p = left + up - corner
    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
    return left if pa <= pb and pa <= pc else (up if pb <= pc else corner)


def test_png_reader_decodes_every_filter_type() -> None:
    """The screenshot reader gives back the exact pixels of a PNG using all five filters."""
    pixels = [
        [((x * 37 + y) % 256, (y * 53) % 256, (x * y) % 256) for x in range(7)] for y in range(10)
    ]
    width, height, rows = decode_png(_png(7, 10, pixels))
    assert (width, height) == (7, 10)
    assert rows == [bytes(v for pixel in row for v in pixel) for row in pixels]
    assert colour_summary(_png(7, 10, pixels), step=1)[0] == 70
