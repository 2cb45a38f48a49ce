"""Households: which records describe one family, from KK numbers, household keys and persons.

A household here is one family on one *kartu keluarga* (KK) as the lists saw it. The KK number
changes when a family moves or a married child splits off with a new card (*pecah KK*), so the
same person can belong to two households over time, and one household can carry two KK numbers.
:func:`resolve_households` writes a household cluster for **every** record, in SQL over whole
tables; :func:`assign_household_ids` then gives the clusters stable ``H`` IDs with the same
mechanism and lineage as persons (:mod:`povlink.ids`).

A household is a KK family, not a *rumah tangga*: two cards under one roof (one DTKS ``IDBDT``)
stay two households, and an agency's household key only places records that carry no card.

The rules, in the order they apply
----------------------------------
1. **KK numbers.** Records with the same valid KK number are one household. Two KK numbers are the
   same household (a renumbered card: the family moved, or one list has a stale or mistyped
   number) when

   a. the same person is the *principal head* of both: the person written as head most often on
      that KK (ties: the person who heads fewer KKs, then the smallest person ID); or the
      principal head of one card is on a more recent card (by its recording date, see 3a) in a
      list that states no role: a head moves with the family's new card, while a married child
      who split off is never the head of the parents' card; or
   b. they share at least two persons, and no shared person has a different known role on the two
      cards; or
   c. they share a person without a role conflict and the numbers differ by at most two edits
      (a typo).

   A married child who split off shares one person with the parents' card and changes role
   (child → head or spouse), and the two heads differ: the cards stay apart, so a person whose
   KK changed never glues two real households together. A person on more than four cards is a
   linkage error, not a family history, and is left out of these comparisons.
2. **Stale KK.** A list may copy a family's old card (the parents' card of a child who has
   since split off, or a card replaced after a move). A KK record goes to another household

   a. when it names its person head on a KK whose principal head is someone else, while the person
      is the principal head of another KK: to the household of that KK (the latest, if several);
   b. when it states no role and the same person is on a more recent card of another household
      (by the recording date, see 3a): to the household of the person's most recent card. A
      record with a role keeps its card: it says where the person stood when the list was made.
3. **Records without a KK** take, in this order of evidence:

   a. the household of the same person's KK records: the one where the person has the role this
      record states, then the one with the most recent card (the recording date DDMMYY in digits
      7-12 of the KK number; years 00-50 are 20xx), then the one with most records of the person;
   b. for a record with a mother's name (a KIP child): the household of the mother (a woman of that
      name as head or spouse, in the same kelurahan and, where both give them, RW and RT) or of a
      sibling (a record with the same mother's name there), when exactly one household fits;
   c. the household at the same address (kelurahan, RW, RT and street text), when exactly one does.

   Then the agency's own household key speaks for its whole group: every record without a KK in a
   (source, household key) group takes the household most of the group points to (ties: the
   smallest household label). Keys of different sources are different namespaces.
4. **No evidence.** Records still without a household are grouped by person, by (source,
   household key) and by address (kelurahan, RW, RT and street text): each connected group is a
   household, and a record linked to none is alone.

Output
------
``(record_id, household_cluster, household_evidence)`` ordered by ``record_id``:
``household_cluster`` is the smallest record ID of the household (deterministic, like the person
clusters), ``household_evidence`` the rule that placed the record: ``kk``, ``stale_kk``,
``person``, ``mother``, ``address``, ``household_key``, ``grouped`` or ``alone``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from povlink.engine import Engine, quote_identifier
from povlink.exceptions import RegistryError
from povlink.ids import StableIdResult, assign_stable_ids

__all__ = [
    "HOUSEHOLD_EVIDENCE",
    "assign_household_ids",
    "connected_components",
    "resolve_households",
]

#: The values of ``household_evidence``, strongest first.
HOUSEHOLD_EVIDENCE: Final[tuple[str, ...]] = (
    "kk",
    "stale_kk",
    "person",
    "mother",
    "address",
    "household_key",
    "grouped",
    "alone",
)

#: Standardised columns the rules read.
_REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "record_id",
    "source",
    "kk_number",
    "household_key",
    "relationship",
    "full_name",
    "mother_name",
    "sex",
    "address",
    "rt",
    "rw",
    "kelurahan_code",
)

#: A person on more KK numbers than this is a linkage error, not a family history: such a person
#: is ignored when KK numbers are compared (it would glue unrelated families together).
_MAX_KKS_PER_PERSON: Final[int] = 4

_Q = quote_identifier


class _Work:
    """Temporary table names of one resolution: ``raw(part)`` to create, ``work(part)`` in SQL."""

    def __init__(self, stem: str) -> None:
        self._stem = "_povlink_hh_" + re.sub(r"[^A-Za-z0-9_]", "_", stem)
        self.names: list[str] = []

    def raw(self, part: str) -> str:
        name = f"{self._stem}_{part}"
        if name not in self.names:
            self.names.append(name)
        return name

    def __call__(self, part: str) -> str:
        return _Q(self.raw(part))

    def drop_all(self, engine: Engine) -> None:
        for name in self.names:
            engine.drop_table(name)


def connected_components(engine: Engine, *, nodes: str, edges: str, output: str) -> int:
    """Label every node with the smallest node of its connected component; return the rounds.

    ``nodes`` is SQL yielding one column ``node``; ``edges`` SQL yielding ``(a, b)`` pairs of
    nodes (either direction; nodes of an edge missing from ``nodes`` are added). Writes the
    temporary table ``output`` ``(node, component)``. Each round gives every node the smallest
    label among itself and its neighbours, then the label of that label (pointer jumping), so a
    long chain needs few rounds.
    """
    work = _Work(output + "_cc")
    try:
        engine.create_table(
            work.raw("edges"),
            f"SELECT a, b FROM ({edges}) AS e WHERE a <> b "
            f"UNION SELECT b AS a, a AS b FROM ({edges}) AS e WHERE a <> b",
            temporary=True,
        )
        labels = work.raw("labels_0")
        engine.create_table(
            labels,
            f"SELECT node, node AS component FROM ("
            f"SELECT node FROM ({nodes}) AS n UNION SELECT a FROM {work('edges')}) AS u",
            temporary=True,
        )
        rounds = 0
        while True:
            rounds += 1
            step = work.raw(f"step_{rounds}")
            engine.create_table(
                step,
                f"""
                SELECT node, min(component) AS component FROM (
                    SELECT node, component FROM {_Q(labels)}
                    UNION ALL
                    SELECT e.a AS node, l.component
                    FROM {work("edges")} AS e JOIN {_Q(labels)} AS l ON l.node = e.b
                ) AS x GROUP BY node
                """,
                temporary=True,
            )
            nxt = work.raw(f"labels_{rounds}")
            engine.create_table(
                nxt,
                f"""
                SELECT s.node, coalesce(j.component, s.component) AS component
                FROM {_Q(step)} AS s LEFT JOIN {_Q(step)} AS j ON j.node = s.component
                """,
                temporary=True,
            )
            changed = engine.scalar(
                f"SELECT count(*) FROM {_Q(nxt)} AS n JOIN {_Q(labels)} AS o ON o.node = n.node "
                "WHERE n.component <> o.component"
            )
            engine.drop_table(labels)
            engine.drop_table(step)
            labels = nxt
            if not changed:
                break
        engine.create_table(output, f"SELECT node, component FROM {_Q(labels)}", temporary=True)
        return rounds
    finally:
        work.drop_all(engine)


def _check_inputs(engine: Engine, standardised: str, persons: str) -> str:
    """The persons table's ID column; refuse tables that lack what the rules read."""
    for table in (standardised, persons):
        if not engine.has_table(table):
            raise RegistryError(
                f"table {table!r} not found; resolve_households runs after standardisation and "
                "person clustering"
            )
    missing = [c for c in _REQUIRED_COLUMNS if c not in engine.columns(standardised)]
    if missing:
        raise RegistryError(
            f"table {standardised!r} lacks the columns {', '.join(missing)}; it must be the "
            "output of povlink.standardise"
        )
    person_columns = engine.columns(persons)
    for column in ("person_id", "cluster_id"):
        if column in person_columns and "record_id" in person_columns:
            return column
    raise RegistryError(
        f"table {persons!r} must have record_id and person_id or cluster_id; it has "
        f"{', '.join(person_columns)}"
    )


