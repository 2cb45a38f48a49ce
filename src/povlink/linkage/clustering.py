"""Persons from scored pairs: connected components at a threshold, then conflict splitting.

Linking every pair at or above the threshold and taking connected components is simple and
deterministic, but one bad link can chain two unrelated people into one person. The clearest sign
of that is a cluster holding two different, trustworthy NIKs: each person has exactly one NIK for
life. Such a cluster is rebuilt from its own links, strongest first, skipping any link that would
join two parts holding different NIKs, so that it splits along its weakest links.

A NIK is trustworthy here when its encoded birth date does not contradict the record's stated birth
date (a head's NIK copied onto a child's record does), and two NIKs are *different* when they are
more than one typo apart (one substitution or transposition may be a typo of the same NIK, which
the model weighs with everything else).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Final

import jellyfish
import pandas as pd

from povlink.engine import Engine, quote_identifier

__all__ = ["cluster_records", "linked_closure", "recluster_records", "split_conflicting_cluster"]

_COMPONENTS: Final = "__povlink_components"
_LINKS: Final = "__povlink_links"
_SPLITS: Final = "__povlink_splits"
# The columns conflict splitting reads, besides record_id.
_NIK_COLUMNS: Final = ("nik", "nik_birth_date", "birth_date", "birth_date_is_placeholder")


def cluster_records(
    engine: Engine,
    *,
    table: str = "standardised",
    pairs: str = "pairwise_predictions",
    threshold: float,
    output: str = "person_clusters",
    temporary: bool = False,
) -> None:
    """Group the records of ``table`` into persons and write ``output`` (a temporary table if
    ``temporary``).

    ``output`` has one row per record of ``table`` (singletons included), in no particular order
    (sorting a million record ids cost more CPU than the rest of this step; order when reading):
    ``record_id``; ``cluster_id``, the smallest record id of its cluster (so the same links give
    the same ids); and ``cluster_confidence``, the highest match probability linking the record
    inside its cluster, or for a record alone, one minus the highest match probability of any pair
    it was scored in (1.0 when it was compared with no one).

    Pairs link when ``match_probability >= threshold``.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be a probability in [0, 1]; got {threshold!r}")
    t, p = quote_identifier(table), quote_identifier(pairs)
    # Only records with a link need graph work: every other record is a cluster of its own.
    engine.create_table(
        _LINKS,
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {p} "
        f"WHERE match_probability >= {threshold!r}",
        temporary=True,
    )
    try:
        _connected_components(engine, _LINKS)
        # Records of conflicted clusters and their new cluster ids; every other record of a
        # component keeps the component's id, and only a split can leave a linked record alone.
        engine.create_table(
            _SPLITS, f"SELECT record_id, cluster_id FROM {_COMPONENTS} LIMIT 0", temporary=True
        )
        if set(_NIK_COLUMNS) <= set(engine.columns(table)):
            _split_conflicts(engine, t, p, threshold)
        engine.create_table(
            output,
            f"""
            WITH split AS (
                SELECT record_id, cluster_id, count(*) OVER (PARTITION BY cluster_id) AS n
                FROM {_SPLITS}
            ),
            flagged AS (
                -- A link leaves its cluster only between two parts of a split one.
                SELECT e.unique_id_l, e.unique_id_r, e.match_probability,
                    a.cluster_id IS NOT DISTINCT FROM b.cluster_id AS inside
                FROM {_LINKS} AS e
                LEFT JOIN {_SPLITS} AS a ON a.record_id = e.unique_id_l
                LEFT JOIN {_SPLITS} AS b ON b.record_id = e.unique_id_r
            ),
            linked AS (
                SELECT record_id, max(match_probability) AS top,
                    max(match_probability) FILTER (WHERE inside) AS inside
                FROM (
                    SELECT unique_id_l AS record_id, match_probability, inside FROM flagged
                    UNION ALL
                    SELECT unique_id_r, match_probability, inside FROM flagged
                ) AS x GROUP BY record_id
            ),
            unlinked AS (
                -- A record with no link was scored only below the threshold.
                SELECT record_id, max(match_probability) AS top FROM (
                    SELECT unique_id_l AS record_id, match_probability FROM {p}
                    WHERE match_probability < {threshold!r}
                    UNION ALL
                    SELECT unique_id_r, match_probability FROM {p}
                    WHERE match_probability < {threshold!r}
                ) AS y GROUP BY record_id
            )
            SELECT r.record_id, coalesce(s.cluster_id, c.cluster_id, r.record_id) AS cluster_id,
                CAST(CASE WHEN coalesce(s.n > 1, c.cluster_id IS NOT NULL)
                     THEN coalesce(l.inside, {threshold!r})
                     ELSE 1.0 - coalesce(l.top, u.top, 0.0) END AS DOUBLE) AS cluster_confidence
            FROM (SELECT DISTINCT record_id FROM {t}) AS r
            LEFT JOIN {_COMPONENTS} AS c ON c.record_id = r.record_id
            LEFT JOIN split AS s ON s.record_id = r.record_id
            LEFT JOIN linked AS l ON l.record_id = r.record_id
            LEFT JOIN unlinked AS u ON u.record_id = r.record_id
            """,
            temporary=temporary,
        )
    finally:
        for name in (_COMPONENTS, _LINKS, _SPLITS):
            engine.drop_table(name)


