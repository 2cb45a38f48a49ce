"""Why two records are, or are not, the same person; and which records a new one matches.

:func:`explain_pair` scores one pair with the trained model and lays out the evidence as a
*waterfall*: the prior (how rare a match is between two random records), then each comparison's
level and the match weight it adds or takes away, then the final weight and probability. Weights
are in bits (log2 of the Bayes factor): +10 means the evidence is about a thousand times more
likely for the same person than for two different people.

:func:`predict_for_records` matches records that are not in the register yet (a walk-in
applicant, say) against the records that are, with the same blocking rules and model.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, cast

import pandas as pd

from povlink.engine import Engine, quote_identifier, quote_literal
from povlink.exceptions import UnknownRecordError
from povlink.linkage.model import (
    PAIR_COLUMNS,
    LinkageModel,
    build_link_input,
    finish_pending_results,
    splink_linker,
)

__all__ = ["ComparisonEvidence", "PairExplanation", "explain_pair", "predict_for_records"]

_LEFT: Final = "__povlink_explain_l"
_RIGHT: Final = "__povlink_explain_r"
_ALL: Final = "__povlink_explain_all"


@dataclass(frozen=True)
class ComparisonEvidence:
    """One step of the waterfall: a comparison, the level the pair fell in, and its weight.

    ``tf_adjustment`` is the part of ``match_weight`` due to how common the agreeing value is
    (a common name agreeing is weaker evidence than a rare one).
    """

    comparison: str
    level: str
    match_weight: float
    tf_adjustment: float
    value_a: str
    value_b: str


@dataclass(frozen=True)
class PairExplanation:
    """The evidence for and against two records being the same person."""

    record_id_a: str
    record_id_b: str
    prior_weight: float
    match_weight: float
    match_probability: float
    comparisons: tuple[ComparisonEvidence, ...]
    chart: dict[str, Any] = field(repr=False, compare=False)

    def to_text(self) -> str:
        """The waterfall as a plain-text table, one line per comparison."""
        width = max([len(c.comparison) for c in self.comparisons] + [len("prior")])
        level_width = max([len(c.level) for c in self.comparisons] + [5])
        lines = [
            f"{self.record_id_a}  vs  {self.record_id_b}",
            f"{'prior':<{width}}  {'':<{level_width}}  {self.prior_weight:+7.2f}",
        ]
        for c in self.comparisons:
            tf = f"  (of which {c.tf_adjustment:+.2f} for how common the value is)"
            lines.append(
                f"{c.comparison:<{width}}  {c.level:<{level_width}}  {c.match_weight:+7.2f}"
                + (tf if c.tf_adjustment else "")
                + f"   [{c.value_a} | {c.value_b}]"
            )
        lines.append(
            f"{'total':<{width}}  {'':<{level_width}}  {self.match_weight:+7.2f}"
            f"   match probability {self.match_probability:.4f}"
        )
        return "\n".join(lines)

    def to_html(self, path: str | Path) -> Path:
        """Write Splink's waterfall chart as one self-contained HTML file (works offline)."""
        from splink.internals.html_utils import chart_html

        out = Path(path)
        page: str = chart_html(self.chart, inline=True, fullhtml=True)  # type: ignore[no-untyped-call]
        title = html.escape(f"{self.record_id_a} vs {self.record_id_b}")
        page = page.replace("<title>Splink chart</title>", f"<title>povlink: {title}</title>", 1)
        out.write_text(page, encoding="utf-8")
        return out


