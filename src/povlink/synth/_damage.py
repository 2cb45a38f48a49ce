"""What agencies do to the truth: the damage rates and the vectorised functions that apply them.

Every rate is the probability that an *eligible* record gets that damage; each kind says which
records are eligible (a token cannot be dropped from a one-word name, a day and month cannot be
swapped when the day is above 12). Kinds within one field exclude each other (a NIK is either
missing or mistyped, not both); fields are damaged independently. Every decision is logged per
record (``-1`` not eligible, ``0`` eligible and untouched, ``1`` damaged), so tests can check that
each rate lands where it was set and that the files show exactly what the log says.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from povlink.exceptions import ConfigError
from povlink.synth._names import MALE_MONONYM_WEIGHTS, MALE_MONONYMS
from povlink.synth._text import (
    BoolArray,
    IntArray,
    Text,
    assemble,
    choose,
    civil_from_days,
    days_from_civil,
    days_in_month,
    excel_scientific,
    excel_truncated,
    misspell,
    mistype_digit,
    put,
    texts,
    transpose_digits,
    where,
)

_NIK_KINDS: Final[tuple[str, ...]] = (
    "nik_missing",
    "nik_typo",
    "nik_transposed",
    "nik_excel",
    "nik_head",
    "nik_kk",
)
_DATE_KINDS: Final[tuple[str, ...]] = (
    "birth_date_swapped",
    "birth_date_year",
    "birth_date_placeholder",
    "birth_date_missing",
)
_KK_KINDS: Final[tuple[str, ...]] = ("kk_missing", "kk_stale")
_TOKEN_KINDS: Final[tuple[str, ...]] = ("name_token_dropped", "name_tokens_swapped")
_EXCLUSIVE_GROUPS: Final[tuple[tuple[str, ...], ...]] = (
    _NIK_KINDS,
    _DATE_KINDS,
    _KK_KINDS,
    _TOKEN_KINDS,
)


@dataclass(frozen=True)
class ListDamage:
    """Damage rates of one agency list, each the share of eligible records it hits.

    NIK (one of, all records eligible; ``nik_head`` only members who are not the head):
    ``nik_missing`` blank or a placeholder such as ``-``; ``nik_typo`` one digit wrong;
    ``nik_transposed`` two neighbouring digits swapped; ``nik_excel`` passed through Excel
    (``3.37401E+15``, or the 16th digit zeroed); ``nik_head`` the household head's NIK written
    for a member; ``nik_kk`` the family's KK number written in the NIK column.

    KK (one of): ``kk_missing``; ``kk_stale`` the family's old KK number, for people whose KK
    changed between the snapshots (moved households, married children who split off).

    Name (independent): ``name_old_spelling`` pre-1972 spelling (oe, dj, tj, ch) for people born
    before 1972; ``name_abbreviation`` Muhammad → M./Moh./Muh., Abdul → Abd., Siti → St. (names
    with such a token); ``name_token_dropped`` / ``name_tokens_swapped`` (names of two or more
    words); ``name_typo``; ``name_patronym`` "bin"/"binti" and a father's name appended;
    ``name_title`` H., Hj., Drs., …, S.Pd (people aged 25+);
    ``name_caps`` all capitals (only in lists written in mixed case). ``mother_name_typo``.

    Birth date (one of): ``birth_date_swapped`` day and month swapped (days 1-12 that differ
    from the month); ``birth_date_year`` one year off; ``birth_date_placeholder`` 1 January,
    1 July or 31 December of the true year; ``birth_date_missing``.

    Address: ``kelurahan_typo``; ``address_stale`` the old address, for people whose household
    moved or who split off to another address since the older snapshot.

    ``duplicate``: the record appears twice, under two agency ids, each copy damaged on its own.
    """

    nik_missing: float = 0.0
    nik_typo: float = 0.0
    nik_transposed: float = 0.0
    nik_excel: float = 0.0
    nik_head: float = 0.0
    nik_kk: float = 0.0
    kk_missing: float = 0.0
    kk_stale: float = 0.0
    name_old_spelling: float = 0.0
    name_abbreviation: float = 0.0
    name_token_dropped: float = 0.0
    name_tokens_swapped: float = 0.0
    name_typo: float = 0.0
    name_patronym: float = 0.0
    name_title: float = 0.0
    name_caps: float = 0.0
    mother_name_typo: float = 0.0
    birth_date_swapped: float = 0.0
    birth_date_year: float = 0.0
    birth_date_placeholder: float = 0.0
    birth_date_missing: float = 0.0
    kelurahan_typo: float = 0.0
    address_stale: float = 0.0
    duplicate: float = 0.0

    def problems(self) -> list[str]:
        """Everything wrong with these rates (empty when they are valid)."""
        out = [
            f"{f.name} must be between 0 and 1 (got {getattr(self, f.name)!r})"
            for f in fields(self)
            if not 0.0 <= float(getattr(self, f.name)) <= 1.0
        ]
        for group in (
            _NIK_KINDS,
            _DATE_KINDS,
            _KK_KINDS,
            ("name_token_dropped", "name_tokens_swapped"),
        ):
            total = sum(float(getattr(self, k)) for k in group)
            if total > 1.0:
                out.append(f"{' + '.join(group)} must not exceed 1 (got {total:.3f})")
        return out

    def scaled(self, factor: float) -> ListDamage:
        """Every rate multiplied by ``factor``, capped so that each stays a valid probability.

        Kinds that exclude each other are scaled down together where their sum would pass 1.
        """
        rates = {f.name: min(1.0, getattr(self, f.name) * factor) for f in fields(self)}
        for group in _EXCLUSIVE_GROUPS:
            total = sum(rates[k] for k in group)
            if total > 1.0:
                rates.update({k: rates[k] / total for k in group})
        return dataclasses.replace(self, **rates)


def _default(**rates: float) -> ListDamage:
    return ListDamage(**rates)


@dataclass(frozen=True)
class DamageRates:
    """Damage rates per agency list; defaults follow domain.md (about 17% of DTKS without NIK).

    Build variations with :func:`dataclasses.replace`, :meth:`none` (clean lists) or
    :meth:`scaled`. Invalid rates raise :class:`~povlink.ConfigError` listing every problem.
    """

    dinsos_dtks: ListDamage = field(
        default_factory=lambda: _default(
            nik_missing=0.17,
            nik_typo=0.02,
            nik_transposed=0.01,
            nik_excel=0.02,
            nik_head=0.01,
            nik_kk=0.005,
            name_patronym=0.02,
            kk_missing=0.05,
            name_old_spelling=0.3,
            name_abbreviation=0.3,
            name_token_dropped=0.03,
            name_tokens_swapped=0.01,
            name_typo=0.04,
            name_title=0.02,
            mother_name_typo=0.06,
            birth_date_swapped=0.02,
            birth_date_year=0.02,
            birth_date_placeholder=0.04,
            birth_date_missing=0.01,
            kelurahan_typo=0.03,
            duplicate=0.01,
        )
    )
    dinkes_kis: ListDamage = field(
        default_factory=lambda: _default(
            nik_kk=0.005,
            nik_missing=0.05,
            nik_typo=0.01,
            nik_transposed=0.01,
            nik_excel=0.0,
            nik_head=0.005,
            kk_missing=0.1,
            kk_stale=0.4,
            name_old_spelling=0.1,
            name_abbreviation=0.2,
            name_token_dropped=0.02,
            name_tokens_swapped=0.01,
            name_typo=0.03,
            name_title=0.01,
            birth_date_swapped=0.01,
            birth_date_year=0.01,
            birth_date_placeholder=0.02,
            birth_date_missing=0.005,
            kelurahan_typo=0.02,
            address_stale=0.5,
            duplicate=0.005,
        )
    )
    disdik_kip: ListDamage = field(
        default_factory=lambda: _default(
            nik_missing=0.08,
            nik_typo=0.02,
            nik_transposed=0.01,
            nik_excel=0.06,
            name_abbreviation=0.3,
            name_token_dropped=0.04,
            name_tokens_swapped=0.01,
            name_typo=0.03,
            name_caps=0.15,
            mother_name_typo=0.05,
            birth_date_swapped=0.02,
            birth_date_year=0.01,
            birth_date_placeholder=0.01,
            kelurahan_typo=0.03,
            address_stale=0.3,
            duplicate=0.01,
        )
    )
    disperkim_rutilahu: ListDamage = field(
        default_factory=lambda: _default(
            name_patronym=0.03,
            nik_missing=0.05,
            nik_typo=0.02,
            nik_transposed=0.01,
            nik_excel=0.03,
            kk_missing=0.1,
            name_old_spelling=0.4,
            name_abbreviation=0.3,
            name_token_dropped=0.02,
            name_typo=0.04,
            name_title=0.05,
            birth_date_swapped=0.02,
            birth_date_year=0.02,
            birth_date_placeholder=0.06,
            birth_date_missing=0.03,
            kelurahan_typo=0.04,
            duplicate=0.01,
        )
    )
    dinperla_nelayan: ListDamage = field(
        default_factory=lambda: _default(
            name_patronym=0.03,
            nik_missing=0.10,
            nik_typo=0.02,
            nik_transposed=0.01,
            nik_excel=0.02,
            name_old_spelling=0.3,
            name_abbreviation=0.3,
            name_token_dropped=0.03,
            name_typo=0.05,
            name_title=0.03,
            name_caps=0.1,
            birth_date_swapped=0.02,
            birth_date_year=0.02,
            birth_date_placeholder=0.08,
            birth_date_missing=0.03,
            kelurahan_typo=0.05,
            address_stale=0.4,
            duplicate=0.02,
        )
    )
    dp3akb_kb: ListDamage = field(
        default_factory=lambda: _default(
            nik_missing=0.05,
            nik_typo=0.02,
            nik_transposed=0.01,
            nik_excel=0.02,
            kk_missing=0.08,
            kk_stale=0.5,
            name_abbreviation=0.3,
            name_token_dropped=0.03,
            name_tokens_swapped=0.01,
            name_typo=0.03,
            name_title=0.02,
            birth_date_swapped=0.02,
            birth_date_year=0.01,
            birth_date_placeholder=0.03,
            birth_date_missing=0.01,
            kelurahan_typo=0.03,
            address_stale=0.4,
            duplicate=0.01,
        )
    )
    disnaker_pelatihan: ListDamage = field(
        default_factory=lambda: _default(
            nik_missing=0.02,
            nik_typo=0.02,
            nik_transposed=0.02,
            nik_excel=0.05,
            name_abbreviation=0.2,
            name_token_dropped=0.05,
            name_tokens_swapped=0.02,
            name_typo=0.03,
            name_caps=0.3,
            birth_date_swapped=0.03,
            birth_date_year=0.01,
            birth_date_missing=0.01,
            kelurahan_typo=0.04,
            address_stale=0.3,
            duplicate=0.02,
        )
    )
    dukcapil_akta: ListDamage = field(
        default_factory=lambda: _default(
            nik_missing=0.05,
            nik_typo=0.005,
            nik_transposed=0.005,
            kk_missing=0.02,
            kk_stale=0.3,
            name_token_dropped=0.02,
            name_typo=0.01,
            mother_name_typo=0.03,
            birth_date_swapped=0.005,
            kelurahan_typo=0.01,
            address_stale=0.2,
            duplicate=0.005,
        )
    )
    bps_regsosek: ListDamage = field(
        default_factory=lambda: _default(
            nik_kk=0.002,
            name_patronym=0.005,
            nik_missing=0.03,
            nik_typo=0.005,
            nik_transposed=0.005,
            nik_head=0.002,
            kk_missing=0.03,
            name_old_spelling=0.1,
            name_abbreviation=0.1,
            name_token_dropped=0.01,
            name_typo=0.01,
            birth_date_swapped=0.005,
            birth_date_year=0.005,
            birth_date_placeholder=0.02,
            birth_date_missing=0.005,
            kelurahan_typo=0.0,
            duplicate=0.002,
        )
    )

    def __post_init__(self) -> None:
        problems = [f"{f.name}.{p}" for f in fields(self) for p in getattr(self, f.name).problems()]
        if problems:
            raise ConfigError(f"invalid damage rates: {'; '.join(problems)}", problems=problems)

    @classmethod
    def none(cls) -> DamageRates:
        """No damage at all: every list shows the truth (still selected with their errors)."""
        return cls(**{f.name: ListDamage() for f in fields(cls)})

    def scaled(self, factor: float) -> DamageRates:
        """Every rate of every list multiplied by ``factor`` (capped at 1)."""
        return DamageRates(**{f.name: getattr(self, f.name).scaled(factor) for f in fields(self)})

    def for_list(self, name: str) -> ListDamage:
        """The rates of list ``name``."""
        result: ListDamage = getattr(self, name)
        return result


@dataclass
class Records:
    """One list's records before damage: true values at the list's snapshot, as parallel arrays.

    ``*_old`` hold the person's values at the older snapshot (``""``/-1 where they did not change
    or did not exist); they feed the stale-KK and stale-address damage.
    """

    person: IntArray
    household: IntArray
    relationship: IntArray
    dwelling: IntArray  # the rumah tangga (main household number) at T0; the household at T1
    dwelling_relationship: IntArray
    age: IntArray
    male: BoolArray
    birth: IntArray
    nik: Text
    head_nik: Text
    kk: Text
    kk_old: Text
    full_name: Text
    mother_name: Text
    partner_name: Text
    birth_place: Text
    phone: Text
    street: Text
    rt: IntArray
    rw: IntArray
    kelurahan: IntArray
    street_old: Text
    rt_old: IntArray
    rw_old: IntArray
    kelurahan_old: IntArray
    decile: IntArray
    copy: IntArray  # 0 for the original record, 1 for a duplicate
    duplicated: BoolArray  # an original record that has a duplicate

    def __len__(self) -> int:
        return len(self.person)


@dataclass
class Damaged:
    """A list's records after damage; ``log`` says per kind what happened to every record."""

    records: Records
    nik_missing: BoolArray
    kk_missing: BoolArray
    birth_missing: BoolArray
    kelurahan_name: Text
    log: dict[str, np.ndarray]


