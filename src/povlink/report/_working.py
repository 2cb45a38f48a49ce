"""The temporary tables the report's queries share, created from the resolved tables.

They live only while :func:`~povlink.report.build_report` runs (``CREATE TEMP TABLE``, so a
read-only registry works too) and are dropped afterwards; the registry is never written to.
"""

from __future__ import annotations

import uuid

import pandas as pd

from povlink.engine import Engine, quote_literal
from povlink.report._flags import KEY_FIELDS, read_flag_codes

#: Program names that name a register of the poor rather than a program given to them; a source
#: whose ``program`` says only "DTKS" reaches nobody by being listed.
REGISTER_NAMES: tuple[str, ...] = ("BDT", "DTKS", "DTSEN", "P3KE", "REGSOSEK")


class WorkingTables:
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

    def __enter__(self) -> WorkingTables:
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
            "SELECT l.household_id, l.n_lists, l.n_program_lists, l.in_reference, "
            "l.in_city_program, "
            "p.programs, coalesce(p.n_programs, 0) AS n_programs, "
            "k.kelurahan_code, coalesce(r.kode_kecamatan, c.kecamatan_code) AS kecamatan_code "
            "FROM ("
            "SELECT hs.household_id, count(DISTINCT hs.source) AS n_lists, "
            "count(DISTINCT CASE WHEN sp.source IS NOT NULL THEN hs.source END) "
            "AS n_program_lists, "
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
                (c.code, c.field, c.field_order, c.nik_problem, c.description)
                for c in read_flag_codes(str(x) for x in codes)
            ],
            columns=["code", "field", "field_order", "nik_problem", "description"],
        ).astype(
            {
                "code": str,
                "field": str,
                "field_order": "int64",
                "nik_problem": object,
                "description": str,
            }
        )
        self._register("code_frame", code_map)
        self._create(
            "code_map",
            "SELECT CAST(code AS VARCHAR) AS code, CAST(field AS VARCHAR) AS field, "
            "CAST(field_order AS BIGINT) AS field_order, "
            "CAST(nik_problem AS VARCHAR) AS nik_problem, "
            f"CAST(description AS VARCHAR) AS description FROM {self.code_frame}",
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
            "SELECT f.record_id, f.source, f.code, m.field, m.field_order, m.nik_problem, "
            "m.description "
            f"FROM (SELECT record_id, source, code FROM {self.rec_code}{union}) f "
            f"JOIN {self.code_map} m ON m.code = f.code",
        )