def _kk_date_key(kk: str) -> str:
    """SQL: the recording date in a KK number as a sortable YYYYMMDD integer."""
    yy = f"CAST(substr({kk}, 11, 2) AS INTEGER)"
    mm = f"CAST(substr({kk}, 9, 2) AS INTEGER)"
    dd = f"CAST(substr({kk}, 7, 2) AS INTEGER)"
    return f"((CASE WHEN {yy} <= 50 THEN 2000 ELSE 1900 END + {yy}) * 10000 + {mm} * 100 + {dd})"


def resolve_households(
    engine: Engine,
    *,
    standardised: str = "standardised",
    persons: str = "person_clusters",
    output: str = "household_clusters",
) -> None:
    """Write ``output`` ``(record_id, household_cluster, household_evidence)`` for every record.

    ``standardised`` is the output of :mod:`povlink.standardise`; ``persons`` maps
    ``record_id`` to ``person_id`` or ``cluster_id`` (a record missing there is its own person).
    The rules are in the module docstring. The result depends only on the tables' contents, not
    on their row order.
    """
    person_column = _check_inputs(engine, standardised, persons)
    work = _Work(output)
    try:
        _resolve(engine, work, standardised, persons, person_column, output)
    finally:
        work.drop_all(engine)


def _table_writer(engine: Engine, w: _Work) -> Callable[[str, str], None]:
    """A function that (re)creates the temporary work table ``part`` from a query."""

    def table(part: str, sql: str) -> None:
        engine.create_table(w.raw(part), sql, temporary=True)

    return table


