"""Shared fixtures for povlink's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from povlink.engine import Engine

SHARED_DATA = Path(__file__).parent / "data"


@pytest.fixture
def engine() -> Engine:
    """A fresh in-memory engine."""
    return Engine()
