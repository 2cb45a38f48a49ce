"""Phone numbers: Indonesian mobile numbers in their domestic ``08...`` form.

``+62 812-3456-7890``, ``62812...``, ``0812 3456 7890`` and ``812...`` (the leading zero lost in a
spreadsheet) all become ``081234567890``; anything that is then not ``08`` plus 8 to 11 digits is
NULL with the flag ``phone_invalid``.

>>> "BETWEEN 10 AND 13" in phone_stages("x")[-1][0][1]
True
"""

from __future__ import annotations

__all__ = ["phone_flag_conditions", "phone_stages"]


def phone_stages(text: str) -> list[list[tuple[str, str]]]:
    """SQL stages: ``phone`` in ``08...`` form (or NULL) from the present text in column ``text``.

    Each step is a column of its own (``_ph_digits``, ``_ph_domestic``), so that no expression
    is evaluated twice.
    """
    unfloated = (
        f"CASE WHEN strpos({text}, '.') > 0 AND regexp_matches({text}, '^[0-9]+[.]0+$') "
        f"THEN split_part({text}, '.', 1) ELSE {text} END"
    )
    digits = f"regexp_replace({unfloated}, '[^0-9]', '', 'g')"
    domestic = (
        "CASE WHEN starts_with(_ph_digits, '62') THEN '0' || substr(_ph_digits, 3) "
        "WHEN starts_with(_ph_digits, '8') THEN '0' || _ph_digits ELSE _ph_digits END"
    )
    # Only digits are left: '08' plus 8 to 11 digits is a matter of prefix and length.
    phone = (
        "CASE WHEN starts_with(_ph_domestic, '08') AND length(_ph_domestic) BETWEEN 10 AND 13 "
        "THEN _ph_domestic END"
    )
    return [[("_ph_digits", digits)], [("_ph_domestic", domestic)], [("phone", phone)]]


def phone_flag_conditions(text: str) -> list[tuple[str, str]]:
    """(flag, SQL condition): a phone number was written but is not a mobile number."""
    return [("phone_invalid", f"({text} IS NOT NULL AND phone IS NULL)")]
