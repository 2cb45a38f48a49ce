"""What agencies do to the truth: vectorised functions that apply the damage rates (_rates.py).

Every rate is the probability that an *eligible* record gets that damage; each kind says which
records are eligible (a token cannot be dropped from a one-word name, a day and month cannot be
swapped when the day is above 12). Kinds within one field exclude each other (a NIK is either
missing or mistyped, not both); fields are damaged independently. Every decision is logged per
record (``-1`` not eligible, ``0`` eligible and untouched, ``1`` damaged), so tests can check that
each rate lands where it was set and that the files show exactly what the log says.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from povlink.synth._names import MALE_MONONYM_WEIGHTS, MALE_MONONYMS
from povlink.synth._rates import DATE_KINDS, NIK_KINDS, ListDamage
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


def _format_nik(rng: np.random.Generator, niks: Text) -> Text:
    """NIKs typed with separators: ``3374 0123 0288 0001``, ``33.74.01.230288.0001``, dashes."""
    style = rng.integers(0, 3, len(niks))
    pieces: list[Text] = []
    for pattern, replacement in (
        (r"^(\d{4})(\d{4})(\d{4})(\d{4})$", r"\1 \2 \3 \4"),
        (r"^(\d\d)(\d\d)(\d\d)(\d{6})(\d{4})$", r"\1.\2.\3.\4.\5"),
        (r"^(\d{6})(\d{6})(\d{4})$", r"\1-\2-\3"),
    ):
        part = niks.filter(pa.array(style == len(pieces)))
        pieces.append(pc.replace_substring_regex(part, pattern, replacement))
    return assemble(style, pieces)


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
    kind = _exclusive(rng, n, [getattr(rates, k) for k in NIK_KINDS])
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
    sel = kind == 6
    r.nik = put(r.nik, sel, _format_nik(rng, _subset(r.nik, sel)))
    log["nik_formatted"] = _log(everyone, sel)

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
    kind = _exclusive(rng, n, [getattr(rates, k) for k in DATE_KINDS])
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
    "Damaged",
    "Records",
    "damage_records",
    "duplicate_index",
]
