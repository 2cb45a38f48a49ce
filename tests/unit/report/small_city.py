"""A small hand-built city of resolved tables whose report figures are known exactly.

Six households (H1–H6), eight persons (P1–P8), fourteen records in four lists, and one list with no
records. The expected figures in ``test_build.py`` are worked out by hand from the rows below.

=======  ==================================  ===================================================
list     program                             records (person, household, kelurahan)
=======  ==================================  ===================================================
dtks     "DTKS" (a register, no program)     1 P1 H1 Miroto · 2 P2 H1 Miroto · 3 P3 H2 Brumbungan
                                             · 4 P3 H2 Brumbungan · 5 P6 H4 (kecamatan 03 only)
kis      "KIS"                               1 P1 H1 Miroto · 2 P5 H3 Bandarharjo · 3 P5 H3
                                             (kecamatan 02 only) · 4 P8 H6 Bulu Lor
kip      "KIP"                               1 P4 H2 Jagalan · 2 P7 H5 (no region)
pkh      "PKH, BPNT"                         1 P1 H1 Miroto · 2 P5 H3 Bandarharjo · 3 P8 H6
                                             Bandarharjo
latih    "Pelatihan / Padat Karya"           (no records)
=======  ==================================  ===================================================
"""

from __future__ import annotations

import pandas as pd

from povlink.engine import Engine, quote_identifier
from povlink.schema import CANONICAL_FIELDS, StandardisedRecord, sql_columns

MIROTO = "33.74.01.1001"
BRUMBUNGAN = "33.74.01.1002"
JAGALAN = "33.74.01.1003"
BANDARHARJO = "33.74.02.1001"
BULU_LOR = "33.74.02.1002"

# record_id, person, household, kelurahan_code, kecamatan_code, quality flags, empty fields.
# As the standardiser does, an absent value is only NULL; a damaged one is NULL and flagged.
RECORDS: list[tuple[str, str, str, str | None, str | None, list[str] | None, tuple[str, ...]]] = [
    ("dtks:1", "P1", "H1", MIROTO, "33.74.01", [], ()),
    ("dtks:2", "P2", "H1", MIROTO, "33.74.01", [], ("nik", "birth_date")),
    ("dtks:3", "P3", "H2", BRUMBUNGAN, "33.74.01", ["nik_wrong_length"], ("nik",)),
    (
        "dtks:4",
        "P3",
        "H2",
        BRUMBUNGAN,
        "33.74.01",
        ["nik_excel_notation", "nik_birth_date_mismatch"],
        ("nik",),
    ),
    ("dtks:5", "P6", "H4", None, "33.74.03", ["kelurahan_unknown", "kelurahan_unknown"], ()),
    ("kis:1", "P1", "H1", MIROTO, "33.74.01", ["nik_shared"], ()),
    ("kis:2", "P5", "H3", BANDARHARJO, "33.74.02", None, ()),
    ("kis:3", "P5", "H3", None, "33.74.02", ["kelurahan_unknown"], ()),
    ("kis:4", "P8", "H6", BULU_LOR, "33.74.02", [], ()),
    ("kip:1", "P4", "H2", JAGALAN, "33.74.01", [], ()),
    (
        "kip:2",
        "P7",
        "H5",
        None,
        None,
        ["kelurahan_unknown", "kecamatan_unknown", "nik_missing"],
        ("nik",),
    ),
    ("pkh:1", "P1", "H1", MIROTO, "33.74.01", [], ()),
    ("pkh:2", "P5", "H3", BANDARHARJO, "33.74.02", [], ()),
    ("pkh:3", "P8", "H6", BANDARHARJO, "33.74.02", [], ()),
]

SOURCES: list[tuple[str, str | None, str | None]] = [
    ("dtks", "Dinas Sosial", "DTKS"),
    ("kis", "Dinas Kesehatan", "KIS"),
    ("kip", "Dinas Pendidikan", "KIP"),
    ("pkh", "Dinas Sosial", "PKH, BPNT"),
    ("latih", "Dinas Tenaga Kerja", "Pelatihan / Padat Karya"),
]


