"""The full city (issue 4's benchmark size), kept out of the default run."""

from __future__ import annotations

import numpy as np
import pytest

from povlink.synth import generate_lists


@pytest.mark.slow
def test_full_city_has_the_scale_of_semarang() -> None:
    """500,000 households: about 1.7 million residents and over 2 million list records."""
    city = generate_lists(500_000, seed=0, whole_city_register=True)
    persons = city.population.persons
    residents = int((persons["household_t0"] >= 0).sum())
    assert 1_600_000 <= residents <= 1_850_000
    records = sum(len(b.person) for b in city.lists)
    assert records >= 2_000_000
    assert persons["nik"].is_unique
    for built in city.lists:
        assert len(np.unique(built.record_id.to_numpy(zero_copy_only=False))) == len(built.person)