def recluster_records(
    engine: Engine,
    *,
    table: str,
    pairs: str,
    threshold: float,
    previous: str,
    previous_pairs: str,
    touched: str,
    output: str,
    affected_output: str,
    temporary: bool = False,
    affected_only: bool = False,
) -> int:
    """:func:`cluster_records` after a small change, recomputing only what the change can reach.

    ``previous`` is the last run's result ``(record_id, person_id, cluster_confidence)``, which
    may hold records no longer in ``table``; ``touched`` ``(record_id)`` the records added,
    changed or withdrawn since; ``pairs`` the new pairs and ``previous_pairs`` the last run's.
    Every pair between two untouched records must score as it did (frozen term frequencies make
    it so, see :mod:`povlink.scoring`).

    The *affected* records are the seeds (touched records and every record paired with one in
    either run) and everything linked to them at the threshold. They form whole connected
    components, so clustering them alone, conflict splitting included, gives what clustering
    everything would. They also hold every previous person that held a touched record (its
    records were joined by links, which lead from the touched record's partners through
    unchanged links or other seeds). Every other record lies in an unchanged component and
    keeps its previous person: a part that never met a touched record is rebuilt from the same
    links in the same order, with the same NIKs. ``output`` equals what
    :func:`cluster_records` writes for ``table`` and ``pairs``; ``affected_output`` lists the
    affected records present in ``table`` (the persons whose IDs may change). Returns its size.
    ``temporary`` makes ``output`` a temporary table. With ``affected_only``, ``output`` holds the
    rows of the affected records alone: a caller that keeps every other record's previous row
    saves a pass over all records (0.3 s a million).
    """
    t, p, q = quote_identifier(table), quote_identifier(pairs), quote_identifier(previous)
    old, hit = quote_identifier(previous_pairs), quote_identifier(touched)
    seeds, reached = "__povlink_seeds", "__povlink_reached"
    sub_table, sub_pairs = "__povlink_sub_records", "__povlink_sub_pairs"
    engine.create_table(
        seeds,
        f"""
        SELECT record_id FROM {hit}
        UNION SELECT unique_id_l FROM {old}
            WHERE unique_id_l IN (SELECT record_id FROM {hit})
               OR unique_id_r IN (SELECT record_id FROM {hit})
        UNION SELECT unique_id_r FROM {old}
            WHERE unique_id_l IN (SELECT record_id FROM {hit})
               OR unique_id_r IN (SELECT record_id FROM {hit})
        UNION SELECT unique_id_l FROM {p}
            WHERE unique_id_l IN (SELECT record_id FROM {hit})
               OR unique_id_r IN (SELECT record_id FROM {hit})
        UNION SELECT unique_id_r FROM {p}
            WHERE unique_id_l IN (SELECT record_id FROM {hit})
               OR unique_id_r IN (SELECT record_id FROM {hit})
        """,
        temporary=True,
    )
    try:
        linked_closure(engine, seeds=seeds, pairs=pairs, threshold=threshold, output=reached)
        engine.create_table(
            affected_output,
            f"SELECT record_id FROM {t} WHERE record_id IN (SELECT record_id FROM {reached}) "
            "ORDER BY record_id",
            temporary=True,
        )
        a = quote_identifier(affected_output)
        # Only the columns clustering reads: copying whole records cost more than clustering them.
        wanted = ("record_id", *_NIK_COLUMNS)
        present = set(engine.columns(table))
        columns = ", ".join(quote_identifier(c) for c in wanted if c in present)
        engine.create_table(
            sub_table, f"SELECT {columns} FROM {t} WHERE record_id IN (SELECT record_id FROM {a})",
            temporary=True,
        )  # fmt: skip
        engine.create_table(
            sub_pairs,
            f"SELECT * FROM {p} WHERE unique_id_l IN (SELECT record_id FROM {a}) "
            f"OR unique_id_r IN (SELECT record_id FROM {a})",
            temporary=True,
        )
        cluster_records(
            engine, table=sub_table, pairs=sub_pairs, threshold=threshold,
            output="__povlink_sub_clusters",
        )  # fmt: skip
        if affected_only:
            engine.create_table(
                output,
                "SELECT record_id, cluster_id, cluster_confidence FROM __povlink_sub_clusters",
                temporary=temporary,
            )
            return engine.count(affected_output)
        engine.create_table(
            output,
            f"""
            WITH kept AS (
                SELECT record_id, person_id, cluster_confidence FROM {q}
                WHERE record_id NOT IN (SELECT record_id FROM {reached})
            ),
            named AS (  -- an aggregate and a join cost half of a window over every record
                SELECT person_id, min(record_id) AS cluster_id FROM kept GROUP BY person_id
            )
            SELECT record_id, cluster_id, cluster_confidence FROM __povlink_sub_clusters
            UNION ALL
            SELECT k.record_id, n.cluster_id,
                   CAST(k.cluster_confidence AS DOUBLE) AS cluster_confidence
            FROM kept AS k JOIN named AS n ON n.person_id IS NOT DISTINCT FROM k.person_id
            """,
            temporary=temporary,
        )
        return engine.count(affected_output)
    finally:
        for name in (seeds, reached, sub_table, sub_pairs, "__povlink_sub_clusters"):
            engine.drop_table(name)


