"""The report's figures: one SQL query each over the working tables, returned as DataFrames."""

from __future__ import annotations

import pandas as pd

from povlink.engine import Engine
from povlink.report._working import WorkingTables


def _household_counts(reference: str | None, prefix: str = "") -> list[tuple[str, str]]:
    """(column, SQL) for the household counts shared by the city and the regions."""
    h = prefix
    program_households = f"count(CASE WHEN {h}n_program_lists > 0 THEN 1 END)"
    program_list_households = f"CAST(coalesce(sum({h}n_program_lists), 0) AS BIGINT)"
    counts = [
        ("program_households", program_households),
        ("program_list_households", program_list_households),
        ("program_overcount", f"{program_list_households} - {program_households}"),
        ("multi_list_households", f"count(CASE WHEN {h}n_lists > 1 THEN 1 END)"),
        ("city_program_households", f"count(CASE WHEN {h}in_city_program THEN 1 END)"),
        ("no_program_households", f"count(CASE WHEN {h}n_programs = 0 THEN 1 END)"),
    ]
    if reference is not None:
        counts += [
            ("reference_households", f"count(CASE WHEN {h}in_reference THEN 1 END)"),
            (
                "program_households_not_in_reference",
                f"count(CASE WHEN {h}in_city_program AND NOT {h}in_reference THEN 1 END)",
            ),
            (
                "reference_households_without_program",
                f"count(CASE WHEN {h}in_reference AND NOT {h}in_city_program THEN 1 END)",
            ),
        ]
    return counts


def summary(engine: Engine, t: WorkingTables, reference: str | None) -> pd.DataFrame:
    """One row: records, distinct persons and households, the over-count and household counts."""
    counts = _household_counts(reference)
    frame = engine.query(
        "SELECT r.records, r.persons, h.households, h.list_households, "
        "h.list_households - h.households AS overcount, "
        "CASE WHEN h.households = 0 THEN NULL "
        "ELSE h.list_households * 1.0 / h.households END AS overcount_ratio, s.lists, "
        "p.program_lists, "
        + ", ".join(f"h.{name}" for name, _ in counts)
        + ", CASE WHEN h.program_households = 0 THEN NULL "
        "ELSE h.program_list_households * 1.0 / h.program_households "
        "END AS program_overcount_ratio FROM "
        f"(SELECT count(*) AS records, (SELECT count(*) FROM {t.person}) AS persons "
        f"FROM {t.rec}) r, "
        f"(SELECT count(*) AS lists FROM {t.src}) s, "
        f"(SELECT count(DISTINCT source) AS program_lists FROM {t.src_prog}) p, "
        "(SELECT count(*) AS households, "
        "CAST(coalesce(sum(n_lists), 0) AS BIGINT) AS list_households, "
        + ", ".join(f"{sql} AS {name}" for name, sql in counts)
        + f" FROM {t.hh}) h"
    )
    # The program over-count ratio next to the program over-count.
    order = list(frame.columns)
    order.remove("program_overcount_ratio")
    order.insert(order.index("program_overcount") + 1, "program_overcount_ratio")
    return frame[order]


