"""The true city before damage: identifiers, households, names and life events."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from povlink.synth import POOR_DECILES, Population, generate_population
from povlink.synth._population import T0, T1


def _digits(values: pd.Series) -> pd.DataFrame:
    return values.astype(str).str.extract(
        r"^(?P<pp>\d\d)(?P<kk>\d\d)(?P<cc>\d\d)(?P<dd>\d\d)(?P<mm>\d\d)(?P<yy>\d\d)(?P<ss>\d{4})$"
    )


def test_niks_are_unique_16_digit_semarang_numbers(population: Population) -> None:
    """Every NIK is 16 digits, registered in one of Semarang's 16 kecamatan, and unique."""
    nik = population.persons["nik"].astype(str)
    parts = _digits(nik)
    assert parts.notna().all().all()
    assert (parts["pp"] == "33").all()
    assert (parts["kk"] == "74").all()
    assert parts["cc"].astype(int).between(1, 16).all()
    assert parts["ss"].astype(int).ge(1).all()
    assert nik.is_unique


def test_nik_encodes_birth_date_with_womens_day_plus_40(population: Population) -> None:
    """Digits 7-12 are DDMMYY of the birth date, with 40 added to a woman's day."""
    p = population.persons
    parts = _digits(p["nik"])
    birth = pd.to_datetime(p["birth_date"])
    female = (p["sex"] == "F").to_numpy()
    day = parts["dd"].astype(int).to_numpy()
    assert (day[female] > 40).all()
    assert (day[~female] <= 31).all()
    np.testing.assert_array_equal(np.where(female, day - 40, day), birth.dt.day.to_numpy())
    np.testing.assert_array_equal(parts["mm"].astype(int), birth.dt.month)
    np.testing.assert_array_equal(parts["yy"].astype(int), birth.dt.year % 100)


def test_kk_numbers_have_issuing_area_date_and_serial(population: Population) -> None:
    """KK numbers: 33.74.CC, a real recording date no later than the newer snapshot, a serial."""
    h = population.households
    kk = pd.concat([h["kk_t0"], h["kk_t1"]]).astype(str)
    kk = kk[kk != ""].drop_duplicates()
    parts = _digits(kk)
    assert parts.notna().all().all()
    assert (parts["pp"] + parts["kk"] == "3374").all()
    assert parts["cc"].astype(int).between(1, 16).all()
    issued = pd.to_datetime(
        "20" + parts["yy"] + "-" + parts["mm"] + "-" + parts["dd"], format="%Y-%m-%d"
    )
    assert issued.le(pd.Timestamp(T1)).all()
    assert issued.ge(pd.Timestamp("2006-01-01")).all()
    assert parts["ss"].astype(int).ge(1).all()


def test_each_kk_number_belongs_to_one_household(population: Population) -> None:
    """No two households share a KK number at either snapshot, or across them."""
    h = population.households
    old = h.loc[h["exists_t0"], "kk_t0"].astype(str)
    renewed = h.loc[h["kk_t1"] != h["kk_t0"], "kk_t1"].astype(str)
    assert pd.concat([old, renewed]).is_unique


def test_kk_changes_exactly_when_a_household_moved_or_split_off(population: Population) -> None:
    """A household keeps its KK unless it moved; a split-off household has a KK only at T1."""
    h = population.households
    old = h[h["exists_t0"]]
    assert ((old["kk_t0"] != old["kk_t1"]) == old["moved"]).all()
    split = h[h["split_from"] >= 0]
    assert len(split) > 0
    assert (split["kk_t0"] == "").all()
    assert (split["kk_t1"] != "").all()


def test_every_household_has_one_head_at_each_snapshot(population: Population) -> None:
    """Exactly one member of every existing household is its head, the one named in head_t*."""
    p, h = population.persons, population.households
    for epoch in ("t0", "t1"):
        members = p[p[f"household_{epoch}"] >= 0]
        heads = members[members[f"relationship_{epoch}"] == "head"]
        exists = h[h[f"exists_{epoch}"]]
        assert heads[f"household_{epoch}"].is_unique
        assert len(heads) == len(exists)
        np.testing.assert_array_equal(
            exists[f"head_{epoch}"].to_numpy(), heads.index[np.argsort(heads[f"household_{epoch}"])]
        )


def test_children_carry_their_mothers_name(population: Population) -> None:
    """A child's mother's name is the full name of the woman heading or married to the head."""
    p = population.persons
    epoch = p[p["household_t0"] >= 0]
    wives = epoch[
        epoch["relationship_t0"].isin(["head", "spouse"]) & (epoch["sex"] == "F")
    ].set_index("household_t0")["full_name"]
    children = epoch[epoch["relationship_t0"] == "child"]
    with_mother = children[children["household_t0"].isin(wives.index)]
    assert len(with_mother) > 100
    expected = wives.loc[with_mother["household_t0"]].to_numpy()
    assert (with_mother["mother_name"].to_numpy() == expected).mean() > 0.97


