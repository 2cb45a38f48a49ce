"""Properties of the cluster scores that must hold for any clustering."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from povlink.evaluate import evaluate_clusters

labellings = st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=40)


def _frames(predicted: list[int], truth: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = [f"r{i:03d}" for i in range(len(predicted))]
    return (
        pd.DataFrame({"record_id": ids, "cluster_id": predicted}),
        pd.DataFrame({"record_id": ids, "entity_id": truth[: len(ids)]}),
    )


@settings(deadline=None)  # pandas groupbys: first calls are slow on a busy machine
@given(labellings)
def test_perfect_prediction_scores_one(truth: list[int]) -> None:
    """Predicting the truth itself scores 1.0 everywhere."""
    predicted, expected = _frames(truth, truth)
    s = evaluate_clusters(predicted, expected)
    assert (s.pairwise_precision, s.pairwise_recall, s.bcubed_f1) == (1.0, 1.0, 1.0)


@settings(deadline=None)  # pandas groupbys: first calls are slow on a busy machine
@given(st.data())
def test_scores_do_not_depend_on_cluster_names(data: st.DataObject) -> None:
    """Renaming clusters (a permutation of labels) and reordering rows changes no score."""
    predicted_labels = data.draw(labellings)
    truth_labels = data.draw(
        st.lists(st.integers(0, 6), min_size=len(predicted_labels), max_size=len(predicted_labels))
    )
    predicted, truth = _frames(predicted_labels, truth_labels)
    base = evaluate_clusters(predicted, truth)
    permutation = data.draw(st.permutations(range(7)))
    renamed = predicted.assign(cluster_id=[f"c{permutation[c]}" for c in predicted_labels])
    shuffled = renamed.sample(frac=1.0, random_state=data.draw(st.integers(0, 1000)))
    assert evaluate_clusters(shuffled, truth) == base


@settings(deadline=None)  # pandas groupbys: first calls are slow on a busy machine
@given(labellings, st.data())
def test_scores_are_probabilities_and_f1_between_p_and_r(
    predicted_labels: list[int], data: st.DataObject
) -> None:
    """Every score is in [0, 1] and each F1 lies between its precision and recall."""
    truth_labels = data.draw(
        st.lists(st.integers(0, 6), min_size=len(predicted_labels), max_size=len(predicted_labels))
    )
    s = evaluate_clusters(*_frames(predicted_labels, truth_labels))
    for p, r, f in (
        (s.pairwise_precision, s.pairwise_recall, s.pairwise_f1),
        (s.bcubed_precision, s.bcubed_recall, s.bcubed_f1),
    ):
        assert 0.0 <= f <= 1.0
        assert min(p, r) - 1e-12 <= f <= max(p, r) + 1e-12


@settings(deadline=None)  # pandas groupbys: first calls are slow on a busy machine
@given(labellings)
def test_singletons_have_perfect_bcubed_precision(truth_labels: list[int]) -> None:
    """Leaving every record alone is never wrong about who belongs together."""
    predicted, truth = _frames(list(range(len(truth_labels))), truth_labels)
    s = evaluate_clusters(predicted, truth)
    assert s.bcubed_precision == 1.0
    assert s.pairwise_precision == 1.0
    assert s.bcubed_recall == pytest.approx(
        (1 / truth.groupby("entity_id")["record_id"].transform("size")).mean()
    )