def _resolve(
    engine: Engine,
    w: _Work,
    standardised: str,
    persons: str,
    person_column: str,
    output: str,
) -> None:
    table = _table_writer(engine, w)
    # -- the evidence of each record -------------------------------------------------------------
    table(
        "base",
        f"""
        SELECT s.record_id, s.source,
               s.kk_number AS kk,
               CASE WHEN s.household_key IS NOT NULL
                    THEN s.source || '|' || CAST(s.household_key AS VARCHAR) END AS hkey,
               s.relationship AS rel,
               CASE WHEN p.pid IS NOT NULL THEN 'p|' || p.pid ELSE 'r|' || s.record_id END
                   AS person,
               s.full_name, s.mother_name, s.sex, s.kelurahan_code AS kel,
               s.rw, s.rt, s.address
        FROM {_Q(standardised)} AS s
        LEFT JOIN (
            SELECT CAST(record_id AS VARCHAR) AS record_id,
                   CAST({_Q(person_column)} AS VARCHAR) AS pid
            FROM {_Q(persons)}
        ) AS p ON p.record_id = s.record_id
        """,
    )
    _group_cards(engine, w)
    _place_card_records(engine, w)
    _place_records_without_card(engine, w)
    _group_the_rest(engine, w)

    # -- the household label: the smallest record ID of each household ------------------------
    engine.create_table(
        output,
        f"""
        SELECT record_id,
               min(record_id) OVER (PARTITION BY label) AS household_cluster,
               household_evidence
        FROM (
            SELECT record_id, 'k|' || hh AS label, evidence AS household_evidence
            FROM {w("placed")}
            UNION ALL
            SELECT r.node, 'r|' || r.component,
                   CASE WHEN count(*) OVER (PARTITION BY r.component) = 1 THEN 'alone'
                        ELSE 'grouped' END
            FROM {w("rest_household")} AS r
        ) AS l
        ORDER BY record_id
        """,
    )
    _check_every_record_once(engine, standardised, output)