def duplicate_index(
    n: int, rate: float, rng: np.random.Generator
) -> tuple[IntArray, IntArray, BoolArray]:
    """Duplicate a share ``rate`` of ``n`` records (each copy is later damaged on its own).

    Returns the index of every record into the originals, whether it is a copy (0/1), and
    whether it is an original that has a copy.
    """
    chosen = np.flatnonzero(rng.random(n) < rate)
    index = np.concatenate([np.arange(n), chosen]).astype(np.int64)
    copy = np.concatenate([np.zeros(n), np.ones(len(chosen))]).astype(np.int64)
    duplicated = np.zeros(len(index), dtype=bool)
    duplicated[chosen] = True
    return index, copy, duplicated


def _exclusive(rng: np.random.Generator, n: int, rates: list[float]) -> IntArray:
    """One of ``len(rates)`` kinds (or -1 for none) per record, with the given probabilities."""
    u = rng.random(n)
    edges = np.cumsum(rates)
    kind = np.searchsorted(edges, u, side="right")
    result: IntArray = np.where(kind < len(rates), kind, -1).astype(np.int64)
    return result


def _subset(values: Text, mask: BoolArray) -> Text:
    """The values where ``mask`` holds."""
    return values.filter(pa.array(np.asarray(mask, dtype=bool)))