def linked_closure(engine: Engine, *, seeds: str, pairs: str, threshold: float, output: str) -> int:
    """Write ``output`` ``(record_id)``: the records of ``seeds`` and every record joined to one
    by a chain of pairs at or above ``threshold`` (the union of their connected components).

    Grows a frontier one link at a time, so it costs a join per step of the longest chain, each
    over the links only; returns the number of records reached.
    """
    edges, frontier, step = "__povlink_closure_edges", "__povlink_frontier", "__povlink_step"
    p = quote_identifier(pairs)
    # Each link once; a step follows it from either end.
    engine.create_table(
        edges,
        f"SELECT unique_id_l AS a, unique_id_r AS b FROM {p} "
        f"WHERE match_probability >= {threshold!r}",
        temporary=True,
    )
    out = quote_identifier(output)
    engine.create_table(
        output, f"SELECT DISTINCT record_id FROM {quote_identifier(seeds)}", temporary=True
    )
    engine.create_table(frontier, f"SELECT record_id FROM {out}", temporary=True)
    try:
        while True:
            engine.create_table(
                step,
                f"SELECT record_id FROM ("
                f"SELECT e.b AS record_id FROM {edges} AS e "
                f"JOIN {frontier} AS f ON e.a = f.record_id "
                f"UNION SELECT e.a FROM {edges} AS e JOIN {frontier} AS f ON e.b = f.record_id"
                f") AS n WHERE record_id NOT IN (SELECT record_id FROM {out})",
                temporary=True,
            )
            if not engine.count(step):
                break
            engine.execute(f"INSERT INTO {out} SELECT record_id FROM {step}")
            engine.drop_table(frontier)
            engine.execute(f"ALTER TABLE {step} RENAME TO {frontier}")
        return engine.count(output)
    finally:
        for name in (edges, frontier, step):
            engine.drop_table(name)


