"""The agency lists of paper Table 1: who each agency lists, and how it writes them down.

Each list is a :class:`ListSpec`: a snapshot (older or newer), a selection of people with its own
inclusion and exclusion errors (a probability per welfare decile, so that some poor households are
missed and some better-off ones are listed), and a layout: column names, date format, sex codes,
RT/RW form, letter case, encoding, delimiter and file type, as such agencies write them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from povlink.synth._damage import Damaged, Records, damage_records, duplicate_index
from povlink.synth._population import RELATIONSHIPS, T0, T1, Population, age_at
from povlink.synth._rates import ListDamage
from povlink.synth._regions import Regions
from povlink.synth._streams import stream
from povlink.synth._text import (
    MONTHS_ID,
    PAD2,
    PAD3,
    PAD4,
    PLAIN,
    BoolArray,
    IntArray,
    Text,
    choose,
    civil_from_days,
    join,
    rank_within,
    take,
    texts,
    where,
)

Columns = dict[str, Text]

#: Person fields a list may or may not carry (the others every list has).
OPTIONAL_FIELDS: Final[frozenset[str]] = frozenset({"mother_name", "partner_name", "phone"})


# --- the city as arrays ------------------------------------------------------------------------


def _arrow(series: pd.Series) -> Text:
    arr = pa.array(series)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


@dataclass(frozen=True)
class City:
    """The population as Arrow and numpy arrays, indexed by person and household number."""

    population: Population
    nik: Text
    full_name: Text
    mother_name: Text
    birth_place: Text
    phone: Text
    person_id: Text
    household_id: Text
    male: BoolArray
    birth: IntArray
    household: tuple[IntArray, IntArray]
    relationship: tuple[IntArray, IntArray]
    kk: tuple[Text, Text]
    kelurahan: tuple[IntArray, IntArray]
    rt: tuple[IntArray, IntArray]
    rw: tuple[IntArray, IntArray]
    street: tuple[Text, Text]
    head: tuple[IntArray, IntArray]
    dwelling: IntArray  # each person's rumah tangga at T0 (-1 if not resident then)
    dwelling_relationship: IntArray  # relation to the rumah tangga's head at T0
    decile: IntArray
    owns_house: BoolArray
    fisher: BoolArray
    _ages: dict[int, IntArray] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, pop: Population) -> City:
        """Extract the arrays once from the population's DataFrames."""
        p, h = pop.persons, pop.households
        rel_set = pa.array(list(RELATIONSHIPS))

        def rel(col: str) -> IntArray:
            idx = pc.index_in(_arrow(p[col]), value_set=rel_set)
            return np.asarray(pc.fill_null(idx, len(RELATIONSHIPS)), dtype=np.int64)

        def ints(frame: pd.DataFrame, col: str) -> IntArray:
            return frame[col].to_numpy(dtype=np.int64)

        return cls(
            population=pop,
            nik=_arrow(p["nik"]),
            full_name=_arrow(p["full_name"]),
            mother_name=_arrow(p["mother_name"]),
            birth_place=_arrow(p["birth_place"]),
            phone=_arrow(p["phone"]),
            person_id=_arrow(p["person_id"]),
            household_id=_arrow(h["household_id"]),
            male=(p["sex"] == "M").to_numpy(dtype=bool),
            birth=p["birth_date"].to_numpy().astype("datetime64[D]").astype(np.int64),
            household=(ints(p, "household_t0"), ints(p, "household_t1")),
            relationship=(rel("relationship_t0"), rel("relationship_t1")),
            kk=(_arrow(h["kk_t0"]), _arrow(h["kk_t1"])),
            kelurahan=(ints(h, "kelurahan_t0"), ints(h, "kelurahan_t1")),
            rt=(ints(h, "rt_t0"), ints(h, "rt_t1")),
            rw=(ints(h, "rw_t0"), ints(h, "rw_t1")),
            street=(_arrow(h["street_t0"]), _arrow(h["street_t1"])),
            head=(ints(h, "head_t0"), ints(h, "head_t1")),
            dwelling=ints(p, "dwelling_t0"),
            dwelling_relationship=rel("dwelling_relationship_t0"),
            decile=ints(h, "decile"),
            owns_house=h["owns_house"].to_numpy(dtype=bool),
            fisher=h["fisher"].to_numpy(dtype=bool),
        )

    @property
    def regions(self) -> Regions:
        """The region table the population lives in."""
        return self.population.regions

    def deceased(self) -> IntArray:
        """Person numbers of those resident at the older snapshot who died before the newer."""
        return np.flatnonzero((self.household[0] >= 0) & (self.household[1] < 0))

    def resident(self, epoch: int) -> IntArray:
        """Person numbers of everyone resident at snapshot ``epoch`` (0 older, 1 newer)."""
        return np.flatnonzero(self.household[epoch] >= 0)

    def age(self, epoch: int) -> IntArray:
        """Everyone's completed age at snapshot ``epoch`` (computed once)."""
        if epoch not in self._ages:
            self._ages[epoch] = age_at(self.birth, (T0, T1)[epoch])
        return self._ages[epoch]

    def records(
        self, persons: IntArray, epoch: int, *, optional: frozenset[str] = OPTIONAL_FIELDS
    ) -> Records:
        """The true records of ``persons`` as an agency would see them at ``epoch``.

        Of :data:`OPTIONAL_FIELDS`, only those in ``optional`` are filled (others are blank),
        which saves the work for the fields a list does not carry. Someone who died before the
        newer snapshot but is still listed is recorded with their last household.
        """
        hh = self.household[epoch][persons]
        rel = self.relationship[epoch][persons]
        if epoch == 1:
            dead = hh < 0
            hh = np.where(dead, self.household[0][persons], hh)
            rel = np.where(dead, self.relationship[0][persons], rel)
        head = self.head[epoch][hh]
        n = len(persons)
        blank = pa.repeat(pa.scalar("", pa.string()), n)
        if "partner_name" in optional:
            male_partner = self._male_partner(epoch)[hh]
            has_partner = (male_partner >= 0) & (male_partner != persons)
            partner = self.full_name.take(pa.array(np.maximum(male_partner, 0)))
            partner_name = where(has_partner, partner, "")
        else:
            partner_name = blank
        kk = self.kk[epoch].take(pa.array(hh))
        street = self.street[epoch].take(pa.array(hh))
        kel = self.kelurahan[epoch][hh]
        rt, rw = self.rt[epoch][hh], self.rw[epoch][hh]
        if epoch == 1:
            hh0 = self.household[0][persons]
            was = hh0 >= 0
            h0 = np.maximum(hh0, 0)
            kk0 = self.kk[0].take(pa.array(h0))
            kk_changed = was & pc.not_equal(kk0, kk).to_numpy(zero_copy_only=False)
            street0 = self.street[0].take(pa.array(h0))
            addr_changed = was & (
                (self.kelurahan[0][h0] != kel)
                | pc.not_equal(street0, street).to_numpy(zero_copy_only=False)
            )
            kk_old = where(kk_changed, kk0, "")
            street_old = where(addr_changed, street0, "")
            kel_old = np.where(addr_changed, self.kelurahan[0][h0], -1)
            rt_old = np.where(addr_changed, self.rt[0][h0], -1)
            rw_old = np.where(addr_changed, self.rw[0][h0], -1)
        else:
            kk_old = street_old = where(np.zeros(n, bool), kk, "")
            kel_old = rt_old = rw_old = np.full(n, -1, dtype=np.int64)
        return Records(
            person=persons.astype(np.int64),
            household=hh,
            relationship=rel,
            dwelling=self.dwelling[persons] if epoch == 0 else hh,
            dwelling_relationship=self.dwelling_relationship[persons] if epoch == 0 else rel,
            age=self.age(epoch)[persons],
            male=self.male[persons],
            birth=self.birth[persons],
            nik=self.nik.take(pa.array(persons)),
            head_nik=self.nik.take(pa.array(head)),
            kk=kk,
            kk_old=kk_old,
            full_name=self.full_name.take(pa.array(persons)),
            mother_name=(
                self.mother_name.take(pa.array(persons)) if "mother_name" in optional else blank
            ),
            partner_name=partner_name,
            birth_place=self.birth_place.take(pa.array(persons)),
            phone=self.phone.take(pa.array(persons)) if "phone" in optional else blank,
            street=street,
            rt=rt,
            rw=rw,
            kelurahan=kel,
            street_old=street_old,
            rt_old=rt_old,
            rw_old=rw_old,
            kelurahan_old=kel_old,
            decile=self.decile[hh],
            copy=np.zeros(n, dtype=np.int64),
            duplicated=np.zeros(n, dtype=bool),
        )

    def _male_partner(self, epoch: int) -> IntArray:
        """Per household, the man among head and spouse (husband, father), or -1."""
        out = np.full(len(self.decile), -1, dtype=np.int64)
        rel = self.relationship[epoch]
        mask = (rel <= 1) & self.male & (self.household[epoch] >= 0)
        out[self.household[epoch][mask]] = np.flatnonzero(mask)
        return out