def _group_cards(engine: Engine, w: _Work) -> None:
    table = _table_writer(engine, w)
    """Rule 1: which KK numbers are one household; writes ``kk_household (node, component)``."""
    # -- 1. KK numbers: who is on each card, in which role; the principal head ----------------
    table(
        "kk_person",
        f"""
        SELECT person, kk, sum(n) AS records,
               sum(CASE WHEN rel = 'head' THEN n ELSE 0 END) AS head_records,
               max(CASE WHEN role_rank = 1 THEN rel END) AS role
        FROM (
            SELECT person, kk, rel, n,
                   row_number() OVER (
                       PARTITION BY person, kk ORDER BY rel IS NULL, n DESC, rel
                   ) AS role_rank
            FROM (
                SELECT person, kk, rel, count(*) AS n FROM {w("base")}
                WHERE kk IS NOT NULL GROUP BY person, kk, rel
            ) AS c
        ) AS r
        GROUP BY person, kk
        """,
    )
    table(
        "kk_head",
        f"""
        SELECT kk, person FROM (
            SELECT k.kk, k.person,
                   row_number() OVER (
                       PARTITION BY k.kk ORDER BY k.head_records DESC, h.heads ASC, k.person ASC
                   ) AS head_rank
            FROM {w("kk_person")} AS k
            JOIN (
                SELECT person, count(*) AS heads FROM {w("kk_person")}
                WHERE head_records > 0 GROUP BY person
            ) AS h ON h.person = k.person
            WHERE k.head_records > 0
        ) AS r
        WHERE head_rank = 1
        """,
    )
    table(
        "crowded",
        f"""
        SELECT person FROM {w("kk_person")} GROUP BY person
        HAVING count(*) > {_MAX_KKS_PER_PERSON}
        """,
    )
    table(
        "kk_shared",
        f"""
        SELECT a.kk AS kk_a, b.kk AS kk_b, count(*) AS shared,
               sum(CASE WHEN a.role IS NOT NULL AND b.role IS NOT NULL AND a.role <> b.role
                        THEN 1 ELSE 0 END) AS role_changes
        FROM {w("kk_person")} AS a
        JOIN {w("kk_person")} AS b ON a.person = b.person AND a.kk < b.kk
        WHERE a.person NOT IN (SELECT person FROM {w("crowded")})
        GROUP BY a.kk, b.kk
        """,
    )
    connected_components(
        engine,
        nodes=f"SELECT DISTINCT kk AS node FROM {w('base')} WHERE kk IS NOT NULL",
        edges=f"""
            SELECT a.kk AS a, b.kk AS b
            FROM {w("kk_head")} AS a JOIN {w("kk_head")} AS b
              ON a.person = b.person AND a.kk < b.kk
            UNION ALL
            SELECT h.kk AS a, p.kk AS b
            FROM {w("kk_head")} AS h
            JOIN {w("kk_person")} AS p
              ON p.person = h.person AND p.kk <> h.kk AND p.role IS NULL
            WHERE {_kk_date_key("p.kk")} > {_kk_date_key("h.kk")}
              AND h.person NOT IN (SELECT person FROM {w("crowded")})
            UNION ALL
            SELECT kk_a AS a, kk_b AS b FROM {w("kk_shared")}
            WHERE role_changes = 0 AND (shared >= 2 OR levenshtein(kk_a, kk_b) <= 2)
        """,
        output=w.raw("kk_household"),
    )


def _place_card_records(engine: Engine, w: _Work) -> None:
    table = _table_writer(engine, w)
    """Rule 2: each KK record's household, with the stale-KK corrections (``kk_record``)."""
    # -- 2. each KK record's household, with the stale-KK corrections ------------------------
    table(
        "person_latest",
        f"""
        SELECT person, component, card_date FROM (
            SELECT b.person, k.component, {_kk_date_key("b.kk")} AS card_date,
                   row_number() OVER (
                       PARTITION BY b.person ORDER BY {_kk_date_key("b.kk")} DESC, b.kk
                   ) AS latest
            FROM {w("base")} AS b JOIN {w("kk_household")} AS k ON k.node = b.kk
        ) AS r
        WHERE latest = 1
        """,
    )
    table(
        "kk_record",
        f"""
        SELECT b.record_id, b.person, b.rel,
               coalesce(stale.component, newer.component, own.component) AS hh,
               CASE WHEN stale.component IS NOT NULL OR newer.component IS NOT NULL
                    THEN 'stale_kk' ELSE 'kk' END AS evidence
        FROM {w("base")} AS b
        JOIN {w("kk_household")} AS own ON own.node = b.kk
        LEFT JOIN {w("kk_head")} AS head ON head.kk = b.kk
        LEFT JOIN (
            SELECT h.person, k.component,
                   row_number() OVER (
                       PARTITION BY h.person ORDER BY {_kk_date_key("h.kk")} DESC, h.kk
                   ) AS latest
            FROM {w("kk_head")} AS h JOIN {w("kk_household")} AS k ON k.node = h.kk
        ) AS stale
          ON stale.person = b.person AND stale.latest = 1
         AND b.rel = 'head' AND head.person <> b.person AND stale.component <> own.component
        LEFT JOIN {w("person_latest")} AS newer
          ON newer.person = b.person AND b.rel IS NULL
         AND newer.card_date > {_kk_date_key("b.kk")} AND newer.component <> own.component
        WHERE b.kk IS NOT NULL
        """,
    )
    # The households each person has through KK records, with the latest card of each.
    table(
        "person_hh",
        f"""
        SELECT r.person, r.hh, count(*) AS records,
               max({_kk_date_key("b.kk")}) AS latest
        FROM {w("kk_record")} AS r JOIN {w("base")} AS b ON b.record_id = r.record_id
        GROUP BY r.person, r.hh
        """,
    )
    table(
        "person_role",
        f"""
        SELECT DISTINCT person, hh, rel FROM {w("kk_record")} WHERE rel IS NOT NULL
        """,
    )


