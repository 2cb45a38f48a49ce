"""Properties of cluster_records on random graphs: conservation, naming, components, conflicts."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from povlink.engine import Engine
from povlink.linkage import cluster_records, recluster_records

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


def _load(engine: Engine, suffix: str, ids: list[str], links: list, niks: dict[str, str]) -> None:
    """Tables ``standardised<suffix>`` and ``pairs<suffix>`` as cluster_records reads them."""
    records = pd.DataFrame(
        {
            "record_id": pd.Series(ids, dtype="object"),
            "nik": pd.Series([niks.get(r) for r in ids], dtype="object"),
            "born": pd.Series([BORN] * len(ids), dtype="object"),
        }
    )
    pairs = pd.DataFrame(
        [(a, b, math.log2(p / (1 - p)), p) for a, b, p in links],
        columns=["unique_id_l", "unique_id_r", "match_weight", "match_probability"],
    ).astype({"unique_id_l": "object", "unique_id_r": "object", "match_probability": "float64"})
    engine.register("records_df", records)
    engine.register("pairs_df", pairs)
    engine.create_table(
        f"standardised{suffix}",
        "SELECT CAST(record_id AS VARCHAR) AS record_id, CAST(nik AS VARCHAR) AS nik, "
        "CASE WHEN nik IS NULL THEN NULL ELSE CAST(born AS DATE) END AS nik_birth_date, "
        "CAST(born AS DATE) AS birth_date, false AS birth_date_is_placeholder FROM records_df",
    )
    engine.create_table(
        f"pairs{suffix}",
        "SELECT CAST(unique_id_l AS VARCHAR) AS unique_id_l, "
        "CAST(unique_id_r AS VARCHAR) AS unique_id_r, CAST(match_weight AS DOUBLE) AS "
        "match_weight, CAST(match_probability AS DOUBLE) AS match_probability FROM pairs_df",
    )
    engine.unregister("records_df")
    engine.unregister("pairs_df")


@st.composite
def refreshes(draw: st.DrawFn) -> tuple:
    """A graph, then a refresh: records withdrawn, changed (new NIK, pairs scored anew), added."""
    ids, links, niks = draw(graphs())
    touched = set(draw(st.lists(st.sampled_from(ids), max_size=4)))
    withdrawn = (
        set(draw(st.lists(st.sampled_from(sorted(touched)), max_size=2))) if touched else set()
    )
    added = [f"n{i}" for i in range(draw(st.integers(min_value=0, max_value=3)))]
    new_ids = sorted((set(ids) - withdrawn) | set(added))
    new_niks = {r: n for r, n in niks.items() if r not in touched}
    for r in sorted((touched - withdrawn) | set(added)):
        if draw(st.booleans()):
            new_niks[r] = draw(st.sampled_from(NIKS))
    kept = [(a, b, p) for a, b, p in links if a not in touched and b not in touched]
    fresh = (
        []
        if not new_ids
        else draw(
            st.lists(
                st.tuples(
                    st.sampled_from(sorted((touched - withdrawn) | set(added)) or new_ids),
                    st.sampled_from(new_ids),
                    st.sampled_from([0.2, 0.6, 0.91, 0.95, 0.99, 0.999]),
                ),
                max_size=12,
            )
        )
    )
    rescored = {(min(a, b), max(a, b)): p for a, b, p in fresh if a != b}
    rescored = {k: p for k, p in rescored.items() if k[0] in touched | set(added)
                or k[1] in touched | set(added)}  # fmt: skip
    new_links = sorted(set(kept) | {(a, b, p) for (a, b), p in rescored.items()})
    return (ids, links, niks), (new_ids, new_links, new_niks), touched | set(added)


@settings(max_examples=40, deadline=None)
@given(refreshes(), st.sampled_from([0.9, 0.95]))
def test_reclustering_after_a_refresh_equals_clustering_everything(
    case: tuple, threshold: float
) -> None:
    """recluster_records gives exactly cluster_records' persons and confidences."""
    (ids, links, niks), (new_ids, new_links, new_niks), touched = case
    with Engine(threads=1) as engine:
        _load(engine, "_old", ids, links, niks)
        cluster_records(
            engine, table="standardised_old", pairs="pairs_old", threshold=threshold,
            output="old_clusters",
        )  # fmt: skip
        engine.create_table(
            "previous",
            "SELECT record_id, 'P' || cluster_id AS person_id, cluster_confidence "
            "FROM old_clusters",
        )
        _load(engine, "", new_ids, new_links, new_niks)
        engine.execute(
            "CREATE TABLE touched AS SELECT unnest(?::VARCHAR[]) AS record_id", [sorted(touched)]
        )
        cluster_records(
            engine, table="standardised", pairs="pairs", threshold=threshold, output="everything"
        )
        affected = recluster_records(
            engine, table="standardised", pairs="pairs", threshold=threshold,
            previous="previous", previous_pairs="pairs_old", touched="touched",
            output="again", affected_output="affected",
        )  # fmt: skip
        full = engine.rows("SELECT * FROM everything ORDER BY record_id")
        again = engine.rows("SELECT * FROM again ORDER BY record_id")
        assert again == full
        assert affected <= len(new_ids)
        # Only the affected rows, when the caller keeps the others: the same rows as everything.
        recluster_records(
            engine, table="standardised", pairs="pairs", threshold=threshold,
            previous="previous", previous_pairs="pairs_old", touched="touched",
            output="part", affected_output="affected_again", affected_only=True,
        )  # fmt: skip
        part = engine.rows("SELECT * FROM part ORDER BY record_id")
        assert part == engine.rows(
            "SELECT * FROM everything WHERE record_id IN (SELECT record_id FROM affected) "
            "ORDER BY record_id"
        )