# --- formats -----------------------------------------------------------------------------------


def format_dates(days: IntArray, missing: BoolArray, style: str) -> Text:
    """Dates as an agency writes them; ``""`` where missing.

    Styles: ``iso`` 1985-12-05, ``dmy`` 05-12-1985, ``dmy/`` 05/12/1985, ``mdy/`` 12/05/1985,
    ``indonesian`` 5 Desember 1985.
    """
    y, m, d = civil_from_days(days)
    year = take(PLAIN, np.clip(y, 0, 9999))
    if style == "iso":
        text = join(year, "-", take(PAD2, m), "-", take(PAD2, d))
    elif style == "dmy":
        text = join(take(PAD2, d), "-", take(PAD2, m), "-", year)
    elif style == "dmy/":
        text = join(take(PAD2, d), "/", take(PAD2, m), "/", year)
    elif style == "mdy/":
        text = join(take(PAD2, m), "/", take(PAD2, d), "/", year)
    elif style == "indonesian":
        text = join(take(PLAIN, d), " ", take(MONTHS_ID, m - 1), " ", year)
    else:
        raise ValueError(f"unknown date style {style!r}")
    return where(missing, "", text)


_SEX: Final[dict[str, tuple[str, str]]] = {
    "LP": ("L", "P"),
    "12": ("1", "2"),
    "word": ("LAKI-LAKI", "PEREMPUAN"),
}


