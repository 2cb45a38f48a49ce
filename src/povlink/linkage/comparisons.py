"""The comparisons of povlink's Fellegi-Sunter model, designed for Indonesian registry data.

Each comparison turns a pair of records into one *level* (exact agreement, a typo, a swapped day and
month, ..., disagreement); training learns how much each level says about a match. Every comparison
opens with a null level, so that a value missing on either side is neutral, never a disagreement.

The SQL conditions are written in DuckDB's dialect and marked as such, so that Splink can
translate them for Spark (see ``docs/architecture.md``, "Portable SQL"): no ``'g'``-less
``regexp_replace``, no ``len(list)``, no bare list indexing. They read the columns of the *link
input* prepared by :func:`povlink.linkage.blocking.link_input_sql` (the ``standardised`` columns
plus a few derived keys), suffixed ``_l`` and ``_r`` as Splink does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import splink.comparison_level_library as cll
from splink.comparison_library import CustomComparison
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

__all__ = [
    "COMPARISONS",
    "ComparisonSpec",
    "area_comparison",
    "birth_date_comparison",
    "city_comparison",
    "dwelling_comparison",
    "full_name_comparison",
    "mother_name_comparison",
    "nik_birth_date_comparison",
    "nik_comparison",
    "sex_comparison",
]

_DIALECT: Final = "duckdb"


def _level(sql: str, label: str, **options: Any) -> ComparisonLevelCreator:
    """A custom comparison level in DuckDB SQL (translated by Splink for other engines)."""
    level = cll.CustomLevel(sql, label_for_charts=label, base_dialect_str=_DIALECT)
    return level.configure(**options) if options else level


def _null(sql: str, label: str = "missing on either side") -> ComparisonLevelCreator:
    """The neutral level: the comparison cannot be made, so it contributes no weight."""
    return _level(sql, label, is_null_level=True)


def _else() -> ComparisonLevelCreator:
    return cll.ElseLevel()


class _DescribedComparison(CustomComparison):
    """Splink's custom comparison, keeping its description (Splink's shows the class name)."""

    def create_description(self) -> str:
        return str(self._description)


def _comparison(
    name: str, description: str, levels: list[ComparisonLevelCreator | dict[str, Any]]
) -> ComparisonCreator:
    result: ComparisonCreator = _DescribedComparison(
        comparison_levels=levels,
        output_column_name=name,
        comparison_description=description,
    )
    return result


def nik_comparison() -> ComparisonCreator:
    """The NIK: exact, the Excel-damaged prefix, one typo, or two different NIKs.

    Only a typo outside the last four digits (the serial) counts as one: NIKs that differ only in
    the serial belong to people registered in the same kecamatan on the same birth date (twins,
    neighbours), and since the NIK encodes that date, the birth date comparison already holds
    that evidence. Two different valid NIKs fall to the last level, which training learns to be
    strong evidence against a match.
    """
    return _comparison(
        "nik",
        "NIK: exact, Excel-damaged prefix, one typo outside the serial, different",
        [
            _null(
                "(nik_l IS NULL OR nik_r IS NULL) "
                "AND (nik_partial_l IS NULL OR nik_partial_r IS NULL)"
            ),
            _level("nik_l = nik_r", "same NIK"),
            _level(
                "nik_partial_l = nik_partial_r AND (nik_l IS NULL OR nik_r IS NULL)",
                "same first 15 digits (one NIK damaged by Excel)",
            ),
            _level(
                "substr(nik_l, 13, 4) = substr(nik_r, 13, 4) "
                "AND (substr(nik_l, 1, 6) = substr(nik_r, 1, 6) "
                "OR substr(nik_l, 7, 6) = substr(nik_r, 7, 6)) "
                "AND damerau_levenshtein(nik_l, nik_r) <= 1",
                "one typo outside the serial",
            ),
            _else(),
        ],
    )


def nik_birth_date_comparison() -> ComparisonCreator:
    """The birth date encoded in one record's NIK against the other record's stated birth date.

    Only made when one side has a NIK and the other does not (with two NIKs the NIK comparison
    holds this evidence), and only when the NIK says something the stated birth dates do not:
    the NIK holder states no birth date, or one its NIK contradicts. Otherwise the birth date
    comparison has already counted the same date, and counting it twice would overstate it.
    """
    lr = (
        "(nik_birth_date_l IS NOT NULL AND nik_birth_date_r IS NULL AND birth_year_r IS NOT NULL"
        " AND (birth_date_l IS NULL OR birth_date_l <> nik_birth_date_l))"
    )
    rl = (
        "(nik_birth_date_r IS NOT NULL AND nik_birth_date_l IS NULL AND birth_year_l IS NOT NULL"
        " AND (birth_date_r IS NULL OR birth_date_r <> nik_birth_date_r))"
    )
    return _comparison(
        "nik_birth_date",
        "Birth date in one record's NIK against the other's stated birth date",
        [
            _null(f"NOT ({lr} OR {rl})", "no NIK on one side or no birth date on the other"),
            _level(
                f"({lr} AND nik_birth_date_l = birth_date_r "
                "AND NOT coalesce(birth_date_is_placeholder_r, false)) "
                f"OR ({rl} AND nik_birth_date_r = birth_date_l "
                "AND NOT coalesce(birth_date_is_placeholder_l, false))",
                "NIK's birth date equals the stated birth date",
            ),
            _level(
                f"({lr} AND year(nik_birth_date_l) = birth_year_r) "
                f"OR ({rl} AND year(nik_birth_date_r) = birth_year_l)",
                "NIK's birth year equals the stated birth year",
            ),
            _else(),
        ],
    )


def birth_date_comparison() -> ComparisonCreator:
    """The stated birth date; a placeholder date (1 Jan, 1 Jul, 31 Dec) is trusted for its year."""
    not_placeholder = (
        "NOT coalesce(birth_date_is_placeholder_l, false) "
        "AND NOT coalesce(birth_date_is_placeholder_r, false)"
    )
    return _comparison(
        "birth_date",
        "Birth date: exact, day and month swapped, one typo, same month, same year, year ±1",
        [
            _null("birth_year_l IS NULL OR birth_year_r IS NULL"),
            _level(f"birth_date_l = birth_date_r AND {not_placeholder}", "same date"),
            _level(
                "extract(day FROM birth_date_l) = extract(month FROM birth_date_r) "
                "AND extract(month FROM birth_date_l) = extract(day FROM birth_date_r) "
                f"AND birth_year_l = birth_year_r AND {not_placeholder}",
                "day and month swapped",
            ),
            _level(
                "(extract(month FROM birth_date_l) = extract(month FROM birth_date_r) "
                "OR extract(day FROM birth_date_l) = extract(day FROM birth_date_r)) "
                "AND damerau_levenshtein(CAST(birth_date_l AS VARCHAR), "
                f"CAST(birth_date_r AS VARCHAR)) <= 1 AND {not_placeholder}",
                "one typo in the date",
            ),
            _level(
                "birth_year_l = birth_year_r "
                "AND extract(month FROM birth_date_l) = extract(month FROM birth_date_r) "
                f"AND {not_placeholder}",
                "same year and month",
            ),
            _level(
                "birth_year_l = birth_year_r AND (coalesce(birth_date_is_placeholder_l, false) "
                "OR coalesce(birth_date_is_placeholder_r, false))",
                "same year, a placeholder date on one side",
            ),
            _level("abs(birth_year_l - birth_year_r) <= 1", "year within one"),
            _else(),
        ],
    )


#: The first or last token of one name is the first or last of the other: cheap string equality
#: that stands in for (and guards) array intersection, the costliest part of comparing names.
_SHARE_END_TOKEN: Final = (
    "(name_first_l = name_first_r OR name_last_l = name_last_r "
    "OR name_first_l = name_last_r OR name_last_l = name_first_r)"
)


def full_name_comparison() -> ComparisonCreator:
    """The full name, from exact agreement down to a single shared token.

    Term-frequency adjustments make a common exact name (Sri Wahyuni) weaker evidence than a rare
    one; the phonetic level is adjusted by the frequency of the phonetic key.
    """
    return _comparison(
        "full_name",
        "Full name: exact, same tokens, Jaro-Winkler, phonetic key, dropped or shared token",
        [
            _null("full_name_l IS NULL OR full_name_r IS NULL"),
            _level("full_name_l = full_name_r", "same name", tf_adjustment_column="full_name"),
            _level("name_key_l = name_key_r", "same tokens in another order"),
            cll.JaroWinklerLevel("full_name", 0.94).configure(
                label_for_charts="Jaro-Winkler ≥ 0.94"
            ),
            _level(
                "name_phonetic_l = name_phonetic_r",
                "same phonetic key",
                tf_adjustment_column="name_phonetic",
            ),
            cll.JaroWinklerLevel("full_name", 0.88).configure(
                label_for_charts="Jaro-Winkler ≥ 0.88"
            ),
            cll.And(
                cll.CustomLevel(_SHARE_END_TOKEN, base_dialect_str=_DIALECT),
                cll.ArraySubsetLevel("name_tokens"),
            ).configure(label_for_charts="one name's tokens all in the other (dropped token)"),
            _level(_SHARE_END_TOKEN, "first or last token shared"),
            _else(),
        ],
    )


def mother_name_comparison() -> ComparisonCreator:
    """The mother's maiden name: exact (frequency-adjusted), Jaro-Winkler, phonetic key."""
    return _comparison(
        "mother_name",
        "Mother's name: exact, Jaro-Winkler ≥ 0.9, phonetic key",
        [
            _null("mother_name_l IS NULL OR mother_name_r IS NULL"),
            _level(
                "mother_name_l = mother_name_r", "same name", tf_adjustment_column="mother_name"
            ),
            cll.JaroWinklerLevel("mother_name", 0.9).configure(
                label_for_charts="Jaro-Winkler ≥ 0.9"
            ),
            _level("mother_name_phonetic_l = mother_name_phonetic_r", "same phonetic key"),
            _else(),
        ],
    )