def _matches(values: Text, pattern: str) -> BoolArray:
    """Whether each value matches the regular expression ``pattern``."""
    result: BoolArray = np.asarray(
        pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False), dtype=bool
    )
    return result


def _log(eligible: BoolArray, hit: BoolArray) -> np.ndarray:
    return np.where(eligible, hit.astype(np.int8), np.int8(-1)).astype(np.int8)


_MUHAMMAD: Final[list[str]] = ["M.", "Moh.", "Muh.", "Moch.", "Mochamad", "Muhamad", "Mohammad"]
_AHMAD: Final[list[str]] = ["A.", "Achmad", "Akhmad"]
_ABBREVIATABLE: Final[str] = r"\b(Muhammad|Ahmad|Abdul|Siti)\b"
_TITLES_MALE: Final[Text] = texts(["H. ", "H. ", "H. ", "Drs. ", "Ir. ", "KH. ", "Dr. ", "R. "])
_TITLES_FEMALE: Final[Text] = texts(["Hj. ", "Hj. ", "Hj. ", "Dra. ", "Dr. ", "R.A. "])
_DEGREES: Final[Text] = texts(
    [", S.Pd", ", S.Pd.", ", S.E.", ", S.H.", ", S.Sos", ", S.Kom", ", S.T.", ", A.Md", ", M.M."]
)


