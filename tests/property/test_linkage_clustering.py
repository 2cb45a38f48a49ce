"""Properties of cluster_records on random graphs: conservation, naming, components, conflicts."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from povlink.engine import Engine
from povlink.linkage import cluster_records

BORN = dt.date(1980, 1, 2)
# NIKs pairwise more than one typo apart, all encoding 2 Jan 1980.
NIKS = ["3374010201800001", "3374020201800072", "3374030201800153"]


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str, float]], dict[str, str]]:
    n = draw(st.integers(min_value=1, max_value=14))
    ids = [f"r{i:02d}" for i in range(n)]
    edges = draw(
        st.lists(
            st.tuples(
                st.sampled_from(ids),
                st.sampled_from(ids),
                st.sampled_from([0.2, 0.6, 0.91, 0.95, 0.99, 0.999]),
            ),
            max_size=30,
        )
    )
    pairs = {(min(a, b), max(a, b)): p for a, b, p in edges if a != b}
    niks = draw(st.dictionaries(st.sampled_from(ids), st.sampled_from(NIKS), max_size=4))
    return ids, [(a, b, p) for (a, b), p in sorted(pairs.items())], niks


def _run(
    ids: list[str], links: list[tuple[str, str, float]], niks: dict[str, str], threshold: float
) -> dict[str, str]:
    engine = Engine(threads=1)
    records = pd.DataFrame(
        {
            "record_id": ids,
            "nik": [niks.get(r) for r in ids],
            "nik_birth_date": [BORN if r in niks else None for r in ids],
            "birth_date": [BORN] * len(ids),
            "birth_date_is_placeholder": [False] * len(ids),
        }
    )
    pairs = pd.DataFrame(
        [(a, b, math.log2(p / (1 - p)), p) for a, b, p in links],
        columns=["unique_id_l", "unique_id_r", "match_weight", "match_probability"],
    ).astype({"unique_id_l": "object", "unique_id_r": "object", "match_probability": "float64"})
    engine.register("records_df", records)
    engine.register("pairs_df", pairs)
    engine.create_table(
        "standardised",
        "SELECT record_id, nik, CAST(nik_birth_date AS DATE) AS nik_birth_date, "
        "CAST(birth_date AS DATE) AS birth_date, birth_date_is_placeholder FROM records_df",
    )
    engine.create_table(
        "pairwise_predictions",
        "SELECT unique_id_l, unique_id_r, CAST(match_weight AS DOUBLE) AS match_weight, "
        "CAST(match_probability AS DOUBLE) AS match_probability FROM pairs_df",
    )
    cluster_records(engine, threshold=threshold)
    rows = engine.rows("SELECT record_id, cluster_id FROM person_clusters ORDER BY record_id")
    assert len(rows) == len(ids), "every record appears exactly once"
    return dict(rows)


def _components(ids: list[str], links: list[tuple[str, str, float]], threshold: float) -> set:
    parent = {r: r for r in ids}

    def root(r: str) -> str:
        while parent[r] != r:
            r = parent[r]
        return r

    for a, b, p in links:
        if p >= threshold:
            parent[max(root(a), root(b))] = min(root(a), root(b))
    groups: dict[str, set[str]] = {}
    for r in ids:
        groups.setdefault(root(r), set()).add(r)
    return {frozenset(g) for g in groups.values()}


def _groups(clusters: dict[str, str]) -> set:
    groups: dict[str, set[str]] = {}
    for record, cluster in clusters.items():
        groups.setdefault(cluster, set()).add(record)
    return {frozenset(g) for g in groups.values()}


@settings(deadline=None, max_examples=25)
@given(graphs())
def test_without_niks_clusters_are_the_connected_components(graph: tuple) -> None:
    """With no NIK conflicts, persons are exactly the connected components at the threshold."""
    ids, links, _ = graph
    clusters = _run(ids, links, {}, 0.9)
    assert _groups(clusters) == _components(ids, links, 0.9)


@settings(deadline=None, max_examples=25)
@given(graphs())
def test_cluster_ids_are_the_smallest_member(graph: tuple) -> None:
    """Each cluster is named by its smallest record id."""
    ids, links, niks = graph
    clusters = _run(ids, links, niks, 0.9)
    for group in _groups(clusters):
        assert {clusters[r] for r in group} == {min(group)}


@settings(deadline=None, max_examples=25)
@given(graphs())
def test_no_cluster_keeps_two_different_niks(graph: tuple) -> None:
    """After splitting, no person holds two trusted NIKs; splitting only ever refines."""
    ids, links, niks = graph
    clusters = _run(ids, links, niks, 0.9)
    for group in _groups(clusters):
        assert len({niks[r] for r in group if r in niks}) <= 1
    components = _components(ids, links, 0.9)
    assert all(any(g <= c for c in components) for g in _groups(clusters))