def explain_pair(
    engine: Engine,
    model: LinkageModel,
    record_id_a: str,
    record_id_b: str,
    table: str = "standardised",
) -> PairExplanation:
    """Score the pair ``record_id_a``, ``record_id_b`` of ``table`` and explain the score.

    Term frequencies come from the whole of ``table``, as in prediction, so the weights are the
    ones the pair got (or would get) in :meth:`LinkageModel.predict`.

    Raises:
        UnknownRecordError: a record id is not in ``table``.
    """
    model.check_is_fitted()
    build_link_input(engine, table, _ALL)
    found = {r[0] for r in engine.rows(
        f"SELECT unique_id FROM {_ALL} WHERE unique_id IN (?, ?)", [record_id_a, record_id_b]
    )}  # fmt: skip
    missing = [r for r in (record_id_a, record_id_b) if r not in found]
    if missing:
        engine.drop_table(_ALL)
        raise UnknownRecordError(
            f"record {missing[0]!r} is not in table {table!r}; record ids look like "
            "'<source>:<agency id>', e.g. 'dinsos_dtks:3374-0001'"
        )
    for name, record_id in ((_LEFT, record_id_a), (_RIGHT, record_id_b)):
        engine.create_table(
            name,
            f"SELECT * FROM {_ALL} WHERE unique_id = {quote_literal(record_id)}",
            temporary=True,
        )
    settings = model.settings_
    settings["retain_matching_columns"] = True
    settings["retain_intermediate_calculation_columns"] = True
    try:
        with splink_linker(engine, settings, _ALL) as linker:
            api = linker._db_api
            scored = linker.inference.score_pair(api.register(_LEFT), api.register(_RIGHT))
            records = scored.as_record_list()
            chart = linker.visualisations.waterfall_chart(records, filter_nulls=False)
            steps = cast(list[dict[str, Any]], list(chart.raw_records))
            chart_dict = chart.chart_dict
    finally:
        engine.drop_table(_LEFT)
        engine.drop_table(_RIGHT)
    record = records[0]
    return PairExplanation(
        record_id_a=record_id_a,
        record_id_b=record_id_b,
        prior_weight=float(steps[0]["log2_bayes_factor"]),
        match_weight=float(record["match_weight"]),
        match_probability=float(record["match_probability"]),
        comparisons=_evidence(steps, record),
        chart=chart_dict,
    )


def _evidence(
    steps: list[dict[str, Any]], record: dict[str, Any]
) -> tuple[ComparisonEvidence, ...]:
    """Fold Splink's waterfall rows (a comparison, then its tf row) into one per comparison.

    The values shown are the column named like the comparison where there is one (Splink lists
    every column a comparison reads, e.g. the birth year before the birth date).
    """
    out: list[ComparisonEvidence] = []
    for step in steps[1:-1]:
        weight = float(step["log2_bayes_factor"] or 0.0)
        if step["term_frequency_adjustment"]:
            last = out[-1]
            out[-1] = ComparisonEvidence(
                last.comparison,
                last.level,
                last.match_weight + weight,
                last.tf_adjustment + weight,
                last.value_a,
                last.value_b,
            )
            continue
        name = str(step["column_name"])
        own = f"{name}_l" in record
        out.append(
            ComparisonEvidence(
                comparison=name,
                level=str(step["label_for_charts"]),
                match_weight=weight,
                tf_adjustment=0.0,
                value_a=_text(record[f"{name}_l"]) if own else _first_value(step["value_l"]),
                value_b=_text(record[f"{name}_r"]) if own else _first_value(step["value_r"]),
            )
        )
    return tuple(out)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _first_value(values: object) -> str:
    """The compared value a reader needs: the first column Splink lists for the comparison."""
    text = str(values or "")
    return text.split(", ")[0] if text else ""


def predict_for_records(
    engine: Engine,
    model: LinkageModel,
    new_table: str,
    against_table: str = "standardised",
) -> pd.DataFrame:
    """Score the records of ``new_table`` against those of ``against_table``, without storing.

    Both tables are in standardised form. Returns one row per candidate pair (Splink's columns:
    ``unique_id_l`` the existing record, ``unique_id_r`` the new one, ``match_weight``,
    ``match_probability``, ``match_key``), best matches first for each new record. Term
    frequencies come from ``against_table``, as they would for a record already in it.
    """
    model.check_is_fitted()
    against, new = "__povlink_against", "__povlink_new"
    build_link_input(engine, new_table, new)
    build_link_input(engine, against_table, against)
    try:
        with splink_linker(engine, model.settings_, against) as linker:
            tf_columns = sorted(
                {
                    level["tf_adjustment_column"]
                    for c in model.settings_["comparisons"]
                    for level in c["comparison_levels"]
                    if level.get("tf_adjustment_column")
                }
            )
            for column in tf_columns:
                linker.table_management.compute_tf_table(column)
            api = linker._db_api
            scored = linker.inference.predict_between(
                api.register(against, table_name=f"{against}_l"),
                api.register(new, table_name=f"{new}_r"),
                warning_mode="never",
            )
            finish_pending_results(engine)
            columns = ", ".join(PAIR_COLUMNS)
            result = engine.query(
                f"SELECT {columns} FROM {quote_identifier(scored.physical_name)} "
                "ORDER BY unique_id_r, match_weight DESC, unique_id_l"
            )
    finally:
        engine.drop_table(new)
    return result