StandardisedRow = tuple[str, str, str | None, str | None, list[str] | None, tuple[str, ...]]


def create_standardised(engine: Engine, rows: list[StandardisedRow]) -> None:
    """An empty ``standardised`` table with the contract's columns, then ``rows`` inserted.

    Each row is (record_id, source, kelurahan_code, kecamatan_code, quality_flags, empty fields):
    nik, kk_number, full_name, birth_date and sex get a plausible value unless listed as empty.
    """
    columns = {"record_id": "VARCHAR", "source": "VARCHAR"}
    columns.update(sql_columns(StandardisedRecord))
    columns.update({f"{f}_raw": "VARCHAR" for f in CANONICAL_FIELDS})
    engine.execute(
        "CREATE TABLE standardised ("
        + ", ".join(f"{quote_identifier(c)} {t}" for c, t in columns.items())
        + ")"
    )
    values = {
        "nik": "3374015708450001",
        "kk_number": "3374010101100001",
        "full_name": "SITI AMINAH",
        "birth_date": "1945-08-17",
        "sex": "F",
    }
    frame = pd.DataFrame(
        [(*row[:5], *(None if f in row[5] else v for f, v in values.items())) for row in rows],
        columns=[
            "record_id",
            "source",
            "kelurahan_code",
            "kecamatan_code",
            "quality_flags",
            *values,
        ],
    )
    engine.register("_standardised_rows", frame)
    engine.execute(
        "INSERT INTO standardised (record_id, source, kelurahan_code, kecamatan_code, "
        "quality_flags, nik, kk_number, full_name, birth_date, sex) "
        "SELECT record_id, source, CAST(kelurahan_code AS VARCHAR), "
        "CAST(kecamatan_code AS VARCHAR), CAST(quality_flags AS VARCHAR[]), "
        "CAST(nik AS VARCHAR), CAST(kk_number AS VARCHAR), CAST(full_name AS VARCHAR), "
        "CAST(birth_date AS DATE), CAST(sex AS VARCHAR) FROM _standardised_rows"
    )
    engine.unregister("_standardised_rows")


def load_small_city(
    engine: Engine,
    *,
    sources: list[tuple[str, str | None, str | None]] = SOURCES,
    rename: dict[str, str] | None = None,
) -> None:
    """Write ``standardised``, ``persons``, ``households`` and ``sources`` for the small city.

    ``rename`` maps list names to new ones (in every table), e.g. to hide that "dtks" is DTKS.
    """
    create_standardised(
        engine,
        [(r[0], r[0].split(":")[0], r[3], r[4], r[5], r[6]) for r in RECORDS],
    )
    engine.execute("CREATE TABLE persons (record_id VARCHAR, source VARCHAR, person_id VARCHAR)")
    engine.execute("CREATE TABLE households (record_id VARCHAR, household_id VARCHAR)")
    engine.execute(
        "CREATE TABLE sources (source VARCHAR, agency VARCHAR, program VARCHAR, path VARCHAR)"
    )
    for record_id, person, household, *_ in RECORDS:
        engine.execute(
            "INSERT INTO persons VALUES (?, ?, ?)", [record_id, record_id.split(":")[0], person]
        )
        engine.execute("INSERT INTO households VALUES (?, ?)", [record_id, household])
    for old, new in (rename or {}).items():
        for table in ("standardised", "persons"):
            engine.execute(f"UPDATE {table} SET source = ? WHERE source = ?", [new, old])
        for table in ("standardised", "persons", "households"):
            engine.execute(
                f"UPDATE {table} SET record_id = ? || substr(record_id, ?) WHERE record_id LIKE ?",
                [new, len(old) + 1, f"{old}:%"],
            )
    for name, agency, program in sources:
        name = (rename or {}).get(name, name)
        engine.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?)", [name, agency, program, f"{name}.csv"]
        )
