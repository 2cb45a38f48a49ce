"""Computing the integration report: every figure is one SQL query over the engine's tables.

The queries read ``standardised``, ``persons``, ``households`` and ``sources`` (see
``docs/tables.md``) and the region table, through a handful of temporary tables that exist only
while :func:`build_report` runs. The registry itself is never written to.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from importlib import resources
from pathlib import Path

import pandas as pd

from povlink.engine import Engine, quote_literal
from povlink.exceptions import ConfigError, RegistryError
from povlink.report._flags import KEY_FIELDS, read_flag_codes
from povlink.report._model import IntegrationReport

#: Program names that name a register of the poor rather than a program given to them; a source
#: whose ``program`` says only "DTKS" reaches nobody by being listed.
REGISTER_NAMES: tuple[str, ...] = ("BDT", "DTKS", "DTSEN", "P3KE", "REGSOSEK")

#: Columns of a region table (Kemendagri codes and names).
REGION_COLUMNS: tuple[str, ...] = (
    "kode_kecamatan",
    "nama_kecamatan",
    "kode_kelurahan",
    "nama_kelurahan",
)

_REQUIRED_TABLES: dict[str, tuple[str, ...]] = {
    "standardised": ("record_id", "source", "kelurahan_code", "kecamatan_code", "quality_flags"),
    "persons": ("record_id", "person_id"),
    "households": ("record_id", "household_id"),
    "sources": ("source", "agency", "program"),
}

RegionsArgument = pd.DataFrame | str | os.PathLike[str] | None


def build_report(
    engine: Engine,
    *,
    reference_source: str | None = None,
    regions: RegionsArgument = None,
) -> IntegrationReport:
    """Compute the integration report from the resolved tables in ``engine``.

    ``reference_source`` names the national register list (DTKS) that city programs are compared
    with; by default it is the source whose name or program mentions "dtks" (the first by name if
    several do, with a note). With no such source the DTKS figures are omitted, with a note.
    ``regions`` is the region table (a DataFrame, or a csv path) with columns
    ``kode_kecamatan, nama_kecamatan, kode_kelurahan, nama_kelurahan``; by default Kota Semarang's.

    Raises :class:`~povlink.exceptions.RegistryError` when a table the report needs is missing (the
    sources were not resolved) and :class:`~povlink.exceptions.ConfigError` when
    ``reference_source`` is not a source or ``regions`` lacks a column.
    """
    _check_tables(engine)
    region_table = _read_regions(regions)
    notes: list[str] = []
    source_names = [
        r[0]
        for r in engine.rows(
            "SELECT source FROM sources UNION SELECT source FROM standardised ORDER BY source"
        )
    ]
    reference = _choose_reference(engine, source_names, reference_source, notes)
    with _ReportTables(engine, region_table) as t:
        t.create_base(reference)
        _note_unresolved(engine, t, notes)
        summary = _summary(engine, t, reference)
        return IntegrationReport(
            summary=summary,
            sources=_sources(engine, t),
            overlap=_overlap(engine, t),
            programs=_programs(engine, t),
            program_combinations=_program_combinations(engine, t),
            kecamatan=_regions(engine, t, "kecamatan", reference),
            kelurahan=_regions(engine, t, "kelurahan", reference),
            quality_by_field=_quality_by_field(engine, t),
            quality_by_flag=_quality_by_flag(engine, t),
            reference_source=reference,
            notes=tuple(notes),
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        )


# -- inputs -----------------------------------------------------------------------------------
def _check_tables(engine: Engine) -> None:
    problems = []
    for table, needed in _REQUIRED_TABLES.items():
        if not engine.has_table(table):
            problems.append(f"table '{table}' is missing")
            continue
        have = set(engine.columns(table))
        lacking = [c for c in needed if c not in have]
        if lacking:
            problems.append(f"table '{table}' lacks column(s) {', '.join(lacking)}")
    if problems:
        raise RegistryError(
            "cannot build the integration report: "
            + "; ".join(problems)
            + ". Resolve the sources first (`povlink resolve CONFIG`)."
        )


def _read_regions(regions: RegionsArgument) -> pd.DataFrame:
    if regions is None:
        source = resources.files("povlink").joinpath("data/semarang_wilayah.csv")
        with source.open("r", encoding="utf-8") as f:
            table = pd.read_csv(f, dtype=str, keep_default_na=False)
        where = "povlink's Semarang table"
    elif isinstance(regions, pd.DataFrame):
        table = regions
        where = "the regions DataFrame"
    else:
        table = pd.read_csv(Path(regions), dtype=str, keep_default_na=False)
        where = str(regions)
    lacking = [c for c in REGION_COLUMNS if c not in table.columns]
    if lacking:
        raise ConfigError(
            f"region table {where}: column(s) {', '.join(lacking)} not found; it has "
            f"{', '.join(map(str, table.columns))}. A region table needs "
            f"{', '.join(REGION_COLUMNS)}."
        )
    return table.loc[:, list(REGION_COLUMNS)].astype(str).drop_duplicates()


def _choose_reference(
    engine: Engine, source_names: list[str], requested: str | None, notes: list[str]
) -> str | None:
    if requested is not None:
        if requested not in source_names:
            raise ConfigError(
                f"reference source '{requested}' is not a source; the sources are "
                f"{', '.join(source_names) or '(none)'}"
            )
        return requested
    candidates: list[str] = [
        str(r[0])
        for r in engine.rows(
            "SELECT source FROM sources WHERE lower(source) LIKE '%dtks%' "
            "OR lower(coalesce(program, '')) LIKE '%dtks%' ORDER BY source"
        )
    ]
    if not candidates:
        notes.append(
            "No list is marked as the national register (DTKS): no source's name or program "
            "mentions DTKS, so the figures comparing city programs with DTKS are omitted. "
            "Name the DTKS list as the reference source to see them."
        )
        return None
    if len(candidates) > 1:
        notes.append(
            f"Several lists mention DTKS ({', '.join(candidates)}); '{candidates[0]}' is used as "
            "the national register. Name the reference source to choose another."
        )
    return candidates[0]


# -- the working tables -----------------------------------------------------------------------
class _ReportTables:
    """Temporary tables the queries share, dropped when the report is built.

    * ``rec`` – one row per record: source, person, household, region codes, flags;
    * ``src`` – every source with its agency and program text;
    * ``src_prog`` – one row per (source, program) after splitting the program text;
    * ``hh_src`` – one row per (household, source naming it);
    * ``hh`` – one row per household: lists naming it, program combination, DTKS status, region;
    * ``rec_flag`` – one row per (record, distinct flag code) with the code's field and NIK kind;
    * ``region`` – the region table.
    """

    def __init__(self, engine: Engine, regions: pd.DataFrame) -> None:
        self._engine = engine
        self._suffix = uuid.uuid4().hex[:12]
        self._regions = regions
        self._created: list[str] = []
        self._registered: list[str] = []
        self._key_fields: dict[str, str] = {}

    def __enter__(self) -> _ReportTables:
        return self

    def __exit__(self, *exc: object) -> None:
        for name in reversed(self._created):
            self._engine.execute(f"DROP TABLE IF EXISTS {name}")
        for name in self._registered:
            self._engine.unregister(name)

    def __getattr__(self, name: str) -> str:
        # t.rec, t.hh ... give the temporary table's real name.
        if name.startswith("_"):
            raise AttributeError(name)
        return f"_povlink_report_{name}_{self._suffix}"

    def _create(self, name: str, sql: str) -> None:
        real = getattr(self, name)
        self._engine.execute(f"CREATE TEMP TABLE {real} AS {sql}")
        self._created.append(real)

    def _register(self, name: str, frame: pd.DataFrame) -> None:
        real = getattr(self, name)
        self._engine.register(real, frame)
        self._registered.append(real)

    def create_base(self, reference: str | None) -> None:
        e = self._engine
        self._register("region_frame", self._regions)
        self._create("region", f"SELECT * FROM {self.region_frame}")
        have = set(e.columns("standardised"))
        self._key_fields = {f: c for f, c in KEY_FIELDS.items() if c in have}
        empties = "".join(
            f", s.{column} IS NULL AS empty_{field}" for field, column in self._key_fields.items()
        )
        self._create(
            "rec",
            "SELECT s.record_id, s.source, p.person_id, h.household_id, "
            f"s.kelurahan_code, s.kecamatan_code, s.quality_flags{empties} "
            "FROM standardised s "
            "LEFT JOIN persons p ON p.record_id = s.record_id "
            "LEFT JOIN households h ON h.record_id = s.record_id",
        )
        self._create(
            "src",
            "SELECT n.source, s.agency, s.program FROM "
            "(SELECT source FROM sources UNION SELECT source FROM standardised) n "
            "LEFT JOIN sources s ON s.source = n.source",
        )
        # A program token naming a register ("DTKS", "Regsosek 2022") is not a program.
        registers = quote_literal(f"(^|[^A-Z0-9])({'|'.join(REGISTER_NAMES)})([^A-Z0-9]|$)")
        self._create(
            "src_prog",
            "SELECT DISTINCT source, program FROM ("
            "SELECT source, upper(trim(part)) AS program FROM ("
            "SELECT source, unnest(string_split(regexp_replace(coalesce(program, ''), "
            "'[,/;+]', ',', 'g'), ',')) AS part "
            f"FROM {self.src}) x) y "
            f"WHERE program <> '' AND NOT regexp_matches(program, {registers})",
        )
        self._create(
            "hh_src",
            f"SELECT DISTINCT household_id, source FROM {self.rec} WHERE household_id IS NOT NULL",
        )
        ref = quote_literal(reference) if reference is not None else "NULL"
        self._create(
            "hh_kel",
            "SELECT household_id, kelurahan_code FROM ("
            "SELECT household_id, kelurahan_code, row_number() OVER ("
            "PARTITION BY household_id ORDER BY n DESC, kelurahan_code) AS rn FROM ("
            f"SELECT household_id, kelurahan_code, count(*) AS n FROM {self.rec} "
            "WHERE household_id IS NOT NULL AND kelurahan_code IS NOT NULL "
            "GROUP BY household_id, kelurahan_code) c) m WHERE rn = 1",
        )
        self._create(
            "hh_kec",
            "SELECT household_id, kecamatan_code FROM ("
            "SELECT household_id, kecamatan_code, row_number() OVER ("
            "PARTITION BY household_id ORDER BY n DESC, kecamatan_code) AS rn FROM ("
            f"SELECT household_id, kecamatan_code, count(*) AS n FROM {self.rec} "
            "WHERE household_id IS NOT NULL AND kecamatan_code IS NOT NULL "
            "GROUP BY household_id, kecamatan_code) c) m WHERE rn = 1",
        )
        self._create(
            "hh",
            "SELECT l.household_id, l.n_lists, l.in_reference, l.in_city_program, "
            "p.programs, coalesce(p.n_programs, 0) AS n_programs, "
            "k.kelurahan_code, coalesce(r.kode_kecamatan, c.kecamatan_code) AS kecamatan_code "
            "FROM ("
            "SELECT hs.household_id, count(DISTINCT hs.source) AS n_lists, "
            f"count(CASE WHEN hs.source = {ref} THEN 1 END) > 0 AS in_reference, "
            "count(CASE WHEN hs.source IS DISTINCT FROM "
            f"{ref} AND sp.source IS NOT NULL THEN 1 END) > 0 AS in_city_program "
            f"FROM {self.hh_src} hs LEFT JOIN "
            f"(SELECT DISTINCT source FROM {self.src_prog}) sp ON sp.source = hs.source "
            "GROUP BY hs.household_id) l "
            "LEFT JOIN ("
            "SELECT household_id, "
            "string_agg(DISTINCT program, ' + ' ORDER BY program) AS programs, "
            "count(DISTINCT program) AS n_programs "
            f"FROM {self.hh_src} hs JOIN {self.src_prog} sp ON sp.source = hs.source "
            "GROUP BY household_id) p ON p.household_id = l.household_id "
            f"LEFT JOIN {self.hh_kel} k ON k.household_id = l.household_id "
            f"LEFT JOIN {self.hh_kec} c ON c.household_id = l.household_id "
            f"LEFT JOIN (SELECT DISTINCT kode_kecamatan, kode_kelurahan FROM {self.region}) r "
            "ON r.kode_kelurahan = k.kelurahan_code",
        )
        self._create(
            "rec_code",
            "SELECT DISTINCT record_id, source, code FROM ("
            f"SELECT record_id, source, unnest(quality_flags) AS code FROM {self.rec}) f "
            "WHERE code IS NOT NULL",
        )
        codes = [str(r[0]) for r in e.rows(f"SELECT DISTINCT code FROM {self.rec_code}")]
        codes += [f"{field}_missing" for field in self._key_fields]
        code_map = pd.DataFrame(
            [
                (c.code, c.field, c.field_order, c.nik_problem)
                for c in read_flag_codes(str(x) for x in codes)
            ],
            columns=["code", "field", "field_order", "nik_problem"],
        ).astype({"code": str, "field": str, "field_order": "int64", "nik_problem": object})
        self._register("code_frame", code_map)
        self._create(
            "code_map",
            "SELECT CAST(code AS VARCHAR) AS code, CAST(field AS VARCHAR) AS field, "
            "CAST(field_order AS BIGINT) AS field_order, "
            f"CAST(nik_problem AS VARCHAR) AS nik_problem FROM {self.code_frame}",
        )
        # An empty key field that no flag on the field explains: the agency wrote nothing.
        missing = " UNION ".join(
            f"SELECT r.record_id, r.source, '{field}_missing' AS code FROM {self.rec} r "
            f"WHERE r.empty_{field} AND NOT EXISTS (SELECT 1 FROM {self.rec_code} c "
            f"JOIN {self.code_map} m ON m.code = c.code "
            f"WHERE c.record_id = r.record_id AND m.field = '{field}')"
            for field in self._key_fields
        )
        union = f" UNION {missing}" if missing else ""
        self._create(
            "rec_flag",
            "SELECT f.record_id, f.source, f.code, m.field, m.field_order, m.nik_problem "
            f"FROM (SELECT record_id, source, code FROM {self.rec_code}{union}) f "
            f"JOIN {self.code_map} m ON m.code = f.code",
        )


def _note_unresolved(engine: Engine, t: _ReportTables, notes: list[str]) -> None:
    no_person, no_household = engine.rows(
        "SELECT count(CASE WHEN person_id IS NULL THEN 1 END), "
        f"count(CASE WHEN household_id IS NULL THEN 1 END) FROM {t.rec}"
    )[0]
    for count, what in ((no_person, "person"), (no_household, "household")):
        if count:
            records = "1 record has" if count == 1 else f"{count:,} records have"
            notes.append(
                f"{records} no {what} ID and {'is' if count == 1 else 'are'} left out of the "
                f"{what} figures; resolve the sources again to include "
                f"{'it' if count == 1 else 'them'}."
            )


# -- the figures ------------------------------------------------------------------------------
def _household_counts(reference: str | None, prefix: str = "") -> list[tuple[str, str]]:
    """(column, SQL) for the household counts shared by the city and the regions."""
    h = prefix
    counts = [
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


def _summary(engine: Engine, t: _ReportTables, reference: str | None) -> pd.DataFrame:
    counts = _household_counts(reference)
    return engine.query(
        "SELECT r.records, r.persons, h.households, h.list_households, "
        "h.list_households - h.households AS overcount, "
        "CASE WHEN h.households = 0 THEN NULL "
        "ELSE h.list_households * 1.0 / h.households END AS overcount_ratio, s.lists, "
        + ", ".join(f"h.{name}" for name, _ in counts)
        + " FROM "
        f"(SELECT count(*) AS records, count(DISTINCT person_id) AS persons FROM {t.rec}) r, "
        f"(SELECT count(*) AS lists FROM {t.src}) s, "
        "(SELECT count(*) AS households, "
        "CAST(coalesce(sum(n_lists), 0) AS BIGINT) AS list_households, "
        + ", ".join(f"{sql} AS {name}" for name, sql in counts)
        + f" FROM {t.hh}) h"
    )


def _sources(engine: Engine, t: _ReportTables) -> pd.DataFrame:
    return engine.query(
        "SELECT s.source, s.agency, s.program, "
        "count(r.record_id) AS records, count(DISTINCT r.person_id) AS persons, "
        "count(DISTINCT r.household_id) AS households, "
        "count(r.person_id) - count(DISTINCT r.person_id) AS duplicates, "
        "count(CASE WHEN n.missing THEN 1 END) AS nik_missing, "
        "count(CASE WHEN n.invalid THEN 1 END) AS nik_invalid, "
        "count(CASE WHEN n.inconsistent THEN 1 END) AS nik_inconsistent, "
        "count(CASE WHEN ps.n = 1 THEN 1 END) AS singletons "
        f"FROM {t.src} s LEFT JOIN {t.rec} r ON r.source = s.source "
        "LEFT JOIN ("
        "SELECT record_id, "
        "count(CASE WHEN nik_problem = 'missing' THEN 1 END) > 0 AS missing, "
        "count(CASE WHEN nik_problem = 'invalid' THEN 1 END) > 0 AS invalid, "
        "count(CASE WHEN nik_problem = 'inconsistent' THEN 1 END) > 0 AS inconsistent "
        f"FROM {t.rec_flag} GROUP BY record_id) n ON n.record_id = r.record_id "
        f"LEFT JOIN (SELECT person_id, count(*) AS n FROM {t.rec} "
        "WHERE person_id IS NOT NULL GROUP BY person_id) ps ON ps.person_id = r.person_id "
        "GROUP BY s.source, s.agency, s.program ORDER BY s.source"
    )


def _overlap(engine: Engine, t: _ReportTables) -> pd.DataFrame:
    pairs = engine.query(
        "SELECT a.source AS source_a, b.source AS source_b, coalesce(p.n, 0) AS households "
        f"FROM {t.src} a CROSS JOIN {t.src} b LEFT JOIN ("
        "SELECT x.source AS source_a, y.source AS source_b, count(*) AS n "
        f"FROM {t.hh_src} x JOIN {t.hh_src} y ON y.household_id = x.household_id "
        "GROUP BY x.source, y.source) p ON p.source_a = a.source AND p.source_b = b.source "
        "ORDER BY a.source, b.source"
    )
    matrix = pairs.pivot(index="source_a", columns="source_b", values="households")
    matrix.index.name = "source"
    matrix.columns.name = None
    return matrix.astype("int64")


def _programs(engine: Engine, t: _ReportTables) -> pd.DataFrame:
    return engine.query(
        "SELECT sp.program, string_agg(DISTINCT sp.source, ', ' ORDER BY sp.source) AS lists, "
        "count(DISTINCT hs.household_id) AS households "
        f"FROM {t.src_prog} sp LEFT JOIN {t.hh_src} hs ON hs.source = sp.source "
        "GROUP BY sp.program ORDER BY households DESC, sp.program"
    )


def _program_combinations(engine: Engine, t: _ReportTables) -> pd.DataFrame:
    return engine.query(
        "SELECT coalesce(programs, '') AS programs, n_programs, count(*) AS households, "
        "count(*) * 1.0 / sum(count(*)) OVER () AS share "
        f"FROM {t.hh} GROUP BY programs, n_programs "
        "ORDER BY n_programs = 0, households DESC, programs"
    )


def _regions(engine: Engine, t: _ReportTables, level: str, reference: str | None) -> pd.DataFrame:
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


def _quality_by_field(engine: Engine, t: _ReportTables) -> pd.DataFrame:
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


def _quality_by_flag(engine: Engine, t: _ReportTables) -> pd.DataFrame:
    return engine.query(
        "SELECT f.source, f.field, f.code, count(*) AS records, "
        "count(*) * 1.0 / n.records AS rate "
        f"FROM {t.rec_flag} f JOIN (SELECT source, count(*) AS records FROM {t.rec} "
        "GROUP BY source) n ON n.source = f.source "
        "GROUP BY f.source, f.field, f.code, n.records "
        "ORDER BY f.source, records DESC, f.code"
    )
