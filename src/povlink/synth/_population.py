"""The true city: households and residents at two snapshot dates, before any list is made.

What a household is
-------------------
A household is one family on one *kartu keluarga* (KK) at a given date. Between the two snapshot
dates ``T0`` (the older lists, e.g. DTKS and Regsosek 2022) and ``T1`` (the newer lists):

* a grown child may marry and split off with a new KK (*pecah KK*): from then on they head a **new**
  household (new ``household_id``), even when they still live under their parents' roof; records
  of them taken at ``T0`` belong to the parents' household, records taken at ``T1`` to the new one;
* half the married children of three-generation homes already hold their own KK at ``T0``: one
  rumah tangga (what DTKS enumerates, one IDBDT) holds two households (two KKs);
* a household may move to another kelurahan: it keeps its ``household_id`` but gets a new KK number
  and address;
* babies are born (they exist at ``T1`` only), spouses marry in from outside the city, and some
  elders die (they exist at ``T0`` only; a list that still carries them records them with their
  last household, which is also their ``household_id`` in the truth).

A person keeps one ``person_id`` for life. NIK and KK numbers are generated with their real
structure (domain.md §1) and are unique and valid here; damage is added later, list by list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from povlink.synth._names import BIRTH_PLACE_WEIGHTS, BIRTH_PLACES, draw_full_names
from povlink.synth._regions import ROMAN, STREET_BASES, STREET_KIND, Regions, load_regions
from povlink.synth._streams import stream
from povlink.synth._text import (
    PAD2,
    PAD4,
    PLAIN,
    BoolArray,
    IntArray,
    Text,
    choose,
    civil_from_days,
    join,
    put,
    rank_within,
    take,
    texts,
    where,
)

#: The older snapshot (Regsosek 2022 enumeration, the DTKS extract) and the newer one.
T0: Final[dt.date] = dt.date(2022, 10, 15)
T1: Final[dt.date] = dt.date(2024, 6, 30)

#: Households in welfare deciles 1 … POOR_DECILES are "poor": the subset the lists target.
POOR_DECILES: Final[int] = 2

RELATIONSHIPS: Final[tuple[str, ...]] = (
    "head",
    "spouse",
    "child",
    "parent",
    "grandchild",
    "in_law",
)

_YEAR_DAYS: Final[float] = 365.2425

# Household types: couple with children, couple alone, single mother, single father, one
# person, couple with children and the head's parent(s), elderly couple with a married child's
# family (three generations).
_TYPE_PROBS: Final[list[float]] = [0.52, 0.10, 0.10, 0.03, 0.07, 0.10, 0.08]
(_COUPLE_KIDS, _COUPLE, _SINGLE_MOTHER, _SINGLE_FATHER, _ALONE, _WITH_ELDERS, _THREE_GEN) = range(7)

_PHONE_PREFIX: Final[Text] = texts(
    [
        "0811",
        "0812",
        "0813",
        "0821",
        "0822",
        "0852",
        "0853",
        "0856",
        "0857",
        "0858",
        "0877",
        "0878",
        "0881",
        "0882",
        "0895",
        "0896",
    ]
)


@dataclass(frozen=True)
class Population:
    """The true city at both snapshot dates.

    ``persons`` has one row per person ever resident (index = person number): ``person_id``,
    ``sex`` (M/F), ``birth_date``, ``birth_place``, ``full_name``, ``mother_name``, ``nik``,
    ``phone`` ("" if none), and for each snapshot ``household_t0``/``household_t1`` (household
    number, -1 when not resident then) and ``relationship_t0``/``relationship_t1`` (to the head of
    the KK); ``dwelling_t0`` and ``dwelling_relationship_t0`` give the rumah tangga (the household
    number of its main card) and the relation to its head, as a DTKS enumerator records them.

    ``households`` has one row per household (index = household number): ``household_id``,
    ``exists_t0``/``exists_t1``, ``kk_t0``/``kk_t1`` ("" when it did not exist), ``kelurahan_t0``
    /``kelurahan_t1`` (row of :attr:`regions`, -1 when it did not exist), ``rt_*``, ``rw_*``,
    ``street_*``, ``decile`` (1 = poorest tenth), ``owns_house``, ``fisher``, ``moved``,
    ``split_from`` (parent household number or -1), ``dwelling`` (the rumah tangga: the number of
    the household whose roof it shares at T0, itself for most), ``head_t0``/``head_t1`` (persons).
    """

    persons: pd.DataFrame
    households: pd.DataFrame
    regions: Regions
    seed: int

    @property
    def snapshot_dates(self) -> tuple[dt.date, dt.date]:
        """The dates of the older and the newer snapshot."""
        return (T0, T1)


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01."""
    return (date - dt.date(1970, 1, 1)).days


