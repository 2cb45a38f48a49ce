"""Which record pairs are compared at all, and the link input those rules and comparisons read.

Comparing every pair of 2 million records is 2·10¹² comparisons; *blocking rules* keep only pairs
that agree on some key (the same NIK, the same phonetic name and birth year, ...). A pair is scored
when any rule admits it, so the rules together must still reach nearly every true pair (at least
99.5% on the synthetic city) while each rule alone keeps its blocks small.

Three sets of rules serve three jobs:

* :data:`PREDICTION_RULES` generate the candidate pairs that are scored;
* :data:`TRAINING_RULES` generate the pairs on which EM learns the m probabilities (each rule
  leaves the comparisons it uses untrained, so together they must cover every comparison);
* :data:`DETERMINISTIC_RULES` count near-certain matches to estimate the prior (the probability
  that two random records match).

A rule is used only when every column it needs has values somewhere in the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from povlink.engine import Engine, quote_identifier
from povlink.schema import StandardisedRecord, sql_columns

__all__ = [
    "DETERMINISTIC_RULES",
    "LINK_INPUT_COLUMNS",
    "LINK_INPUT_SOURCES",
    "LOOSE_RULES",
    "PREDICTION_RULES",
    "TRAINING_RULES",
    "BlockingRule",
    "choose_loose_rules",
    "link_input_sources",
    "link_input_sql",
]


@dataclass(frozen=True)
class BlockingRule:
    """A blocking rule as Splink SQL (``l.`` and ``r.`` prefixes) and the columns it needs."""

    sql: str
    needs: tuple[str, ...]

    @classmethod
    def on(cls, *columns: str) -> BlockingRule:
        """Pairs that agree exactly on every one of ``columns``."""
        return cls(" AND ".join(f"l.{c} = r.{c}" for c in columns), columns)


#: Candidate pairs for prediction, always used. Each rule keeps blocks small at city scale (an
#: identifier, a household key, or a name with a birth date); together they forgive an error in
#: any one field. On a synthetic city of a million records they reach 99.96% of the true pairs
#: with 3.3 million pairs. A NIK damaged by Excel (only its first 15 digits known) is paired with
#: NIKs of the same 15 digits, but two valid NIKs that share them are not (they differ in the
#: serial: two people); an address is a block only inside its kelurahan (street names and house
#: numbers repeat across a city: the address alone made 3 million more pairs for one true pair).
PREDICTION_RULES: Final[tuple[BlockingRule, ...]] = (
    BlockingRule.on("nik"),
    BlockingRule("l.nik_partial_damaged = r.nik_partial", ("nik_partial_damaged", "nik_partial")),
    BlockingRule("l.nik_partial = r.nik_partial_damaged", ("nik_partial_damaged", "nik_partial")),
    BlockingRule.on("kk_number"),
    BlockingRule.on("address", "kelurahan_key"),
    BlockingRule.on("name_first", "birth_date"),
    BlockingRule.on("name_last", "birth_date"),
    BlockingRule(
        "l.name_first = r.name_last AND l.birth_date = r.birth_date",
        ("name_first", "birth_date"),
    ),
    BlockingRule(
        "l.name_last = r.name_first AND l.birth_date = r.birth_date",
        ("name_first", "birth_date"),
    ),
    BlockingRule(
        "l.nik_birth_date = r.birth_date AND l.name_first = r.name_first",
        ("nik_birth_date", "birth_date", "name_first"),
    ),
    BlockingRule(
        "l.birth_date = r.nik_birth_date AND l.name_first = r.name_first",
        ("nik_birth_date", "birth_date", "name_first"),
    ),
)

#: Looser rules, added in this order while the pairs they generate (counted before any is run)
#: fit a budget: on a small table they cost little and catch records with two or three damaged
#: fields; on a city they would swamp the model, so there only those that fit are kept.
LOOSE_RULES: Final[tuple[BlockingRule, ...]] = (
    BlockingRule.on("birth_date", "kelurahan_key"),
    BlockingRule.on("name_phonetic", "kelurahan_key"),
    BlockingRule.on("full_name", "kelurahan_key"),
    BlockingRule.on("name_phonetic", "birth_year"),
    BlockingRule.on("name_key", "birth_year"),
    BlockingRule.on("name_first", "name_last", "birth_year"),
    BlockingRule.on("name_first", "kelurahan_key"),
    BlockingRule.on("name_last", "kelurahan_key"),
    BlockingRule.on("name_first", "name_last"),
    BlockingRule.on("name_key"),
    BlockingRule.on("address_key"),
    BlockingRule.on("birth_date"),
    BlockingRule.on("kelurahan_key"),
    BlockingRule.on("name_first"),
    BlockingRule.on("name_last"),
    BlockingRule.on("name_phonetic"),
    BlockingRule.on("mother_name", "birth_year"),
)

#: Pairs for EM training, as slots of alternatives (the first usable rule of each slot is used):
#: the NIK with the birth date (trains names and places on near-certain matches; a NIK alone also
#: pairs a head with the members whose records reuse the head's NIK), the exact name (trains the
#: NIK, dates and places), the birth date with sex, or alone where no sex is recorded (trains the
#: names and places).
TRAINING_RULES: Final[tuple[tuple[BlockingRule, ...], ...]] = (
    (BlockingRule.on("nik", "birth_date"), BlockingRule.on("nik")),
    (BlockingRule.on("full_name"),),
    (BlockingRule.on("birth_date", "sex"), BlockingRule.on("birth_date")),
)

#: Near-certain matches, for the prior.
DETERMINISTIC_RULES: Final[tuple[BlockingRule, ...]] = (
    BlockingRule.on("nik", "birth_date"),
    BlockingRule.on("full_name", "birth_date"),
)

_STANDARDISED_TYPES: Final = sql_columns(StandardisedRecord)

#: Columns of the link input that come straight from the standardised table.
_PASSED_THROUGH: Final[tuple[str, ...]] = (
    "nik",
    "nik_partial",
    "nik_birth_date",
    "kk_number",
    "full_name",
    "name_phonetic",
    "mother_name",
    "mother_name_phonetic",
    "birth_date",
    "birth_year",
    "birth_date_is_placeholder",
    "rt",
    "rw",
    "kelurahan_code",
    "kecamatan_code",
    "kelurahan_name",
    "kecamatan_name",
    "address",
    "city",
)

#: Every column of the link input, in order.
LINK_INPUT_COLUMNS: Final[tuple[str, ...]] = (
    "unique_id",
    "source",
    *_PASSED_THROUGH,
    "nik_partial_damaged",
    "sex",
    "name_first",
    "name_last",
    "name_key",
    "kelurahan_key",
    "address_key",
)


#: Every standardised column the link input reads (see :func:`link_input_sql`); a workspace
#: that only trains, computes term frequencies and scores pairs needs no other.
LINK_INPUT_SOURCES: Final[tuple[str, ...]] = (
    "record_id",
    "source",
    *_PASSED_THROUGH,
    "name_tokens",
    "sex",
    "nik_sex",
)


def link_input_sources(available: Iterable[str]) -> list[str]:
    """The columns of ``available`` (a standardised table's columns, in order) that the link
    input reads, in that order: copying only these into a workspace gives the same link input.

    >>> link_input_sources(["record_id", "full_name_raw", "full_name", "quality_flags"])
    ['record_id', 'full_name']
    """
    return [c for c in available if c in LINK_INPUT_SOURCES]


def link_input_sql(table: str, available: set[str]) -> str:
    """SQL for the link input: the standardised columns the model reads plus derived keys.

    ``available`` holds the columns ``table`` has; a standardised field it lacks is read as a
    typed NULL, so that a partial table (a test, a benchmark mapping) links on what it has.
    Derived keys: ``unique_id`` (the record id, named as Splink expects), ``nik_partial_damaged``
    (the first 15 digits of a NIK known only by them), ``sex`` (stated, else from the NIK), the
    first and last name tokens (the same token for a one-word name), the name's tokens in sorted
    order (``name_key``, so that "isla hall" meets "hall isla"), ``kelurahan_key`` (the code, else
    the name) and the address's words in sorted order (``address_key``).
    """

    def col(name: str) -> str:
        if name in available:
            return quote_identifier(name)
        return f"CAST(NULL AS {_STANDARDISED_TYPES[name]})"

    tokens = col("name_tokens")
    source = quote_identifier("source") if "source" in available else "CAST(NULL AS VARCHAR)"
    parts = [
        f"{quote_identifier('record_id')} AS unique_id",
        f"{source} AS source",
        *(f"{col(c)} AS {c}" for c in _PASSED_THROUGH),
        f"CASE WHEN {col('nik')} IS NULL THEN {col('nik_partial')} END AS nik_partial_damaged",
        f"coalesce({col('sex')}, {col('nik_sex')}) AS sex",
        f"CASE WHEN array_length({tokens}) >= 1 THEN {tokens}[1] END AS name_first",
        f"CASE WHEN array_length({tokens}) >= 1 THEN {tokens}[array_length({tokens})] END "
        "AS name_last",
        f"array_to_string(list_sort({tokens}), ' ') AS name_key",
        f"coalesce({col('kelurahan_code')}, {col('kelurahan_name')}) AS kelurahan_key",
        f"array_to_string(list_sort(string_split({col('address')}, ' ')), ' ') AS address_key",
    ]
    return f"SELECT {', '.join(parts)} FROM {quote_identifier(table)}"


def count_pairs(engine: Engine, table: str, rule: BlockingRule) -> int:
    """How many pairs an equality rule generates on ``table`` (from block sizes, no join)."""
    keys = ", ".join(quote_identifier(c) for c in rule.needs)
    present = " AND ".join(f"{quote_identifier(c)} IS NOT NULL" for c in rule.needs)
    rows = engine.rows(
        f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n "
        f"FROM {quote_identifier(table)} WHERE {present} GROUP BY {keys}) AS blocks"
    )
    return int(rows[0][0])


def choose_loose_rules(
    engine: Engine, table: str, available: set[str], budget: float
) -> list[BlockingRule]:
    """The :data:`LOOSE_RULES` (usable on ``table``) whose pairs, added in order, fit ``budget``.

    A rule that alone would overrun what is left of the budget is skipped and the next one
    tried, so the choice depends only on the data (deterministic).

    A rule on fewer columns than one already skipped is skipped without counting its pairs (each
    count is a pass over the table): agreeing on every column of the finer rule means agreeing
    on every column of the coarser one, so it has at least as many pairs, and the budget left
    only shrinks.
    """
    chosen, spent = [], 0
    overran: list[set[str]] = []
    for rule in LOOSE_RULES:
        columns = set(rule.needs)
        if not columns <= available:
            continue
        plain = rule == BlockingRule.on(*rule.needs)  # equality on its columns, nothing else
        if plain and any(columns <= finer for finer in overran):
            continue
        n = count_pairs(engine, table, rule)
        if spent + n <= budget:
            chosen.append(rule)
            spent += n
        elif plain:
            overran.append(columns)
    return chosen
