"""KK number, the 16-digit family card number ``PP KK CC DDMMYY SSSS``.

Cleaned and checked like the NIK (:mod:`povlink.standardise.identity`), except that the date part is
the card's issue date, so no 40 is added for women. A KK number is a household key that changes
when a family moves or splits, never a person key.

>>> [name for name, _ in kk_value_columns()]
['kk_number']
>>> kk_flag_conditions()[0]
('kk_excel_notation', "_kk_problem = 'excel_notation'")
"""

from __future__ import annotations

from povlink.standardise.identity import PROBLEMS

__all__ = ["kk_flag_conditions", "kk_value_columns"]


def kk_value_columns() -> list[tuple[str, str]]:
    """SQL column ``kk_number``: the cleaned digits when they break no rule, else NULL."""
    return [("kk_number", "CASE WHEN _kk_problem IS NULL THEN _kk_digits END")]


def kk_flag_conditions() -> list[tuple[str, str]]:
    """(flag, SQL condition) pairs for the KK number, one per identity-number problem."""
    return [(f"kk_{p}", f"_kk_problem = '{p}'") for p in PROBLEMS]
