"""How good are the persons? Precision, recall and F1 against a truth file.

Two views of the same clustering, both standard in entity resolution:

* **pairwise**: every pair of records put in one cluster is a predicted link; precision is the share
  of predicted links that are true, recall the share of true links that were predicted. Large
  clusters weigh quadratically, so one wrong merge of two big families shows clearly.
* **B-cubed**: for each record, precision is the share of its cluster that truly belongs with it and
  recall the share of its true entity that landed in its cluster, averaged over records. Every
  record counts once, so the score reads as "how right is a typical person's record".

Both are computed from the counts of the (cluster, entity) contingency table with vectorised
pandas: no loop over records, so a city of millions scores in seconds.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from povlink.engine import Engine
from povlink.exceptions import DataQualityWarning

__all__ = ["Scores", "evaluate_clusters", "threshold_sweep"]


@dataclass(frozen=True)
class Scores:
    """Pairwise and B-cubed precision, recall and F1 of a clustering, and the counts behind."""

    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    def to_dict(self) -> dict[str, float | int]:
        """The scores as a plain dictionary (for ``--json`` output and benchmark files)."""
        return asdict(self)


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _pairs(sizes: pd.Series) -> int:
    """Number of unordered pairs within groups of the given sizes."""
    n = sizes.astype("int64")
    return int((n * (n - 1) // 2).sum())


def evaluate_clusters(predicted: pd.DataFrame, truth: pd.DataFrame) -> Scores:
    """Score predicted clusters (``record_id``, ``cluster_id``) against truth (``record_id``,
    ``entity_id``).

    Records in only one of the two frames are left out, with a :class:`DataQualityWarning`.
    With no true and no predicted pairs, pairwise precision and recall are 1.0 (nothing to find,
    nothing wrongly linked).

    >>> predicted = pd.DataFrame({"record_id": ["a", "b", "c"], "cluster_id": ["a", "a", "c"]})
    >>> truth = pd.DataFrame({"record_id": ["a", "b", "c"], "entity_id": [1, 1, 2]})
    >>> evaluate_clusters(predicted, truth).pairwise_f1
    1.0
    """
    checks = ((predicted, "predicted", "cluster_id"), (truth, "truth", "entity_id"))
    for frame, name, column in checks:
        missing = {"record_id", column} - set(frame.columns)
        if missing:
            raise ValueError(
                f"{name} needs the columns record_id and {column}; missing {sorted(missing)} "
                f"(it has {list(frame.columns)})"
            )
        if frame["record_id"].duplicated().any():
            repeated = frame.loc[frame["record_id"].duplicated(), "record_id"].head(5).tolist()
            raise ValueError(f"{name} repeats record ids, e.g. {repeated}")
    joined = predicted[["record_id", "cluster_id"]].merge(
        truth[["record_id", "entity_id"]], on="record_id", how="inner"
    )
    left_out = len(predicted) + len(truth) - 2 * len(joined)
    if left_out:
        warnings.warn(
            f"{left_out} records are in only one of predicted ({len(predicted)}) and truth "
            f"({len(truth)}); they are left out of the scores",
            DataQualityWarning,
            stacklevel=2,
        )
    n = len(joined)
    if n == 0:
        raise ValueError("predicted and truth share no record_id: nothing to evaluate")
    cells = (
        joined.groupby(["cluster_id", "entity_id"], sort=False).size().rename("n_ce").reset_index()
    )
    n_c: pd.Series[int] = joined.groupby("cluster_id", sort=False)["record_id"].size()
    n_e: pd.Series[int] = joined.groupby("entity_id", sort=False)["record_id"].size()

    correct, predicted_pairs, true_pairs = _pairs(cells["n_ce"]), _pairs(n_c), _pairs(n_e)
    p_precision = 1.0 if predicted_pairs == 0 else correct / predicted_pairs
    p_recall = 1.0 if true_pairs == 0 else correct / true_pairs

    n_ce = cells["n_ce"].astype("float64")
    size_c = cells["cluster_id"].map(n_c).astype("float64")
    size_e = cells["entity_id"].map(n_e).astype("float64")
    # Summed in sorted order, so that reordering or renaming clusters cannot change a last digit.
    b_precision = float(np.sort((n_ce * n_ce / size_c).to_numpy()).sum() / n)
    b_recall = float(np.sort((n_ce * n_ce / size_e).to_numpy()).sum() / n)

    return Scores(
        pairwise_precision=p_precision,
        pairwise_recall=p_recall,
        pairwise_f1=_f1(p_precision, p_recall),
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=_f1(b_precision, b_recall),
        records=n,
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct,
    )


def threshold_sweep(
    engine: Engine,
    truth: pd.DataFrame,
    thresholds: Sequence[float],
    *,
    table: str = "standardised",
    pairs: str = "pairwise_predictions",
) -> pd.DataFrame:
    """Scores of the persons clustered at each threshold, one row per threshold.

    Uses the scored pairs already in ``pairs`` (clustering is re-run, the model is not); the
    columns are ``threshold`` and every field of :class:`Scores`.
    """
    from povlink.linkage.clustering import cluster_records

    output = "__povlink_sweep_clusters"
    rows = []
    try:
        for threshold in sorted(thresholds):
            cluster_records(engine, table=table, pairs=pairs, threshold=threshold, output=output)
            predicted = engine.query(f"SELECT record_id, cluster_id FROM {output}")
            rows.append({"threshold": threshold, **evaluate_clusters(predicted, truth).to_dict()})
    finally:
        engine.drop_table(output)
    return pd.DataFrame(rows)
