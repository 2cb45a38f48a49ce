"""Damage rates: how often each kind of error hits an agency list, per list.

Every rate is the probability that an *eligible* record gets that damage (see
:class:`ListDamage`); kinds within one field exclude each other. The defaults per list follow
domain.md (about 17% of DTKS records without NIK, KPK 2021) and what each agency's way of working
makes likely (Excel damage where lists pass through Excel, stale addresses in newer lists).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from typing import Final

from povlink.exceptions import ConfigError

NIK_KINDS: Final[tuple[str, ...]] = (
    "nik_missing",
    "nik_typo",
    "nik_transposed",
    "nik_excel",
    "nik_head",
    "nik_kk",
    "nik_formatted",
)
DATE_KINDS: Final[tuple[str, ...]] = (
    "birth_date_swapped",
    "birth_date_year",
    "birth_date_placeholder",
    "birth_date_missing",
)
KK_KINDS: Final[tuple[str, ...]] = ("kk_missing", "kk_stale")
TOKEN_KINDS: Final[tuple[str, ...]] = ("name_token_dropped", "name_tokens_swapped")
EXCLUSIVE_GROUPS: Final[tuple[tuple[str, ...], ...]] = (
    NIK_KINDS,
    DATE_KINDS,
    KK_KINDS,
    TOKEN_KINDS,
)


@dataclass(frozen=True)
class ListDamage:
    """Damage rates of one agency list, each the share of eligible records it hits.

    NIK (one of, all records eligible; ``nik_head`` only members who are not the head):
    ``nik_missing`` blank or a placeholder such as ``-``; ``nik_typo`` one digit wrong;
    ``nik_transposed`` two neighbouring digits swapped; ``nik_excel`` passed through Excel
    (``3.37401E+15``, or the 16th digit zeroed); ``nik_head`` the household head's NIK written
    for a member; ``nik_kk`` the family's KK number written in the NIK column;
    ``nik_formatted`` the right digits typed with spaces, dots or dashes (``3374 0123 0288 0001``).

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
    nik_formatted: float = 0.0
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
            NIK_KINDS,
            DATE_KINDS,
            KK_KINDS,
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
        for group in EXCLUSIVE_GROUPS:
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
            nik_formatted=0.03,
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
            nik_formatted=0.05,
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
            nik_formatted=0.02,
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