def _connected_components(engine: Engine, links: str) -> None:
    """Connected components of ``links``, each named by its smallest record id.

    Splink's connected components (iterative SQL that runs on every Splink backend) over the
    records that have a link; its representative is already the smallest id of each component
    (every record takes the smallest representative among its neighbours until none changes).
    """
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    from povlink.linkage.model import finish_pending_results

    nodes = "__povlink_nodes"
    engine.create_table(
        nodes,
        f"SELECT unique_id_l AS record_id FROM {links} UNION SELECT unique_id_r FROM {links}",
        temporary=True,
    )
    if not engine.count(nodes):
        engine.create_table(
            _COMPONENTS,
            f"SELECT record_id, record_id AS cluster_id FROM {nodes}",
            temporary=True,
        )
        engine.drop_table(nodes)
        return
    finish_pending_results(engine)
    db_api = engine.splink_api()
    try:
        components = cluster_pairwise_predictions_at_threshold(
            db_api.register(nodes, table_name=f"{nodes}_sdf"),
            db_api.register(links, table_name="__povlink_edges"),
            db_api,
            node_id_column_name="record_id",
            edge_id_column_name_left="unique_id_l",
            edge_id_column_name_right="unique_id_r",
        )
        engine.create_table(
            _COMPONENTS,
            f"SELECT record_id, cluster_id FROM {components.physical_name}",
            temporary=True,
        )
    finally:
        db_api.delete_tables_created_by_splink_from_db()  # type: ignore[no-untyped-call]
        engine.drop_table(nodes)