def sex_comparison() -> ComparisonCreator:
    """Sex as stated, or as encoded in the NIK where the record states none."""
    return _comparison(
        "sex",
        "Sex: same or different",
        [
            _null("sex_l IS NULL OR sex_r IS NULL"),
            _level("sex_l = sex_r", "same sex"),
            _else(),
        ],
    )


def _same(field: str) -> str:
    """Same region by code where both records resolved one, else by the standardised name."""
    return (
        f"({field}_code_l = {field}_code_r OR (({field}_code_l IS NULL OR {field}_code_r IS NULL) "
        f"AND {field}_name_l = {field}_name_r))"
    )


#: Word sets of two addresses are compared (costly array work) only for records in the same
#: kelurahan or whose addresses share a first or last word: string equality first.
_WORDS_WORTH_COMPARING: Final = (
    f"({_same('kelurahan')} OR address_first_l = address_first_r "
    "OR address_last_l = address_last_r OR address_first_l = address_last_r "
    "OR address_last_l = address_first_r)"
)


def dwelling_comparison() -> ComparisonCreator:
    """The family card and the street address: who the person lives with, and where exactly.

    The KK number and the address are one comparison, not two: the members of a household share
    both, so as separate comparisons they would add up to overwhelming evidence that a mother and
    her daughter are one person. Together they count once, as the strongest agreement found.
    """
    null_sql = " OR ".join(f"(kk_number_{s} IS NULL AND address_{s} IS NULL)" for s in ("l", "r"))
    return _comparison(
        "dwelling",
        "Dwelling: same KK, same address, address alike, words of the address shared",
        [
            _null(null_sql, "no KK or address on either side"),
            _level("kk_number_l = kk_number_r", "same KK number"),
            _level("address_l = address_r", "same address"),
            _level(
                "jaro_winkler_similarity(address_l, address_r) >= 0.9",
                "address alike (Jaro-Winkler ≥ 0.9)",
            ),
            cll.And(
                cll.CustomLevel(_WORDS_WORTH_COMPARING, base_dialect_str=_DIALECT),
                cll.ArraySubsetLevel("address_tokens"),
                cll.ArrayIntersectLevel("address_tokens", 1),
            ).configure(label_for_charts="one address's words all in the other"),
            cll.And(
                cll.CustomLevel(_WORDS_WORTH_COMPARING, base_dialect_str=_DIALECT),
                cll.ArrayIntersectLevel("address_tokens", 3),
            ).configure(label_for_charts="at least three words of the address shared"),
            _else(),
        ],
    )