def old_spelling(names: Text) -> Text:
    """Names in the spelling before 1972 (and before 1947 for oe): Wahyudi → Wahjoedi."""
    out = names
    for new, old in (
        ("j", "dj"),
        ("J", "Dj"),
        ("y", "j"),
        ("Y", "J"),
        ("c", "tj"),
        ("C", "Tj"),
        ("kh", "ch"),
        ("Kh", "Ch"),
        ("u", "oe"),
        ("U", "Oe"),
    ):
        out = pc.replace_substring(out, new, old)
    return out


def _abbreviate(rng: np.random.Generator, names: Text) -> Text:
    variant = rng.integers(0, len(_MUHAMMAD), len(names))
    pieces = []
    for v in range(len(_MUHAMMAD)):
        part = names.filter(pa.array(variant == v))
        part = pc.replace_substring_regex(part, r"\bMuhammad\b", _MUHAMMAD[v])
        part = pc.replace_substring_regex(part, r"\bAhmad\b", _AHMAD[v % len(_AHMAD)])
        part = pc.replace_substring_regex(part, r"\bAbdul\b", "Abd.")
        part = pc.replace_substring_regex(part, r"\bSiti\b", "St.")
        pieces.append(part)
    return assemble(variant, pieces)


def _add_titles(rng: np.random.Generator, names: Text, male: BoolArray) -> Text:
    n = len(names)
    prefix = where(
        male,
        choose(rng, _TITLES_MALE, None, n),
        choose(rng, _TITLES_FEMALE, None, n),
    )
    kind = rng.random(n)
    with_prefix = pc.binary_join_element_wise(prefix, names, "")
    with_degree = pc.binary_join_element_wise(names, choose(rng, _DEGREES, None, n), "")
    both = pc.binary_join_element_wise(prefix, with_degree, "")
    return where(kind < 0.6, with_prefix, where(kind < 0.9, with_degree, both))