def _split_conflicts(engine: Engine, table: str, pairs: str, threshold: float) -> None:
    """Split every cluster that holds two different trustworthy NIKs (see the module docstring).

    Only the few conflicted clusters are brought into Python; each of their records goes into
    ``_SPLITS`` with its new cluster id. ``table`` and ``pairs`` are quoted.
    """
    anchors = f"""
        SELECT c.cluster_id, s.record_id, s.nik
        FROM {table} AS s JOIN {_COMPONENTS} AS c ON c.record_id = s.record_id
        WHERE s.nik IS NOT NULL AND (
            s.nik_birth_date IS NULL OR s.birth_date IS NULL OR s.nik_birth_date = s.birth_date
            OR (coalesce(s.birth_date_is_placeholder, false)
                AND year(s.nik_birth_date) = year(s.birth_date)))
    """
    held, conflicted = "__povlink_anchors", "__povlink_conflicted"
    engine.create_table(held, anchors, temporary=True)
    engine.create_table(
        conflicted,
        # Clusters with two NIKs more than one typo apart (see _different_people).
        # Each NIK once per cluster: most clusters repeat one NIK on many records.
        f"WITH niks AS (SELECT DISTINCT cluster_id, nik FROM {held}) "
        "SELECT DISTINCT a.cluster_id FROM niks AS a JOIN niks AS b "
        "ON a.cluster_id = b.cluster_id AND a.nik < b.nik "
        "WHERE damerau_levenshtein(a.nik, b.nik) > 1",
        temporary=True,
    )
    try:
        nik_rows = engine.query(
            f"SELECT a.cluster_id, a.record_id, a.nik FROM {held} AS a "
            f"JOIN {conflicted} USING (cluster_id) ORDER BY a.cluster_id, a.record_id"
        )
        if nik_rows.empty:
            return
        edge_rows = engine.query(
            f"""
            SELECT a.cluster_id, e.unique_id_l, e.unique_id_r, e.match_weight
            FROM {pairs} AS e
            JOIN {_COMPONENTS} AS a ON a.record_id = e.unique_id_l
            JOIN {conflicted} AS k ON k.cluster_id = a.cluster_id
            WHERE e.match_probability >= {threshold!r}
            ORDER BY a.cluster_id, e.match_weight DESC, e.unique_id_l, e.unique_id_r
            """
        )
        members = engine.query(
            f"SELECT c.cluster_id, c.record_id FROM {_COMPONENTS} AS c "
            f"JOIN {conflicted} AS k ON k.cluster_id = c.cluster_id "
            "ORDER BY c.cluster_id, c.record_id"
        )
    finally:
        engine.drop_table(held)
        engine.drop_table(conflicted)
    # Plain dictionaries, not pandas groupby: a city has thousands of small conflicted clusters.
    records: dict[str, list[str]] = defaultdict(list)
    for cluster_id, record_id in zip(members["cluster_id"], members["record_id"], strict=True):
        records[cluster_id].append(record_id)
    links: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for cluster_id, left, right in zip(
        edge_rows["cluster_id"], edge_rows["unique_id_l"], edge_rows["unique_id_r"], strict=True
    ):
        links[cluster_id].append((left, right))
    niks: dict[str, dict[str, str]] = defaultdict(dict)
    for cluster_id, record_id, nik in zip(
        nik_rows["cluster_id"], nik_rows["record_id"], nik_rows["nik"], strict=True
    ):
        niks[cluster_id][record_id] = nik
    new_ids: list[tuple[str, str]] = []
    for cluster_id in sorted(records):
        parts = split_conflicting_cluster(records[cluster_id], links[cluster_id], niks[cluster_id])
        new_ids.extend(parts.items())
    engine.register(f"{_SPLITS}_df", pd.DataFrame(new_ids, columns=["record_id", "cluster_id"]))
    try:
        engine.execute(f"INSERT INTO {_SPLITS} SELECT record_id, cluster_id FROM {_SPLITS}_df")
    finally:
        engine.unregister(f"{_SPLITS}_df")


def _different_people(a: str, b: str) -> bool:
    """Two NIKs more than one typo (substitution or transposition) apart."""
    return a != b and jellyfish.damerau_levenshtein_distance(a, b) > 1


def split_conflicting_cluster(
    records: list[str],
    links: list[tuple[str, str]],
    niks: dict[str, str],
) -> dict[str, str]:
    """Rebuild one cluster from its links, strongest first, never joining different NIKs.

    ``links`` must be ordered strongest first (ties broken by record ids, for determinism);
    ``niks`` maps the records holding a trustworthy NIK to it. Returns each record's new cluster
    id: the smallest record id of its part.

    >>> split_conflicting_cluster(
    ...     ["a", "b", "c"], [("a", "b"), ("b", "c")], {"a": "1111", "c": "2222"}
    ... )
    {'a': 'a', 'b': 'a', 'c': 'c'}
    """
    parent = {r: r for r in records}
    held: dict[str, set[str]] = {r: ({niks[r]} if r in niks else set()) for r in records}

    def root(r: str) -> str:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        if any(_different_people(x, y) for x in held[ra] for y in held[rb]):
            continue
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        parent[gone] = keep
        held[keep] |= held.pop(gone)
    smallest: dict[str, str] = {}
    for r in sorted(records):
        smallest.setdefault(root(r), r)
    return {r: smallest[root(r)] for r in records}
