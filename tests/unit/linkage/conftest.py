"""Fixtures for the linkage tests: small tables already in standardised form."""

from __future__ import annotations

from pathlib import Path

import jellyfish
import pandas as pd
import pytest

from povlink.engine import Engine

DATA = Path(__file__).parents[2] / "data"


def fake_1000_standardised() -> pd.DataFrame:
    """Splink's fake_1000 (250 people, 1,000 records) mapped onto standardised columns.

    ``cluster`` is kept as the truth (``entity_id``); the city stands in for the kelurahan (a
    place name with no code); email has no standardised field.
    """
    raw = pd.read_csv(DATA / "fake_1000.csv", dtype=str, keep_default_na=False)
    first = raw["first_name"].str.strip().str.lower()
    last = raw["surname"].str.strip().str.lower()
    tokens = [[t for t in (f, s) if t] for f, s in zip(first, last, strict=True)]
    full = [" ".join(t) or None for t in tokens]
    birth = pd.to_datetime(raw["dob"].replace("", None), errors="coerce")
    return pd.DataFrame(
        {
            "record_id": "fake:" + raw["unique_id"].str.zfill(4),
            "source": "fake",
            "full_name": full,
            "name_tokens": [t or None for t in tokens],
            "name_phonetic": [" ".join(jellyfish.metaphone(x) for x in t) or None for t in tokens],
            "birth_date": birth.dt.date,
            "birth_year": birth.dt.year.astype("Int64"),
            "birth_date_is_placeholder": False,
            "kelurahan_name": raw["city"].str.lower().replace("", None),
            "entity_id": raw["cluster"],
        }
    )


@pytest.fixture(scope="session")
def fake_1000() -> pd.DataFrame:
    """fake_1000 in standardised form (with the truth as ``entity_id``)."""
    return fake_1000_standardised()


@pytest.fixture
def fake_engine(fake_1000: pd.DataFrame) -> Engine:
    """An engine whose ``standardised`` table holds fake_1000."""
    engine = Engine()
    engine.register("fake_df", fake_1000)
    engine.create_table("standardised", "SELECT * FROM fake_df")
    engine.unregister("fake_df")
    return engine
