"""A seeded random city of resolved tables, large and untidy enough to pin every report figure.

Unlike the hand-built small city (``tests/unit/report/small_city.py``), nobody works these figures
out by hand: ``random_city_report.json`` holds the report as it was built when the test was written,
so that rewriting the report's SQL for speed cannot change a figure unnoticed. The city has what the
queries must get right: records without a person or household ID, households spread over several
kelurahan with ties, kelurahan outside the region table, records giving only a kecamatan or no
region, ``NULL`` and repeated quality flags, empty key fields with and without a flag explaining
them, a list with no records, a list with no ``sources`` row, and lists giving several programs.

Run ``python -m tests.report.random_city`` to rewrite the stored report after a deliberate change of
a figure (and say why in the commit).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pandas as pd

from povlink.engine import Engine
from povlink.report import IntegrationReport, build_report
from tests.unit.report.small_city import StandardisedRow, create_standardised

EXPECTED = Path(__file__).with_name("random_city_report.json")

#: (name, agency, program); "ghost" has records but no ``sources`` row, "kosong" no records.
SOURCES: list[tuple[str, str | None, str | None]] = [
    ("dtks", "Dinas Sosial", "DTKS / PKH"),
    ("kis", "Dinas Kesehatan", "KIS PBI, Jamkesmaskot"),
    ("kip", "Dinas Pendidikan", "KIP"),
    ("rutilahu", "Disperkim", "Rutilahu"),
    ("regsosek", "BPS", "Regsosek 2022"),
    ("latih", "Disnaker", "Pelatihan kerja; KIP"),
    ("kosong", "Dinas Kosong", None),
]
LISTS = ["dtks", "kis", "kip", "rutilahu", "regsosek", "latih", "ghost"]

KELURAHAN = [
    ("33.74.01", "33.74.01.1001"),
    ("33.74.01", "33.74.01.1002"),
    ("33.74.02", "33.74.02.1001"),
    ("33.74.02", "33.74.02.1002"),
    ("33.74.09", "33.74.09.9999"),  # not in the region table
]
REGIONS = pd.DataFrame(
    [
        ("33.74.01", "Semarang Tengah", "33.74.01.1001", "Miroto"),
        ("33.74.01", "Semarang Tengah", "33.74.01.1002", "Brumbungan"),
        ("33.74.02", "Semarang Utara", "33.74.02.1001", "Bandarharjo"),
        ("33.74.02", "Semarang Utara", "33.74.02.1002", "Bulu Lor"),
        ("33.74.03", "Semarang Timur", "33.74.03.1001", "Kebonagung"),
    ],
    columns=["kode_kecamatan", "nama_kecamatan", "kode_kelurahan", "nama_kelurahan"],
)
FLAGS = [
    "nik_wrong_length",
    "nik_excel_notation",
    "nik_birth_date_mismatch",
    "nik_shared",
    "nik_missing",
    "kk_wrong_length",
    "birth_date_invalid",
    "kelurahan_unknown",
    "kecamatan_unknown",
    "sex_unknown",
]
EMPTIABLE = ("nik", "kk_number", "full_name", "birth_date", "sex")


def load_random_city(
    engine: Engine, *, seed: int = 20240611, households_view: bool = False
) -> None:
    """Write ``standardised``, ``persons``, ``households`` and ``sources`` for the random city.

    With ``households_view`` the resolver's layout is used: ``persons`` carries ``household_id``
    and ``households`` is a view of it; otherwise ``households`` is a table of its own.
    """
    rng = random.Random(seed)
    standardised: list[StandardisedRow] = []
    ids: list[tuple[str, str, str | None, str | None]] = []
    person = 0
    for household in range(300):
        home = rng.choice(KELURAHAN)
        for _ in range(rng.randint(1, 4)):
            person += 1
            for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
                source = rng.choice(LISTS)
                record_id = f"{source}:{len(standardised)}"
                kecamatan, kelurahan = rng.choice(KELURAHAN) if rng.random() < 0.3 else home
                where = rng.random()
                if where < 0.1:
                    kelurahan_code, kecamatan_code = None, kecamatan
                elif where < 0.15:
                    kelurahan_code, kecamatan_code = None, None
                else:
                    kelurahan_code, kecamatan_code = kelurahan, kecamatan
                flags: list[str] | None
                if rng.random() < 0.1:
                    flags = None
                else:
                    flags = [rng.choice(FLAGS) for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3]))]
                empty = tuple(f for f in EMPTIABLE if rng.random() < 0.12)
                standardised.append(
                    (record_id, source, kelurahan_code, kecamatan_code, flags, empty)
                )
                person_id = None if rng.random() < 0.02 else f"P{person:05d}"
                household_id = None if rng.random() < 0.02 else f"H{household:05d}"
                ids.append((record_id, source, person_id, household_id))
    create_standardised(engine, standardised)
    resolved = pd.DataFrame(ids, columns=["record_id", "source", "person_id", "household_id"])
    # A record the resolver missed has no row at all, not a row of NULLs.
    engine.register("_random_ids", resolved)
    if households_view:
        engine.execute(
            "CREATE TABLE persons AS SELECT record_id, source, person_id, household_id, "
            "1.0 AS cluster_confidence FROM _random_ids "
            "WHERE person_id IS NOT NULL OR household_id IS NOT NULL"
        )
        engine.execute("CREATE VIEW households AS SELECT record_id, household_id FROM persons")
    else:
        engine.execute(
            "CREATE TABLE persons AS SELECT record_id, source, person_id FROM _random_ids "
            "WHERE person_id IS NOT NULL"
        )
        engine.execute(
            "CREATE TABLE households AS SELECT record_id, household_id FROM _random_ids "
            "WHERE household_id IS NOT NULL"
        )
    engine.unregister("_random_ids")
    engine.execute(
        "CREATE TABLE sources (source VARCHAR, agency VARCHAR, program VARCHAR, path VARCHAR)"
    )
    for name, agency, program in SOURCES:
        engine.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?)", [name, agency, program, f"{name}.csv"]
        )


def random_city_report(*, households_view: bool = False) -> IntegrationReport:
    with Engine() as engine:
        load_random_city(engine, households_view=households_view)
        return build_report(engine, regions=REGIONS)


def pinned_form(report: IntegrationReport) -> dict[str, Any]:
    """Every DataFrame of the report as its columns, dtypes and rows; notes and reference."""
    frames: dict[str, Any] = {}
    for name in (
        "summary",
        "sources",
        "overlap",
        "programs",
        "program_combinations",
        "kecamatan",
        "kelurahan",
        "quality_by_field",
        "quality_by_flag",
    ):
        frame: pd.DataFrame = getattr(report, name)
        if name == "overlap":
            frame = frame.reset_index()
        frames[name] = {
            "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()},
            "rows": json.loads(frame.to_json(orient="values", double_precision=15)),
        }
    return {
        "frames": frames,
        "notes": list(report.notes),
        "reference_source": report.reference_source,
    }


if __name__ == "__main__":
    EXPECTED.write_text(
        json.dumps(pinned_form(random_city_report()), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {EXPECTED}")