def _place_records_without_card(engine: Engine, w: _Work) -> None:
    table = _table_writer(engine, w)
    """Rule 3: person, mother, address and household-key evidence (``placed``)."""
    # -- 3a. records without KK: the household of the same person ----------------------------
    table(
        "no_kk",
        f"SELECT * FROM {w('base')} WHERE kk IS NULL",
    )
    table(
        "by_person",
        f"""
        SELECT record_id, hh FROM (
            SELECT n.record_id, ph.hh,
                   row_number() OVER (
                       PARTITION BY n.record_id
                       ORDER BY CASE WHEN pr.rel IS NOT NULL THEN 0 ELSE 1 END,
                                ph.latest DESC, ph.records DESC, ph.hh
                   ) AS pick
            FROM {w("no_kk")} AS n
            JOIN {w("person_hh")} AS ph ON ph.person = n.person
            LEFT JOIN {w("person_role")} AS pr
              ON pr.person = n.person AND pr.hh = ph.hh AND pr.rel = n.rel
        ) AS r
        WHERE pick = 1
        """,
    )
    # Households known so far, for the mother, sibling and address rules.
    table(
        "known",
        f"""
        SELECT b.*, k.hh FROM {w("base")} AS b JOIN {w("kk_record")} AS k USING (record_id)
        UNION ALL
        SELECT b.*, p.hh FROM {w("base")} AS b JOIN {w("by_person")} AS p USING (record_id)
        """,
    )
    same_place = """
        k.kel = n.kel
        AND (k.rw IS NULL OR n.rw IS NULL OR k.rw = n.rw)
        AND (k.rt IS NULL OR n.rt IS NULL OR k.rt = n.rt)
    """
    # -- 3b. the mother's (or a sibling's) household, when exactly one fits -------------------
    table(
        "unplaced",
        f"""
        SELECT * FROM {w("no_kk")} AS n
        WHERE n.kel IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {w("by_person")} AS p WHERE p.record_id = n.record_id)
        """,
    )
    table(
        "by_mother",
        f"""
        SELECT record_id, min(hh) AS hh FROM (
            SELECT record_id, hh, strength,
                   min(strength) OVER (PARTITION BY record_id) AS best
            FROM (
                SELECT n.record_id, k.hh,
                       CASE WHEN k.rel IN ('head', 'spouse') THEN 0 ELSE 1 END AS strength
                FROM {w("unplaced")} AS n
                JOIN {w("known")} AS k ON k.kel = n.kel AND k.full_name = n.mother_name
                WHERE {same_place} AND (k.sex IS NULL OR k.sex = 'F')
                UNION ALL
                SELECT n.record_id, k.hh, 1 AS strength
                FROM {w("unplaced")} AS n
                JOIN {w("known")} AS k ON k.kel = n.kel AND k.mother_name = n.mother_name
                WHERE {same_place} AND k.record_id <> n.record_id
            ) AS c
        ) AS r
        WHERE strength = best
        GROUP BY record_id
        HAVING count(DISTINCT hh) = 1
        """,
    )
    # -- 3c. the household at the same address, when exactly one is there --------------------
    table(
        "by_address",
        f"""
        SELECT n.record_id, min(k.hh) AS hh
        FROM {w("unplaced")} AS n
        JOIN {w("known")} AS k ON k.kel = n.kel AND k.address = n.address
        WHERE {same_place}
          AND NOT EXISTS (SELECT 1 FROM {w("by_mother")} AS m WHERE m.record_id = n.record_id)
        GROUP BY n.record_id
        HAVING count(DISTINCT k.hh) = 1
        """,
    )
    table(
        "candidate",
        f"""
        SELECT record_id, hh, 'person' AS evidence FROM {w("by_person")}
        UNION ALL SELECT record_id, hh, 'mother' FROM {w("by_mother")}
        UNION ALL SELECT record_id, hh, 'address' FROM {w("by_address")}
        """,
    )
    # -- 3d. the agency's household key speaks for its whole group ----------------------------
    table(
        "key_vote",
        f"""
        SELECT hkey, hh FROM (
            SELECT hkey, hh,
                   row_number() OVER (PARTITION BY hkey ORDER BY count(*) DESC, hh) AS pick
            FROM (
                SELECT b.hkey, k.hh FROM {w("base")} AS b
                JOIN {w("kk_record")} AS k USING (record_id)
                UNION ALL
                SELECT b.hkey, c.hh FROM {w("base")} AS b
                JOIN {w("candidate")} AS c USING (record_id)
            ) AS v
            WHERE hkey IS NOT NULL
            GROUP BY hkey, hh
        ) AS r
        WHERE pick = 1
        """,
    )
    table(
        "placed",
        f"""
        SELECT record_id, hh, evidence FROM {w("kk_record")}
        UNION ALL
        SELECT n.record_id, coalesce(v.hh, c.hh),
               CASE WHEN v.hh IS NOT NULL AND (c.hh IS NULL OR c.hh <> v.hh)
                    THEN 'household_key' ELSE c.evidence END
        FROM {w("no_kk")} AS n
        LEFT JOIN {w("key_vote")} AS v ON v.hkey = n.hkey
        LEFT JOIN {w("candidate")} AS c ON c.record_id = n.record_id
        WHERE v.hh IS NOT NULL OR c.hh IS NOT NULL
        """,
    )


