"""The integration report as one self-contained HTML page for a city official.

Everything the page needs is inside it: the style sheet and the small sorting script are read from
this package and inlined, charts are inline SVG, and no address outside the file is referenced, so
the page opens on an offline office laptop. Every number shown is read from the report's DataFrames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

import pandas as pd

from povlink.report import _charts
from povlink.report._tables import (
    Column,
    Row,
    asset,
    card,
    fmt_int,
    fmt_ratio,
    fmt_text,
    is_missing,
    render_table,
    rows_of,
)

if TYPE_CHECKING:
    from povlink.report._model import IntegrationReport


# -- sections ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Basis:
    """Which lists the over-count adds up: the program lists, or every list when none has one.

    Lists without a program (DTKS as a register, a population list such as Regsosek) give no
    family anything, so adding them to the agencies' targets would say nothing; when some lists
    have a program the headline and the region tables add up those lists only.
    """

    programs_only: bool
    lists: int
    summed_key: str
    distinct_key: str
    over_key: str
    ratio_key: str
    left_out: tuple[str, ...]


def _basis(report: IntegrationReport) -> _Basis:
    s = rows_of(report.summary)[0]
    with_program = {
        name.strip()
        for lists in report.programs["lists"].dropna()
        for name in str(lists).split(",")
    }
    left_out = tuple(str(n) for n in report.sources["source"] if str(n) not in with_program)
    if s["program_lists"] and left_out:
        return _Basis(
            True,
            int(s["program_lists"]),
            "program_list_households",
            "program_households",
            "program_overcount",
            "program_overcount_ratio",
            left_out,
        )
    return _Basis(
        False, int(s["lists"]), "list_households", "households", "overcount", "overcount_ratio", ()
    )


def _headline(report: IntegrationReport) -> str:
    s = rows_of(report.summary)[0]
    b = _basis(report)
    kind = "program lists" if b.programs_only else "lists"
    summed, distinct, over = s[b.summed_key], s[b.distinct_key], s[b.over_key]
    lead = (
        f"Added up, the {fmt_int(b.lists)} {kind} count <b>{fmt_int(summed)}</b> households. "
        f"Linked person by person, they are <b>{fmt_int(distinct)}</b> distinct households: "
        f"<b>{fmt_int(over)}</b> entries count a household another list already counted. The "
        f"sum is <b>{fmt_ratio(s[b.ratio_key])}</b> the number of families the {kind} really "
        "name."
    )
    if not distinct:
        lead = f"The {fmt_int(b.lists)} {kind} name no households yet."
    if b.programs_only:
        lead += (
            f" Lists without a program ({escape(', '.join(b.left_out))}) are left out of this "
            f"sum; with them, the lists name {fmt_int(s['households'])} distinct households."
        )
    cards = "".join(
        [
            card(fmt_int(s["households"]), "distinct households on all lists"),
            card(fmt_int(s["persons"]), "distinct persons on all lists"),
            card(fmt_int(summed), f"households when the {kind} are added up"),
            card(fmt_int(over), "households counted more than once", warn=True),
        ]
    )
    chart = _charts.bar_chart(
        [(f"{kind.capitalize()} added up", int(summed)), ("Distinct households", int(distinct))],
        title=f"Households: {kind} added up against distinct households",
        caption="The gap between the two bars is the over-count.",
        colour=_charts.BLUE,
    )
    return (
        '<section id="headline" class="headline"><h2>The over-count</h2>'
        f'<p class="lead">{lead}</p><div class="cards">{cards}</div>{chart}</section>'
    )


def _notes(report: IntegrationReport) -> str:
    if not report.notes:
        return ""
    items = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    return f'<section class="notes"><b>Please note</b><ul>{items}</ul></section>'


def _lists(report: IntegrationReport) -> str:
    s = rows_of(report.summary)[0]
    columns = [
        Column("source", "List", "name", detail="detail"),
        Column("records", "Records"),
        Column("persons", "Persons"),
        Column("households", "Households"),
        Column("duplicates", "Duplicates in the list"),
        Column("nik_missing", "NIK missing"),
        Column("nik_invalid", "NIK invalid"),
        Column("nik_inconsistent", "NIK inconsistent"),
        Column("singletons", "Linked to no other record"),
    ]
    total = {
        "source": "City (distinct)",
        "records": s["records"],
        "persons": s["persons"],
        "households": s["households"],
    }
    rows = rows_of(report.sources)
    for row in rows:
        row["detail"] = " · ".join(
            fmt_text(row.get(k)) for k in ("agency", "program") if fmt_text(row.get(k))
        )
    chart = _charts.bar_chart(
        [(str(r["source"]), int(r["households"])) for r in rows],
        title="Households per list",
        caption="Households each list names.",
    )
    return (
        '<section id="lists"><h2>The lists</h2><p class="explain">One row per agency list. '
        "<i>Duplicates in the list</i> are records of a person the list already holds. "
        "<i>NIK missing / invalid / inconsistent</i> count records whose identity number is "
        "absent, damaged (wrong length, Excel notation), or contradicts the record (birth date, "
        "sex) or another person. <i>Linked to no other record</i> are records of a person found "
        "in no other record of any list. The last row counts each person and household once."
        f"</p>{render_table(columns, rows, total=total, table_id='lists-table')}{chart}</section>"
    )


def _overlap(report: IntegrationReport) -> str:
    labels = [str(x) for x in report.overlap.index]
    matrix = [[int(v) for v in row] for row in report.overlap.to_numpy().tolist()]
    chart = _charts.heatmap(
        labels,
        matrix,
        title="Households named by both lists",
        caption=(
            "Each cell counts households named by both the row's and the column's list; the "
            "outlined diagonal is the list's own households. Darker: a larger share of the row's "
            "households is also in the column's list."
        ),
    )
    columns = [Column("source", "List", "text")] + [Column(lb, lb) for lb in labels]
    rows = [
        {"source": a, **{b: matrix[i][j] for j, b in enumerate(labels)}}
        for i, a in enumerate(labels)
    ]
    return (
        '<section id="overlap"><h2>Overlap of the lists</h2><p class="explain">How many '
        "households two lists have in common. Lists that share many households serve the same "
        "families; an agency can use the other's data to fill gaps in its own.</p>"
        f"{chart}{render_table(columns, rows, table_id='overlap-table')}</section>"
    )


def _programs(report: IntegrationReport) -> str:
    s = rows_of(report.summary)[0]
    combos = rows_of(report.program_combinations)
    # The largest combinations, and always the households reached by no program.
    reached = [c for c in combos if c["n_programs"] > 0]
    top = reached[:15] + [c for c in combos if c["n_programs"] == 0]
    caption = "Households by the exact set of programs that reach them"
    if len(reached) > 15:
        caption += f": the 15 largest of {len(reached)} combinations"
    chart = _charts.bar_chart(
        [(str(c["programs"]) or "No program", int(c["households"])) for c in top],
        title="Households by combination of programs",
        caption=caption + ".",
        colour=_charts.ORANGE,
        width=960,
        label_width=420,
    )
    combo_rows = [{**c, "programs": str(c["programs"]) or "No program"} for c in combos]
    combo_table = render_table(
        [
            Column("programs", "Programs", "text"),
            Column("n_programs", "Number of programs"),
            Column("households", "Households"),
            Column("share", "Share of households", "pct"),
        ],
        combo_rows,
        table_id="combinations-table",
    )
    program_table = render_table(
        [
            Column("program", "Program", "text"),
            Column("lists", "Lists giving it", "text"),
            Column("households", "Households reached"),
        ],
        rows_of(report.programs),
        table_id="programs-table",
    )
    cards = (
        card(fmt_int(s["city_program_households"]), "households reached by a city program")
        + card(fmt_int(s["no_program_households"]), "households reached by no program", warn=True)
        + card(fmt_int(s["multi_list_households"]), "households named by two lists or more")
    )
    return (
        '<section id="programs"><h2>Programs</h2><p class="explain">A household receives a '
        "program when any list naming it gives that program. Registers such as DTKS are not "
        "programs: a household <i>reached by no program</i> is known only to a register or a "
        f'list without a program.</p><div class="cards">{cards}</div>{chart}'
        + (
            f"<details><summary>All {len(combos)} combinations of programs</summary>"
            f"{combo_table}</details>"
            if len(combos) > len(top)
            else f"<h3>Households by combination of programs</h3>{combo_table}"
        )
        + f"<h3>Households per program</h3>{program_table}</section>"
    )


def _reference(report: IntegrationReport) -> str:
    s = rows_of(report.summary)[0]
    if report.reference_source is None:
        return (
            '<section id="dtks"><h2>City programs and the national register (DTKS)</h2>'
            '<p class="explain">No list is marked as the national register, so this comparison '
            "is omitted (see the note above).</p></section>"
        )
    ref = escape(report.reference_source)
    cards = (
        card(fmt_int(s["reference_households"]), f"households in the DTKS list ({ref})")
        + card(
            fmt_int(s["program_households_not_in_reference"]),
            "households in city programs but not in DTKS",
            warn=True,
        )
        + card(
            fmt_int(s["reference_households_without_program"]),
            "DTKS households reached by no city program",
            warn=True,
        )
    )
    return (
        '<section id="dtks"><h2>City programs and the national register (DTKS)</h2>'
        f'<p class="explain">The national register here is the list <b>{ref}</b>. Households '
        "that city programs reach but DTKS does not hold are candidates to propose for the "
        "register; DTKS households that no city program reaches may be families the city has "
        f'not yet served.</p><div class="cards">{cards}</div></section>'
    )


def _region_columns(report: IntegrationReport, level: str) -> list[Column]:
    columns = [Column("kecamatan_name", "Kecamatan", "text")]
    if level == "kelurahan":
        columns.append(Column("kelurahan_name", "Kelurahan", "text"))
    columns += [Column(f"{level}_code", "Code", "text"), Column("households", "Households")]
    if _basis(report).programs_only:
        columns += [
            Column("program_households", "Reached by a program"),
            Column("program_list_households", "Program lists added up"),
            Column("program_overcount", "Counted more than once"),
        ]
    else:
        columns += [
            Column("list_households", "Lists added up"),
            Column("overcount", "Counted more than once"),
        ]
    columns += [
        Column("multi_list_households", "In two lists or more"),
        Column("city_program_households", "In a city program"),
        Column("no_program_households", "No program"),
    ]
    if report.reference_source is not None:
        columns += [
            Column("reference_households", "In DTKS"),
            Column("program_households_not_in_reference", "City program, not in DTKS"),
            Column("reference_households_without_program", "DTKS, no city program"),
        ]
    return columns


def _region_rows(frame: pd.DataFrame, level: str) -> list[Row]:
    rows = rows_of(frame)
    for row in rows:
        for key in ("kecamatan_name", f"{level}_name"):
            if is_missing(row.get(key)):
                row[key] = (
                    "Region unknown"
                    if is_missing(row.get(f"{level}_code"))
                    else "(not in the region table)"
                )
    return rows


def _regions(report: IntegrationReport) -> str:
    has_ref = report.reference_source is not None
    kec = _region_rows(report.kecamatan, "kecamatan")
    series: list[tuple[str, str]]
    split: Callable[[Row], list[int]]
    if has_ref:
        series = [
            ("DTKS and a city program", _charts.BLUE),
            ("City program, not in DTKS", _charts.ORANGE),
            ("DTKS, no city program", _charts.VERMILION),
            ("Neither", _charts.GREY),
        ]

        def split(r: Row) -> list[int]:
            program, not_ref = (
                int(r["city_program_households"]),
                int(r["program_households_not_in_reference"]),
            )
            ref_only = int(r["reference_households_without_program"])
            return [program - not_ref, not_ref, ref_only, int(r["households"]) - program - ref_only]
    else:
        series = [("In a city program", _charts.BLUE), ("No city program", _charts.GREY)]

        def split(r: Row) -> list[int]:
            program = int(r["city_program_households"])
            return [program, int(r["households"]) - program]

    chart = _charts.stacked_bar_chart(
        [(str(r["kecamatan_name"]), split(r)) for r in kec],
        series,
        title="Households by kecamatan",
        caption="Distinct households by kecamatan, split by program and DTKS status. Neither: "
        "households on neither DTKS nor a city program's list."
        if has_ref
        else "Distinct households by kecamatan, split by whether a city program reaches them.",
    )
    kel_rows = _region_rows(report.kelurahan, "kelurahan")
    largest = sorted(kel_rows, key=lambda r: (-int(r["households"]), str(r["kelurahan_code"])))
    largest = [r for r in largest if int(r["households"]) > 0][:20]
    kel_chart = _charts.stacked_bar_chart(
        [
            (
                "Region unknown"
                if is_missing(r["kelurahan_code"])
                else f"{r['kelurahan_name']} ({r['kecamatan_name']})",
                split(r),
            )
            for r in largest
        ],
        series,
        title="The kelurahan with the most households",
        caption=f"The {len(largest)} kelurahan with the most distinct households, split as above.",
        label_width=300,
    )
    total = {**rows_of(report.summary)[0], "kecamatan_name": "City"}
    kel_columns = _region_columns(report, "kelurahan")
    kel = render_table(
        kel_columns,
        kel_rows,
        total=total,
        table_id="kelurahan-table",
    )
    return (
        '<section id="regions"><h2>By kecamatan and kelurahan</h2><p class="explain">A '
        "household is placed in the kelurahan most of its records give (ties: the lower code). "
        f"The totals equal the city's figures.</p>{chart}"
        + render_table(
            _region_columns(report, "kecamatan"), kec, total=total, table_id="kecamatan-table"
        )
        + f"<h3>Kelurahan</h3>{kel_chart}"
        + f"<details><summary>By kelurahan ({fmt_int(len(report.kelurahan))} rows)</summary>"
        '<input class="filter" type="search" data-table="kelurahan-table" '
        f'placeholder="Filter by kelurahan or kecamatan" aria-label="Filter">{kel}</details>'
        "</section>"
    )


def _quality(report: IntegrationReport) -> str:
    by_field = rows_of(report.quality_by_field)
    counts: dict[tuple[str, str], list[str]] = {}
    for flag in rows_of(report.quality_by_flag):
        key = (str(flag["source"]), str(flag["field"]))
        counts.setdefault(key, []).append(f"{flag['code']} ({fmt_int(flag['records'])})")
    for row in by_field:
        row["found"] = ", ".join(counts.get((str(row["source"]), str(row["field"])), []))
    parts = [
        '<section id="quality"><h2>Data quality: what each agency should fix first</h2>'
        '<p class="explain">For each list, the fields with problems, ranked: rank 1 affects the '
        "most records (ties: the field that matters most for linking, the NIK first). The share "
        "is of the list's records.</p>"
    ]
    for source in rows_of(report.sources):
        name = str(source["source"])
        rows = [r for r in by_field if r["source"] == name]
        agency = fmt_text(source.get("agency"))
        heading = escape(name) + (f" – {escape(agency)}" if agency else "")
        parts.append(f"<h3>{heading} ({fmt_int(source['records'])} records)</h3>")
        if not rows:
            parts.append('<p class="explain">No problems flagged.</p>')
            continue
        parts.append(
            render_table(
                [
                    Column("rank", "Fix first"),
                    Column("field", "Field", "text"),
                    Column("records", "Records with a problem"),
                    Column("rate", "Share of records", "rate"),
                    Column("found", "Problems found (records)", "text"),
                ],
                rows,
                table_id=f"quality-{name}",
            )
        )
    meanings = {str(f["code"]): fmt_text(f["description"]) for f in rows_of(report.quality_by_flag)}
    if meanings:
        parts.append(
            "<h3>What the problems mean</h3>"
            + render_table(
                [Column("code", "Problem", "text"), Column("meaning", "Meaning", "text")],
                [{"code": c, "meaning": m} for c, m in sorted(meanings.items())],
                table_id="quality-codes",
            )
        )
    parts.append("</section>")
    return "".join(parts)


_DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("List", "One agency's list of persons (a source)."),
    (
        "Distinct persons / households",
        "Records that povlink linked to the same person (or household) count once.",
    ),
    (
        "Lists added up",
        "Each list's households summed: a household named by three lists counts three times. "
        "This is the figure agencies get by adding their reports.",
    ),
    ("Counted more than once", "Lists added up minus distinct households."),
    (
        "Program lists",
        "Lists with a program. When some lists have none (a register such as DTKS or Regsosek), "
        "the over-count adds up the program lists only: they are the agencies' targets.",
    ),
    ("Duplicates in the list", "A list's records minus the distinct persons they belong to."),
    (
        "NIK missing / invalid / inconsistent",
        "Records whose NIK is absent; damaged (wrong length, Excel's scientific notation, "
        "impossible date or region); or well-formed but contradicting the record's birth date or "
        "sex, or shared with another person.",
    ),
    ("Linked to no other record", "Records of a person who has no other record in any list."),
    (
        "Program",
        'What a list gives, from the list\'s program field ("PKH, BPNT" is two programs). '
        "Register names such as DTKS are not programs.",
    ),
    (
        "Reached by no program",
        "A household none of whose lists gives a program: known only to registers.",
    ),
    (
        "City program",
        "A program given by a list other than the national register (DTKS) list.",
    ),
    (
        "Region of a household",
        "The kelurahan most of its records give, ties broken by the lower code; its kecamatan "
        "is that kelurahan's (or, without a kelurahan, the kecamatan most records give).",
    ),
)


def _definitions() -> str:
    items = "".join(f"<dt>{escape(t)}</dt><dd>{escape(d)}</dd>" for t, d in _DEFINITIONS)
    return (
        '<section id="definitions"><h2>How the figures are defined</h2>'
        f'<dl class="definitions">{items}</dl></section>'
    )


def render_page(report: IntegrationReport, *, title: str) -> str:
    """The whole page as one string: inline style, inline SVG charts, inline script."""
    from povlink import __version__

    s = rows_of(report.summary)[0]
    ref = (
        f" · national register: {escape(report.reference_source)}"
        if report.reference_source
        else ""
    )
    toc = "".join(
        f'<a href="#{anchor}">{label}</a>'
        for anchor, label in (
            ("lists", "Lists"),
            ("overlap", "Overlap"),
            ("programs", "Programs"),
            ("dtks", "DTKS"),
            ("regions", "Kecamatan and kelurahan"),
            ("quality", "Data quality"),
            ("definitions", "Definitions"),
        )
    )
    generated = report.generated_at.strftime("%d %B %Y, %H:%M UTC")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{asset('report.css')}</style></head><body><main>"
        f'<header class="top"><h1>{escape(title)}</h1><p class="meta">'
        f"{fmt_int(s['lists'])} lists · {fmt_int(s['records'])} records{ref} · "
        f'generated {escape(generated)}</p><nav class="toc">{toc}</nav></header>'
        + _headline(report)
        + _notes(report)
        + _lists(report)
        + _overlap(report)
        + _programs(report)
        + _reference(report)
        + _regions(report)
        + _quality(report)
        + _definitions()
        + f"<footer>Made by povlink {escape(__version__)}. Every figure on this page comes from "
        "the same computation as the report's JSON and DataFrames.</footer>"
        f"</main><script>{asset('report.js')}</script></body></html>"
    )
