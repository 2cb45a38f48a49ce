"""Sex: every written form to ``M`` or ``F``.

``L``/``P`` (laki-laki/perempuan), ``1``/``2`` (the DTKS code), ``M``/``F``, ``Laki-laki``,
``Perempuan``, ``Pria``, ``Wanita``, ``LK``, ``PR``, in any case and with any punctuation. Anything
else is NULL with the flag ``sex_invalid``.

>>> "'lakilaki'" in sex_sql("x")
True
"""

from __future__ import annotations

from typing import Final

from povlink.standardise.missing import one_of_sql

__all__ = ["FEMALE_FORMS", "MALE_FORMS", "sex_flag_conditions", "sex_sql"]

#: Male forms after lower-casing and removing everything but letters and digits.
MALE_FORMS: Final[tuple[str, ...]] = (
    "l", "lk", "lki", "laki", "lakilaki", "lakilak", "lelaki", "pria", "m", "male", "man", "1",
    "cowok", "lakil",
)  # fmt: skip

#: Female forms after the same clean-up.
FEMALE_FORMS: Final[tuple[str, ...]] = (
    "p", "pr", "prp", "perempuan", "prempuan", "wanita", "w", "wan", "f",
    "female", "woman", "2", "cewek", "perem",
)  # fmt: skip


def _key_sql(text: str) -> str:
    return f"regexp_replace(lower({text}), '[^a-z0-9]', '', 'g')"


def sex_sql(text: str) -> str:
    """SQL: ``M``, ``F`` or NULL from the present text in column ``text``."""
    key = _key_sql(text)
    return (
        f"CASE WHEN {one_of_sql(key, MALE_FORMS)} THEN 'M' "
        f"WHEN {one_of_sql(key, FEMALE_FORMS)} THEN 'F' END"
    )


def sex_flag_conditions(text: str) -> list[tuple[str, str]]:
    """(flag, SQL condition): a sex was written but is not a known form."""
    return [("sex_invalid", f"({text} IS NOT NULL AND sex IS NULL)")]