def format_sex(male: BoolArray, style: str) -> Text:
    """Sex codes: ``LP`` (L/P), ``12`` (1/2), ``word`` (LAKI-LAKI/PEREMPUAN)."""
    man, woman = _SEX[style]
    return where(male, man, woman)


def relationship_text(rel: IntArray, labels: tuple[str, ...]) -> Text:
    """Relationship codes (head, spouse, child, parent, grandchild, in_law) in a list's words."""
    return take(texts([*labels, ""]), rel)


def missing_tokens(rng: np.random.Generator, n: int, tokens: dict[str, float]) -> Text:
    """How a list writes a value it does not have (``""``, ``-``, ``0``, ``BELUM ADA``)."""
    return choose(rng, texts(list(tokens)), list(tokens.values()), n)


def scattered_numbers(rng: np.random.Generator, n: int, spacing: int = 7) -> IntArray:
    """``n`` distinct numbers in random order and with random gaps (agency serial numbers)."""
    result: IntArray = rng.permutation(n) * spacing + rng.integers(0, spacing, n)
    return result


def digits(numbers: IntArray, width: int) -> Text:
    """Zero-padded decimal text of non-negative integers below 10**width (width 1-16)."""
    parts: list[Text] = []
    rest = np.asarray(numbers, dtype=np.int64)
    if len(rest) and (rest.min() < 0 or rest.max() >= 10**width):
        raise ValueError(f"numbers must lie in [0, 10**{width}) to be written in {width} digits")
    w = width
    while w > 0:
        k = min(4, w)
        w -= k
        chunk = (rest // 10**w) % 10**k
        parts.append(take({1: PLAIN, 2: PAD2, 3: PAD3, 4: PAD4}[k], chunk))
    return join(*parts)


def member_numbers(household: IntArray) -> IntArray:
    """1, 2, 3 … for the records of each household, in list order."""
    return rank_within(household)


# --- the list specification ----------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """What a layout function returns: the columns in file order and the agency's record ids."""

    columns: Columns
    ids: Text


@dataclass(frozen=True)
class ListSpec:
    """One agency list: who is on it, when, and how the agency writes it down."""

    name: str
    filename: str
    agency: str
    program: str
    epoch: int  # 0: the older snapshot (T0), 1: the newer (T1)
    id_column: str
    mapping: dict[str, str | list[str]]
    select: Callable[[City, np.random.Generator], IntArray]
    layout: Callable[[Damaged, City, np.random.Generator], Layout]
    mixed_case: bool = False
    options: dict[str, str] = field(default_factory=dict)
    whole_city: bool = False
    sorted_by_household: bool = False
    by_dwelling: bool = False  # households are rumah tangga (DTKS), not KK families
    uses: frozenset[str] = OPTIONAL_FIELDS  # which optional person fields the layout writes

    @property
    def snapshot(self) -> dt.date:
        """The date the agency took its list."""
        return (T0, T1)[self.epoch]


@dataclass(frozen=True)
class AgencyList:
    """A list ready to write: its table (all text), truth and damage log."""

    spec: ListSpec
    table: pa.Table
    record_id: Text
    person: IntArray
    household: IntArray
    log: pd.DataFrame

    @property
    def persons(self) -> int:
        """Number of distinct true persons on the list."""
        return _distinct(self.person)

    @property
    def households(self) -> int:
        """Number of distinct true households on the list."""
        return _distinct(self.household)


def _distinct(values: IntArray) -> int:
    """How many distinct non-negative integers ``values`` holds."""
    if len(values) == 0:
        return 0
    seen = np.zeros(int(values.max()) + 1, dtype=bool)
    seen[values] = True
    return int(seen.sum())


def by_decile(
    city: City, households: IntArray, rng: np.random.Generator, p: list[float]
) -> BoolArray:
    """Each household is listed with the probability of its welfare decile (1 … 10)."""
    prob = np.asarray(p, dtype=np.float64)[city.decile[households] - 1]
    result: BoolArray = rng.random(len(households)) < prob
    return result


def build_list(spec: ListSpec, city: City, rates: ListDamage, seed: int) -> AgencyList:
    """Select, duplicate, damage and lay out one list."""
    rng = stream(seed, f"list:{spec.name}")
    selected = spec.select(city, rng)
    index, copy, duplicated = duplicate_index(len(selected), rates.duplicate, rng)
    persons = selected[index]
    if spec.sorted_by_household:
        # Registers keep a household's members together; a duplicate was entered later.
        if spec.by_dwelling:
            hh = city.dwelling[persons]
            rel = city.dwelling_relationship[persons]
        else:
            hh = city.household[spec.epoch][persons]
            rel = city.relationship[spec.epoch][persons]
        kel = city.kelurahan[spec.epoch][hh]
        order = np.lexsort((rel, hh, kel, copy))
    else:
        order = rng.permutation(len(persons))
    records = city.records(persons[order], spec.epoch, optional=spec.uses)
    records.copy = copy[order]
    records.duplicated = duplicated[order]
    damaged = damage_records(
        records,
        rates,
        stream(seed, f"damage:{spec.name}"),
        kelurahan_names=city.regions.kelurahan_name,
        mixed_case=spec.mixed_case,
        has_stale=spec.epoch == 1,
        mapped=frozenset(spec.mapping),
    )
    layout = spec.layout(damaged, city, stream(seed, f"layout:{spec.name}"))
    table = pa.table({k: v.cast(pa.string()) for k, v in layout.columns.items()})
    log = pd.DataFrame(damaged.log)
    record_id = join(f"{spec.name}:", layout.ids)
    log.insert(0, "record_id", pd.Series(pd.arrays.ArrowExtensionArray(record_id)))
    return AgencyList(
        spec=spec,
        table=table,
        record_id=record_id,
        person=damaged.records.person,
        household=damaged.records.household,
        log=log,
    )