def _shift_dates(
    rng: np.random.Generator, birth: IntArray, kind: IntArray
) -> tuple[IntArray, BoolArray, BoolArray]:
    """Apply the birth-date kinds; returns new days, the missing mask and swap eligibility."""
    y, m, d = civil_from_days(birth)
    swappable = (d <= 12) & (d != m)
    out = birth.copy()
    k = (kind == 0) & swappable
    out[k] = days_from_civil(y[k], d[k], m[k])
    k = kind == 1
    ny = y[k] + np.where(rng.random(int(k.sum())) < 0.5, -1, 1)
    out[k] = days_from_civil(ny, m[k], np.minimum(d[k], days_in_month(ny, m[k])))
    k = kind == 2
    which = rng.choice(3, size=int(k.sum()), p=[0.2, 0.5, 0.3])
    pm = np.array([1, 7, 12])[which]
    pd_ = np.array([1, 1, 31])[which]
    out[k] = days_from_civil(y[k], pm, pd_)
    return out, kind == 3, swappable


def _kelurahan_typos(rng: np.random.Generator, names: Text) -> Text:
    has_space = pc.match_substring(names, " ").to_numpy(zero_copy_only=False)
    kind = rng.integers(0, 3, len(names))
    spaced = pc.replace_substring(names, " ", "")
    vowel = pc.replace_substring_regex(names, "i", "e", max_replacements=1)
    vowel = where(
        pc.equal(vowel, names).to_numpy(zero_copy_only=False), misspell(rng, names), vowel
    )
    return where((kind == 0) & has_space, spaced, where(kind == 1, vowel, misspell(rng, names)))


