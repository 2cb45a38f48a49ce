"""A small synthetic city, resolved once per session, for the end-to-end tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from povlink.project import Project
from povlink.synth import generate_city

CITY_HOUSEHOLDS = 300
CITY_SEED = 11  # no benchmark uses this seed


@pytest.fixture(scope="session")
def city_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lists of a small city (not yet resolved)."""
    folder = tmp_path_factory.mktemp("city-template")
    generate_city(folder, households=CITY_HOUSEHOLDS, seed=CITY_SEED)
    return folder


@pytest.fixture(scope="session")
def resolved_city(city_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the city, resolved once; tests must not change it (copy it to change it)."""
    folder = tmp_path_factory.mktemp("city-resolved") / "city"
    shutil.copytree(city_template, folder)
    Project.from_toml(folder / "povlink.toml").resolve()
    return folder


@pytest.fixture
def city_copy(resolved_city: Path, tmp_path: Path) -> Path:
    """A private copy of the resolved city (registry included) that a test may change."""
    folder = tmp_path / "city"
    shutil.copytree(resolved_city, folder)
    return folder
