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

from typing import Any, Final

from povlink.engine import Engine, quote_identifier, quote_literal
from povlink.linkage import LinkageModel
from povlink.linkage.model import PAIR_COLUMNS, build_link_input, splink_linker

__all__ = ["PAIR_FLOOR", "compute_term_frequencies", "score_pairs", "term_frequency_columns"]

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
    was trained on, so that the model can carry it.
    """
    build_link_input(engine, table, _LINK_INPUT)
    try:
        parts = [
            f"SELECT {quote_literal(c)} AS column_name, CAST({quote_identifier(c)} AS VARCHAR) "
            f"AS value, CAST(count(*) AS DOUBLE) / sum(count(*)) OVER () AS tf "
            f"FROM {_LINK_INPUT} WHERE {quote_identifier(c)} IS NOT NULL "
            f"GROUP BY {quote_identifier(c)}"
            for c in term_frequency_columns(model)
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
    finally:
        engine.drop_table(_LINK_INPUT)


def score_pairs(
    engine: Engine,
    model: LinkageModel,
    table: str,
    *,
    term_frequencies: str,
    output: str,
    only: str | None = None,
) -> None:
    """Score the candidate pairs of ``table`` with ``model`` into ``output``.

    With ``only`` (a table with a ``record_id`` column), score just the pairs that involve at
    least one of those records: the same blocking rules, each restricted to such pairs, so the
    pairs and their orientation are exactly those of a full run. ``output`` has
    :data:`~povlink.linkage.model.PAIR_COLUMNS` and only pairs at or above :data:`PAIR_FLOOR`.
    """
    model.check_is_fitted()
    build_link_input(engine, table, _LINK_INPUT)
    settings = model.settings_
    if only is not None:
        engine.execute(f"ALTER TABLE {_LINK_INPUT} ADD COLUMN {_CHANGED_FLAG} INTEGER DEFAULT 0")
        engine.execute(
            f"UPDATE {_LINK_INPUT} SET {_CHANGED_FLAG} = 1 WHERE unique_id IN "
            f"(SELECT record_id FROM {quote_identifier(only)})"
        )
        settings["blocking_rules_to_generate_predictions"] = [
            _restricted(rule) for rule in settings["blocking_rules_to_generate_predictions"]
        ]
    with splink_linker(engine, settings, _LINK_INPUT) as linker:
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
            f"WHERE match_probability >= {PAIR_FLOOR!r} ORDER BY unique_id_l, unique_id_r",
        )
        for column in term_frequency_columns(model):
            engine.drop_table(f"__povlink_tf_{column}")


def _restricted(rule: Any) -> Any:
    """A blocking rule that admits only pairs with at least one changed record."""
    condition = f"(l.{_CHANGED_FLAG} = 1 OR r.{_CHANGED_FLAG} = 1)"
    if isinstance(rule, str):
        return f"({rule}) AND {condition}"
    restricted = dict(rule)
    restricted["blocking_rule"] = f"({rule['blocking_rule']}) AND {condition}"
    return restricted
