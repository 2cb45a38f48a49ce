"""Linkage: which records are the same person, how sure, and why.

A Fellegi-Sunter model on Splink with comparisons designed for Indonesian registry data
(:mod:`~povlink.linkage.comparisons`), blocking rules for city scale
(:mod:`~povlink.linkage.blocking`), training and prediction (:class:`LinkageModel`), persons from
pairs (:func:`cluster_records`), and explanations (:func:`explain_pair`).
"""

from povlink.linkage.clustering import cluster_records, recluster_records
from povlink.linkage.explain import (
    ComparisonEvidence,
    PairExplanation,
    explain_pair,
    predict_for_records,
)
from povlink.linkage.model import DEFAULT_THRESHOLD, LinkageModel

__all__ = [
    "DEFAULT_THRESHOLD",
    "ComparisonEvidence",
    "LinkageModel",
    "PairExplanation",
    "cluster_records",
    "explain_pair",
    "predict_for_records",
    "recluster_records",
]
