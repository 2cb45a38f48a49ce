"""Missing values and the text clean-up every other rule starts from.

Agencies write "no value" in many ways: an empty cell, ``-``, ``0``, ``NULL``, ``belum ada`` (not
yet), ``tidak ada`` (none). :func:`present_text_stages` turns all of them into SQL ``NULL`` so that
later rules (and the quality flags) only ever see real values.

The helpers return SQL expressions (strings) over a column expression; they are portable SQL (see
``docs/architecture.md``, "Portable SQL"): lower-casing instead of the ``i`` flag, ``g`` or an
anchor on every ``regexp_replace``.

>>> present_text_stages("x", "t")[-1][0][1].startswith("CASE WHEN")
True
"""

from __future__ import annotations

from typing import Final

from povlink.engine import quote_literal

__all__ = [
    "ACCENTED",
    "MISSING_VALUES",
    "fold_text_sql",
    "one_of_sql",
    "present_text_stages",
    "replace_words_sql",
    "sql_string_list",
]

#: Written forms of "no value" (compared after lower-casing and trimming).
MISSING_VALUES: Final[tuple[str, ...]] = (
    "",
    "null",
    "none",
    "nan",
    "nat",
    "na",
    "n/a",
    "n.a.",
    "#n/a",
    "belum ada",
    "blm ada",
    "tidak ada",
    "tdk ada",
    "tak ada",
    "kosong",
    "tidak tahu",
    "tdk tahu",
    "tidak diketahui",
    "belum",
    "tidak",
    "tdk",
    "blm",
    "xxx",
    "x",
)

#: Every string of only these characters is missing too: ``-``, ``--``, ``0``, ``000``, ``.``.
_FILLER_PATTERN: Final[str] = "^[-_.?0 /]*$"

#: Longer values are never missing forms (a run of 16 zeros is a wrong NIK, not a missing one).
_MISSING_MAX_LENGTH: Final[int] = max(len(v) for v in MISSING_VALUES)

#: Accented letters and the ASCII letters they fold to (a portable ``strip_accents``).
ACCENTED: Final[tuple[str, str]] = (
    "àáâãäåāèéêëēìíîïīòóôõöøōùúûüūýÿñçšžđ",
    "aaaaaaaeeeeeiiiiioooooooouuuuuyyncszd",
)


def sql_string_list(values: tuple[str, ...] | list[str]) -> str:
    """A parenthesised SQL list of string literals, for ``IN``.

    >>> sql_string_list(("a", "it's"))
    "('a', 'it''s')"
    """
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _regex_literal(value: str) -> str:
    """``value`` with every regex metacharacter escaped (RE2 and Java alike)."""
    return "".join("\\" + c if c in ".^$*+?()[]{}|\\#-/" else c for c in value)


def one_of_sql(expression: str, values: tuple[str, ...] | list[str]) -> str:
    """SQL: ``expression`` equals one of ``values`` (NULL when it is NULL).

    A constant list rather than ``IN (...)`` (which DuckDB turns into a join when it is long) or
    an anchored regular expression (twice as slow, and compiled anew at every execution of a
    prepared statement).

    >>> one_of_sql("x", ("a", "n/a"))
    "list_contains(['a', 'n/a'], x)"
    """
    return f"list_contains([{', '.join(quote_literal(v) for v in values)}], {expression})"


def replace_words_sql(expression: str, words: dict[str, tuple[str, ...]]) -> str:
    """SQL: in single-spaced ``expression``, each word of ``words[target]`` becomes ``target``.

    Words are matched whole: the text is padded and its spaces doubled, so that every word has a
    space of its own on either side, then one plain ``replace`` per variant (cheaper than a regular
    expression, and no back-references, which engines write differently), then spaces collapse.

    >>> replace_words_sql("x", {"jalan": ("jl", "jln")}).count("replace(")
    5
    """
    padded = f"(' ' || replace({expression}, ' ', '  ') || ' ')"
    replaced = padded
    for target, variants in words.items():
        for variant in variants:
            replaced = f"replace({replaced}, ' {variant} ', ' {target} ')"
    # One pattern test first: most texts hold none of the words and skip the replacements.
    alternatives = "|".join(_regex_literal(v) for vs in words.values() for v in vs)
    return (
        f"CASE WHEN regexp_matches({padded}, ' (?:{alternatives}) ') "
        f"THEN trim(regexp_replace({replaced}, ' +', ' ', 'g')) ELSE {expression} END"
    )


def present_text_stages(column: str, target: str) -> list[list[tuple[str, str]]]:
    """SQL stages: ``target`` is the trimmed text of ``column``, or NULL when it is a missing form.

    Line breaks and tabs count as spaces; the value is otherwise left as written. Every missing
    form is at most 15 characters long and holds no digit but 0, so other values skip the tests.
    The trimmed text is its own column (``_<target>_spaced``), computed once and then tested.

    >>> [[name for name, _ in stage] for stage in present_text_stages("nik_raw", "nik_txt")]
    [['_nik_txt_spaced'], ['nik_txt']]
    """
    spaced = f"_{target}_spaced"
    breaks = f"strpos({column}, chr(9)) + strpos({column}, chr(10)) + strpos({column}, chr(13))"
    spaces = f"replace(replace(replace({column}, chr(9), ' '), chr(10), ' '), chr(13), ' ')"
    trimmed = f"trim(CASE WHEN {breaks} > 0 THEN {spaces} ELSE {column} END)"
    # No missing form holds a digit other than 0: one cheap test spares most values the others.
    candidate = f"regexp_matches({spaced}, '^[^1-9]{{0,{_MISSING_MAX_LENGTH}}}$')"
    present = (
        f"CASE WHEN {spaced} IS NULL THEN NULL "
        f"WHEN {candidate} "
        f"AND ({one_of_sql(f'lower({spaced})', MISSING_VALUES)} "
        f"OR regexp_matches({spaced}, '{_FILLER_PATTERN}')) THEN NULL "
        f"ELSE {spaced} END"
    )
    return [[(spaced, trimmed)], [(target, present)]]


def fold_text_sql(expression: str) -> str:
    """SQL: lower-case ASCII form of ``expression`` (accents folded, apostrophes dropped).

    Apostrophes join their neighbours (``Ma'ruf`` -> ``maruf``); every other character is kept.
    ``translate`` over the accent table is slow, so it only runs on the rare values that hold a
    character outside printable ASCII.

    >>> fold_text_sql("x")[:14]
    'regexp_replace'
    """
    accented, plain = ACCENTED
    lowered = f"lower({expression})"
    folded = (
        f"CASE WHEN regexp_matches({lowered}, '[^ -~]') "
        f"THEN translate({lowered}, '{accented}', '{plain}') ELSE {lowered} END"
    )
    return f"regexp_replace({folded}, '[\u2019\u2018\u00b4''`]', '', 'g')"