def test_mothers_were_between_15_and_50_at_birth(population: Population) -> None:
    """Children in a household are born to a mother of child-bearing age."""
    p = population.persons
    epoch = p[p["household_t0"] >= 0]
    wives = epoch[
        epoch["relationship_t0"].isin(["head", "spouse"]) & (epoch["sex"] == "F")
    ].set_index("household_t0")["birth_date"]
    children = epoch[
        (epoch["relationship_t0"] == "child") & epoch["household_t0"].isin(wives.index)
    ]
    gap = (
        pd.to_datetime(children["birth_date"]).to_numpy()
        - pd.to_datetime(wives.loc[children["household_t0"]]).to_numpy()
    ) / np.timedelta64(365, "D")
    assert gap.min() >= 15
    assert gap.max() <= 50


def test_size_and_welfare_deciles(population: Population) -> None:
    """About 3.4 residents per household; deciles split the rumah tangga into tenths."""
    p, h = population.persons, population.households
    per_household = (p["household_t0"] >= 0).sum() / h["exists_t0"].sum()
    assert 3.1 <= per_household <= 3.8
    main_cards = h["exists_t0"] & (h["dwelling"] == h.index)
    counts = h.loc[main_cards, "decile"].value_counts()
    assert counts.between(290, 310).all()
    assert len(counts) == 10
    assert (h["decile"] <= POOR_DECILES).mean() == pytest.approx(POOR_DECILES / 10, abs=0.02)


def test_some_rumah_tangga_hold_two_cards(population: Population) -> None:
    """A married child's family on its own KK shares the parents' address and rumah tangga."""
    p, h = population.persons, population.households
    cards = h[h["exists_t0"] & (h["dwelling"] != h.index)]
    assert len(cards) > 0
    main = h.loc[cards["dwelling"]]
    for column in ("kelurahan_t0", "rt_t0", "rw_t0", "street_t0", "decile"):
        assert (cards[column].to_numpy() == main[column].to_numpy()).all()
    assert (cards["kk_t0"].to_numpy() != main["kk_t0"].to_numpy()).all()
    heads = p.loc[cards["head_t0"]]
    assert (heads["dwelling_relationship_t0"] == "child").all()
    assert (heads["dwelling_t0"].to_numpy() == cards["dwelling"].to_numpy()).all()
    in_card = p[p["household_t0"].isin(cards.index)]
    pairs = set(zip(in_card["relationship_t0"], in_card["dwelling_relationship_t0"], strict=True))
    assert pairs <= {("head", "child"), ("spouse", "in_law"), ("child", "grandchild")}


def test_life_events_between_snapshots(population: Population) -> None:
    """Split-off heads came from their parents' household; babies and deaths change membership."""
    p, h = population.persons, population.households
    split = h[h["split_from"] >= 0]
    heads = p.loc[split["head_t1"]]
    np.testing.assert_array_equal(heads["household_t0"].to_numpy(), split["split_from"].to_numpy())
    assert (heads["relationship_t0"] == "child").all()
    born = p[(p["household_t0"] < 0) & (pd.to_datetime(p["birth_date"]) > pd.Timestamp(T0))]
    assert len(born) > 0
    died = p[(p["household_t0"] >= 0) & (p["household_t1"] < 0)]
    assert len(died) > 0
    assert (died["relationship_t0"] == "parent").all()
    moved = h[h["moved"]]
    assert len(moved) > 0
    assert (moved["kelurahan_t0"] != moved["kelurahan_t1"]).all()


def test_names_follow_javanese_patterns(population: Population) -> None:
    """Mononyms, Su- names, Sri/Siti and Muhammad occur; frequent names are frequent."""
    names = population.persons["full_name"].astype(str)
    tokens = names.str.split().str.len()
    assert 0.15 < (tokens == 1).mean() < 0.6
    assert names.str.match(r"^Su[a-z]+$").mean() > 0.03
    assert names.str.match(r"^(Sri|Siti) ").mean() > 0.02
    assert names.str.contains(r"\bMuhammad\b").mean() > 0.01
    assert names.str.contains(r"(?:wati|ningsih)$").mean() > 0.01
    old_men = population.persons[
        (population.persons["sex"] == "M")
        & (pd.to_datetime(population.persons["birth_date"]).dt.year < 1965)
    ]["full_name"]
    assert old_men.value_counts().index[0] in {"Sutrisno", "Slamet", "Mulyadi", "Herman"}


def test_population_is_reproducible_and_seed_dependent() -> None:
    """The same seed gives the same people; another seed gives others."""
    a = generate_population(200, seed=3)
    b = generate_population(200, seed=3)
    c = generate_population(200, seed=4)
    pd.testing.assert_frame_equal(a.persons, b.persons)
    pd.testing.assert_frame_equal(a.households, b.households)
    assert not a.persons["nik"].equals(c.persons["nik"])


def test_snapshot_dates_are_ordered(population: Population) -> None:
    """The older snapshot comes before the newer one."""
    older, newer = population.snapshot_dates
    assert isinstance(older, dt.date)
    assert older < newer


def test_zero_households_is_rejected() -> None:
    """A city needs at least one household."""
    with pytest.raises(ValueError, match="households must be at least 1"):
        generate_population(0)
