"""Small synthetic cities shared by the synth tests (generated once per session)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from povlink.synth import Population, SynthCity, generate_city, generate_population


@pytest.fixture(scope="session")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> SynthCity:
    """A 1,500-household city with the whole-city register, written to disk."""
    out = tmp_path_factory.mktemp("city")
    return generate_city(out, households=1_500, seed=7, whole_city_register=True)


@pytest.fixture(scope="session")
def population() -> Population:
    """A 3,000-household population in memory."""
    return generate_population(3_000, seed=11)


def read_source(project: Path, source: dict[str, Any]) -> pd.DataFrame:
    """Read one list the way its project-file entry describes, every value as text."""
    path = project.parent / source["path"]
    options = source.get("options", {})
    suffix = path.suffix
    if suffix in (".csv", ".tsv"):
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            sep=options.get("delimiter", "\t" if suffix == ".tsv" else ","),
            encoding=options.get("encoding", "utf-8"),
        )
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name=options.get("sheet", 0), dtype=str)
        return frame.fillna("")
    if suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False, convert_dates=False)
    raise AssertionError(f"unexpected file type {suffix}")


def load_project(city: SynthCity) -> dict[str, Any]:
    """The city's project file, parsed."""
    with city.project_file.open("rb") as f:
        return tomllib.load(f)