def area_comparison() -> ComparisonCreator:
    """The kelurahan, then RW and RT within it, or only the kecamatan.

    RT and RW are numbers local to a kelurahan, so they only count inside one; kelurahan names
    are compared where no code resolved (a city without a region table).
    """
    null_sql = " OR ".join(
        f"(kelurahan_code_{s} IS NULL AND kelurahan_name_{s} IS NULL "
        f"AND kecamatan_code_{s} IS NULL AND kecamatan_name_{s} IS NULL)"
        for s in ("l", "r")
    )
    kel = _same("kelurahan")
    return _comparison(
        "area",
        "Area: same kelurahan with RW and RT, with RW, same kelurahan, names alike, kecamatan",
        [
            _null(null_sql, "no region on either side"),
            _level(f"{kel} AND rw_l = rw_r AND rt_l = rt_r", "same kelurahan, RW and RT"),
            _level(f"{kel} AND rw_l = rw_r", "same kelurahan and RW"),
            _level(kel, "same kelurahan"),
            _level(
                "(kelurahan_code_l IS NULL OR kelurahan_code_r IS NULL) "
                "AND jaro_winkler_similarity(kelurahan_name_l, kelurahan_name_r) >= 0.9",
                "kelurahan names alike (no code to compare)",
            ),
            _level(_same("kecamatan"), "same kecamatan"),
            _else(),
        ],
    )


