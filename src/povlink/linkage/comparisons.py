"""The comparisons of povlink's Fellegi-Sunter model, designed for Indonesian registry data.

Each comparison turns a pair of records into one *level* (exact agreement, a typo, a swapped day and
month, ..., disagreement); training learns how much each level says about a match. Every comparison
opens with a null level, so that a value missing on either side is neutral, never a disagreement.

Fields that move together are compared together: the members of a household share a KK number,
an address, a kelurahan, RW and RT, so these form one comparison (``residence``) that counts the
most specific agreement once, not five agreements that would add up to calling a mother and her
daughter one person.

Levels are tried in order for every candidate pair, and most candidate pairs are non-matches that
fall through to the last level, so the costly tests (Jaro-Winkler, edit distances) sit behind
cheap equalities or work on short substrings, and no level compares lists.

The SQL conditions are written in DuckDB's dialect and marked as such. They read the columns of
the *link input* prepared by :func:`povlink.linkage.blocking.link_input_sql` (the
``standardised`` columns plus a few derived keys), suffixed ``_l`` and ``_r`` as Splink does.
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
    "birth_date_comparison",
    "city_comparison",
    "full_name_comparison",
    "mother_name_comparison",
    "nik_birth_date_comparison",
    "nik_comparison",
    "residence_comparison",
    "sex_comparison",
]

_DIALECT: Final = "duckdb"


def _level(sql: str, label: str, **options: Any) -> ComparisonLevelCreator:
    """A custom comparison level in DuckDB SQL (translated by Splink for other engines).

    A level adjusted for term frequencies must be the exact match on its column
    (``c_l = c_r``): Splink then needs no search for the exact-match level whose u probability
    the adjustment starts from, as this level is that one. (The search parses every level's
    SQL; it took a third of a second each time a model predicted.)
    """
    column = options.get("tf_adjustment_column")
    if column is not None:
        if sql != f"{column}_l = {column}_r":
            raise ValueError(
                f"a level adjusted for the frequencies of {column!r} must be "
                f"'{column}_l = {column}_r', not {sql!r}"
            )
        options = {**options, "disable_tf_exact_match_detection": True}
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
    """The NIK: exact, the Excel-damaged prefix, one typo in its birth date, or two different NIKs.

    A NIK is region (6 digits), birth date (6) and serial (4). NIKs that differ only in the serial
    belong to people registered in the same kecamatan on the same day (twins, neighbours), and
    NIKs one region digit apart with the same date and serial belong as often to two people born
    the same day in neighbouring kecamatan (the serial 0001 is the commonest of all) as to one
    person with a typo: neither says anything the birth date comparison does not, so the first
    falls to the last level and the second is neutral. A typo in the date digits (same region and
    serial) is a level of its own. Two different valid NIKs fall to the last level, which training
    learns to be strong evidence against a match.
    """
    return _comparison(
        "nik",
        "NIK: exact, Excel-damaged prefix, one typo in the date digits, different",
        [
            _null(
                "((nik_l IS NULL OR nik_r IS NULL) "
                "AND (nik_partial_l IS NULL OR nik_partial_r IS NULL)) "
                "OR (substr(nik_l, 7, 10) = substr(nik_r, 7, 10) "
                "AND damerau_levenshtein(substr(nik_l, 1, 6), substr(nik_r, 1, 6)) = 1)",
                "missing on either side, or a region digit apart (ambiguous)",
            ),
            _level("nik_l = nik_r", "same NIK"),
            _level(
                "nik_partial_l = nik_partial_r AND (nik_l IS NULL OR nik_r IS NULL)",
                "same first 15 digits (one NIK damaged by Excel)",
            ),
            _level(
                "substr(nik_l, 13, 4) = substr(nik_r, 13, 4) "
                "AND substr(nik_l, 1, 6) = substr(nik_r, 1, 6) "
                "AND damerau_levenshtein(substr(nik_l, 7, 6), substr(nik_r, 7, 6)) <= 1",
                "one typo in the birth date digits",
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
            _null(
                f"NOT ({lr} OR {rl})",
                "no NIK on one side or no birth date on the other",
            ),
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


#: One digit of the ISO dates (``YYYY-MM-DD``, always ten characters) changed, or two adjacent
#: digits swapped: the Hamming distance first, Damerau-Levenshtein only where it is two.
_ONE_TYPO_IN_DATE: Final = (
    "hamming(CAST(birth_date_l AS VARCHAR), CAST(birth_date_r AS VARCHAR)) <= 1 "
    "OR (hamming(CAST(birth_date_l AS VARCHAR), CAST(birth_date_r AS VARCHAR)) = 2 "
    "AND damerau_levenshtein(CAST(birth_date_l AS VARCHAR), CAST(birth_date_r AS VARCHAR)) = 1)"
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
                f"AND ({_ONE_TYPO_IN_DATE}) AND {not_placeholder}",
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


#: One name is the other with tokens dropped: a run of its tokens (Aminah, Siti Aminah Binti
#: Slamet), or its first and last token around others (Siti Aminah, Siti Nur Aminah). String
#: tests on the whole name and its end tokens, which cost far less than comparing token lists.
_DROPPED_TOKEN: Final = (
    "contains(' ' || full_name_l || ' ', ' ' || full_name_r || ' ') "
    "OR contains(' ' || full_name_r || ' ', ' ' || full_name_l || ' ') "
    "OR (name_first_l = name_first_r AND name_last_l = name_last_r "
    "AND (full_name_l = name_first_l || ' ' || name_last_l "
    "OR full_name_r = name_first_r || ' ' || name_last_r))"
)


def full_name_comparison() -> ComparisonCreator:
    """The full name, from exact agreement down to a single shared or alike token.

    Term-frequency adjustments make a common exact name (Sri Wahyuni) weaker evidence than a rare
    one, and a shared first or last token weak when it is Siti, Nur or Muhammad and strong when
    it is rare; the phonetic level is adjusted by the frequency of the phonetic key. Names swapped
    in order are compared on their sorted tokens (``name_key``).
    """
    return _comparison(
        "full_name",
        "Full name: exact, same tokens, Jaro-Winkler, phonetic key, dropped, shared or alike token",
        [
            _null("full_name_l IS NULL OR full_name_r IS NULL"),
            _level(
                "full_name_l = full_name_r",
                "same name",
                tf_adjustment_column="full_name",
            ),
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
            _level(
                "jaro_winkler_similarity(name_key_l, name_key_r) >= 0.9",
                "tokens alike in another order (Jaro-Winkler ≥ 0.9 on sorted tokens)",
            ),
            _level(_DROPPED_TOKEN, "one name's tokens all in the other (dropped token)"),
            _level(
                "name_last_l = name_last_r",
                "same last token",
                tf_adjustment_column="name_last",
            ),
            _level(
                "name_first_l = name_first_r",
                "same first token",
                tf_adjustment_column="name_first",
            ),
            _level(
                "name_first_l = name_last_r OR name_last_l = name_first_r",
                "first token of one is the last of the other",
            ),
            _level(
                "greatest(jaro_winkler_similarity(name_first_l, name_first_r), "
                "jaro_winkler_similarity(name_last_l, name_last_r), "
                "jaro_winkler_similarity(name_first_l, name_last_r), "
                "jaro_winkler_similarity(name_last_l, name_first_r)) >= 0.9",
                "first or last token alike (Jaro-Winkler ≥ 0.9)",
            ),
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
                "mother_name_l = mother_name_r",
                "same name",
                tf_adjustment_column="mother_name",
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


def residence_comparison() -> ComparisonCreator:
    """Where the person lives: the family card, the street address, then the region.

    One comparison, not three: the members of a household share the KK number, the address, the
    kelurahan, RW and RT, so as separate comparisons they would add up to overwhelming evidence
    that a mother and her daughter are one person. Together they count once, as the most specific
    agreement found. An address is stronger inside the same kelurahan than across two (street
    names repeat across a city); how much stronger, training learns from the data: where
    addresses never repeat outside a household it is near-certain, where households share them
    it is not. A large kelurahan is weaker evidence than a small one (term frequency).
    """
    sides = ("l", "r")
    null_sql = " OR ".join(
        f"(kk_number_{s} IS NULL AND address_{s} IS NULL AND kelurahan_code_{s} IS NULL "
        f"AND kelurahan_name_{s} IS NULL AND kecamatan_code_{s} IS NULL "
        f"AND kecamatan_name_{s} IS NULL)"
        for s in sides
    )
    kel = "kelurahan_key_l = kelurahan_key_r"
    alike = "jaro_winkler_similarity(address_l, address_r) >= 0.9"
    return _comparison(
        "residence",
        "Residence: same KK, same or alike address (in the same kelurahan or not), address "
        "words shared, same kelurahan with RW and RT, kelurahan, kecamatan",
        [
            _null(null_sql, "no KK, address or region on either side"),
            _level("kk_number_l = kk_number_r", "same KK number"),
            _level(f"address_l = address_r AND {kel}", "same address in the same kelurahan"),
            _level("address_l = address_r", "same address"),
            _level(
                f"{alike} AND {kel}",
                "address alike (Jaro-Winkler ≥ 0.9), same kelurahan",
            ),
            _level(alike, "address alike (Jaro-Winkler ≥ 0.9)"),
            _level(
                "jaro_winkler_similarity(address_key_l, address_key_r) >= 0.9",
                "address words alike in another order (Jaro-Winkler ≥ 0.9 on sorted words)",
            ),
            _level(
                "contains(address_l, address_r) OR contains(address_r, address_l)",
                "one address inside the other (a part dropped)",
            ),
            _level(f"{kel} AND rw_l = rw_r AND rt_l = rt_r", "same kelurahan, RW and RT"),
            _level(f"{kel} AND rw_l = rw_r", "same kelurahan and RW"),
            _level(kel, "same kelurahan", tf_adjustment_column="kelurahan_key"),
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
        (
            "full_name",
            "name_phonetic",
            "name_first",
            "name_last",
            "name_key",
        ),
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
        "residence",
        ("kk_number", "address", *_AREA),
        (
            "kk_number",
            "address",
            "address_key",
            *_AREA,
            "kelurahan_key",
            "rt",
            "rw",
        ),
        residence_comparison,
    ),
    ComparisonSpec("city", ("city",), ("city",), city_comparison),
)