def age_at(birth: IntArray, date: dt.date) -> IntArray:
    """Completed years of age on ``date`` of people born on day numbers ``birth``."""
    by, bm, bd = civil_from_days(birth)
    before_birthday = (bm > date.month) | ((bm == date.month) & (bd > date.day))
    result: IntArray = date.year - by - before_birthday.astype(np.int64)
    return result


def _birth_from_age(rng: np.random.Generator, age: np.ndarray, at: dt.date) -> IntArray:
    """A birth day number that gives completed age ``age`` (integer years) on ``at``."""
    days = (np.asarray(age, dtype=np.float64) + rng.random(len(age))) * _YEAR_DAYS
    result: IntArray = day_number(at) - days.astype(np.int64)
    return result


def _uniform_int(rng: np.random.Generator, low: npt.ArrayLike, high: npt.ArrayLike) -> IntArray:
    """Integers uniform on ``[low, high]`` element-wise (``high`` is raised to ``low``)."""
    low = np.asarray(low, dtype=np.int64)
    high = np.maximum(np.asarray(high, dtype=np.int64), low)
    result: IntArray = low + (rng.random(len(low)) * (high - low + 1)).astype(np.int64)
    return result


def _serials(keys: np.ndarray, rng: np.random.Generator) -> IntArray:
    """1, 2, 3 … within each key, in a random order (the registration order)."""
    order = rng.permutation(len(keys))
    out = np.empty(len(keys), dtype=np.int64)
    out[order] = rank_within(keys[order])
    return out


def make_niks(
    kecamatan: IntArray, birth: IntArray, female: BoolArray, rng: np.random.Generator
) -> Text:
    """``33 74 CC DDMMYY SSSS``: kecamatan of first registration, birth date (women's day + 40)."""
    year, month, day = civil_from_days(birth)
    dd = day + 40 * female
    date_code = dd * 10_000 + month * 100 + year % 100
    serial = _serials(kecamatan * 1_000_000 + date_code, rng)
    if serial.max(initial=0) > 9999:
        raise ValueError("more than 9999 people share a NIK prefix and birth date")
    return join(
        "3374",
        take(PAD2, kecamatan),
        take(PAD2, dd),
        take(PAD2, month),
        take(PAD2, year % 100),
        take(PAD4, serial),
    )


def make_kk_numbers(kecamatan: IntArray, issued: IntArray, rng: np.random.Generator) -> Text:
    """``33 74 CC DDMMYY SSSS``: issuing kecamatan, recording date (no +40), family serial."""
    year, month, day = civil_from_days(issued)
    date_code = day * 10_000 + month * 100 + year % 100
    serial = _serials(kecamatan * 1_000_000 + date_code, rng)
    if serial.max(initial=0) > 9999:
        raise ValueError("more than 9999 families share a KK prefix and date")
    return join(
        "3374",
        take(PAD2, kecamatan),
        take(PAD2, day),
        take(PAD2, month),
        take(PAD2, year % 100),
        take(PAD4, serial),
    )


