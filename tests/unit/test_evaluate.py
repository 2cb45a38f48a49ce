"""evaluate_clusters and threshold_sweep: scores checked by hand on small cases."""

from __future__ import annotations

import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.evaluate import evaluate_clusters, threshold_sweep
from povlink.exceptions import DataQualityWarning


def _frame(column: str, labels: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame({"record_id": list(labels), column: list(labels.values())})


def test_a_known_case_by_hand() -> None:
    """Truth {a,b,c}{d}; predicted {a,b}{c,d}: every score worked out on paper."""
    truth = _frame("entity_id", {"a": 1, "b": 1, "c": 1, "d": 2})
    predicted = _frame("cluster_id", {"a": "x", "b": "x", "c": "y", "d": "y"})
    s = evaluate_clusters(predicted, truth)
    # Pairs: true ab ac bc; predicted ab cd; correct ab.
    assert (s.true_pairs, s.predicted_pairs, s.correct_pairs) == (3, 2, 1)
    assert s.pairwise_precision == pytest.approx(1 / 2)
    assert s.pairwise_recall == pytest.approx(1 / 3)
    assert s.pairwise_f1 == pytest.approx(0.4)
    # B-cubed precision per record: a 1, b 1, c 1/2, d 1/2; recall: a 2/3, b 2/3, c 1/3, d 1.
    assert s.bcubed_precision == pytest.approx(3 / 4)
    assert s.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)
    assert s.records == 4


def test_all_singletons_against_all_singletons_is_perfect() -> None:
    """Nothing to find and nothing wrongly linked scores 1.0, not a division by zero."""
    ids = {r: r for r in "abc"}
    s = evaluate_clusters(_frame("cluster_id", ids), _frame("entity_id", ids))
    assert (s.pairwise_f1, s.bcubed_f1) == (1.0, 1.0)


def test_everything_merged_has_full_recall_and_low_precision() -> None:
    """One big cluster finds every true pair and is mostly wrong."""
    truth = _frame("entity_id", {"a": 1, "b": 1, "c": 2, "d": 2})
    s = evaluate_clusters(_frame("cluster_id", dict.fromkeys("abcd", "z")), truth)
    assert s.pairwise_recall == 1.0
    assert s.pairwise_precision == pytest.approx(2 / 6)
    assert s.bcubed_precision == pytest.approx(1 / 2)


def test_records_in_only_one_frame_are_left_out_with_a_warning() -> None:
    """A record missing from the truth is not scored, and the caller is told."""
    truth = _frame("entity_id", {"a": 1, "b": 1})
    predicted = _frame("cluster_id", {"a": "x", "b": "x", "c": "x"})
    with pytest.warns(DataQualityWarning, match="1 records are in only one of"):
        s = evaluate_clusters(predicted, truth)
    assert s.records == 2
    assert s.pairwise_f1 == 1.0


def test_missing_columns_and_repeated_ids_are_refused() -> None:
    """Wrong frames fail with the column or id that is wrong."""
    truth = _frame("entity_id", {"a": 1})
    with pytest.raises(ValueError, match=r"predicted needs the columns record_id and cluster_id"):
        evaluate_clusters(_frame("person_id", {"a": 1}), truth)
    repeated = pd.DataFrame({"record_id": ["a", "a"], "cluster_id": ["x", "y"]})
    with pytest.raises(ValueError, match=r"predicted repeats record ids, e.g. \['a'\]"):
        evaluate_clusters(repeated, truth)


def test_threshold_sweep_trades_recall_for_precision(engine: Engine) -> None:
    """Raising the threshold drops the weak wrong link, then the weaker right one."""
    engine.execute(
        "CREATE TABLE standardised AS SELECT * FROM (VALUES ('a'), ('b'), ('c')) AS t(record_id)"
    )
    engine.execute(
        "CREATE TABLE pairwise_predictions AS SELECT * FROM (VALUES "
        "('a', 'b', 3.0, 0.9), ('b', 'c', 1.0, 0.6)) "
        "AS t(unique_id_l, unique_id_r, match_weight, match_probability)"
    )
    truth = _frame("entity_id", {"a": 1, "b": 1, "c": 2})
    sweep = threshold_sweep(engine, truth, [0.95, 0.5, 0.8])
    assert list(sweep["threshold"]) == [0.5, 0.8, 0.95]
    assert list(sweep["pairwise_f1"]) == pytest.approx([0.5, 1.0, 0.0])
    assert not engine.has_table("__povlink_sweep_clusters")
