"""The baseline povlink must beat: a careful, hand-written plain Splink model.

What a competent Splink user would write in an afternoon from Splink's own comparison library and
tutorials, on the same records and the same fields povlink gets: name comparisons with
term-frequency adjustments, Splink's date-of-birth comparison, Jaro-Winkler on places and
addresses, exact matches on codes; blocking on pairs of fields; the prior from a deterministic rule,
u from random sampling (two million pairs, a fixed seed), m by EM over a few rules.
Clustering is Splink's connected components at a threshold.

Two models: :func:`febrl_settings` reads FEBRL4's own columns (given name and surname apart,
which helps Splink), :func:`city_settings` reads the synthetic city's standardised columns (so that
the comparison is of model design, not of cleaning).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.clustering import cluster_pairwise_predictions_at_threshold

from povlink.engine import Engine

SEED = 42


@dataclass
class PlainModel:
    """A plain Splink model: settings plus the rules used to train it."""

    settings: SettingsCreator
    deterministic_rules: list[Any]
    training_rules: list[Any]
    prior_recall: float = 0.7
    timings: dict[str, float] = field(default_factory=dict)


def febrl_settings() -> PlainModel:
    """FEBRL4 without the social security number and the postcode."""
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"),
            block_on("suburb", "surname"),
            block_on("suburb", "given_name"),
            block_on("address_1", "suburb"),
            # 10,000 records allow looser rules; a careful user checks blocking recall and adds them
            block_on("date_of_birth"),
            block_on("suburb"),
            block_on("given_name"),
            block_on("surname"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    return PlainModel(
        settings,
        deterministic_rules=[
            "l.given_name = r.given_name AND l.surname = r.surname "
            "AND l.date_of_birth = r.date_of_birth"
        ],
        training_rules=[block_on("given_name", "surname"), block_on("date_of_birth")],
    )


def city_settings() -> PlainModel:
    """The synthetic city's standardised fields, with Splink's library comparisons only."""
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.LevenshteinAtThresholds("nik", [1]),
            cl.NameComparison("full_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.ExactMatch("sex"),
            cl.NameComparison("mother_name"),
            cl.JaroWinklerAtThresholds("kelurahan_name", [0.9]),
            cl.ExactMatch("rw"),
            cl.ExactMatch("rt"),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.7]),
            cl.ExactMatch("kk_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("full_name", "birth_date"),
            block_on("full_name", "kelurahan_name"),
            block_on("birth_date", "kelurahan_name"),
            block_on("kk_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    return PlainModel(
        settings,
        deterministic_rules=[
            "l.nik = r.nik AND l.birth_date = r.birth_date",
            "l.full_name = r.full_name AND l.birth_date = r.birth_date",
        ],
        training_rules=[block_on("nik"), block_on("full_name"), block_on("birth_date")],
    )


def run_plain_splink(
    engine: Engine,
    table: str,
    model: PlainModel,
    *,
    threshold: float,
    max_pairs_for_u: float = 2e6,
    max_pairs_for_em: float = 2e6,
    pairs_output: str = "plain_pairs",
) -> pd.DataFrame:
    """Train, predict and cluster ``table`` (which has ``unique_id``); ``record_id, cluster_id``.

    Stage times (seconds) are left in ``model.timings``; the scored pairs in ``pairs_output``.
    """
    engine.rows("SELECT 1")  # DuckDB 2: clear a half-read result before Splink's queries
    db_api = engine.splink_api()
    t0 = time.perf_counter()
    linker = Linker(db_api.register(table), model.settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        model.deterministic_rules, recall=model.prior_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs_for_u, seed=SEED)
    # Like povlink, sample EM's pairs on large tables (Splink 5's max_pairs); a careful user
    # would, since a rule such as the exact name alone yields 10^8 pairs at a million records.
    n = int(engine.rows(f"SELECT count(*) FROM {table}")[0][0])
    max_pairs = max_pairs_for_em if n * (n - 1) / 2 > max_pairs_for_em else None
    for rule in model.training_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=max_pairs
        )
    t1 = time.perf_counter()
    predictions = linker.inference.predict(warning_mode="never")
    engine.create_table(
        pairs_output,
        f"SELECT unique_id_l, unique_id_r, match_weight, match_probability "
        f"FROM {predictions.physical_name}",
    )
    t2 = time.perf_counter()
    clusters = cluster_pairwise_predictions_at_threshold(
        db_api.register(table, table_name=f"{table}_nodes"),
        db_api.register(pairs_output, table_name=f"{pairs_output}_edges"),
        db_api,
        node_id_column_name="unique_id",
        threshold_match_probability=threshold,
    )
    result = engine.query(
        f"SELECT unique_id AS record_id, cluster_id FROM {clusters.physical_name}"
    )
    t3 = time.perf_counter()
    model.timings = {"train": t1 - t0, "predict": t2 - t1, "cluster": t3 - t2}
    db_api.delete_tables_created_by_splink_from_db()
    return result
