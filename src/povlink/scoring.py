"""Scoring pairs with a stored model: frozen term frequencies, and full or incremental runs.

A model's term frequencies (how common each name is) belong to the model: they are computed
when it is trained, stored beside it, and every later prediction reads them. A pair's score then
depends only on its two records, so an *incremental* run, which scores only the pairs that
involve a new or changed record and keeps every other pair from the previous run, gives exactly
the pairs a full run would (the blocking rules are stored with the model too).

Pairs are kept when their match probability is at least :data:`PAIR_FLOOR`, in full and in
incremental runs alike: clustering needs only the pairs above its threshold, and a record's
confidence only its best pairs.
"""

from __future__ import annotations

from typing import Any, Final, cast

from povlink.engine import Engine, quote_identifier, quote_literal
from povlink.linkage import LinkageModel
from povlink.linkage.blocking import link_input_sources, link_input_sql
from povlink.linkage.model import (
    PAIR_COLUMNS,
    build_link_input,
    kept_link_input,
    release_link_input,
    splink_linker,
)

__all__ = [
    "PAIR_FLOOR",
    "candidates_of_changed",
    "compute_term_frequencies",
    "score_pairs",
    "term_frequency_columns",
]

#: Scored pairs below this match probability are not kept (they never link and barely change
#: a record's confidence).
PAIR_FLOOR: Final = 0.01

_LINK_INPUT: Final = "__povlink_scoring_input"
_CHANGED_FLAG: Final = "is_changed"


def term_frequency_columns(model: LinkageModel) -> list[str]:
    """The link-input columns whose comparison levels adjust for term frequency."""
    return sorted(
        {
            level["tf_adjustment_column"]
            for c in model.settings_["comparisons"]
            for level in c["comparison_levels"]
            if level.get("tf_adjustment_column")
        }
    )


def compute_term_frequencies(engine: Engine, model: LinkageModel, table: str, output: str) -> None:
    """Write ``output`` (``column, value, tf``): each value's share of the non-null values.

    This is Splink's own definition, computed once over the standardised ``table`` the model
    was trained on, so that the model can carry it. Only those columns of the link input are
    computed, each as the records are read.
    """
    columns = term_frequency_columns(model)
    # Straight from the records, each column derived as it is read: no link input is written.
    link_input = f"({link_input_sql(table, set(engine.columns(table)))}) AS link_input"
    parts = [
        f"SELECT {quote_literal(c)} AS column_name, CAST({quote_identifier(c)} AS VARCHAR) "
        f"AS value, CAST(count(*) AS DOUBLE) / sum(count(*)) OVER () AS tf "
        f"FROM {link_input} WHERE {quote_identifier(c)} IS NOT NULL "
        f"GROUP BY {quote_identifier(c)}"
        for c in columns
    ]
    sql = (
        " UNION ALL ".join(parts)
        if parts
        else (
            "SELECT CAST(NULL AS VARCHAR) AS column_name, CAST(NULL AS VARCHAR) AS value, "
            "CAST(NULL AS DOUBLE) AS tf WHERE false"
        )
    )
    engine.create_table(output, f"SELECT * FROM ({sql}) ORDER BY column_name, value")


def score_pairs(
    engine: Engine,
    model: LinkageModel,
    table: str,
    *,
    term_frequencies: str,
    output: str,
    only: str | None = None,
    narrowed: bool = False,
) -> None:
    """Score the candidate pairs of ``table`` with ``model`` into ``output``.

    With ``only`` (a table with a ``record_id`` column), score just the pairs that involve at
    least one of those records: the same blocking rules, each restricted to such pairs, so the
    pairs and their orientation are exactly those of a full run. ``output`` has
    :data:`~povlink.linkage.model.PAIR_COLUMNS` and only pairs at or above :data:`PAIR_FLOOR`.
    ``narrowed``: ``table`` holds only what :func:`candidates_of_changed` keeps of the records
    for ``only`` (as a refresh copies them into its workspace), so it is not narrowed again.
    """
    model.check_is_fitted()
    settings = model.settings_
    if only is None:
        # The link input kept from training on the same records, else built now.
        link_input = kept_link_input(engine, table)
    else:
        link_input = _LINK_INPUT
        rules = settings["blocking_rules_to_generate_predictions"]
        subset = table if narrowed else candidates_of_changed(engine, table, only, rules)
        build_link_input(engine, subset, _LINK_INPUT)
        if subset != table:
            engine.drop_table(subset)
        engine.execute(f"ALTER TABLE {_LINK_INPUT} ADD COLUMN {_CHANGED_FLAG} INTEGER DEFAULT 0")
        engine.execute(
            f"UPDATE {_LINK_INPUT} SET {_CHANGED_FLAG} = 1 WHERE unique_id IN "
            f"(SELECT record_id FROM {quote_identifier(only)})"
        )
        settings["blocking_rules_to_generate_predictions"] = [_restricted(r) for r in rules]
    try:
        _predict(engine, model, settings, link_input, term_frequencies, output)
    finally:
        if only is None:
            release_link_input(engine)
        else:
            engine.drop_table(link_input)