def sources(engine: Engine, t: WorkingTables) -> pd.DataFrame:
    """One row per list: records, persons, households, duplicates, NIK problems, singletons."""
    # A list's persons and households are those whose set of lists holds it, so they are counted
    # per set and summed; a singleton is a person of one record (its set is that record's list).
    return engine.query(
        "SELECT s.source, s.agency, s.program, "
        "coalesce(c.records, 0) AS records, coalesce(p.persons, 0) AS persons, "
        "coalesce(h.households, 0) AS households, "
        "coalesce(c.with_person, 0) - coalesce(p.persons, 0) AS duplicates, "
        "coalesce(n.nik_missing, 0) AS nik_missing, coalesce(n.nik_invalid, 0) AS nik_invalid, "
        "coalesce(n.nik_inconsistent, 0) AS nik_inconsistent, "
        "coalesce(p.singletons, 0) AS singletons "
        f"FROM {t.src} s LEFT JOIN ("
        "SELECT source, count(*) AS records, count(person_id) AS with_person "
        f"FROM {t.rec} GROUP BY source) c ON c.source = s.source "
        "LEFT JOIN (SELECT ls.source, CAST(sum(g.persons) AS BIGINT) AS persons, "
        "CAST(sum(g.singletons) AS BIGINT) AS singletons FROM ("
        "SELECT lists, count(*) AS persons, count(CASE WHEN n = 1 THEN 1 END) AS singletons "
        f"FROM {t.person} GROUP BY lists) g JOIN {t.lists_src} ls ON ls.lists = g.lists "
        "GROUP BY ls.source) p ON p.source = s.source "
        "LEFT JOIN (SELECT ls.source, CAST(sum(g.households) AS BIGINT) AS households FROM ("
        f"SELECT lists, count(*) AS households FROM {t.hh} GROUP BY lists) g "
        f"JOIN {t.lists_src} ls ON ls.lists = g.lists GROUP BY ls.source) h "
        "ON h.source = s.source "
        "LEFT JOIN (SELECT source, "
        "count(DISTINCT CASE WHEN nik_problem = 'missing' THEN record_id END) AS nik_missing, "
        "count(DISTINCT CASE WHEN nik_problem = 'invalid' THEN record_id END) AS nik_invalid, "
        "count(DISTINCT CASE WHEN nik_problem = 'inconsistent' THEN record_id END) "
        f"AS nik_inconsistent FROM {t.rec_flag} GROUP BY source) n ON n.source = s.source "
        "ORDER BY s.source"
    )


def overlap(engine: Engine, t: WorkingTables) -> pd.DataFrame:
    """Lists × lists: households named by both (the diagonal: the list's own households)."""
    # Households counted per set of lists naming them, then each set's pairs of lists.
    pairs = engine.query(
        "SELECT a.source AS source_a, b.source AS source_b, coalesce(p.n, 0) AS households "
        f"FROM {t.src} a CROSS JOIN {t.src} b LEFT JOIN ("
        "SELECT x.source AS source_a, y.source AS source_b, CAST(sum(c.n) AS BIGINT) AS n "
        f"FROM (SELECT lists, count(*) AS n FROM {t.hh} GROUP BY lists) c "
        f"JOIN {t.lists_src} x ON x.lists = c.lists JOIN {t.lists_src} y ON y.lists = c.lists "
        "GROUP BY x.source, y.source) p ON p.source_a = a.source AND p.source_b = b.source "
        "ORDER BY a.source, b.source"
    )
    matrix = pairs.pivot(index="source_a", columns="source_b", values="households")
    matrix.index.name = "source"
    matrix.columns.name = None
    return matrix.astype("int64")


def programs(engine: Engine, t: WorkingTables) -> pd.DataFrame:
    """One row per program: the lists giving it and the distinct households they reach."""
    # A household is reached by a program when its set of lists holds a list giving it.
    return engine.query(
        "SELECT sp.program, string_agg(DISTINCT sp.source, ', ' ORDER BY sp.source) AS lists, "
        "any_value(coalesce(h.households, 0)) AS households "
        f"FROM {t.src_prog} sp LEFT JOIN ("
        "SELECT r.program, CAST(sum(c.n) AS BIGINT) AS households FROM ("
        f"SELECT DISTINCT ls.lists, p.program FROM {t.lists_src} ls "
        f"JOIN {t.src_prog} p ON p.source = ls.source) r "
        f"JOIN (SELECT lists, count(*) AS n FROM {t.hh} GROUP BY lists) c ON c.lists = r.lists "
        "GROUP BY r.program) h ON h.program = sp.program "
        "GROUP BY sp.program ORDER BY households DESC, sp.program"
    )


def program_combinations(engine: Engine, t: WorkingTables) -> pd.DataFrame:
    """Households by the exact set of programs reaching them (empty: no program)."""
    return engine.query(
        "SELECT coalesce(programs, '') AS programs, n_programs, count(*) AS households, "
        "count(*) * 1.0 / sum(count(*)) OVER () AS share "
        f"FROM {t.hh} GROUP BY programs, n_programs "
        "ORDER BY n_programs = 0, households DESC, programs"
    )


