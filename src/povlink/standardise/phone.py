"""Phone numbers: Indonesian mobile numbers in their domestic ``08...`` form.

``+62 812-3456-7890``, ``62812...``, ``0812 3456 7890`` and ``812...`` (the leading zero lost in a
spreadsheet) all become ``081234567890``; anything that is then not ``08`` plus 8 to 11 digits is
NULL with the flag ``phone_invalid``.

>>> "BETWEEN 10 AND 13" in phone_sql("x")
True
"""

from __future__ import annotations

__all__ = ["phone_flag_conditions", "phone_sql"]


def phone_sql(text: str) -> str:
    """SQL: the phone number in ``08...`` form, or NULL."""
    unfloated = (
        f"CASE WHEN strpos({text}, '.') > 0 AND regexp_matches({text}, '^[0-9]+[.]0+$') "
        f"THEN split_part({text}, '.', 1) ELSE {text} END"
    )
    digits = f"regexp_replace({unfloated}, '[^0-9]', '', 'g')"
    domestic = (
        f"CASE WHEN starts_with({digits}, '62') THEN '0' || substr({digits}, 3) "
        f"WHEN starts_with({digits}, '8') THEN '0' || {digits} ELSE {digits} END"
    )
    # Only digits are left: '08' plus 8 to 11 digits is a matter of prefix and length.
    return (
        f"CASE WHEN starts_with({domestic}, '08') AND length({domestic}) BETWEEN 10 AND 13 "
        f"THEN {domestic} END"
    )


def phone_flag_conditions(text: str) -> list[tuple[str, str]]:
    """(flag, SQL condition): a phone number was written but is not a mobile number."""
    return [("phone_invalid", f"({text} IS NOT NULL AND phone IS NULL)")]