def _predict(
    engine: Engine,
    model: LinkageModel,
    settings: dict[str, Any],
    link_input: str,
    term_frequencies: str,
    output: str,
) -> None:
    """Splink's prediction over ``link_input`` with the frozen term frequencies."""
    with splink_linker(engine, settings, link_input, validate=False, keep_input=True) as linker:
        api = linker._db_api
        for column in term_frequency_columns(model):
            lookup = f"__povlink_tf_{column}"
            engine.create_table(
                lookup,
                f"SELECT value AS {quote_identifier(column)}, "
                f"tf AS {quote_identifier('tf_' + column)} "
                f"FROM {quote_identifier(term_frequencies)} "
                f"WHERE column_name = {quote_literal(column)}",
            )
            linker.table_management.register_term_frequency_lookup(api.register(lookup), column)
        scored = linker.inference.predict(
            threshold_match_probability=PAIR_FLOOR, warning_mode="never"
        )
        columns = ", ".join(PAIR_COLUMNS)
        engine.create_table(
            output,
            f"SELECT {columns} FROM {quote_identifier(scored.physical_name)} "
            f"WHERE match_probability >= {PAIR_FLOOR!r}",
        )
        for column in term_frequency_columns(model):
            engine.drop_table(f"__povlink_tf_{column}")


def candidates_of_changed(engine: Engine, table: str, only: str, rules: list[Any]) -> str:
    """The records of ``table`` that are changed (in ``only``) or that some blocking rule could
    pair with a changed record, as a temporary table with the columns the link input reads;
    ``table`` itself when that cannot be told.

    An incremental run then builds the link input and blocks a few thousand records, not the
    city. A rule's candidates are found from its equality conditions (``l.a = r.b``), in both
    directions, in one pass over the records' key values; the pairs (and, the term frequencies
    being frozen, their scores) are exactly those blocking the whole table would give. A rule
    without such a condition, or one that explodes arrays, leaves the whole table, as do keys
    of two types compared with each other.
    """
    from splink.internals.blocking import blocking_rule_to_obj

    conditions: list[list[tuple[str, str]]] = []
    for rule in rules:
        spec: dict[str, Any] = {"blocking_rule": rule} if isinstance(rule, str) else dict(rule)
        if spec.get("arrays_to_explode"):
            return table
        spec.setdefault("sql_dialect", "duckdb")
        keys: list[tuple[str, str]] = blocking_rule_to_obj(cast(Any, spec))._equi_join_conditions
        if not keys:
            return table
        conditions.append(keys)
    available = set(engine.columns(table))
    keys_input = f"({link_input_sql(table, available)})"
    changed = f"(SELECT record_id FROM {quote_identifier(only)})"
    # One direction per rule side, each once (a symmetric rule, or two mirrored rules, repeat
    # one): a changed record asks for its key values on one side, a record offers its own on
    # the other. Both are hashed with the direction's number into one probe per direction, so
    # that one pass over the records finds every candidate. A key with a NULL never matches;
    # a collision of hashes only adds a record that no rule pairs with a changed one.
    directions = list(
        dict.fromkeys(
            (tuple(k[i] for k in keys), tuple(k[1 - i] for k in keys))
            for keys in conditions
            for i in (0, 1)
        )
    )
    types = _key_types(engine, keys_input, directions)
    pairs = (pair for mine, theirs in directions for pair in zip(mine, theirs, strict=True))
    if any(types[a] != types[b] for a, b in pairs):
        return table  # keys of two types may compare equal with unequal hashes
    asked, offered = (
        ", ".join(_probe_sql(number, sides[side]) for number, sides in enumerate(directions))
        for side in (0, 1)
    )
    found, subset = "__povlink_candidates", "__povlink_subset"
    try:
        engine.create_table(
            found,
            f"""
            SELECT record_id AS unique_id FROM {changed}
            UNION
            SELECT unique_id FROM (
                SELECT unique_id, unnest([{offered}]) AS probe FROM {keys_input}
            ) AS o
            WHERE probe IN (
                SELECT unnest([{asked}]) FROM {keys_input}
                WHERE unique_id IN {changed}
            )
            """,
            temporary=True,
        )
        # Only what the link input reads: the subset is linked, never shown (half the width).
        columns = ", ".join(quote_identifier(c) for c in link_input_sources(available))
        engine.create_table(
            subset,
            f"SELECT {columns} FROM {quote_identifier(table)} "
            f"WHERE record_id IN (SELECT unique_id FROM {found})",
            temporary=True,
        )
    finally:
        engine.drop_table(found)
    return subset


def _key_types(
    engine: Engine, keys_input: str, directions: list[tuple[tuple[str, ...], tuple[str, ...]]]
) -> dict[str, str]:
    """The type of each key expression of ``directions`` over ``keys_input``."""
    expressions = sorted({e for sides in directions for side in sides for e in side})
    described = engine.rows(
        "DESCRIBE SELECT "
        + ", ".join(f"{e} AS k{i}" for i, e in enumerate(expressions))
        + f" FROM {keys_input} LIMIT 0"
    )
    return {expressions[i]: str(row[1]) for i, row in enumerate(described)}


def _probe_sql(number: int, expressions: tuple[str, ...]) -> str:
    """SQL: the probe of direction ``number`` for the key values ``expressions`` (NULL when
    one is NULL, as such a key never matches)."""
    present = " AND ".join(f"({e}) IS NOT NULL" for e in expressions)
    return f"CASE WHEN {present} THEN hash({number}, {', '.join(expressions)}) END"


def _restricted(rule: Any) -> Any:
    """A blocking rule that admits only pairs with at least one changed record."""
    condition = f"(l.{_CHANGED_FLAG} = 1 OR r.{_CHANGED_FLAG} = 1)"
    if isinstance(rule, str):
        return f"({rule}) AND {condition}"
    restricted = dict(rule)
    restricted["blocking_rule"] = f"({rule['blocking_rule']}) AND {condition}"
    return restricted