def numbered_ids(prefix: str, n: int) -> Text:
    """``prefix`` followed by 0, 1, 2 … as eight digits (``P00000042``)."""
    i = np.arange(n, dtype=np.int64)
    if n > 100_000_000:
        raise ValueError(f"at most 100,000,000 ids can be numbered (got {n})")
    return join(prefix, take(PAD4, i // 10_000), take(PAD4, i % 10_000))


def _streets(rng: np.random.Generator, n: int) -> Text:
    """Street addresses such as ``Gg. Kenanga III No. 14``."""
    roman = rng.integers(0, len(ROMAN), n)
    base = join(choose(rng, STREET_KIND, None, n), " ", choose(rng, STREET_BASES, None, n))
    named = where(roman < 4, base, join(base, " ", take(ROMAN, roman)))
    return join(named, " No. ", take(PLAIN, rng.integers(1, 160, n)))


# Relationship codes used while building (index into RELATIONSHIPS; NONE = not resident).
HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD, IN_LAW, NONE = range(7)
_RELATIONSHIP_TEXT: Final[Text] = texts([*RELATIONSHIPS, ""])


@dataclass
class _Members:
    """Persons being assembled: parallel arrays, one entry per person."""

    household: IntArray
    relationship: IntArray
    male: BoolArray
    age: IntArray  # completed years at T0


def _build_members(rng: np.random.Generator, n: int) -> tuple[_Members, IntArray]:
    """Household compositions at T0 and the ages of everyone in them; also the household types."""
    htype = rng.choice(7, size=n, p=_TYPE_PROBS)
    hh = np.arange(n)
    u = rng.random(n)
    head_male = np.select(
        [htype == _SINGLE_MOTHER, htype == _ALONE, htype == _SINGLE_FATHER],
        [np.zeros(n, bool), u < 0.4, np.ones(n, bool)],
        u < 0.98,
    )
    lo = np.array([24, 22, 26, 30, 20, 28, 52])[htype]
    hi = np.array([62, 82, 70, 65, 92, 56, 82])[htype]
    head_age = _uniform_int(rng, lo, hi)
    has_spouse = np.isin(htype, [_COUPLE_KIDS, _COUPLE, _WITH_ELDERS, _THREE_GEN])
    gap = np.clip(np.round(rng.normal(4, 4, n)), -3, 15).astype(np.int64)
    spouse_age = np.maximum(np.where(head_male, head_age - gap, head_age + gap), 18)
    # The age of the children's mother (of the father, for a single father).
    mother_age = np.where(head_male & has_spouse, spouse_age, head_age)

    with_kids = np.isin(htype, [_COUPLE_KIDS, _SINGLE_MOTHER, _SINGLE_FATHER, _WITH_ELDERS])
    n_children = np.where(with_kids, 1 + np.minimum(rng.poisson(0.65, n), 5), 0)
    n_elders = np.where(htype == _WITH_ELDERS, 1 + (rng.random(n) < 0.3), 0)
    three = htype == _THREE_GEN
    has_in_law = three & (rng.random(n) < 0.75)
    n_grand = np.where(three, 1 + np.minimum(rng.poisson(0.6, n), 3), 0)

    blocks: list[_Members] = []

    def add(households: IntArray, rel: int, male: BoolArray, age: IntArray) -> None:
        blocks.append(
            _Members(households, np.full(len(households), rel, dtype=np.int64), male, age)
        )

    add(hh, HEAD, head_male, head_age)
    s = hh[has_spouse]
    add(s, SPOUSE, ~head_male[s], spouse_age[s])
    # The head's parents: one (usually the widowed mother) or both.
    e = np.repeat(hh, n_elders)
    first = np.ones(len(e), bool)
    first[1:] = e[1:] != e[:-1]
    elder_male = np.where(first, rng.random(len(e)) < 0.25, True)
    elder_male[first & (n_elders[e] == 2)] = False
    elder_age = np.minimum(head_age[e] + _uniform_int(rng, np.full(len(e), 20), 35), 98)
    add(e, PARENT, elder_male, elder_age)
    # Children of the head.
    c = np.repeat(hh, n_children)
    # Born when the mother was 18-45, and still living at home (35 at most).
    child_age = _uniform_int(
        rng, np.maximum(mother_age[c] - 45, 0), np.minimum(mother_age[c] - 18, 35)
    )
    add(c, CHILD, rng.random(len(c)) < 0.51, child_age)
    # Three generations: a married child, the child's spouse, and grandchildren.
    t = hh[three]
    adult_age = np.maximum(mother_age[t] - _uniform_int(rng, np.full(len(t), 20), 35), 20)
    adult_male = np.where(has_in_law[t], rng.random(len(t)) < 0.5, rng.random(len(t)) < 0.2)
    add(t, CHILD, adult_male, adult_age)
    il = has_in_law[t]
    in_law_age = np.maximum(adult_age[il] + np.round(rng.normal(0, 3, il.sum())).astype(int), 18)
    add(t[il], IN_LAW, ~adult_male[il], in_law_age)
    young_mother_age = np.full(n, 30, dtype=np.int64)
    young_mother_age[t] = adult_age
    young_mother_age[t[il & adult_male]] = in_law_age[adult_male[il]]
    g = np.repeat(hh, n_grand)
    grand_age = _uniform_int(
        rng, np.maximum(young_mother_age[g] - 45, 0), np.minimum(young_mother_age[g] - 18, 15)
    )
    add(g, GRANDCHILD, rng.random(len(g)) < 0.51, grand_age)

    fields = ("household", "relationship", "male", "age")
    columns = {f: np.concatenate([getattr(b, f) for b in blocks]) for f in fields}
    order = np.lexsort((columns["relationship"], columns["household"]))
    members = _Members(**{f: columns[f][order] for f in fields})
    return members, htype


def _role_index(n: int, households: IntArray, mask: BoolArray) -> IntArray:
    """Per household, the person number of the (last) member matching ``mask``, or -1."""
    out = np.full(n, -1, dtype=np.int64)
    out[households[mask]] = np.flatnonzero(mask)
    return out


def _arrow_frame(columns: dict[str, object]) -> pd.DataFrame:
    """A DataFrame whose text columns stay Arrow strings (no copy into Python objects)."""
    data = {
        name: pd.arrays.ArrowExtensionArray(col) if isinstance(col, pa.Array) else col
        for name, col in columns.items()
    }
    return pd.DataFrame(data, copy=False)


def generate_population(households: int = 2_000, *, seed: int = 0) -> Population:
    """Generate the true city: ``households`` rumah tangga at ``T0`` and their life until ``T1``.

    ``households`` counts homes (rumah tangga); since some hold two KKs, the number of KK
    households at ``T0`` is a few percent higher. About 3.4 residents per home; vectorised
    throughout (a million residents in seconds).
    """
    if households < 1:
        raise ValueError(f"households must be at least 1 (got {households})")
    regions = load_regions()
    n_dwellings = households
    members, dwelling_type = _build_members(stream(seed, "households"), n_dwellings)
    p0 = len(members.household)
    t0 = day_number(T0)
    t1 = day_number(T1)

    # --- one rumah tangga, two KKs: half the married children of three-generation households
    # hold their own card for their own family while living with the parents ----------------
    dw0 = members.household  # the rumah tangga (dwelling) each person lives in at T0
    drel0 = members.relationship  # relation to the rumah tangga's head
    own_card = (dwelling_type == _THREE_GEN) & (stream(seed, "cards").random(n_dwellings) < 0.5)
    card_dwellings = np.flatnonzero(own_card)
    n = n_dwellings + len(card_dwellings)  # KK households at T0
    dwelling_of = np.concatenate([np.arange(n_dwellings), card_dwellings])
    card_of = np.full(n_dwellings, -1, dtype=np.int64)
    card_of[card_dwellings] = n_dwellings + np.arange(len(card_dwellings))
    on_own_card = own_card[dw0] & np.isin(drel0, [CHILD, IN_LAW, GRANDCHILD])
    hh0 = np.where(on_own_card, card_of[dw0], dw0)
    rel0 = drel0.copy()
    for family_role, card_role in ((CHILD, HEAD), (IN_LAW, SPOUSE), (GRANDCHILD, CHILD)):
        rel0[on_own_card & (drel0 == family_role)] = card_role
    card_heads = _role_index(n, hh0, rel0 == HEAD)
    card_has_spouse = _role_index(n, hh0, rel0 == SPOUSE) >= 0
    card_type = np.where(
        card_has_spouse,
        _COUPLE_KIDS,
        np.where(members.male[card_heads], _SINGLE_FATHER, _SINGLE_MOTHER),
    )[n_dwellings:]
    htype = np.concatenate([dwelling_type, card_type])

    # --- where households live and how well off they are (a card shares its rumah tangga's) ----
    loc = stream(seed, "locations")
    kel_weight = loc.lognormal(0.0, 0.5, regions.size)
    rw_max = loc.integers(4, 16, regions.size)
    rt_max = loc.integers(6, 16, regions.size)
    kel_d = loc.choice(regions.size, size=n_dwellings, p=kel_weight / kel_weight.sum())
    rw_d = 1 + (loc.random(n_dwellings) * rw_max[kel_d]).astype(np.int64)
    rt_d = 1 + (loc.random(n_dwellings) * rt_max[kel_d]).astype(np.int64)
    street_d = _streets(loc, n_dwellings)
    welfare = loc.normal(0, 0.6, regions.size)[kel_d] + loc.normal(0, 1, n_dwellings)
    rank = np.argsort(np.argsort(welfare, kind="stable"), kind="stable")
    decile_d = 1 + (rank * 10) // n_dwellings
    kel_t0, rw_t0, rt_t0 = kel_d[dwelling_of], rw_d[dwelling_of], rt_d[dwelling_of]
    street_t0 = take(street_d, dwelling_of)
    decile = decile_d[dwelling_of]
    poorish = decile <= 4
    owns_house = loc.random(n) < np.where(poorish, 0.65, 0.8)
    fisher = regions.coastal[kel_t0] & (loc.random(n) < np.where(poorish, 0.18, 0.04))

    # --- life between T0 and T1 ----------------------------------------------------------------
    ev = stream(seed, "events")
    birth0 = _birth_from_age(ev, members.age, T0)
    age1 = age_at(birth0, T1)
    hh1 = hh0.copy()
    rel1 = rel0.copy()
    # Elders who die.
    dies = (rel0 == PARENT) & (age1 >= 70) & (ev.random(p0) < 0.15)
    hh1[dies] = -1
    rel1[dies] = NONE
    # Grown children who marry and split off with their own KK (the married child of a
    # three-generation household stays with their own family).
    splits = (rel0 == CHILD) & (age1 >= 21) & (htype[hh0] != _THREE_GEN) & (ev.random(p0) < 0.18)
    splitters = np.flatnonzero(splits)
    n_split = len(splitters)
    new_hh = n + np.arange(n_split)
    parent_hh = hh0[splitters]
    hh1[splitters] = new_hh
    rel1[splitters] = HEAD
    sp = np.flatnonzero(ev.random(n_split) < 0.6)  # splits that bring a spouse from outside
    spouse_male = ~members.male[splitters][sp]
    spouse_age1 = np.maximum(age1[splitters][sp] + np.round(ev.normal(0, 3, len(sp))), 19)
    spouse_birth = _birth_from_age(ev, spouse_age1.astype(np.int64), T1)
    spouse_pos = np.full(n_split, -1, dtype=np.int64)
    spouse_pos[sp] = p0 + np.arange(len(sp))
    split_baby = sp[ev.random(len(sp)) < 0.35]
    # Babies in existing households: the female head or spouse, aged 20-42 at T1.
    is_wife = (
        ((rel0 == SPOUSE) | (rel0 == HEAD))
        & ~members.male
        & (hh1 >= 0)
        & (hh1 < n)
        & (age1 >= 20)
        & (age1 <= 42)
    )
    wives = np.flatnonzero(is_wife & (ev.random(p0) < 0.10))

    # --- moves, and where the new households live ------------------------------------------------
    mv = stream(seed, "moves")
    moved = mv.random(n) < 0.04
    kel_t1 = np.where(moved, (kel_t0 + mv.integers(1, regions.size, n)) % regions.size, kel_t0)
    rw_t1 = np.where(moved, 1 + (mv.random(n) * rw_max[kel_t1]).astype(np.int64), rw_t0)
    rt_t1 = np.where(moved, 1 + (mv.random(n) * rt_max[kel_t1]).astype(np.int64), rt_t0)
    street_t1 = where(moved, _streets(mv, n), street_t0)
    stays_near = mv.random(n_split) < 0.65
    same_roof = stays_near & (mv.random(n_split) < 0.5)  # own KK, parents' house
    s_kel = np.where(stays_near, kel_t1[parent_hh], mv.integers(0, regions.size, n_split))
    s_rw = np.where(
        same_roof, rw_t1[parent_hh], 1 + (mv.random(n_split) * rw_max[s_kel]).astype(np.int64)
    )
    s_rt = np.where(
        same_roof, rt_t1[parent_hh], 1 + (mv.random(n_split) * rt_max[s_kel]).astype(np.int64)
    )
    s_street = where(same_roof, take(street_t1, parent_hh), _streets(mv, n_split))
    s_decile = np.clip(decile[parent_hh] + mv.choice([-1, 0, 0, 1], n_split), 1, 10)

    # --- all persons ----------------------------------------------------------------------------
    n_spouses, n_split_babies, n_babies = len(sp), len(split_baby), len(wives)
    p_all = p0 + n_spouses + n_split_babies + n_babies
    newcomers = p_all - p0
    male = np.concatenate([members.male, spouse_male, ev.random(n_split_babies + n_babies) < 0.51])
    birth = np.concatenate(
        [
            birth0,
            spouse_birth,
            t0 + ev.integers(1, t1 - t0 - 30, n_split_babies + n_babies),
        ]
    ).astype(np.int64)
    household_t0 = np.concatenate([hh0, np.full(newcomers, -1)]).astype(np.int64)
    household_t1 = np.concatenate([hh1, new_hh[sp], new_hh[split_baby], hh0[wives]]).astype(
        np.int64
    )
    relationship_t0 = np.concatenate([rel0, np.full(newcomers, NONE)])
    relationship_t1 = np.concatenate(
        [rel1, np.full(n_spouses, SPOUSE), np.full(n_split_babies + n_babies, CHILD)]
    )

    # Mothers who live in the city, so that a mother's name is the same as her own record's.
    # Family ties are those of the rumah tangga as built, whoever holds which card.
    female0 = ~members.male
    nd = n_dwellings
    dtype0 = dwelling_type[dw0]
    wife_of = _role_index(nd, dw0, ((drel0 == HEAD) | (drel0 == SPOUSE)) & female0)
    young_mother_of = _role_index(
        nd,
        dw0,
        ((drel0 == CHILD) & (dtype0 == _THREE_GEN) & female0) | ((drel0 == IN_LAW) & female0),
    )
    grandma_of = _role_index(nd, dw0, (drel0 == PARENT) & female0)
    mother = np.full(p_all, -1, dtype=np.int64)
    mother[:p0] = np.select(
        [(drel0 == CHILD) & (dtype0 != _SINGLE_FATHER), drel0 == GRANDCHILD, drel0 == HEAD],
        [wife_of[dw0], young_mother_of[dw0], grandma_of[dw0]],
        -1,
    )
    splitter_is_mother = ~members.male[splitters][split_baby]
    mother[p0 + n_spouses : p0 + n_spouses + n_split_babies] = np.where(
        splitter_is_mother, splitters[split_baby], spouse_pos[split_baby]
    )
    mother[p0 + n_spouses + n_split_babies :] = wives

    # --- names, places, phones ------------------------------------------------------------------
    nm = stream(seed, "names")
    year, _, _ = civil_from_days(birth)
    full_name = draw_full_names(nm, male, year)
    # Mothers who do not live in the city get a name of their own generation.
    outside = mother < 0
    outside_mother = draw_full_names(nm, np.zeros(int(outside.sum()), bool), year[outside] - 25)
    mother_name = put(take(full_name, np.maximum(mother, 0)), outside, outside_mother)
    age_t1 = age_at(birth, T1)
    native = nm.random(p_all) < np.where(age_t1 < 18, 0.9, 0.55)
    birth_place = where(native, "Semarang", choose(nm, BIRTH_PLACES, BIRTH_PLACE_WEIGHTS, p_all))
    has_phone = (age_t1 >= 17) & (nm.random(p_all) < 0.75)
    phone = where(
        has_phone,
        join(
            choose(nm, _PHONE_PREFIX, None, p_all),
            take(PAD4, nm.integers(0, 10_000, p_all)),
            take(PAD4, nm.integers(0, 10_000, p_all)),
        ),
        "",
    )

    # --- NIKs: kecamatan of first registration (usually the home's), birth date, serial --------
    n_all = n + n_split
    kel0_all = np.concatenate([kel_t0, np.full(n_split, -1)]).astype(np.int64)
    kel1_all = np.concatenate([kel_t1, s_kel]).astype(np.int64)
    home = np.where(
        household_t0 >= 0, kel0_all[np.maximum(household_t0, 0)], kel1_all[household_t1]
    )
    kec_number = regions.kecamatan_number
    ids = stream(seed, "identifiers")
    nik_kec = np.where(ids.random(p_all) < 0.75, kec_number[home], ids.integers(1, 17, p_all))
    nik = make_niks(nik_kec.astype(np.int64), birth, ~male, ids)

    # --- KK numbers: one at T0 for every old household, a new one for moved and split ones -----
    heads0 = _role_index(n, hh0, rel0 == HEAD)
    earliest = np.maximum(day_number(dt.date(2006, 1, 1)), birth[heads0] + 17 * 365)
    latest = t0 - 30
    issued0 = _uniform_int(ids, np.minimum(earliest, latest), np.full(n, latest))
    renewed = np.concatenate([moved, np.ones(n_split, bool)])
    issued1 = t0 + ids.integers(1, t1 - t0 - 7, int(renewed.sum()))
    kk_kec = np.concatenate([kec_number[kel_t0], kec_number[kel1_all[renewed]]])
    kk_all = make_kk_numbers(kk_kec.astype(np.int64), np.concatenate([issued0, issued1]), ids)
    kk_t0 = pa.concat_arrays([kk_all[:n], texts([""] * 0), pa.nulls(n_split, pa.string())])
    kk_t0 = pc.fill_null(kk_t0, "")
    renewed_pos = np.full(n_all, -1, dtype=np.int64)
    renewed_pos[renewed] = n + np.arange(int(renewed.sum()))
    kk_t1 = where(renewed, take(kk_all, np.maximum(renewed_pos, 0)), kk_t0)

    empty = pc.fill_null(pa.nulls(n_split, pa.string()), "")
    households_df = _arrow_frame(
        {
            "household_id": numbered_ids("H", n_all),
            "exists_t0": np.arange(n_all) < n,
            "exists_t1": np.ones(n_all, bool),
            "kk_t0": kk_t0,
            "kk_t1": kk_t1,
            "kelurahan_t0": kel0_all,
            "kelurahan_t1": kel1_all,
            "rt_t0": np.concatenate([rt_t0, np.full(n_split, -1)]).astype(np.int64),
            "rw_t0": np.concatenate([rw_t0, np.full(n_split, -1)]).astype(np.int64),
            "street_t0": pa.concat_arrays([street_t0, empty]),
            "rt_t1": np.concatenate([rt_t1, s_rt]).astype(np.int64),
            "rw_t1": np.concatenate([rw_t1, s_rw]).astype(np.int64),
            "street_t1": pa.concat_arrays([street_t1, s_street]),
            "decile": np.concatenate([decile, s_decile]).astype(np.int64),
            "owns_house": np.concatenate([owns_house, mv.random(n_split) < 0.2]),
            "fisher": np.concatenate([fisher, fisher[parent_hh] & (mv.random(n_split) < 0.3)]),
            "moved": np.concatenate([moved, np.zeros(n_split, bool)]),
            "split_from": np.concatenate([np.full(n, -1), parent_hh]).astype(np.int64),
            "dwelling": np.concatenate([dwelling_of, new_hh]).astype(np.int64),
            "head_t0": np.concatenate([heads0, np.full(n_split, -1)]).astype(np.int64),
            "head_t1": np.concatenate([heads0, splitters]).astype(np.int64),
        }
    )
    persons_df = _arrow_frame(
        {
            "person_id": numbered_ids("P", p_all),
            "sex": where(male, "M", "F"),
            "birth_date": birth.astype("datetime64[D]").astype("datetime64[s]"),
            "birth_place": birth_place,
            "full_name": full_name,
            "mother_name": mother_name,
            "nik": nik,
            "phone": phone,
            "household_t0": household_t0,
            "relationship_t0": take(_RELATIONSHIP_TEXT, relationship_t0),
            "dwelling_t0": np.concatenate([dw0, np.full(newcomers, -1)]).astype(np.int64),
            "dwelling_relationship_t0": take(
                _RELATIONSHIP_TEXT, np.concatenate([drel0, np.full(newcomers, NONE)])
            ),
            "household_t1": household_t1,
            "relationship_t1": take(_RELATIONSHIP_TEXT, relationship_t1),
        }
    )
    return Population(persons=persons_df, households=households_df, regions=regions, seed=seed)
