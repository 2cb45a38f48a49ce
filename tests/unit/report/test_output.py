"""The report as JSON and as one self-contained HTML page, both read from the same DataFrames."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from povlink.engine import Engine
from povlink.report import IntegrationReport, build_report
from povlink.report._tables import fmt_int, fmt_pct, fmt_ratio
from tests.unit.report.small_city import load_small_city

# An attribute or CSS url() that points outside the file: http(s):, protocol-relative //, ftp:.
EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:[a-z]+:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:[a-z]+:)?//)|(?:@import)""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def report() -> IntegrationReport:
    with Engine() as engine:
        load_small_city(engine)
        return build_report(engine)


@pytest.fixture(scope="module")
def page(report: IntegrationReport, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = report.to_html(tmp_path_factory.mktemp("report") / "report.html")
    return path.read_text(encoding="utf-8")


# -- JSON -----------------------------------------------------------------------------------
def test_json_headline_keys_are_integers(report: IntegrationReport) -> None:
    """persons and households are plain ints, as the command line contract asks."""
    data = report.to_json()
    assert (data["persons"], data["households"]) == (8, 6)
    assert type(data["persons"]) is int
    assert type(data["households"]) is int
    assert (data["list_households"], data["overcount"]) == (11, 5)


def test_json_sources_map_names_to_their_figures(report: IntegrationReport) -> None:
    """Every list is a key with its records, persons and households (and the rest)."""
    sources = report.to_json()["sources"]
    assert sorted(sources) == ["dtks", "kip", "kis", "latih", "pkh"]
    assert {k: sources["dtks"][k] for k in ("records", "persons", "households")} == {
        "records": 5,
        "persons": 4,
        "households": 3,
    }
    assert sources["pkh"]["programs"] == ["BPNT", "PKH"]
    assert sources["dtks"]["programs"] == []
    assert sources["kip"]["quality"][0] == {
        "rank": 1,
        "field": "nik",
        "records": 1,
        "rate": 0.5,
        "flags": ["nik_missing"],
    }


def test_json_is_serialisable_and_complete(report: IntegrationReport) -> None:
    """json.dumps accepts it as is; the other figures are there too."""
    data = json.loads(json.dumps(report.to_json(), allow_nan=False))
    for key in (
        "overlap",
        "programs",
        "program_combinations",
        "kecamatan",
        "kelurahan",
        "quality_by_flag",
        "reference_source",
        "notes",
        "generated_at",
    ):
        assert key in data
    assert data["overlap"]["kis"]["pkh"] == 3
    assert data["program_combinations"][0]["programs"] == ["BPNT", "KIS", "PKH"]
    assert data["program_combinations"][-1]["programs"] == []
    assert data["reference_source"] == "dtks"
    assert data["reference_households_without_program"] == 1
    assert data["kecamatan"][-1]["kecamatan_code"] is None


def test_json_ratio_without_households_is_null(engine: Engine) -> None:
    """A ratio over zero households is null, not NaN (which JSON cannot carry)."""
    load_small_city(engine)
    for table in ("standardised", "persons", "households"):
        engine.execute(f"DELETE FROM {table}")
    data = build_report(engine).to_json()
    assert data["overcount_ratio"] is None
    json.dumps(data, allow_nan=False)


# -- HTML -----------------------------------------------------------------------------------
def test_number_formats() -> None:
    """Thousands are separated, shares are percentages, a missing value is a dash."""
    assert fmt_int(1234567) == "1,234,567"
    assert fmt_pct(0.1234) == "12.3%"
    assert fmt_ratio(2.277) == "2.3 times"
    assert fmt_int(float("nan")) == "–"


def test_html_is_one_self_contained_page(page: str) -> None:
    """Style and script are inline; nothing points outside the file."""
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert "<script>" in page
    assert "<link" not in page
    assert "<script src" not in page
    assert "http" not in page
    assert EXTERNAL.search(page) is None


def test_external_reference_pattern_catches_what_it_should() -> None:
    """The check above would notice a CDN script, a protocol-relative image or a CSS import."""
    for bad in (
        '<script src="https://cdn.example/x.js">',
        "<img src=//example.org/a.png>",
        "<a href='http://example.org'>",
        "body { background: url(//example.org/a.png) }",
        "@import 'x.css';",
    ):
        assert EXTERNAL.search(bad), bad
    assert EXTERNAL.search('<a href="#lists">') is None


def test_html_headline_comes_first_and_states_the_overcount(page: str) -> None:
    """The over-count of the program lists comes first; the register dtks is left out of it."""
    first_section = page.index("<section")
    assert page.index('id="headline"') < page.index('id="lists"')
    assert page[first_section:].startswith('<section id="headline"')
    assert "the 4 program lists count <b>8</b> households" in page
    assert "they are <b>5</b> distinct households" in page
    assert "<b>3</b> entries count a household" in page
    assert "<b>1.6 times</b>" in page
    assert (
        "Lists without a program (dtks) are left out of this sum; with them, the lists name 6 "
        "distinct households."
    ) in page


def test_html_headline_adds_up_every_list_when_all_have_a_program(
    engine: Engine, tmp_path: Path
) -> None:
    """With no list lacking a program, the headline is the sum over all lists."""
    load_small_city(engine)
    engine.execute("UPDATE sources SET program = 'DTKS / PKH' WHERE source = 'dtks'")
    page = build_report(engine).to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "the 5 lists count <b>11</b> households" in page
    assert "they are <b>6</b> distinct households" in page
    assert "left out of this sum" not in page


def test_html_shows_every_part_of_the_report(page: str) -> None:
    """Lists, overlap chart and table, programs, DTKS, regions and quality are all present."""
    for anchor in ("lists", "overlap", "programs", "dtks", "regions", "quality", "definitions"):
        assert f'id="{anchor}"' in page
    assert page.count("<svg") == 6  # headline, lists, overlap, programs, kecamatan, kelurahan
    assert "BPNT + KIS + PKH" in page
    assert "Semarang Tengah" in page
    assert "Miroto" in page
    assert "nik_birth_date_mismatch (1)" in page
    assert "households in city programs but not in DTKS" in page


def test_html_values_come_from_the_dataframes(report: IntegrationReport, tmp_path: Path) -> None:
    """Changing a figure in the DataFrame changes it on the page: nothing is computed twice."""
    summary = report.summary.copy()
    summary.loc[0, "program_households"] = 123456
    summary.loc[0, "households"] = 654321
    sources = report.sources.copy()
    sources.loc[sources["source"] == "kis", "nik_invalid"] = 98765
    altered = dataclasses.replace(report, summary=summary, sources=sources)
    page = altered.to_html(tmp_path / "altered.html").read_text(encoding="utf-8")
    assert "<b>123,456</b> distinct households" in page
    assert "the lists name 654,321 distinct households" in page
    assert '<td class="num" data-value="98765.0">98,765</td>' in page


def test_html_escapes_names_from_the_data(engine: Engine, tmp_path: Path) -> None:
    """An agency name with markup is shown as text, not run as markup."""
    load_small_city(engine)
    engine.execute("UPDATE sources SET agency = '<b>Dinas</b> & co' WHERE source = 'kis'")
    page = build_report(engine).to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;Dinas&lt;/b&gt; &amp; co" in page
    assert "<b>Dinas</b>" not in page


def test_html_without_reference_explains_the_omission(engine: Engine, tmp_path: Path) -> None:
    """With no DTKS list the page says the comparison is omitted and shows the note."""
    load_small_city(engine, rename={"dtks": "basis"})
    engine.execute("UPDATE sources SET program = NULL WHERE source = 'basis'")
    page = build_report(engine).to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "this comparison is omitted" in page
    assert "No list is marked as the national register (DTKS)" in page
    assert "City program, not in DTKS" not in page


def test_empty_report_renders(engine: Engine, tmp_path: Path) -> None:
    """A registry with no records still gives a page, with zeros and dashes."""
    load_small_city(engine, sources=[])
    for table in ("standardised", "persons", "households"):
        engine.execute(f"DELETE FROM {table}")
    page = build_report(engine).to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "The 0 lists name no households yet." in page
    assert "<b>–</b>" not in page