def city_comparison() -> ComparisonCreator:
    """The city or regency, for registers that span more than one."""
    return _comparison(
        "city",
        "City: same or different",
        [
            _null("city_l IS NULL OR city_r IS NULL"),
            _level("city_l = city_r", "same city"),
            _else(),
        ],
    )


@dataclass(frozen=True)
class ComparisonSpec:
    """A comparison and the link-input columns it reads.

    A comparison is used only when at least one of ``needs_any`` varies in the data (a model
    cannot learn from a field no source has, or one that is the same everywhere). ``reads`` is
    every column its levels read: an EM blocking rule on any of them cannot train it.
    """

    name: str
    needs_any: tuple[str, ...]
    reads: tuple[str, ...]
    build: Callable[[], ComparisonCreator]


_DATE = ("birth_date", "birth_year", "birth_date_is_placeholder")
_AREA = ("kelurahan_code", "kelurahan_name", "kecamatan_code", "kecamatan_name")

#: Every comparison povlink knows, in the order they appear in explanations.
COMPARISONS: Final[tuple[ComparisonSpec, ...]] = (
    ComparisonSpec("nik", ("nik", "nik_partial"), ("nik", "nik_partial"), nik_comparison),
    ComparisonSpec(
        "full_name",
        ("full_name",),
        ("full_name", "name_tokens", "name_phonetic"),
        full_name_comparison,
    ),
    ComparisonSpec("birth_date", ("birth_year",), _DATE, birth_date_comparison),
    ComparisonSpec(
        "nik_birth_date",
        ("nik_birth_date",),
        ("nik_birth_date", *_DATE),
        nik_birth_date_comparison,
    ),
    ComparisonSpec("sex", ("sex",), ("sex",), sex_comparison),
    ComparisonSpec(
        "mother_name",
        ("mother_name",),
        ("mother_name", "mother_name_phonetic"),
        mother_name_comparison,
    ),
    ComparisonSpec(
        "dwelling",
        ("kk_number", "address"),
        ("kk_number", "address", "address_tokens", "address_first", "address_last", *_AREA),
        dwelling_comparison,
    ),
    ComparisonSpec("area", _AREA, (*_AREA, "rt", "rw"), area_comparison),
    ComparisonSpec("city", ("city",), ("city",), city_comparison),
)
