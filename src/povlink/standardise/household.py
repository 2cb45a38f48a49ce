"""Household fields: the relationship to the head and the agency's own household key.

``relationship`` becomes one of :data:`RELATIONSHIP_CODES` from the Indonesian values agencies
write (``Kepala Keluarga``, ``KRT``, ``Istri``, ``Suami``, ``Anak``, ``Menantu``, ``Cucu``,
``Orang Tua``, ``Mertua``, ``Famili Lain``, ``Lainnya``...) or from the BDT/DTKS numeric code
``Hub_KRT``: 1 head, 2 wife/husband, 3 child, 4 child-in-law, 5 grandchild, 6 parent or
parent-in-law, 7 household help, 8 other.

>>> RELATIONSHIP_CODES
('head', 'spouse', 'child', 'parent', 'grandchild', 'in_law', 'other')
"""

from __future__ import annotations

from typing import Final

from povlink.standardise.missing import one_of_sql

__all__ = [
    "RELATIONSHIP_CODES",
    "RELATIONSHIP_FORMS",
    "household_key_sql",
    "relationship_flag_conditions",
    "relationship_sql",
]

RELATIONSHIP_CODES: Final[tuple[str, ...]] = (
    "head", "spouse", "child", "parent", "grandchild", "in_law", "other",
)  # fmt: skip

#: Code -> written forms, after lower-casing and reducing punctuation to single spaces.
RELATIONSHIP_FORMS: Final[dict[str, tuple[str, ...]]] = {
    "head": (
        "1", "01", "kepala keluarga", "kepala rumah tangga", "kepala ruta", "kepala", "krt", "kk",
        "kepala kel", "kep keluarga", "kpl keluarga", "kepala keluarga krt", "head",
    ),
    "spouse": (
        "2", "02", "istri", "isteri", "suami", "istri suami", "suami istri", "suami isteri",
        "pasangan", "spouse", "wife", "husband",
    ),
    "child": (
        "3", "03", "anak", "anak kandung", "anak tiri", "anak angkat", "child", "son", "daughter",
    ),
    "in_law": ("4", "04", "menantu", "anak menantu", "in law"),
    "grandchild": ("5", "05", "cucu", "cucu kandung", "grandchild"),
    "parent": (
        "6", "06", "orang tua", "orangtua", "ortu", "orang tua mertua", "mertua", "ayah", "bapak",
        "ibu", "ibu kandung", "ayah kandung", "bapak mertua", "ibu mertua", "parent",
    ),
    "other": (
        "7", "07", "8", "08", "famili lain", "famili", "keluarga lain", "lainnya", "lain lain",
        "lain", "pembantu", "pembantu ruta", "pembantu rumah tangga", "saudara", "keponakan",
        "adik", "kakak", "paman", "bibi", "kakek", "nenek", "other", "sepupu", "ipar",
    ),
}  # fmt: skip


def relationship_sql(text: str) -> str:
    """SQL: the relationship code of the present text in column ``text``, or NULL."""
    key = f"trim(regexp_replace(lower({text}), '[^a-z0-9]+', ' ', 'g'))"
    whens = " ".join(
        f"WHEN {one_of_sql(key, forms)} THEN '{code}'" for code, forms in RELATIONSHIP_FORMS.items()
    )
    return f"CASE {whens} END"


def relationship_flag_conditions(text: str) -> list[tuple[str, str]]:
    """(flag, SQL condition): a relationship was written but is not a known value."""
    return [("relationship_invalid", f"({text} IS NOT NULL AND relationship IS NULL)")]


def household_key_sql(text: str) -> str:
    """SQL: the agency's household key, trimmed, without a float's ``.0`` (``1234.0``)."""
    return (
        f"CASE WHEN strpos({text}, '.') > 0 AND regexp_matches({text}, '^[0-9]+[.]0+$') "
        f"THEN split_part({text}, '.', 1) "
        f"ELSE {text} END"
    )