def regions(engine: Engine, t: WorkingTables, level: str, reference: str | None) -> pd.DataFrame:
    """The household counts by the household's kecamatan or kelurahan, every region listed."""
    if level == "kecamatan":
        known = f"SELECT DISTINCT kode_kecamatan AS code, nama_kecamatan AS name FROM {t.region}"
        other = ""
        keys = ["code", "name"]
        labels = "g.code AS kecamatan_code, g.name AS kecamatan_name"
    else:
        known = (
            "SELECT DISTINCT kode_kelurahan AS code, nama_kelurahan AS name, "
            f"kode_kecamatan AS parent, nama_kecamatan AS parent_name FROM {t.region}"
        )
        other = ", CAST(NULL AS VARCHAR) AS parent, CAST(NULL AS VARCHAR) AS parent_name"
        keys = ["code", "name", "parent", "parent_name"]
        labels = (
            "g.parent AS kecamatan_code, g.parent_name AS kecamatan_name, "
            "g.code AS kelurahan_code, g.name AS kelurahan_name"
        )
    code = f"{level}_code"
    counts = _household_counts(reference, prefix="h.")
    # Every region of the table (zero where no household lives), codes outside the table, and
    # one row of households whose region is unknown (NULL code), if there are any.
    groups = (
        f"{known} UNION ALL "
        f"SELECT DISTINCT {code} AS code, CAST(NULL AS VARCHAR) AS name{other} FROM {t.hh} "
        f"WHERE {code} IS NOT NULL AND {code} NOT IN (SELECT code FROM ({known}) k) "
        f"UNION ALL SELECT CAST(NULL AS VARCHAR) AS code, CAST(NULL AS VARCHAR) AS name{other} "
        f"FROM (SELECT 1 AS one) x WHERE EXISTS (SELECT 1 FROM {t.hh} WHERE {code} IS NULL)"
    )
    return engine.query(
        f"WITH g AS ({groups}) "
        f"SELECT {labels}, count(h.household_id) AS households, "
        "CAST(coalesce(sum(h.n_lists), 0) AS BIGINT) AS list_households, "
        "CAST(coalesce(sum(h.n_lists), 0) AS BIGINT) - count(h.household_id) AS overcount, "
        + ", ".join(f"{sql} AS {name}" for name, sql in counts)
        + f" FROM g LEFT JOIN {t.hh} h "
        f"ON coalesce(h.{code}, '(unknown)') = coalesce(g.code, '(unknown)') "
        f"GROUP BY {', '.join('g.' + k for k in keys)} "
        "ORDER BY g.code IS NULL, g.code"
    )


def quality_by_field(engine: Engine, t: WorkingTables) -> pd.DataFrame:
    """Per list and field: records with a problem, their rate, the flags, the rank to fix."""
    return engine.query(
        "SELECT q.source, row_number() OVER (PARTITION BY q.source "
        "ORDER BY q.records DESC, q.field_order, q.field) AS rank, q.field, q.records, "
        "q.records * 1.0 / n.records AS rate, q.flags "
        "FROM (SELECT source, field, min(field_order) AS field_order, "
        "count(DISTINCT record_id) AS records, "
        "string_agg(DISTINCT code, ', ' ORDER BY code) AS flags "
        f"FROM {t.rec_flag} GROUP BY source, field) q "
        f"JOIN (SELECT source, count(*) AS records FROM {t.rec} GROUP BY source) n "
        "ON n.source = q.source ORDER BY q.source, rank"
    )


def quality_by_flag(engine: Engine, t: WorkingTables) -> pd.DataFrame:
    """Per list and flag code: records carrying it, their rate, and what the code means."""
    return engine.query(
        "SELECT f.source, f.field, f.code, count(*) AS records, "
        "count(*) * 1.0 / n.records AS rate, f.description "
        f"FROM {t.rec_flag} f JOIN (SELECT source, count(*) AS records FROM {t.rec} "
        "GROUP BY source) n ON n.source = f.source "
        "GROUP BY f.source, f.field, f.code, n.records, f.description "
        "ORDER BY f.source, records DESC, f.code"
    )
