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

    * ``rec`` – one row per record: source, person, household, region codes;
    * ``src`` – every source with its agency and program text;
    * ``src_prog`` – one row per (source, program) after splitting the program text;
    * ``src_bit`` – every source's position in a set of lists (from 1);
    * ``hh_lists`` – one row per household: the set of lists naming it (``lists``, a bitstring);
    * ``person`` – one row per person: the set of lists naming it, its records (``n``);
    * ``lists_src`` – one row per (set of lists some household or person has, list in it);
    * ``hh`` – one row per household: its set of lists, their number, program combination, DTKS
      status, region;
    * ``rec_flag`` – one row per (record, distinct flag code) with the code's field and NIK kind;
    * ``region`` – the region table.

    Each is built in as few passes as the figures allow: ``rec`` carries only the columns later
    steps read, the flags are read from ``standardised`` directly (a record's flags and empty
    fields need no person or household), and ``hh`` is one aggregate per household.
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
        self._register("region_frame", self._regions)
        self._create("region", f"SELECT * FROM {self.region_frame}")
        if "household_id" in self._engine.columns("persons"):
            # The resolver's layout (docs/tables.md): persons carries each record's household and
            # households is a view of it, so the household is read without a second join.
            household, households = "p.household_id", ""
        else:
            household = "h.household_id"
            households = " LEFT JOIN households h ON h.record_id = s.record_id"
        self._create(
            "rec",
            f"SELECT s.source, p.person_id, {household} AS household_id, s.kelurahan_code, "
            "s.kecamatan_code FROM standardised s "
            f"LEFT JOIN persons p ON p.record_id = s.record_id{households}",
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
        self._create_households(reference)
        self._create_flags()

    def _create_households(self, reference: str | None) -> None:
        # Everything about a household's lists depends only on the set of lists naming it, and a
        # city has few such sets: each household gets its set as a bitstring (one aggregate over
        # the records), and the figures of each set are worked out once, on a small table.
        self._create(
            "src_bit",
            "SELECT source, CAST(row_number() OVER (ORDER BY source) AS INTEGER) AS bit FROM ("
            f"SELECT DISTINCT source FROM {self.src} WHERE source IS NOT NULL) s",
        )
        bits = max(int(self._engine.scalar(f"SELECT count(*) FROM {self.src_bit}")), 1)
        self._create(
            "hh_lists",
            f"SELECT r.household_id, bitstring_agg(b.bit, 1, {bits}) AS lists "
            f"FROM {self.rec} r LEFT JOIN {self.src_bit} b ON b.source = r.source "
            "WHERE r.household_id IS NOT NULL GROUP BY r.household_id",
        )
        # The same for persons, with each person's number of records.
        self._create(
            "person",
            f"SELECT r.person_id, bitstring_agg(b.bit, 1, {bits}) AS lists, count(*) AS n "
            f"FROM {self.rec} r LEFT JOIN {self.src_bit} b ON b.source = r.source "
            "WHERE r.person_id IS NOT NULL GROUP BY r.person_id",
        )
        self._create(
            "lists_src",
            f"SELECT k.lists, b.source FROM (SELECT lists FROM {self.hh_lists} "
            f"UNION SELECT lists FROM {self.person}) k "
            f"JOIN {self.src_bit} b ON get_bit(k.lists, b.bit - 1) = 1",
        )
        ref = quote_literal(reference) if reference is not None else "NULL"
        per_set = (
            "SELECT ls.lists, count(DISTINCT ls.source) AS n_lists, "
            "count(DISTINCT CASE WHEN sp.source IS NOT NULL THEN ls.source END) "
            "AS n_program_lists, "
            f"count(CASE WHEN ls.source = {ref} THEN 1 END) > 0 AS in_reference, "
            "count(CASE WHEN ls.source IS DISTINCT FROM "
            f"{ref} AND sp.source IS NOT NULL THEN 1 END) > 0 AS in_city_program, "
            "string_agg(DISTINCT sp.program, ' + ' ORDER BY sp.program) AS programs, "
            "count(DISTINCT sp.program) AS n_programs "
            f"FROM {self.lists_src} ls LEFT JOIN {self.src_prog} sp ON sp.source = ls.source "
            "GROUP BY ls.lists"
        )
        # A household whose records name no list (a NULL source) has an empty set: no lists.
        self._create(
            "hh",
            "SELECT h.household_id, h.lists, coalesce(l.n_lists, 0) AS n_lists, "
            "coalesce(l.n_program_lists, 0) AS n_program_lists, "
            "coalesce(l.in_reference, false) AS in_reference, "
            "coalesce(l.in_city_program, false) AS in_city_program, "
            "l.programs, coalesce(l.n_programs, 0) AS n_programs, "
            "k.kelurahan_code, coalesce(r.kode_kecamatan, c.kecamatan_code) AS kecamatan_code "
            f"FROM {self.hh_lists} h LEFT JOIN ({per_set}) l ON l.lists = h.lists "
            f"LEFT JOIN ({self._most_common('kelurahan_code')}) k "
            "ON k.household_id = h.household_id "
            f"LEFT JOIN ({self._most_common('kecamatan_code')}) c "
            "ON c.household_id = h.household_id "
            f"LEFT JOIN (SELECT DISTINCT kode_kecamatan, kode_kelurahan FROM {self.region}) r "
            "ON r.kode_kelurahan = k.kelurahan_code",
        )

    def _most_common(self, column: str) -> str:
        """Per household, the value of ``column`` most of its records give (ties: the smallest)."""
        # arg_min over (-count, value) picks the largest count, then the smallest value.
        return (
            f"SELECT household_id, arg_min({column}, struct_pack(a := -n, b := {column})) "
            f"AS {column} FROM (SELECT household_id, {column}, count(*) AS n FROM {self.rec} "
            f"WHERE household_id IS NOT NULL AND {column} IS NOT NULL "
            f"GROUP BY household_id, {column}) c GROUP BY household_id"
        )

    def _create_flags(self) -> None:
        e = self._engine
        have = set(e.columns("standardised"))
        self._key_fields = {f: c for f, c in KEY_FIELDS.items() if c in have}
        codes = [
            str(r[0])
            for r in e.rows(
                "SELECT DISTINCT code FROM (SELECT unnest(quality_flags) AS code "
                "FROM standardised) f WHERE code IS NOT NULL"
            )
        ]
        codes += [f"{field}_missing" for field in self._key_fields]
        flag_codes = read_flag_codes(str(x) for x in codes)
        code_map = pd.DataFrame(
            [(c.code, c.field, c.field_order, c.nik_problem, c.description) for c in flag_codes],
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
        # A record's codes, each once (record IDs are unique, see docs/tables.md), then one
        # `<field>_missing` per empty key field that no flag on the field explains: the agency
        # wrote nothing. Such a code is never among the record's own codes (it would explain the
        # empty field), so the parts need no de-duplication. Only rows with a flag or an empty
        # field are unnested: building lists for every record costs more than scanning again.
        parts = [
            "SELECT record_id, source, unnest(list_distinct(quality_flags)) AS code "
            "FROM standardised WHERE len(quality_flags) > 0"
        ]
        flags = "coalesce(quality_flags, CAST([] AS VARCHAR[]))"
        for field, column in self._key_fields.items():
            on_field = ", ".join(quote_literal(c.code) for c in flag_codes if c.field == field)
            parts.append(
                f"SELECT record_id, source, '{field}_missing' AS code FROM standardised "
                f"WHERE {column} IS NULL AND NOT list_has_any({flags}, [{on_field}])"
            )
        self._create(
            "rec_flag",
            "SELECT f.record_id, f.source, f.code, m.field, m.field_order, m.nik_problem, "
            f"m.description FROM ({' UNION ALL '.join(parts)}) f "
            f"JOIN {self.code_map} m ON m.code = f.code",
        )
