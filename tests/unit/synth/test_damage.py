"""Damage: each rate lands near its setting, and the lists show exactly what the log says."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from povlink.exceptions import ConfigError
from povlink.synth import DamageRates, GeneratedLists, ListDamage, generate_lists
from povlink.synth._lists import AgencyList

#: Rates high enough to measure on a small city; exclusive groups stay below 1.
_TEST_RATES = ListDamage(
    nik_missing=0.08,
    nik_typo=0.06,
    nik_transposed=0.06,
    nik_excel=0.06,
    nik_head=0.06,
    nik_kk=0.04,
    nik_formatted=0.04,
    kk_missing=0.1,
    kk_stale=0.3,
    name_old_spelling=0.3,
    name_abbreviation=0.3,
    name_token_dropped=0.08,
    name_tokens_swapped=0.08,
    name_typo=0.1,
    name_patronym=0.1,
    name_title=0.1,
    name_caps=0.2,
    mother_name_typo=0.1,
    birth_date_swapped=0.08,
    birth_date_year=0.06,
    birth_date_placeholder=0.06,
    birth_date_missing=0.06,
    kelurahan_typo=0.1,
    address_stale=0.4,
    duplicate=0.05,
)


@pytest.fixture(scope="module")
def damaged() -> GeneratedLists:
    """A 4,000-household city, every list damaged at the test rates."""
    rates = DamageRates(**{f.name: _TEST_RATES for f in dataclasses.fields(DamageRates)})
    return generate_lists(4_000, seed=3, damage=rates, whole_city_register=True)


@pytest.fixture(scope="module")
def clean() -> GeneratedLists:
    """The same city with no damage at all."""
    return generate_lists(800, seed=3, damage=DamageRates.none(), whole_city_register=True)


def _column(built: AgencyList, field: str) -> pd.Series:
    """A canonical field's values as the list writes them (several columns joined by a space)."""
    column = built.spec.mapping[field]
    columns = [column] if isinstance(column, str) else column
    parts = [pd.Series(built.table.column(c).to_pylist(), dtype=object) for c in columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = (joined + " " + part).str.strip()
    return joined


def _list(generated: GeneratedLists, name: str) -> AgencyList:
    (built,) = [b for b in generated.lists if b.spec.name == name]
    return built


def _true(generated: GeneratedLists, built: AgencyList, column: str) -> np.ndarray:
    return generated.population.persons[column].astype(str).to_numpy()[built.person]


def _within(observed: float, rate: float, n: int) -> bool:
    return abs(observed - rate) <= 4 * math.sqrt(rate * (1 - rate) / n) + 0.002


def test_every_rate_lands_within_tolerance(damaged: GeneratedLists) -> None:
    """Observed share of eligible records ≈ setting (4 standard errors), per list and pooled."""
    pooled: dict[str, list[int]] = {}
    for built in damaged.lists:
        for kind in built.log.columns.drop("record_id"):
            log = built.log[kind].to_numpy()
            eligible, hit = int((log >= 0).sum()), int((log == 1).sum())
            totals = pooled.setdefault(kind, [0, 0])
            totals[0] += eligible
            totals[1] += hit
            rate = getattr(_TEST_RATES, kind)
            if eligible >= 100:
                assert _within(hit / eligible, rate, eligible), (
                    built.spec.name,
                    kind,
                    hit,
                    eligible,
                )
    assert set(pooled) == {f.name for f in dataclasses.fields(ListDamage)}
    for kind, (eligible, hit) in pooled.items():
        assert eligible >= 100, kind
        assert _within(hit / eligible, getattr(_TEST_RATES, kind), eligible), (kind, hit, eligible)


def test_default_rates_follow_the_domain(damaged: GeneratedLists) -> None:
    """About 17% of DTKS records lack a NIK by default (KPK, 2021)."""
    assert DamageRates().dinsos_dtks.nik_missing == pytest.approx(0.17)
    assert DamageRates().dinsos_dtks.nik_missing > DamageRates().bps_regsosek.nik_missing


def test_nik_damage_shows_in_the_list(damaged: GeneratedLists) -> None:
    """Missing, mistyped, transposed, Excel and head's NIKs look as the log says."""
    built = _list(damaged, "bps_regsosek")
    nik = _column(built, "nik").to_numpy()
    true = _true(damaged, built, "nik")
    log = built.log
    missing = log["nik_missing"].to_numpy() == 1
    assert (nik[missing] == "").all()
    excel = log["nik_excel"].to_numpy() == 1
    sci = pd.Series(nik[excel]).str.fullmatch(r"\d(?:\.\d{1,5})?E\+1[56]")
    truncated = pd.Series(nik[excel] == pd.Series(true[excel]).str[:15] + "0")
    assert (sci | truncated).all()
    assert sci.mean() > 0.5
    typo = log["nik_typo"].to_numpy() == 1
    differing = [
        sum(a != b for a, b in zip(x, y, strict=True))
        for x, y in zip(nik[typo], true[typo], strict=True)
    ]
    assert set(differing) == {1}
    swapped = log["nik_transposed"].to_numpy() == 1
    for x, y in zip(nik[swapped], true[swapped], strict=True):
        assert sorted(x) == sorted(y)
        assert sum(a != b for a, b in zip(x, y, strict=True)) == 2
    head = log["nik_head"].to_numpy() == 1
    households = damaged.population.households
    head_person = households["head_t0"].to_numpy()[built.household[head]]
    head_nik = damaged.population.persons["nik"].astype(str).to_numpy()[head_person]
    assert (nik[head] == head_nik).all()
    assert (nik[head] != true[head]).all()
    kk = log["nik_kk"].to_numpy() == 1
    family_kk = households["kk_t0"].astype(str).to_numpy()[built.household[kk]]
    assert (nik[kk] == family_kk).all()
    formatted = log["nik_formatted"].to_numpy() == 1
    shown = pd.Series(nik[formatted])
    assert shown.str.contains(r"[ .-]").all()
    assert (shown.str.replace(r"[ .-]", "", regex=True).to_numpy() == true[formatted]).all()
    kinds = [c for c in log.columns if c.startswith("nik_")]
    untouched = (log[kinds] <= 0).all(axis=1).to_numpy()
    assert (nik[untouched] == true[untouched]).all()


def test_missing_nik_tokens_are_the_agencys_own(damaged: GeneratedLists) -> None:
    """DTKS writes a missing NIK as blank, '-', '0' or 'BELUM ADA'."""
    built = _list(damaged, "dinsos_dtks")
    nik = _column(built, "nik").to_numpy()
    missing = built.log["nik_missing"].to_numpy() == 1
    assert set(nik[missing]) == {"", "-", "0", "BELUM ADA"}


def test_birth_date_damage_shows_in_the_list(damaged: GeneratedLists) -> None:
    """Swapped, placeholder and missing birth dates are what the log says (ISO register)."""
    built = _list(damaged, "bps_regsosek")
    written = _column(built, "birth_date")
    true = pd.to_datetime(damaged.population.persons["birth_date"]).to_numpy()[built.person]
    true = pd.DatetimeIndex(true)
    log = built.log
    missing = log["birth_date_missing"].to_numpy() == 1
    assert (written[missing] == "").all()
    shown = pd.to_datetime(written.where(~missing, None), format="%Y-%m-%d")
    placeholder = log["birth_date_placeholder"].to_numpy() == 1
    pairs = set(zip(shown[placeholder].dt.month, shown[placeholder].dt.day, strict=True))
    assert pairs <= {(1, 1), (7, 1), (12, 31)}
    assert (shown[placeholder].dt.year.to_numpy() == true[placeholder].year).all()
    swapped = log["birth_date_swapped"].to_numpy() == 1
    assert (shown[swapped].dt.month.to_numpy() == true[swapped].day).all()
    assert (shown[swapped].dt.day.to_numpy() == true[swapped].month).all()
    off = log["birth_date_year"].to_numpy() == 1
    assert set(np.abs(shown[off].dt.year.to_numpy() - true[off].year)) == {1}
    untouched = (log[[c for c in log.columns if c.startswith("birth_date")]] <= 0).all(axis=1)
    ok = untouched.to_numpy()
    assert (shown[ok].to_numpy() == true[ok].to_numpy()).all()


def test_name_damage_shows_in_the_list(damaged: GeneratedLists) -> None:
    """Capitals, titles, abbreviations, old spellings and dropped words appear as logged."""
    built = _list(damaged, "disdik_kip")
    name = _column(built, "full_name")
    log = built.log
    caps = log["name_caps"].to_numpy() == 1
    assert (name[caps] == name[caps].str.upper()).all()
    assert (name[~caps] != name[~caps].str.upper()).mean() > 0.95
    register = _list(damaged, "bps_regsosek")
    rname = _column(register, "full_name")
    rlog = register.log
    titled = rname[rlog["name_title"].to_numpy() == 1]
    assert titled.str.contains(r"^(?:H|HJ|DRS|DRA|IR|KH|DR|R|R\.A)\. |, [A-Z]\.", regex=True).all()
    patronym = rname[rlog["name_patronym"].to_numpy() == 1]
    assert patronym.str.contains(r" BINT?I? [A-Z]+").all()
    later = ["name_typo", "name_token_dropped", "name_tokens_swapped"]
    undisturbed = (rlog[later] <= 0).all(axis=1).to_numpy()
    abbreviated = rname[(rlog["name_abbreviation"].to_numpy() == 1) & undisturbed]
    assert abbreviated.str.contains(
        r"\b(?:M|MOH|MUH|MOCH|A|ABD|ST)\.|MOCHAMAD|MUHAMAD|MOHAMMAD|ACHMAD|AKHMAD"
    ).all()
    old = rname[(rlog["name_old_spelling"].to_numpy() == 1) & undisturbed]
    assert old.str.contains("OE|DJ|TJ|CH|J").all()
    true = _true(damaged, register, "full_name")
    dropped = rlog["name_token_dropped"].to_numpy() == 1
    others = ["name_typo", "name_title", "name_abbreviation", "name_old_spelling", "name_patronym"]
    plain = dropped & (rlog[others] <= 0).all(axis=1).to_numpy()
    words_true = pd.Series(true[plain]).str.split().str.len().to_numpy()
    words_shown = rname[plain].str.split().str.len().to_numpy()
    assert (words_shown == words_true - 1).all()


def test_duplicates_repeat_a_person_under_another_id(damaged: GeneratedLists) -> None:
    """A duplicated record's person appears twice in the list, with two record ids."""
    for built in damaged.lists:
        duplicated = built.log["duplicate"].to_numpy() == 1
        counts = pd.Series(built.person).value_counts()
        assert (counts[built.person[duplicated]] >= 2).all()
        assert pd.Series(built.record_id.to_pylist()).is_unique


def test_stale_kk_and_address_come_from_the_older_snapshot(damaged: GeneratedLists) -> None:
    """A stale KK is the person's old household's KK; a stale address its old kelurahan."""
    built = _list(damaged, "dinkes_kis")
    persons, households = damaged.population.persons, damaged.population.households
    log = built.log
    stale = log["kk_stale"].to_numpy() == 1
    assert stale.sum() > 10
    old_household = persons["household_t0"].to_numpy()[built.person[stale]]
    expected = households["kk_t0"].astype(str).to_numpy()[old_household]
    assert (_column(built, "kk_number").to_numpy()[stale] == expected).all()
    moved = log["address_stale"].to_numpy() == 1
    typo = log["kelurahan_typo"].to_numpy() == 1
    check = moved & ~typo
    assert check.sum() > 5
    names = damaged.population.regions.kelurahan_name.to_pylist()
    old_kel = households["kelurahan_t0"].to_numpy()[
        persons["household_t0"].to_numpy()[built.person[check]]
    ]
    shown = _column(built, "kelurahan").to_numpy()[check]
    assert (shown == np.array([names[k].upper() for k in old_kel])).all()


def test_clean_lists_show_the_truth(clean: GeneratedLists) -> None:
    """With no damage, every NIK, name and KK on every list is the person's true value."""
    persons, households = clean.population.persons, clean.population.households
    for built in clean.lists:
        assert (built.log.drop(columns="record_id") <= 0).all().all()
        mapping = built.spec.mapping
        nik = _column(built, "nik").to_numpy()
        assert (nik == _true(clean, built, "nik")).all(), built.spec.name
        name = _column(built, "full_name").str.upper().to_numpy()
        assert (name == pd.Series(_true(clean, built, "full_name")).str.upper().to_numpy()).all()
        if "kk_number" in mapping:
            epoch = built.spec.epoch
            kk = households[f"kk_t{epoch}"].astype(str).to_numpy()[built.household]
            assert (_column(built, "kk_number").to_numpy() == kk).all(), built.spec.name
        older = persons["household_t0"].to_numpy()[built.person]
        households_of = persons[f"household_t{built.spec.epoch}"].to_numpy()[built.person]
        last = np.where(households_of >= 0, households_of, older)  # the deceased: last home
        assert (last == built.household).all()


def test_deceased_members_are_still_on_the_health_list(clean: GeneratedLists) -> None:
    """KIS at the newer snapshot still lists some who died since; truth keeps their last home."""
    persons = clean.population.persons
    kis = _list(clean, "dinkes_kis")
    newer = persons["household_t1"].to_numpy()[kis.person]
    dead = newer < 0
    assert dead.sum() > 0
    older = persons["household_t0"].to_numpy()[kis.person]
    assert (kis.household[dead] == older[dead]).all()
    for built in clean.lists:
        if built.spec.name != "dinkes_kis" and built.spec.epoch == 1:
            assert (persons["household_t1"].to_numpy()[built.person] >= 0).all()


def test_invalid_rates_are_all_reported() -> None:
    """Rates outside [0, 1] and exclusive kinds summing above 1 raise one ConfigError."""
    bad = ListDamage(nik_missing=0.7, nik_typo=0.5, name_typo=-0.1)
    with pytest.raises(ConfigError) as info:
        DamageRates(dinkes_kis=bad)
    problems = info.value.problems
    assert "dinkes_kis.name_typo must be between 0 and 1 (got -0.1)" in problems
    assert any(p.startswith("dinkes_kis.nik_missing + nik_typo") for p in problems)
    assert len(problems) == 2


def test_scaled_rates_multiply_and_cap() -> None:
    """scaled(2) doubles each rate; none() is all zero."""
    doubled = DamageRates().scaled(2.0)
    assert doubled.dinsos_dtks.nik_missing == pytest.approx(0.34)
    none = DamageRates.none()
    assert all(v == 0 for v in dataclasses.asdict(none.dinsos_dtks).values())


def test_text_helpers_round_trip_non_ascii() -> None:
    """Byte-matrix edits keep accented letters intact."""
    from povlink.synth._text import from_matrix, to_matrix

    values = pa.array(["Désy", "", "Sri Wahyuni"])
    matrix, lengths = to_matrix(values)
    assert list(lengths) == [5, 0, 11]
    assert from_matrix(matrix).to_pylist() == ["Désy", "", "Sri Wahyuni"]
