"""Stable IDs: carry person (or household) IDs from the previous run to the new clusters.

Clustering numbers its clusters after their smallest record ID, so a cluster's number changes as
soon as a list is refreshed. Agencies need an ID that does not: programmes, complaints and payments
refer to it. :func:`assign_stable_ids` maps the new clusters onto the previous run's IDs and writes
what happened to each ID as lineage events. It is a pure function of its inputs, written as SQL
over whole engine tables; the same function serves persons (prefix ``P``) and households
(prefix ``H``).

The rules
---------
*Overlap.* A pair (cluster, previous ID) overlaps by the number of records the cluster holds that
carried that ID in the previous run.

*Age.* IDs are issued as the prefix plus a zero-padded counter (``P000000001``), one counter per
prefix that is never reset. An ID with a lower counter was issued earlier and is **older**. IDs
that do not have this form (imported from elsewhere) count as younger than every issued ID and are
ordered among themselves by their text.

*Inheritance.* Overlapping pairs are taken greedily in one total order: larger overlap first, then
the older ID, then the cluster with the smaller smallest record ID. A pair is taken when neither its
cluster nor its ID has been taken yet. So a cluster inherits the ID that covers most of its records
(ties: the older ID), unless that ID covers even more records of another cluster, and each previous
ID goes to at most one cluster: the one where it covers most records (ties: the cluster whose
smallest record ID sorts first). A merge of two persons therefore keeps the ID of the larger, then
the older, person; a split keeps the ID on the larger part.

*Fresh IDs.* A cluster that inherits nothing gets a new ID: the counter continues from
``last_issued`` (the highest counter ever issued for the prefix; an input and an output, so the
registry persists it), in order of the clusters' smallest record IDs. An ID is never reused: a
retired ID is absent from every later previous map, and fresh counters only go up.

*Retirement.* A previous ID that no cluster inherits is retired, with the reason ``merged`` (its
surviving records now all lie in one cluster that carries another ID), ``split`` (they lie in
several clusters, none of which kept it) or ``withdrawn`` (none of its records is present any more).

Lineage events
--------------
One row per event, ``(run_id, event, <id>, other_<id>, record_count, detail)``; ``<id>`` is the ID
the event is about, ``other_<id>`` where its records went:

``created``
    a fresh ID was issued; ``record_count`` is the size of its cluster.
``records_added``
    an inherited ID gained records that had no ID before (new to the register).
``records_withdrawn``
    records that carried the ID are no longer present in any cluster.
``split``
    records of the ID moved to the cluster carrying ``other_<id>``, while the rest of its records
    went elsewhere (the ID may live on with the rest or be retired as ``split``).
``merged``
    all surviving records of the retired ID moved into the cluster carrying ``other_<id>``.
``retired``
    the ID is not carried forward; ``detail`` is the reason (``merged``, ``split``, ``withdrawn``)
    and ``other_<id>`` the ID that now holds most of its records (ties: the older ID).

Records moving between two IDs that both live on are recorded as a ``split`` of the ID they left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import pandas as pd

from povlink.engine import Engine, quote_identifier, quote_literal
from povlink.exceptions import ConfigError, RegistryError

__all__ = [
    "LINEAGE_EVENTS",
    "StableIdFrames",
    "StableIdResult",
    "assign_stable_ids",
    "assign_stable_ids_frame",
    "format_stable_id",
]

#: Lineage event names, in the order events are written.
LINEAGE_EVENTS: Final[tuple[str, ...]] = (
    "created",
    "records_added",
    "records_withdrawn",
    "split",
    "merged",
    "retired",
)

_PREFIX_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z_-]*")


@dataclass(frozen=True, slots=True)
class StableIdResult:
    """What one assignment did, in counts; the tables themselves are in the engine."""

    last_issued: int
    """The highest counter ever issued for the prefix, to persist for the next run."""
    records: int
    """Records given an ID (every record of the clusters table)."""
    ids: int
    """Distinct IDs in the new map (one per cluster)."""
    carried_forward: int
    """Previous IDs inherited by a new cluster."""
    created: int
    """Fresh IDs issued in this run."""
    retired: int
    """Previous IDs not carried forward."""
    events: int
    """Rows written to the events table."""


@dataclass(frozen=True, slots=True)
class StableIdFrames:
    """The result of :func:`assign_stable_ids_frame`: the new map, its events and the counts."""

    ids: pd.DataFrame
    events: pd.DataFrame
    result: StableIdResult


def format_stable_id(prefix: str, counter: int, *, digits: int = 9) -> str:
    """The ID with counter ``counter``: the prefix and the counter zero-padded to ``digits``.

    The same format as the SQL that issues IDs; a counter wider than ``digits`` is kept whole.

    >>> format_stable_id("P", 42)
    'P000000042'
    >>> format_stable_id("H", 1234, digits=3)
    'H1234'
    """
    return f"{prefix}{counter:0{digits}d}"


def _check_arguments(prefix: str, digits: int, last_issued: int, run_id: int) -> None:
    problems = []
    if not _PREFIX_PATTERN.fullmatch(prefix):
        problems.append(
            f"prefix must be letters, '_' or '-' and start with a letter (got {prefix!r}); a "
            "digit would make the counter ambiguous"
        )
    if digits < 1:
        problems.append(f"digits must be at least 1 (got {digits!r})")
    if last_issued < 0:
        problems.append(f"last_issued must be 0 or more (got {last_issued!r})")
    if run_id < 0:
        problems.append(f"run_id must be 0 or more (got {run_id!r})")
    if problems:
        raise ConfigError("; ".join(problems), problems)


class _Names:
    """Names of the temporary tables of one assignment, unique to its output table."""

    def __init__(self, output: str) -> None:
        self._stem = "_povlink_ids_" + re.sub(r"[^A-Za-z0-9_]", "_", output)
        self.created: list[str] = []

    def __call__(self, part: str) -> str:
        name = f"{self._stem}_{part}"
        if name not in self.created:
            self.created.append(name)
        return name


def _check_unique_records(
    engine: Engine, table: str, *, what: str, shown_as: str, one: str
) -> None:
    """Refuse a map that gives a record two IDs or clusters, or that has no record ID."""
    q = quote_identifier(table)
    bad = engine.rows(
        f"SELECT record_id, count(*) AS n FROM {q} GROUP BY record_id "
        "HAVING count(*) > 1 OR record_id IS NULL ORDER BY record_id NULLS FIRST LIMIT 5"
    )
    if bad:
        shown = ", ".join(f"{r[0]!r} ({r[1]} rows)" for r in bad)
        raise RegistryError(
            f"{what} table {shown_as!r} must hold each record once, with a record_id; found "
            f"{shown}. A record has exactly one {one}: fix the stage that wrote it."
        )


def assign_stable_ids(
    engine: Engine,
    *,
    previous: str | None,
    clusters: str,
    run_id: int,
    prefix: str = "P",
    last_issued: int = 0,
    output: str,
    events_output: str,
    id_column: str = "person_id",
    cluster_column: str = "cluster_id",
    digits: int = 9,
    temporary: bool = False,
) -> StableIdResult:
    """Give every record of ``clusters`` a stable ID, carried from ``previous`` where possible.

    ``previous`` is the last run's map ``(record_id, <id_column>)``, or ``None`` on the first run;
    ``clusters`` holds ``(record_id, <cluster_column>)`` with each record once. Writes ``output``
    ``(record_id, <id_column>)`` for every record of ``clusters`` and ``events_output``
    ``(run_id, event, <id_column>, other_<id_column>, record_count, detail)``; see the module
    docstring for the rules and the events. ``last_issued`` is the highest counter ever issued
    for ``prefix``; the returned :class:`StableIdResult` carries the new one. ``temporary``
    makes both outputs temporary tables (a caller that only reads them in this session).

    Raises :class:`~povlink.exceptions.RegistryError` if a table holds a record twice, a record
    without ID or cluster, or if ``previous`` holds an ID of this prefix above ``last_issued``
    (the persisted counter is behind, and fresh IDs could repeat old ones).
    """
    _check_arguments(prefix, digits, last_issued, run_id)
    names = _Names(output)
    try:
        return _assign(
            engine,
            previous=previous,
            clusters=clusters,
            run_id=run_id,
            prefix=prefix,
            last_issued=last_issued,
            output=output,
            events_output=events_output,
            digits=digits,
            names=names,
            id_column=id_column,
            cluster_column=cluster_column,
            temporary=temporary,
        )
    finally:
        for name in names.created:
            engine.drop_table(name)


def _load_inputs(
    engine: Engine,
    n: _Names,
    previous: str | None,
    clusters: str,
    *,
    id_column: str,
    cluster_column: str,
) -> None:
    """Copy the inputs as ``clusters (record_id, cluster_id)`` and ``prev (record_id, pid)``."""
    q = quote_identifier
    cid = q(cluster_column)
    pid = q(id_column)
    # -- inputs, normalised: (record_id, cluster_id) and (record_id, person_id) -----------------
    engine.create_table(
        n("clusters"),
        f"SELECT CAST(record_id AS VARCHAR) AS record_id, CAST({cid} AS VARCHAR) AS cluster_id "
        f"FROM {q(clusters)}",
        temporary=True,
    )
    _check_unique_records(engine, n("clusters"), what="clusters", shown_as=clusters, one="cluster")
    if engine.scalar(f"SELECT count(*) FROM {q(n('clusters'))} WHERE cluster_id IS NULL"):
        raise RegistryError(
            f"clusters table {clusters!r} has records without a {cluster_column}; every record "
            "must belong to a cluster (a record linked to nobody is a cluster of one)."
        )
    if previous is None:
        prev_sql = (
            "SELECT CAST(NULL AS VARCHAR) AS record_id, CAST(NULL AS VARCHAR) AS pid WHERE 1 = 0"
        )
    else:
        prev_sql = (
            f"SELECT CAST(record_id AS VARCHAR) AS record_id, CAST({pid} AS VARCHAR) AS pid "
            f"FROM {q(previous)}"
        )
    engine.create_table(n("prev"), prev_sql, temporary=True)
    if previous is not None:
        _check_unique_records(engine, n("prev"), what="previous ID", shown_as=previous, one="ID")
        if engine.scalar(f"SELECT count(*) FROM {q(n('prev'))} WHERE pid IS NULL"):
            raise RegistryError(
                f"previous ID table {previous!r} has records without an ID; a stored map gives "
                "every record one ID."
            )


def _check_counter(
    engine: Engine, n: _Names, *, prefix: str, digits: int, last_issued: int
) -> None:
    """Write ``ages (pid, counter)``; refuse a ``last_issued`` below a counter in use."""
    q = quote_identifier
    k = len(prefix)
    # -- the age of each previous ID: its counter, if it has our format -------------------------
    engine.create_table(
        n("ages"),
        f"""
        SELECT pid,
               CASE WHEN substr(pid, 1, {k}) = {quote_literal(prefix)}
                    THEN TRY_CAST(substr(pid, {k + 1}) AS BIGINT) END AS counter
        FROM (SELECT DISTINCT pid FROM {q(n("prev"))}) AS d
        """,
        temporary=True,
    )
    highest_seen = engine.scalar(f"SELECT max(counter) FROM {q(n('ages'))}")
    if highest_seen is not None and int(highest_seen) > last_issued:
        raise RegistryError(
            f"the previous IDs include {format_stable_id(prefix, int(highest_seen), digits=digits)}"
            f" but last_issued is {last_issued}; the stored counter is behind the IDs it issued, "
            "so new IDs could repeat old ones. Pass the highest counter ever issued."
        )


def _match_previous_ids(engine: Engine, n: _Names) -> None:
    """Write ``cs`` (each cluster's key and size) and ``taken (cluster_id, pid)``: the greedy
    matching of clusters to previous IDs."""
    q = quote_identifier
    # -- clusters: their key (smallest record_id) and size --------------------------------------
    engine.create_table(
        n("cs"),
        f"SELECT cluster_id, min(record_id) AS cluster_key, count(*) AS size "
        f"FROM {q(n('clusters'))} GROUP BY cluster_id",
        temporary=True,
    )

    # -- overlapping pairs, in the one total order of the greedy rule ---------------------------
    engine.create_table(
        n("pairs_0"),
        f"""
        SELECT cluster_id, pid, overlap,
               row_number() OVER (
                   ORDER BY overlap DESC, counter ASC NULLS LAST, pid ASC, cluster_key ASC
               ) AS pair_rank
        FROM (
            SELECT c.cluster_id, p.pid, count(*) AS overlap
            FROM {q(n("clusters"))} AS c JOIN {q(n("prev"))} AS p ON c.record_id = p.record_id
            GROUP BY c.cluster_id, p.pid
        ) AS o
        JOIN {q(n("ages"))} AS a USING (pid)
        JOIN {q(n("cs"))} AS s USING (cluster_id)
        """,
        temporary=True,
    )

    # Greedy matching in rounds: a pair that comes first for both its cluster and its ID is
    # taken; pairs touching a taken cluster or ID drop out. The first remaining pair of the
    # total order is always taken, so this ends, and it equals taking pairs one by one in order.
    engine.create_table(
        n("taken"),
        "SELECT CAST(NULL AS VARCHAR) AS cluster_id, CAST(NULL AS VARCHAR) AS pid WHERE 1 = 0",
        temporary=True,
    )
    remaining = n("pairs_0")
    step = 0
    while engine.count(remaining):
        step += 1
        engine.execute(
            f"""
            INSERT INTO {q(n("taken"))}
            SELECT cluster_id, pid FROM (
                SELECT cluster_id, pid, pair_rank,
                       min(pair_rank) OVER (PARTITION BY cluster_id) AS cluster_first,
                       min(pair_rank) OVER (PARTITION BY pid) AS id_first
                FROM {q(remaining)}
            ) AS r
            WHERE pair_rank = cluster_first AND pair_rank = id_first
            """
        )
        nxt = n(f"pairs_{step}")
        engine.create_table(
            nxt,
            f"""
            SELECT * FROM {q(remaining)} AS r
            WHERE NOT EXISTS (SELECT 1 FROM {q(n("taken"))} AS t WHERE t.cluster_id = r.cluster_id)
              AND NOT EXISTS (SELECT 1 FROM {q(n("taken"))} AS t WHERE t.pid = r.pid)
            """,
            temporary=True,
        )
        engine.drop_table(remaining)
        remaining = nxt


def _issue_ids(engine: Engine, n: _Names, *, prefix: str, digits: int, last_issued: int) -> int:
    """Write ``assigned``: each cluster's inherited or fresh ID; return how many are fresh."""
    q = quote_identifier
    # -- each cluster's ID: inherited, or fresh in order of the cluster key ---------------------
    fresh_counter = f"{last_issued} + row_number() OVER (ORDER BY s.cluster_key)"
    fresh_text = f"CAST({fresh_counter} AS VARCHAR)"
    engine.create_table(
        n("assigned"),
        f"""
        SELECT s.cluster_id, s.cluster_key, s.size, t.pid, TRUE AS inherited
        FROM {q(n("cs"))} AS s JOIN {q(n("taken"))} AS t ON s.cluster_id = t.cluster_id
        UNION ALL
        SELECT s.cluster_id, s.cluster_key, s.size,
               {quote_literal(prefix)} || CASE WHEN length({fresh_text}) >= {digits}
                                               THEN {fresh_text}
                                               ELSE lpad({fresh_text}, {digits}, '0') END,
               FALSE
        FROM {q(n("cs"))} AS s
        WHERE NOT EXISTS (SELECT 1 FROM {q(n("taken"))} AS t WHERE t.cluster_id = s.cluster_id)
        """,
        temporary=True,
    )
    return int(engine.scalar(f"SELECT count(*) FROM {q(n('assigned'))} WHERE NOT inherited"))


def _write_lineage(
    engine: Engine,
    n: _Names,
    events_output: str,
    *,
    run_id: int,
    prefix: str,
    id_column: str,
    temporary: bool,
) -> None:
    """Write the lineage events of this assignment to ``events_output``."""
    q = quote_identifier
    k = len(prefix)
    pid = q(id_column)
    other = q(f"other_{id_column}")
    # -- lineage ---------------------------------------------------------------------------------
    # moves: how many records of each previous ID now lie in each cluster (and its new ID).
    engine.create_table(
        n("moves"),
        f"""
        SELECT p.pid, a.pid AS new_pid, a.cluster_key, count(*) AS moved
        FROM {q(n("prev"))} AS p
        JOIN {q(n("clusters"))} AS c ON p.record_id = c.record_id
        JOIN {q(n("assigned"))} AS a ON c.cluster_id = a.cluster_id
        GROUP BY p.pid, a.pid, a.cluster_key
        """,
        temporary=True,
    )
    engine.create_table(
        n("fate"),
        f"""
        SELECT g.pid, t.pid IS NOT NULL AS carried,
               coalesce(mv.destinations, 0) AS destinations,
               coalesce(mv.surviving, 0) AS surviving,
               g.records - coalesce(mv.surviving, 0) AS withdrawn
        FROM (SELECT pid, count(*) AS records FROM {q(n("prev"))} GROUP BY pid) AS g
        LEFT JOIN {q(n("taken"))} AS t ON t.pid = g.pid
        LEFT JOIN (
            SELECT pid, count(*) AS destinations, sum(moved) AS surviving
            FROM {q(n("moves"))} GROUP BY pid
        ) AS mv ON mv.pid = g.pid
        """,
        temporary=True,
    )
    run = int(run_id)
    null_text = "CAST(NULL AS VARCHAR)"
    order = " ".join(f"WHEN {quote_literal(e)} THEN {i}" for i, e in enumerate(LINEAGE_EVENTS))
    engine.create_table(
        events_output,
        f"""
        SELECT CAST({run} AS BIGINT) AS run_id, event, pid AS {pid}, other_pid AS {other},
               CAST(record_count AS BIGINT) AS record_count, detail
        FROM (
            SELECT 'created' AS event, a.pid, {null_text} AS other_pid, a.size AS record_count,
                   {null_text} AS detail
            FROM {q(n("assigned"))} AS a WHERE NOT a.inherited
            UNION ALL
            SELECT 'records_added', a.pid, {null_text}, count(*), {null_text}
            FROM {q(n("assigned"))} AS a
            JOIN {q(n("clusters"))} AS c ON c.cluster_id = a.cluster_id
            WHERE a.inherited
              AND NOT EXISTS (SELECT 1 FROM {q(n("prev"))} AS p WHERE p.record_id = c.record_id)
            GROUP BY a.pid
            UNION ALL
            SELECT 'records_withdrawn', f.pid, {null_text}, f.withdrawn, {null_text}
            FROM {q(n("fate"))} AS f WHERE f.withdrawn > 0
            UNION ALL
            SELECT 'split', m.pid, m.new_pid, m.moved, {null_text}
            FROM {q(n("moves"))} AS m JOIN {q(n("fate"))} AS f ON f.pid = m.pid
            WHERE m.new_pid <> m.pid AND f.destinations > 1
            UNION ALL
            SELECT 'merged', m.pid, m.new_pid, m.moved, {null_text}
            FROM {q(n("moves"))} AS m JOIN {q(n("fate"))} AS f ON f.pid = m.pid
            WHERE NOT f.carried AND f.destinations = 1
            UNION ALL
            SELECT 'retired', f.pid, h.new_pid, f.surviving,
                   CASE WHEN f.destinations = 0 THEN 'withdrawn'
                        WHEN f.destinations = 1 THEN 'merged'
                        ELSE 'split' END
            FROM {q(n("fate"))} AS f
            LEFT JOIN (
                SELECT m.pid, m.new_pid,
                       row_number() OVER (
                           PARTITION BY m.pid
                           ORDER BY m.moved DESC, x.counter ASC NULLS LAST, m.new_pid ASC
                       ) AS rank_in_pid
                FROM {q(n("moves"))} AS m
                LEFT JOIN (
                    SELECT a.pid,
                           CASE WHEN substr(a.pid, 1, {k}) = {quote_literal(prefix)}
                                THEN TRY_CAST(substr(a.pid, {k + 1}) AS BIGINT) END AS counter
                    FROM {q(n("assigned"))} AS a
                ) AS x ON x.pid = m.new_pid
            ) AS h ON h.pid = f.pid AND h.rank_in_pid = 1
            WHERE NOT f.carried
        ) AS e
        ORDER BY CASE event {order} END, {pid}, {other} NULLS FIRST
        """,
        temporary=temporary,
    )


def _assign(
    engine: Engine,
    *,
    previous: str | None,
    clusters: str,
    run_id: int,
    prefix: str,
    last_issued: int,
    output: str,
    events_output: str,
    digits: int,
    names: _Names,
    id_column: str,
    cluster_column: str,
    temporary: bool,
) -> StableIdResult:
    n = names
    q = quote_identifier
    _load_inputs(engine, n, previous, clusters, id_column=id_column, cluster_column=cluster_column)
    _check_counter(engine, n, prefix=prefix, digits=digits, last_issued=last_issued)
    _match_previous_ids(engine, n)
    created = _issue_ids(engine, n, prefix=prefix, digits=digits, last_issued=last_issued)
    engine.create_table(
        output,
        f"""
        SELECT c.record_id, a.pid AS {q(id_column)}
        FROM {q(n("clusters"))} AS c JOIN {q(n("assigned"))} AS a ON c.cluster_id = a.cluster_id
        """,
        temporary=temporary,
    )

    _write_lineage(
        engine,
        n,
        events_output,
        run_id=run_id,
        prefix=prefix,
        id_column=id_column,
        temporary=temporary,
    )
    records, ids, carried, retired, events = engine.rows(
        f"""
        SELECT (SELECT count(*) FROM {q(n("clusters"))}),
               (SELECT count(*) FROM {q(n("cs"))}),
               (SELECT count(*) FROM {q(n("taken"))}),
               (SELECT count(*) FROM {q(n("fate"))} WHERE NOT carried),
               (SELECT count(*) FROM {q(events_output)})
        """
    )[0]
    return StableIdResult(
        last_issued=last_issued + created,
        records=int(records),
        ids=int(ids),
        carried_forward=int(carried),
        created=created,
        retired=int(retired),
        events=int(events),
    )


def assign_stable_ids_frame(
    previous: pd.DataFrame | None,
    clusters: pd.DataFrame,
    *,
    run_id: int,
    prefix: str = "P",
    last_issued: int = 0,
    id_column: str = "person_id",
    cluster_column: str = "cluster_id",
    digits: int = 9,
    engine: Engine | None = None,
) -> StableIdFrames:
    """:func:`assign_stable_ids` on DataFrames, run by the same SQL.

    The SQL runs in a temporary in-memory engine, or in ``engine`` if one is given (its tables
    are left as they were; reusing one engine saves starting DuckDB for each call).

    >>> clusters = pd.DataFrame(
    ...     {"record_id": ["a:1", "a:2", "b:1"], "cluster_id": ["a:1", "a:1", "b:1"]}
    ... )
    >>> first = assign_stable_ids_frame(None, clusters, run_id=1)
    >>> first.ids.to_dict("list")
    {'record_id': ['a:1', 'a:2', 'b:1'], 'person_id': ['P000000001', 'P000000001', 'P000000002']}
    >>> first.result.last_issued
    2
    """
    if engine is None:
        with Engine() as own:
            return assign_stable_ids_frame(
                previous,
                clusters,
                run_id=run_id,
                prefix=prefix,
                last_issued=last_issued,
                id_column=id_column,
                cluster_column=cluster_column,
                digits=digits,
                engine=own,
            )
    names = {
        part: f"_povlink_ids_frame_{part}" for part in ("previous", "clusters", "ids", "events")
    }
    if previous is not None:
        engine.register(names["previous"], previous)
    engine.register(names["clusters"], clusters)
    try:
        result = assign_stable_ids(
            engine,
            previous=names["previous"] if previous is not None else None,
            clusters=names["clusters"],
            run_id=run_id,
            prefix=prefix,
            last_issued=last_issued,
            output=names["ids"],
            events_output=names["events"],
            id_column=id_column,
            cluster_column=cluster_column,
            digits=digits,
        )
        return StableIdFrames(
            ids=engine.query(f"SELECT * FROM {quote_identifier(names['ids'])} ORDER BY record_id"),
            events=engine.query(f"SELECT * FROM {quote_identifier(names['events'])}"),
            result=result,
        )
    finally:
        engine.drop_table(names["ids"])
        engine.drop_table(names["events"])
        engine.unregister(names["clusters"])
        if previous is not None:
            engine.unregister(names["previous"])
