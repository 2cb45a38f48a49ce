"""A synthetic city of resolved tables, big enough to fill every chart of the report.

Deterministic for a seed: households spread over Semarang's kelurahan, persons in them, and agency
lists that each name a share of the households, with duplicates and quality flags.
"""

from __future__ import annotations

import random

import pandas as pd

from povlink.engine import Engine
from povlink.report._build import _read_regions
from tests.unit.report.small_city import StandardisedRow, create_standardised

LISTS: list[tuple[str, str, str, float]] = [
    ("dinsos_dtks", "Dinas Sosial", "DTKS", 0.70),
    ("dinsos_pkh", "Dinas Sosial", "PKH, BPNT", 0.35),
    ("dinkes_kis", "Dinas Kesehatan", "KIS", 0.55),
    ("disdik_kip", "Dinas Pendidikan", "KIP", 0.25),
    ("disperkim_rtlh", "Dinas Perumahan dan Kawasan Permukiman", "Rutilahu", 0.08),
    ("dp3a_kb", "DP3A / PPKB", "KB gratis", 0.20),
    ("disnaker_latih", "Dinas Tenaga Kerja", "Pelatihan kerja", 0.05),
]

# Flag codes of povlink.standardise.QUALITY_FLAGS, and the field each nulls, with their odds.
FLAGS = [
    ("nik_wrong_length", "nik", 0.03),
    ("nik_excel_notation", "nik", 0.02),
    ("nik_birth_date_mismatch", None, 0.02),
    ("kk_wrong_length", "kk_number", 0.03),
    ("birth_date_invalid", "birth_date", 0.02),
    ("kelurahan_unknown", None, 0.05),
]

# Fields an agency leaves empty (NULL, with no flag), with their odds.
EMPTY = [("nik", 0.06), ("kk_number", 0.10), ("birth_date", 0.03)]


def load_example_city(engine: Engine, *, households: int = 1500, seed: int = 7) -> None:
    """Write ``standardised``, ``persons``, ``households`` and ``sources`` for a synthetic city."""
    rng = random.Random(seed)
    regions = _read_regions(None)
    kelurahan = list(zip(regions["kode_kelurahan"], regions["kode_kecamatan"], strict=True))
    standardised: list[StandardisedRow] = []
    persons: list[tuple[str, str, str]] = []
    household_rows: list[tuple[str, str]] = []
    person_number = 0
    for h in range(households):
        kel, kec = rng.choice(kelurahan[: 60 + h % 117])
        members = [f"P{person_number + i}" for i in range(rng.randint(1, 6))]
        person_number += len(members)
        for source, _agency, _program, share in LISTS:
            quality = rng.uniform(0.5, 1.5)
            if rng.random() > share:
                continue
            listed = members if rng.random() < 0.7 else members[:1]
            for person in listed:
                for _copy in range(2 if rng.random() < 0.04 else 1):
                    record_id = f"{source}:{len(standardised)}"
                    flagged = [(f, nulls) for f, nulls, p in FLAGS if rng.random() < p * quality]
                    empty = {f for f, p in EMPTY if rng.random() < p * quality}
                    empty |= {nulls for _, nulls in flagged if nulls is not None}
                    unknown = any(f == "kelurahan_unknown" for f, _ in flagged)
                    standardised.append(
                        (
                            record_id,
                            source,
                            None if unknown else kel,
                            kec,
                            [f for f, _ in flagged],
                            tuple(sorted(empty)),
                        )
                    )
                    persons.append((record_id, source, person))
                    household_rows.append((record_id, f"H{h}"))
    create_standardised(engine, standardised)
    engine.register(
        "_persons_frame", pd.DataFrame(persons, columns=["record_id", "source", "person_id"])
    )
    engine.execute("CREATE TABLE persons AS SELECT * FROM _persons_frame")
    engine.unregister("_persons_frame")
    engine.register(
        "_hh_frame", pd.DataFrame(household_rows, columns=["record_id", "household_id"])
    )
    engine.execute("CREATE TABLE households AS SELECT * FROM _hh_frame")
    engine.unregister("_hh_frame")
    engine.execute(
        "CREATE TABLE sources (source VARCHAR, agency VARCHAR, program VARCHAR, path VARCHAR)"
    )
    for source, agency, program, _share in LISTS:
        engine.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?)", [source, agency, program, f"{source}.csv"]
        )