def damage_records(
    records: Records,
    rates: ListDamage,
    rng: np.random.Generator,
    *,
    kelurahan_names: Text,
    mixed_case: bool,
    has_stale: bool,
    mapped: frozenset[str] = frozenset({"kk_number", "mother_name"}),
) -> Damaged:
    """Apply ``rates`` to ``records``; the result says what is missing and logs every decision.

    ``has_stale`` tells whether the list is from the newer snapshot (stale KK and address apply);
    ``mixed_case`` whether names are written in mixed case (else all-caps damage cannot show);
    ``mapped`` the canonical fields the list carries: KK and mother's-name damage needs them.
    """
    r = dataclasses.replace(records)  # fields are replaced below, never modified in place
    n = len(r)
    log: dict[str, np.ndarray] = {}
    everyone = np.ones(n, bool)

    # NIK
    kind = _exclusive(rng, n, [getattr(rates, k) for k in _NIK_KINDS])
    nik_missing = kind == 0
    log["nik_missing"] = _log(everyone, nik_missing)
    sel = kind == 1
    r.nik = put(r.nik, sel, mistype_digit(rng, r.nik.filter(pa.array(sel))))
    log["nik_typo"] = _log(everyone, sel)
    sel = kind == 2
    r.nik = put(r.nik, sel, transpose_digits(rng, r.nik.filter(pa.array(sel))))
    log["nik_transposed"] = _log(everyone, sel)
    sel = kind == 3
    sub = r.nik.filter(pa.array(sel))
    sci = rng.random(len(sub)) < 0.7
    r.nik = put(r.nik, sel, where(sci, excel_scientific(sub), excel_truncated(sub)))
    log["nik_excel"] = _log(everyone, sel)
    member = r.relationship != 0
    sel = (kind == 4) & member
    r.nik = where(sel, r.head_nik, r.nik)
    log["nik_head"] = _log(member, sel)
    sel = kind == 5
    r.nik = put(r.nik, sel, _subset(r.kk, sel))
    log["nik_kk"] = _log(everyone, sel)

    # KK
    has_kk = np.full(n, "kk_number" in mapped)
    changed = pc.not_equal(r.kk_old, "").to_numpy(zero_copy_only=False) & has_stale & has_kk
    kind = _exclusive(rng, n, [rates.kk_missing, rates.kk_stale])
    kk_missing = (kind == 0) & has_kk
    log["kk_missing"] = _log(has_kk, kk_missing)
    sel = (kind == 1) & changed
    r.kk = where(sel, r.kk_old, r.kk)
    log["kk_stale"] = _log(changed, sel)

    # Names, in the order a clerk's habits and a copying error would apply.
    year, _, _ = civil_from_days(r.birth)
    can_spell = year < 1972
    can_spell[can_spell] = _matches(_subset(r.full_name, can_spell), "(?i)([jycu]|kh)")
    sel = can_spell & (rng.random(n) < rates.name_old_spelling)
    r.full_name = put(r.full_name, sel, old_spelling(_subset(r.full_name, sel)))
    log["name_old_spelling"] = _log(can_spell, sel)

    can_abbreviate = pc.match_substring_regex(r.full_name, _ABBREVIATABLE).to_numpy(
        zero_copy_only=False
    )
    sel = can_abbreviate & (rng.random(n) < rates.name_abbreviation)
    r.full_name = put(r.full_name, sel, _abbreviate(rng, r.full_name.filter(pa.array(sel))))
    log["name_abbreviation"] = _log(can_abbreviate, sel)

    multi = _matches(r.full_name, " ")
    kind = _exclusive(rng, n, [rates.name_token_dropped, rates.name_tokens_swapped])
    sel = (kind == 0) & multi
    dropped = pc.replace_substring_regex(_subset(r.full_name, sel), r" \S+$", "")
    r.full_name = put(r.full_name, sel, dropped)
    log["name_token_dropped"] = _log(multi, sel)
    sel2 = (kind == 1) & multi
    swapped = pc.replace_substring_regex(_subset(r.full_name, sel2), r"^(\S+) (\S+)", r"\2 \1")
    r.full_name = put(r.full_name, sel2, swapped)
    log["name_tokens_swapped"] = _log(multi, sel2)

    sel = rng.random(n) < rates.name_typo
    r.full_name = put(r.full_name, sel, misspell(rng, r.full_name.filter(pa.array(sel))))
    log["name_typo"] = _log(everyone, sel)

    sel = rng.random(n) < rates.name_patronym
    k = int(sel.sum())
    father = choose(rng, MALE_MONONYMS, MALE_MONONYM_WEIGHTS, k)
    word = where(r.male[sel], " bin ", " binti ")
    r.full_name = put(
        r.full_name, sel, pc.binary_join_element_wise(_subset(r.full_name, sel), word, father, "")
    )
    log["name_patronym"] = _log(everyone, sel)

    adult = r.age >= 25
    sel = adult & (rng.random(n) < rates.name_title)
    r.full_name = put(
        r.full_name, sel, _add_titles(rng, r.full_name.filter(pa.array(sel)), r.male[sel])
    )
    log["name_title"] = _log(adult, sel)

    caps_eligible = everyone & mixed_case
    sel = caps_eligible & (rng.random(n) < rates.name_caps)
    r.full_name = put(r.full_name, sel, pc.utf8_upper(_subset(r.full_name, sel)))
    log["name_caps"] = _log(caps_eligible, sel)

    has_mother = np.full(n, "mother_name" in mapped)
    sel = has_mother & (rng.random(n) < rates.mother_name_typo)
    r.mother_name = put(r.mother_name, sel, misspell(rng, r.mother_name.filter(pa.array(sel))))
    log["mother_name_typo"] = _log(has_mother, sel)

    # Birth date
    kind = _exclusive(rng, n, [getattr(rates, k) for k in _DATE_KINDS])
    r.birth, birth_missing, swappable = _shift_dates(rng, r.birth, kind)
    log["birth_date_swapped"] = _log(swappable, (kind == 0) & swappable)
    log["birth_date_year"] = _log(everyone, kind == 1)
    log["birth_date_placeholder"] = _log(everyone, kind == 2)
    log["birth_date_missing"] = _log(everyone, kind == 3)

    # Address
    moved = (r.kelurahan_old >= 0) & has_stale
    sel = moved & (rng.random(n) < rates.address_stale)
    r.street = where(sel, r.street_old, r.street)
    r.rt = np.where(sel, r.rt_old, r.rt)
    r.rw = np.where(sel, r.rw_old, r.rw)
    r.kelurahan = np.where(sel, r.kelurahan_old, r.kelurahan)
    log["address_stale"] = _log(moved, sel)
    kel_name = kelurahan_names.take(pa.array(r.kelurahan))
    sel = rng.random(n) < rates.kelurahan_typo
    kel_name = put(kel_name, sel, _kelurahan_typos(rng, kel_name.filter(pa.array(sel))))
    log["kelurahan_typo"] = _log(everyone, sel)
    log["duplicate"] = _log(r.copy == 0, r.duplicated)

    return Damaged(
        records=r,
        nik_missing=nik_missing,
        kk_missing=kk_missing,
        birth_missing=birth_missing,
        kelurahan_name=kel_name,
        log=log,
    )


__all__ = [
    "DamageRates",
    "Damaged",
    "ListDamage",
    "Records",
    "damage_records",
    "duplicate_index",
]