def _group_the_rest(engine: Engine, w: _Work) -> None:
    table = _table_writer(engine, w)
    """Rule 4: records with no evidence, grouped (``rest_household``)."""
    # -- 4. no evidence: group by person, household key and address --------------------------
    table(
        "rest",
        f"""
        SELECT * FROM {w("base")} AS b
        WHERE NOT EXISTS (SELECT 1 FROM {w("placed")} AS p WHERE p.record_id = b.record_id)
        """,
    )
    connected_components(
        engine,
        nodes=f"SELECT record_id AS node FROM {w('rest')}",
        edges=f"""
            SELECT record_id AS a, min(record_id) OVER (PARTITION BY person) AS b
            FROM {w("rest")}
            UNION ALL
            SELECT record_id AS a, min(record_id) OVER (PARTITION BY hkey) AS b
            FROM {w("rest")} WHERE hkey IS NOT NULL
            UNION ALL
            SELECT record_id AS a,
                   min(record_id) OVER (PARTITION BY kel, rw, rt, address) AS b
            FROM {w("rest")} WHERE kel IS NOT NULL AND address IS NOT NULL
        """,
        output=w.raw("rest_household"),
    )


def _check_every_record_once(engine: Engine, standardised: str, output: str) -> None:
    """Fail loudly rather than write a household table that loses or repeats a record."""
    total, distinct, expected = engine.rows(
        f"SELECT count(*), count(DISTINCT record_id), "
        f"(SELECT count(*) FROM {_Q(standardised)}) FROM {_Q(output)}"
    )[0]
    if not total == distinct == expected:
        raise RegistryError(
            f"household resolution wrote {total} rows for {distinct} records, but "
            f"{standardised!r} has {expected}; record IDs in {standardised!r} must be unique"
        )


def assign_household_ids(
    engine: Engine,
    *,
    previous: str | None,
    clusters: str = "household_clusters",
    run_id: int,
    last_issued: int = 0,
    output: str = "households",
    events_output: str = "household_lineage",
) -> StableIdResult:
    """Stable household IDs (``H000000001``) for ``clusters``, carried from ``previous``.

    The same rules and lineage events as persons (:func:`povlink.ids.assign_stable_ids`), with
    the columns ``household_id`` and ``other_household_id``; ``last_issued`` is the highest
    household counter ever issued.
    """
    return assign_stable_ids(
        engine,
        previous=previous,
        clusters=clusters,
        run_id=run_id,
        prefix="H",
        last_issued=last_issued,
        output=output,
        events_output=events_output,
        id_column="household_id",
        cluster_column="household_cluster",
    )
