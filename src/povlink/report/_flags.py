"""Reading quality-flag codes: which field a code concerns, and what kind of NIK problem it is.

The standardiser names every code after the field it concerns (``nik_missing``,
``birth_date_missing``, ``kelurahan_unknown``), so the report can work with any set of codes without
a list of them: a code belongs to the longest canonical field name that prefixes it
(``nik_birth_date_mismatch`` belongs to ``nik``, ``kk_number_invalid`` to ``kk_number``), or, when
no canonical field prefixes it, to its first underscore-separated word, read through
:data:`FIELD_ALIASES` (``kk_wrong_length`` belongs to ``kk_number``).

The standardiser flags damaged values, not absent ones: an empty NIK is simply ``NULL``. So that an
agency sees its empty fields too, the report adds a ``<field>_missing`` code to a record whose
value of a :data:`KEY_FIELDS` field is empty while no flag on that field explains why.

NIK problems are reported in three kinds, because each calls for a different fix:

* **missing** – the agency wrote no NIK at all (blank, ``-``, ``0``, "belum ada"): collect it;
* **inconsistent** – a well-formed NIK that contradicts the record or another record (birth date
  or sex encoded in the NIK differs, the same NIK on different persons, a KK number in the NIK
  field): check it against the KK card;
* **invalid** – any other NIK problem (wrong length, Excel's scientific notation, impossible date or
  region): the value is damaged and must be re-entered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from povlink.schema import CANONICAL_FIELDS

NikProblem = Literal["missing", "invalid", "inconsistent"]

#: Words that, in a ``nik_...`` code, mean the NIK was not written at all.
MISSING_WORDS: Final[frozenset[str]] = frozenset({"missing", "blank", "empty", "absent", "none"})

#: Words that, in a ``nik_...`` code, mean a well-formed NIK contradicts other data.
INCONSISTENT_WORDS: Final[frozenset[str]] = frozenset(
    {"mismatch", "shared", "conflict", "conflicting", "inconsistent", "duplicate", "reused", "kk"}
)

#: Short prefixes the standardiser uses for a canonical field.
FIELD_ALIASES: Final[dict[str, str]] = {"kk": "kk_number", "mother": "mother_name"}

#: Fields whose absence the report counts (``<field>_missing``), with their standardised column:
#: the ones linkage leans on and the region used to place households.
KEY_FIELDS: Final[dict[str, str]] = {
    "nik": "nik",
    "kk_number": "kk_number",
    "full_name": "full_name",
    "birth_date": "birth_date",
    "sex": "sex",
    "kelurahan": "kelurahan_code",
}

_WORD = re.compile(r"[a-z0-9]+")


#: How a key field is named in a sentence.
_FIELD_WORDS: Final[dict[str, str]] = {
    "nik": "NIK",
    "kk_number": "KK number",
    "full_name": "name",
    "birth_date": "birth date",
    "sex": "sex",
    "kelurahan": "kelurahan",
}


@dataclass(frozen=True)
class FlagCode:
    """One quality-flag code and how the report reads it."""

    code: str
    field: str
    field_order: int
    nik_problem: NikProblem | None
    description: str


def describe_code(code: str) -> str:
    """What a code means: the standardiser's own words, or the report's for ``<field>_missing``.

    >>> describe_code("kk_number_missing")
    'the KK number is empty: the list gives none'
    """
    from povlink.standardise import QUALITY_FLAGS

    if code in QUALITY_FLAGS:
        return QUALITY_FLAGS[code]
    field = code.removesuffix("_missing")
    if field != code and field in KEY_FIELDS:
        return f"the {_FIELD_WORDS.get(field, field)} is empty: the list gives none"
    return ""


def field_of_code(code: str, fields: Iterable[str] = CANONICAL_FIELDS) -> str:
    """The field a quality-flag code concerns: the longest field name that prefixes it.

    >>> field_of_code("nik_birth_date_mismatch")
    'nik'
    >>> field_of_code("kk_number_invalid")
    'kk_number'
    >>> field_of_code("birth_date_missing")
    'birth_date'
    >>> field_of_code("kk_wrong_length")
    'kk_number'
    >>> field_of_code("zz_odd")
    'zz'
    """
    lowered = code.lower()
    matches = [f for f in fields if lowered == f or lowered.startswith(f + "_")]
    if matches:
        return max(matches, key=len)
    first = lowered.split("_", 1)[0]
    return FIELD_ALIASES.get(first, first)


def nik_problem_of_code(code: str) -> NikProblem | None:
    """The kind of NIK problem a code names, or ``None`` when the code is not about the NIK.

    >>> nik_problem_of_code("nik_missing")
    'missing'
    >>> nik_problem_of_code("nik_excel_notation")
    'invalid'
    >>> nik_problem_of_code("nik_birth_date_mismatch")
    'inconsistent'
    >>> nik_problem_of_code("kk_number_missing") is None
    True
    """
    if field_of_code(code) != "nik":
        return None
    words = set(_WORD.findall(code.lower()[len("nik") :]))
    if words & MISSING_WORDS:
        return "missing"
    if words & INCONSISTENT_WORDS:
        return "inconsistent"
    return "invalid"


def read_flag_codes(codes: Iterable[str]) -> list[FlagCode]:
    """How the report reads each code: its field, the field's rank for fixing, its NIK problem.

    ``field_order`` is the field's position among the canonical fields (the NIK first, as the
    field linkage leans on most); fields outside the canonical list come after them.
    """
    order = {name: i for i, name in enumerate(CANONICAL_FIELDS)}
    result = []
    for code in sorted(set(codes)):
        field = field_of_code(code)
        result.append(
            FlagCode(
                code=code,
                field=field,
                field_order=order.get(field, len(order)),
                nik_problem=nik_problem_of_code(code),
                description=describe_code(code),
            )
        )
    return result
