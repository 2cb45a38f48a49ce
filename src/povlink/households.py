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

Incremental resolution
----------------------
A refresh changes few records, and the rules read, for each record, only records *related* to it:

* records of the same person, and records of the same KK number;
* when one of the two has no KK number: records of the same household key (source and key), of
  the same kelurahan and street address, or of the same mother's name in the same kelurahan, at
  compatible places (RW and RT equal where both give them);
* a record without a KK number (a child) and a woman (sex F or unknown) whose full name is the
  child's mother's name, in the same kelurahan at a compatible place.

Every step (the KK graph, principal heads, stale cards, the votes, the "exactly one household fits"
tests, the grouping and the smallest-record labels) stays inside a connected group of related
records, so each group's households are what the rules give for that group alone. Given the
previous run, ``resolve_households(..., previous=PreviousHouseholds(...))`` therefore

1. takes as seeds the records new or withdrawn, those whose person ID changed, and those changed
   in what the rules can read of them: all of a record without a KK number, but of a KK record
   only its card, role and source, and its household key, address, mother's name, full name
   (a woman's) and RW/RT only where a record without a card shares the key (a retyped name on a
   card is no seed unless a child's mother's name is the old or the new name);
2. collects the affected records: every current record related to a seed's old or new row, then
   every record related to an affected one, step by step, until a step adds none;
3. runs the rules on the affected records alone and keeps the previous row of every other record:
   its group holds no seed and was related to no seed before, so the rules read the same in it as
   in the previous run and give the same households. The affected records hold whole
   households, before and now (a household lies inside one group); ``affected_output`` lists
   them, so that stable household IDs need to be assigned again only there.

The relations are followed through each record's *node row*: its person and hashed keys, and
the *offers* it makes (one hash per relation and key). With ``nodes``, a full resolution keeps
them in that table and ``<nodes>_offers``, and an incremental one rewrites only the rows of the
records listed as changed or whose person changed: it reads the previous run's rows of the
seeds from there and follows the closure over all of them, without a pass over every record to
build them. Nodes are numbered by the hash of their record ID.

The output is exactly that of a full resolution. The keys of the relations and the node numbers
are compared by hash (a collision can only add records to the affected ones). When the affected
records exceed ``max_share`` of all records (a very common address or name, a linkage error
gluing many persons), every record is resolved instead: slower, never different.

Output
------
``(record_id, household_cluster, household_evidence)``, one row per record in no set order:
``household_cluster`` is the smallest record ID of the household (deterministic, like the person
clusters), ``household_evidence`` the rule that placed the record: ``kk``, ``stale_kk``,
``person``, ``mother``, ``address``, ``household_key``, ``grouped`` or ``alone``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from povlink.engine import Engine, quote_identifier
from povlink.exceptions import RegistryError
from povlink.ids import StableIdResult, assign_stable_ids

__all__ = [
    "HOUSEHOLD_EVIDENCE",
    "INCREMENTAL_MAX_SHARE",
    "HouseholdResolution",
    "PreviousHouseholds",
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

#: An incremental resolution gives up (and resolves every record) when the records a change can
#: reach exceed this share of all records: resolving them costs about as much as the whole.
INCREMENTAL_MAX_SHARE: Final[float] = 0.25


@dataclass(frozen=True)
class PreviousHouseholds:
    """The last run's households and the inputs they were resolved from, for an incremental run.

    ``households`` is that run's output ``(record_id, household_cluster, household_evidence)``;
    ``standardised`` the standardised records it read (at least the columns the rules read) and
    ``persons`` its ``record_id`` → ``person_id`` (or ``cluster_id``) table. The three must
    belong together: ``households`` is exactly what :func:`resolve_households` wrote for the
    other two.
    """

    standardised: str
    persons: str
    households: str


@dataclass(frozen=True)
class HouseholdResolution:
    """What :func:`resolve_households` did.

    ``records`` is the number of records placed, ``resolved`` how many of them the rules placed
    in this run (all of them unless ``incremental``; the others kept their previous row), and
    ``reason`` why the resolution was full (None when it was incremental).
    """

    records: int
    resolved: int
    incremental: bool
    reason: str | None


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
    present = set(engine.columns(standardised))
    missing = [c for c in _REQUIRED_COLUMNS if c not in present]
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
    previous: PreviousHouseholds | None = None,
    changed: str | None = None,
    max_share: float = INCREMENTAL_MAX_SHARE,
    affected_output: str | None = None,
    persons_changed: str | None = None,
    nodes: str | None = None,
    changed_is_complete: bool = False,
) -> HouseholdResolution:
    """Write ``output`` ``(record_id, household_cluster, household_evidence)`` for every record.

    ``standardised`` is the output of :mod:`povlink.standardise`; ``persons`` maps
    ``record_id`` to ``person_id`` or ``cluster_id`` (a record missing there is its own person).
    The rules are in the module docstring. The result depends only on the tables' contents, not
    on their row order.

    With ``previous`` (the last run's households and the inputs they were resolved from), only
    the records a change can reach are resolved again and every other record keeps its previous
    row; the output is identical to a full resolution (see "Incremental resolution" in the module
    docstring). ``changed`` optionally names a table with a ``record_id`` column listing every
    record new, changed or withdrawn since then (a superset is fine); without it the changes are
    found by comparing the household columns of the two runs. It is checked: the records it
    does not list must be the same before and now (a pass over both), unless
    ``changed_is_complete`` says the caller guarantees it (as a registry refresh does, which
    builds the previous records from the current ones and that very list). When the reachable
    part exceeds ``max_share`` of the records, or ``previous`` cannot be used, the resolution is
    full; the result says which happened and why. ``output`` may be ``previous.households``
    itself: an incremental resolution then deletes and inserts only the rows it resolved again
    (run it in a transaction, as a registry run does, so that a failure leaves the table as it
    was).

    ``affected_output`` optionally names a temporary table ``(record_id, household_cluster)``
    to write, one row per record whose row was resolved again, with its new household: in an
    incremental resolution the records a change can reach, in a full one every record of
    ``standardised``. It is closed under both the previous
    and the new households (each previous or new ``household_cluster`` lies wholly inside it or
    wholly outside, withdrawn records aside), and every record outside it kept its previous row:
    stable household IDs need to be assigned again only inside it.

    ``persons_changed`` optionally names a table with a ``record_id`` column listing every record
    whose person differs from the previous run's; without it every record's person is compared.
    (A record listed whose person is the same is resolved again needlessly, with the same
    result.) ``nodes`` optionally names a table in which to keep every
    record's relations (its node row, see "Incremental resolution") and ``<nodes>_offers``:
    a full resolution writes them; an incremental one reads them as the previous run's (building
    them from ``previous`` when they are missing) and updates only the rows of the records that
    changed. Without ``nodes`` an incremental resolution builds those of the previous run each
    time, a pass over every record that keeping them saves.
    """
    person_column = _check_inputs(engine, standardised, persons)
    work = _Work(output)
    try:
        base = _base_sql(standardised, persons, person_column)
        reason = "no previous households given"
        if previous is not None:
            done, reason = _resolve_incrementally(
                engine, work, standardised, persons, previous,
                (changed, persons_changed, changed_is_complete), nodes, max_share, output,
            )  # fmt: skip
            if done is not None:
                if affected_output is not None:
                    _write_affected(engine, affected_output, work("part"))
                return done
        _resolve(engine, work, base, output)
        _check_every_record_once(engine, standardised, output)
        if nodes is not None:
            _write_nodes(engine, nodes, standardised, persons, temporary=False)
        if affected_output is not None:
            _write_affected(engine, affected_output, _Q(output))
        records = engine.count(output)
        return HouseholdResolution(
            records=records, resolved=records, incremental=False, reason=reason
        )
    finally:
        work.drop_all(engine)


def _write_affected(engine: Engine, output: str, rows: str) -> None:
    """Write the temporary table ``output`` ``(record_id, household_cluster)`` of the rows
    ``rows`` resolved (the output, or the part an incremental resolution wrote), which hold
    each record once, checked."""
    engine.create_table(
        output,
        "SELECT CAST(record_id AS VARCHAR) AS record_id, "
        f"CAST(household_cluster AS VARCHAR) AS household_cluster FROM {rows}",
        temporary=True,
    )


def _base_sql(
    standardised: str, persons: str, person_column: str, *, only: str | None = None
) -> str:
    """SQL: every record (or those whose ID is in the table ``only``) as the rules see it:
    ``record_id, source, kk, hkey, rel, person, full_name, mother_name, sex, kel, rw, rt,
    address``.

    ``person`` is ``'p|'`` and the person ID, or ``'r|'`` and the record ID for a record without
    a person; ``hkey`` the household key scoped by its source.
    """
    where = f"JOIN {only} AS a ON a.record_id = s.record_id" if only else ""
    return f"""
        SELECT s.record_id, s.source,
               s.kk_number AS kk,
               CASE WHEN s.household_key IS NOT NULL
                    THEN s.source || '|' || CAST(s.household_key AS VARCHAR) END AS hkey,
               s.relationship AS rel,
               {_person_label("s.record_id", "p.pid")} AS person,
               s.full_name, s.mother_name, s.sex, s.kelurahan_code AS kel,
               s.rw, s.rt, s.address
        FROM {_Q(standardised)} AS s {where}
        LEFT JOIN {_persons_sql(persons, person_column, only=only)} AS p
          ON p.record_id = s.record_id
        """


def _table_writer(engine: Engine, w: _Work) -> Callable[[str, str], None]:
    """A function that (re)creates the temporary work table ``part`` from a query."""

    def table(part: str, sql: str) -> None:
        engine.create_table(w.raw(part), sql, temporary=True)

    return table


def _resolve(engine: Engine, w: _Work, base: str, output: str, *, temporary: bool = False) -> None:
    """All the rules over the records ``base`` yields; writes ``output``."""
    table = _table_writer(engine, w)
    # -- the evidence of each record -------------------------------------------------------------
    table("base", base)
    _group_cards(engine, w)
    _place_card_records(engine, w)
    _place_records_without_card(engine, w)
    _group_the_rest(engine, w)

    # -- the household label: the smallest record ID of each household ------------------------
    # (a group of the rest is already labelled with its smallest record)
    engine.create_table(
        output,
        f"""
        WITH placed AS (
            SELECT record_id, hh, evidence FROM {w("kk_record")}
            UNION ALL SELECT record_id, hh, evidence FROM {w("placed")}
        )
        SELECT p.record_id, l.household_cluster, p.evidence AS household_evidence
        FROM placed AS p
        JOIN (SELECT hh, min(record_id) AS household_cluster FROM placed GROUP BY hh) AS l
          ON l.hh = p.hh
        UNION ALL
        SELECT r.node, r.component,
               CASE WHEN g.size = 1 THEN 'alone' ELSE 'grouped' END
        FROM {w("rest_household")} AS r
        JOIN (SELECT component, count(*) AS size FROM {w("rest_household")} GROUP BY component)
          AS g ON g.component = r.component
        """,
        temporary=temporary,
    )


def _group_cards(engine: Engine, w: _Work) -> None:
    """Rule 1: which KK numbers are one household; writes ``kk_household (node, component)``."""
    table = _table_writer(engine, w)
    # -- 1. KK numbers: who is on each card, in which role; the principal head ----------------
    # (arg_min skips NULL values: a role is the most frequent one written, ties the smallest)
    table(
        "kk_person",
        f"""
        SELECT person, kk, sum(n) AS records,
               sum(CASE WHEN rel = 'head' THEN n ELSE 0 END) AS head_records,
               arg_min(rel, (-n, rel)) AS role
        FROM (
            SELECT person, kk, rel, count(*) AS n FROM {w("base")}
            WHERE kk IS NOT NULL GROUP BY person, kk, rel
        ) AS c
        GROUP BY person, kk
        """,
    )
    table(
        "kk_head",
        f"""
        SELECT k.kk, arg_min(k.person, (-k.head_records, h.heads, k.person)) AS person
        FROM {w("kk_person")} AS k
        JOIN (
            SELECT person, count(*) AS heads FROM {w("kk_person")}
            WHERE head_records > 0 GROUP BY person
        ) AS h ON h.person = k.person
        WHERE k.head_records > 0
        GROUP BY k.kk
        """,
    )
    # Only a person on two cards or more can join cards (or be on a more recent card): about
    # one in a hundred and fifty, so the comparisons below read these persons alone.
    table(
        "multi_card",
        f"SELECT person, count(*) AS cards FROM {w('kk_person')} GROUP BY person HAVING cards > 1",
    )
    table(
        "crowded",
        f"SELECT person FROM {w('multi_card')} WHERE cards > {_MAX_KKS_PER_PERSON}",
    )
    table(
        "kk_person_multi",
        f"""
        SELECT k.*, m.cards FROM {w("kk_person")} AS k
        JOIN {w("multi_card")} AS m ON m.person = k.person
        """,
    )
    table(
        "kk_shared",
        f"""
        WITH m AS (
            SELECT * FROM {w("kk_person_multi")} WHERE cards <= {_MAX_KKS_PER_PERSON}
        )
        SELECT a.kk AS kk_a, b.kk AS kk_b, count(*) AS shared,
               sum(CASE WHEN a.role IS NOT NULL AND b.role IS NOT NULL AND a.role <> b.role
                        THEN 1 ELSE 0 END) AS role_changes
        FROM m AS a JOIN m AS b ON a.person = b.person AND a.kk < b.kk
        GROUP BY a.kk, b.kk
        """,
    )
    # (written once: connected_components reads its edges twice)
    table(
        "kk_edges",
        f"""
        SELECT a.kk AS a, b.kk AS b
        FROM {w("kk_head")} AS a JOIN {w("kk_head")} AS b
          ON a.person = b.person AND a.kk < b.kk
        UNION ALL
        SELECT h.kk AS a, p.kk AS b
        FROM {w("kk_head")} AS h
        JOIN {w("kk_person_multi")} AS p
          ON p.person = h.person AND p.kk <> h.kk AND p.role IS NULL
        WHERE {_kk_date_key("p.kk")} > {_kk_date_key("h.kk")}
          AND h.person NOT IN (SELECT person FROM {w("crowded")})
        UNION ALL
        SELECT kk_a AS a, kk_b AS b FROM {w("kk_shared")}
        WHERE role_changes = 0 AND (shared >= 2 OR levenshtein(kk_a, kk_b) <= 2)
        """,
    )
    connected_components(
        engine,
        nodes=f"SELECT DISTINCT kk AS node FROM {w('base')} WHERE kk IS NOT NULL",
        edges=f"SELECT a, b FROM {w('kk_edges')}",
        output=w.raw("kk_household"),
    )


def _place_card_records(engine: Engine, w: _Work) -> None:
    """Rule 2: each KK record's household, with the stale-KK corrections (``kk_record``)."""
    table = _table_writer(engine, w)
    # Each card's household, principal head and recording date; each KK record with its card's.
    table(
        "kk_card",
        f"""
        SELECT k.node AS kk, k.component, h.person AS head, {_kk_date_key("k.node")} AS card_date
        FROM {w("kk_household")} AS k LEFT JOIN {w("kk_head")} AS h ON h.kk = k.node
        """,
    )
    table(
        "card_record",
        f"""
        SELECT b.record_id, b.person, b.rel, b.kk, c.card_date, c.component AS own, c.head
        FROM {w("base")} AS b JOIN {w("kk_card")} AS c ON c.kk = b.kk
        """,
    )
    # The household of each person's most recent card, and of the most recent card they head.
    # (A person's most recent card is read only when it is more recent than another card of the
    # person, so only persons on two cards or more need one.)
    latest = """
        SELECT p.person, arg_min(c.component, (-c.card_date, p.kk)) AS component,
               max(c.card_date) AS card_date
        FROM {cards} AS p JOIN {kk_card} AS c ON c.kk = p.kk {where}
        GROUP BY p.person
    """
    multi = f"WHERE p.person IN (SELECT person FROM {w('multi_card')})"
    table("person_latest", latest.format(cards=w("kk_person"), kk_card=w("kk_card"), where=multi))
    table("head_latest", latest.format(cards=w("kk_head"), kk_card=w("kk_card"), where=""))
    # 2a. a head on a card someone else heads; 2b. a record without a role; the rest keep
    # their card. Each part reads only the corrections that can apply to it.
    columns = "r.record_id, r.person, r.rel, r.card_date"
    table(
        "kk_record",
        f"""
        SELECT {columns}, coalesce(s.component, r.own) AS hh,
               CASE WHEN s.component IS NOT NULL THEN 'stale_kk' ELSE 'kk' END AS evidence
        FROM {w("card_record")} AS r
        LEFT JOIN {w("head_latest")} AS s ON s.person = r.person AND s.component <> r.own
        WHERE r.rel = 'head' AND r.head <> r.person
        UNION ALL
        SELECT {columns}, coalesce(n.component, r.own),
               CASE WHEN n.component IS NOT NULL THEN 'stale_kk' ELSE 'kk' END
        FROM {w("card_record")} AS r
        LEFT JOIN {w("person_latest")} AS n
          ON n.person = r.person AND n.card_date > r.card_date AND n.component <> r.own
        WHERE r.rel IS NULL
        UNION ALL
        SELECT {columns}, r.own, 'kk' FROM {w("card_record")} AS r
        WHERE r.rel IS NOT NULL AND NOT coalesce(r.rel = 'head' AND r.head <> r.person, FALSE)
        """,
    )
    # The households each person of a record without a KK number has through KK records, with
    # the latest card of each, and the person's roles there.
    table(
        "person_card_record",
        f"""
        SELECT * FROM {w("kk_record")}
        WHERE person IN (SELECT person FROM {w("base")} WHERE kk IS NULL)
        """,
    )
    table(
        "person_hh",
        f"""
        SELECT person, hh, count(*) AS records, max(card_date) AS latest
        FROM {w("person_card_record")} GROUP BY person, hh
        """,
    )
    table(
        "person_role",
        f"""
        SELECT DISTINCT person, hh, rel FROM {w("person_card_record")} WHERE rel IS NOT NULL
        """,
    )


def _place_records_without_card(engine: Engine, w: _Work) -> None:
    """Rule 3: person, mother, address and household-key evidence of the records without a KK
    number (``placed``)."""
    table = _table_writer(engine, w)
    # -- 3a. records without KK: the household of the same person ----------------------------
    table(
        "no_kk",
        f"SELECT * FROM {w('base')} WHERE kk IS NULL",
    )
    table(
        "by_person",
        f"""
        SELECT n.record_id,
               arg_min(
                   ph.hh,
                   (CASE WHEN pr.rel IS NOT NULL THEN 0 ELSE 1 END, -ph.latest, -ph.records, ph.hh)
               ) AS hh
        FROM {w("no_kk")} AS n
        JOIN {w("person_hh")} AS ph ON ph.person = n.person
        LEFT JOIN {w("person_role")} AS pr
          ON pr.person = n.person AND pr.hh = ph.hh AND pr.rel = n.rel
        GROUP BY n.record_id
        """,
    )
    # Households known so far, for the mother, sibling and address rules.
    table(
        "known",
        f"""
        SELECT record_id, hh FROM {w("kk_record")}
        UNION ALL SELECT record_id, hh FROM {w("by_person")}
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
          AND n.record_id NOT IN (SELECT record_id FROM {w("by_person")})
        """,
    )
    table(
        "by_mother",
        f"""
        SELECT record_id, min(hh) AS hh FROM (
            SELECT record_id, hh, strength,
                   min(strength) OVER (PARTITION BY record_id) AS best
            FROM (
                SELECT n.record_id, h.hh,
                       CASE WHEN k.rel IN ('head', 'spouse') THEN 0 ELSE 1 END AS strength
                FROM {w("unplaced")} AS n
                JOIN {w("base")} AS k ON k.kel = n.kel AND k.full_name = n.mother_name
                JOIN {w("known")} AS h ON h.record_id = k.record_id
                WHERE {same_place} AND (k.sex IS NULL OR k.sex = 'F')
                UNION ALL
                SELECT n.record_id, h.hh, 1 AS strength
                FROM {w("unplaced")} AS n
                JOIN {w("base")} AS k ON k.kel = n.kel AND k.mother_name = n.mother_name
                JOIN {w("known")} AS h ON h.record_id = k.record_id
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
        SELECT n.record_id, min(h.hh) AS hh
        FROM {w("unplaced")} AS n
        JOIN {w("base")} AS k ON k.kel = n.kel AND k.address = n.address
        JOIN {w("known")} AS h ON h.record_id = k.record_id
        WHERE {same_place}
          AND n.record_id NOT IN (SELECT record_id FROM {w("by_mother")})
        GROUP BY n.record_id
        HAVING count(DISTINCT h.hh) = 1
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
    # Only the groups that hold a record without a KK number need a vote.
    table(
        "key_vote",
        f"""
        SELECT hkey, arg_min(hh, (-n, hh)) AS hh FROM (
            SELECT hkey, hh, count(*) AS n
            FROM (
                SELECT b.hkey, k.hh FROM {w("base")} AS b
                JOIN {w("kk_record")} AS k ON k.record_id = b.record_id
                WHERE b.hkey IN (SELECT hkey FROM {w("no_kk")})
                UNION ALL
                SELECT b.hkey, c.hh FROM {w("no_kk")} AS b
                JOIN {w("candidate")} AS c ON c.record_id = b.record_id
                WHERE b.hkey IS NOT NULL
            ) AS v
            GROUP BY hkey, hh
        ) AS r
        GROUP BY hkey
        """,
    )
    table(
        "placed",
        f"""
        SELECT n.record_id, coalesce(v.hh, c.hh) AS hh,
               CASE WHEN v.hh IS NOT NULL AND (c.hh IS NULL OR c.hh <> v.hh)
                    THEN 'household_key' ELSE c.evidence END AS evidence
        FROM {w("no_kk")} AS n
        LEFT JOIN {w("key_vote")} AS v ON v.hkey = n.hkey
        LEFT JOIN {w("candidate")} AS c ON c.record_id = n.record_id
        WHERE v.hh IS NOT NULL OR c.hh IS NOT NULL
        """,
    )


def _group_the_rest(engine: Engine, w: _Work) -> None:
    """Rule 4: records with no evidence, grouped (``rest_household``)."""
    table = _table_writer(engine, w)
    # -- 4. no evidence: group by person, household key and address --------------------------
    # (every KK record is placed, so the rest are records without a card)
    table(
        "rest",
        f"""
        SELECT * FROM {w("no_kk")}
        WHERE record_id NOT IN (SELECT record_id FROM {w("placed")})
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


def _check_every_record_once(
    engine: Engine, standardised: str, output: str, *, part: str | None = None
) -> None:
    """Fail loudly rather than write a household table that loses or repeats a record.

    ``part`` (quoted): the rows an incremental resolution wrote, the others being the previous
    run's rows of the records it did not reach (each once). Its records are then the ones
    checked for repeats, and the output only counted: a lost record would leave it short.
    """
    distinct_in = _Q(output) if part is None else part
    total, distinct, expected = engine.rows(
        f"SELECT (SELECT count(*) FROM {_Q(output)}), "
        f"(SELECT count(*) - count(DISTINCT record_id) FROM {distinct_in}), "
        f"(SELECT count(*) FROM {_Q(standardised)})"
    )[0]
    if not total == expected or distinct:
        raise RegistryError(
            f"household resolution wrote {total} rows, {distinct} of them for a record already "
            f"written, but {standardised!r} has {expected} records; record IDs in "
            f"{standardised!r} must be unique"
        )


# -- incremental resolution ------------------------------------------------------------------------


def _persons_sql(persons: str, person_column: str, *, only: str | None = None) -> str:
    """SQL: ``(record_id, pid)`` of a persons table, both as text; only the records in the
    table ``only`` (quoted) when given, filtered inside, where a view of persons can use it."""
    where = f" WHERE CAST(record_id AS VARCHAR) IN (SELECT record_id FROM {only})" if only else ""
    return (
        f"(SELECT CAST(record_id AS VARCHAR) AS record_id, "
        f"CAST({_Q(person_column)} AS VARCHAR) AS pid FROM {_Q(persons)}{where})"
    )


def _person_label(record: str, pid: str) -> str:
    """SQL: the ``person`` of :func:`_base_sql`."""
    return f"CASE WHEN {pid} IS NOT NULL THEN 'p|' || {pid} ELSE 'r|' || {record} END"


def _key_sql(s: str, kind: str) -> str:
    """SQL: the hashed key of kind ``hkey``, ``place``, ``mother`` or ``woman`` of the
    standardised row ``s`` (NULL when it has none).

    Keys are hashed from their text, so that an old and a new row compare alike whatever the
    column types; two keys of the same hash only add records to the closure.
    """
    columns = {
        "kk": ("kk_number",),
        "place": ("kelurahan_code", "address"),
        "mother": ("kelurahan_code", "mother_name"),
        "woman": ("kelurahan_code", "full_name"),
    }
    if kind == "hkey":
        return (
            f"CASE WHEN {s}.household_key IS NOT NULL "
            f"THEN hash({s}.source || '|' || CAST({s}.household_key AS VARCHAR)) END"
        )
    present = " AND ".join(f"{s}.{c} IS NOT NULL" for c in columns[kind])
    if kind == "woman":
        present += f" AND ({s}.sex IS NULL OR {s}.sex = 'F')"
    text = ", ".join(f"CAST({s}.{c} AS VARCHAR)" for c in columns[kind])
    return f"CASE WHEN {present} THEN hash({text}) END"


def _node_columns(s: str, person: str) -> str:
    """SQL select list: a standardised row ``s`` as a node of the closure (see "Incremental
    resolution" in the module docstring), with ``person`` its person label.

    ``node`` numbers the record by the hash of its ID; two records of one number are found
    together, which can only add records to the closure.
    """
    keys = ", ".join(f"{_key_sql(s, kind)} AS {kind}" for kind in ("hkey", "place", "mother"))
    return f"""
        CAST({s}.record_id AS VARCHAR) AS record_id, hash(CAST({s}.record_id AS VARCHAR)) AS node,
        hash({person}) AS person, {_key_sql(s, "kk")} AS kk,
        {s}.kk_number IS NULL AS no_kk, {keys}, {_key_sql(s, "woman")} AS woman, {s}.rw, {s}.rt
    """


def _readable_sql(rows: str, keys: str) -> str:
    """SQL: ``(record_id, readable)``, what the rules can read of each standardised row of
    ``rows`` (a text list), given the hashed keys ``(kind, key)`` of the records without a KK
    number of its run.

    A record without a KK number can be read whole. Of a KK record the rules read the card,
    role and source, and the rest only through a record without a card: its household key when
    such a record shares it, its address, mother's name or (a woman's) full name when such a
    record has that address or mother's name in its kelurahan, and then its RW and RT. A change
    elsewhere in a KK record changes nothing (a retyped name, typically).
    """

    def text(column: str) -> str:
        return f"CAST(s.{column} AS VARCHAR)"

    # Each key is looked up once per row (a lookup written twice would be joined twice).
    shared = ", ".join(
        f"({_key_sql('r', key)}) IN (SELECT key FROM {keys} WHERE kind = '{kind}') AS {key}"
        for kind, key in _LOOKED_UP_KEYS
    )
    located = "(s.place OR s.mother OR s.woman)"
    every = ", ".join(text(c) for c in _REQUIRED_COLUMNS[1:])
    return f"""
        SELECT s.record_id, CASE WHEN s.kk_number IS NULL THEN [{every}] ELSE [
            {text("kk_number")}, {text("relationship")}, {text("source")},
            CASE WHEN s.hkey THEN {text("household_key")} END,
            CASE WHEN {located} THEN {text("kelurahan_code")} END,
            CASE WHEN {located} THEN {text("rw")} END,
            CASE WHEN {located} THEN {text("rt")} END,
            CASE WHEN s.place THEN {text("address")} END,
            CASE WHEN s.mother THEN {text("mother_name")} END,
            CASE WHEN s.woman THEN {text("full_name")} END,
            CASE WHEN s.woman THEN {text("sex")} END
        ] END AS readable
        FROM (SELECT r.*, {shared} FROM {rows} AS r) AS s
    """


#: The keys :func:`_readable_sql` looks up: ``(kind of the keys, key of the row)``; a woman's
#: full name is looked up among mothers' names.
_LOOKED_UP_KEYS: Final[tuple[tuple[str, str], ...]] = (
    ("hkey", "hkey"),
    ("place", "place"),
    ("mother", "mother"),
    ("mother", "woman"),
)

#: The columns of a node row (:func:`_node_columns`).
_NODE_COLUMNS: Final[tuple[str, ...]] = (
    "record_id",
    "node",
    "person",
    "kk",
    "no_kk",
    "hkey",
    "place",
    "mother",
    "woman",
    "rw",
    "rt",
)

#: ``n`` (an offer) and ``f`` (an ask) are at compatible places: RW and RT equal where both give
#: them (the ``same_place`` condition of the mother and address rules).
_COMPATIBLE_PLACE: Final[str] = (
    "(n.rw IS NULL OR f.rw IS NULL OR n.rw = f.rw) "
    "AND (n.rt IS NULL OR f.rt IS NULL OR n.rt = f.rt)"
)


@dataclass(frozen=True)
class _Relation:
    """One way two records are related (see "Incremental resolution" in the module docstring),
    as a key one record *offers* and the other *asks* for.

    A record offers its key ``offered`` when it meets ``offerer`` (SQL over a node row); a
    record found asks for its key ``asked`` when it meets ``asker``. ``place``: the two must
    also be at compatible places.
    """

    tag: int
    offered: str
    offerer: str
    asked: str
    asker: str
    place: bool


_RELATIONS: Final[tuple[_Relation, ...]] = (
    _Relation(1, "person", "TRUE", "person", "TRUE", place=False),
    _Relation(2, "kk", "TRUE", "kk", "TRUE", place=False),
    # the same household key, address or mother's name, one of the two without a card
    _Relation(3, "hkey", "no_kk", "hkey", "TRUE", place=False),
    _Relation(4, "hkey", "TRUE", "hkey", "no_kk", place=False),
    _Relation(5, "place", "no_kk", "place", "TRUE", place=True),
    _Relation(6, "place", "TRUE", "place", "no_kk", place=True),
    _Relation(7, "mother", "no_kk", "mother", "TRUE", place=True),
    _Relation(8, "mother", "TRUE", "mother", "no_kk", place=True),
    # a woman whose name is the mother's name of a child without a card
    _Relation(9, "woman", "TRUE", "mother", "no_kk", place=True),
    _Relation(7, "mother", "no_kk", "woman", "TRUE", place=True),
)


def _probe_sql(rows: str, side: Literal["offers", "asks"]) -> str:
    """SQL: the probes of ``rows`` (node rows, a table or a parenthesised query) on ``side``, one
    per relation a row takes part in there: ``(probe, node, rw, rt)`` for offers, ``(probe, rw,
    rt)`` for asks.

    A probe hashes the relation's tag with the key, so that one join finds every relation; the
    place is NULL where the relation does not compare places.
    """
    parts = []
    terms = (
        (r.tag, r.offered, r.offerer, r.place)
        if side == "offers"
        else (r.tag, r.asked, r.asker, r.place)
        for r in _RELATIONS
    )
    node = "node, " if side == "offers" else ""
    for tag, key, condition, compares_place in dict.fromkeys(terms):
        place = (
            "rw, rt"
            if compares_place
            else "CAST(NULL AS VARCHAR) AS rw, CAST(NULL AS VARCHAR) AS rt"
        )
        parts.append(
            f"SELECT hash({tag}, {key}) AS probe, {node}{place} FROM {rows} "
            f"WHERE {key} IS NOT NULL AND {condition}"
        )
    return " UNION ALL ".join(parts)


def _offers(nodes: str) -> str:
    """The name of the table of the offers of the node table ``nodes``."""
    return f"{nodes}_offers"


def _write_nodes(
    engine: Engine, nodes: str, standardised: str, persons: str, *, temporary: bool
) -> None:
    """Write ``nodes``, every record of ``standardised`` as a node row (persons from
    ``persons``), and ``<nodes>_offers``, their offers: what an incremental resolution follows
    its closure through, kept from one run to the next."""
    person_column = _check_inputs(engine, standardised, persons)
    engine.create_table(
        nodes,
        f"""
        SELECT {_node_columns("s", _person_label("s.record_id", "p.pid"))}
        FROM {_Q(standardised)} AS s
        LEFT JOIN {_persons_sql(persons, person_column)} AS p ON p.record_id = s.record_id
        """,
        temporary=temporary,
    )
    engine.create_table(_offers(nodes), _probe_sql(_Q(nodes), "offers"), temporary=temporary)


def _check_previous(
    engine: Engine,
    previous: PreviousHouseholds,
    changed: str | None,
    persons_changed: str | None,
) -> str | None:
    """Why the previous run cannot be used, if so.

    Missing tables or columns are the caller's error and raise; a previous household table that
    does not cover the previous records is a reason to resolve every record.
    """
    _check_inputs(engine, previous.standardised, previous.persons)
    wanted: dict[str, tuple[str, ...]] = {
        previous.households: ("record_id", "household_cluster", "household_evidence")
    }
    for listing in (changed, persons_changed):
        if listing is not None:
            wanted[listing] = ("record_id",)
    for table, columns in wanted.items():
        if not engine.has_table(table):
            raise RegistryError(
                f"table {table!r} not found; an incremental household resolution needs the "
                "previous run's households and, if given, the tables of changed records"
            )
        present = engine.columns(table)
        missing = [c for c in columns if c not in present]
        if missing:
            raise RegistryError(
                f"table {table!r} lacks the columns {', '.join(missing)}; it has "
                f"{', '.join(present)}"
            )
    held, expected = engine.count(previous.households), engine.count(previous.standardised)
    if held != expected:
        return f"the previous households have {held} rows for {expected} previous records"
    return None


def _ids_sql(table: str) -> str:
    """SQL: the record IDs of ``table`` as text."""
    return f"SELECT CAST(record_id AS VARCHAR) AS record_id FROM {_Q(table)}"


def _find_seeds(
    engine: Engine,
    w: _Work,
    standardised: str,
    persons: str,
    previous: PreviousHouseholds,
    changes: tuple[str | None, str | None, bool],
    nodes: str,
) -> None:
    """Write ``seed_new`` (the seeds present now) and ``seed_old`` (the previous node rows of
    the seeds and the withdrawn records), and bring ``nodes`` and its offers (the previous
    run's node rows) up to date. ``changes``: as for :func:`_resolve_incrementally`.

    Only the rows that can differ are read: those of the records listed as changed (``listed``:
    the table ``changed``, or else the records whose row differs and the withdrawn ones) and of
    those whose person changed (``moved``: the table ``persons_changed``, or else the records
    whose person label differs, every record compared). Every other record has the same node
    row in both runs.
    """
    changed, persons_changed, changed_is_complete = changes
    table = _table_writer(engine, w)
    person_column = _check_inputs(engine, standardised, persons)
    previous_column = _check_inputs(engine, previous.standardised, previous.persons)
    if changed is not None:
        table("listed", f"SELECT DISTINCT record_id FROM ({_ids_sql(changed)}) AS c")
        # Withdrawn records are listed; the records not listed must be the same before and now.
        if not changed_is_complete:
            _check_unlisted_records_are_kept(
                engine, w, standardised, previous.standardised, changed
            )
    else:
        # The records whose row differs, the new and the withdrawn ones.
        columns = ", ".join(_REQUIRED_COLUMNS)
        differs = " OR ".join(f"s.{c} IS DISTINCT FROM o.{c}" for c in _REQUIRED_COLUMNS[1:])
        table(
            "listed",
            f"""
            SELECT CAST(coalesce(s.record_id, o.record_id) AS VARCHAR) AS record_id
            FROM (SELECT {columns} FROM {_Q(standardised)}) AS s
            FULL JOIN (SELECT {columns} FROM {_Q(previous.standardised)}) AS o
              ON o.record_id = s.record_id
            WHERE s.record_id IS NULL OR o.record_id IS NULL OR {differs}
            """,
        )
    # The records whose person changed: those ``persons_changed`` lists, or else those of
    # another person label (every record compared).
    if persons_changed is not None:
        moved = f"SELECT DISTINCT record_id FROM ({_ids_sql(persons_changed)}) AS m"
    else:
        moved = f"""
            SELECT s.record_id FROM ({_ids_sql(standardised)}) AS s
            LEFT JOIN {_persons_sql(persons, person_column)} AS p ON p.record_id = s.record_id
            LEFT JOIN {_persons_sql(previous.persons, previous_column)} AS op
              ON op.record_id = s.record_id
            WHERE {_person_label("s.record_id", "p.pid")}
                  IS DISTINCT FROM {_person_label("s.record_id", "op.pid")}
        """
    # The records whose node row may differ, and their rows before and now (what the rules can
    # read of them is compared below).
    table("moved", moved)
    table(
        "candidates",
        f"SELECT record_id FROM {w('listed')} UNION SELECT record_id FROM {w('moved')}",
    )
    for run, source in (("new", standardised), ("old", previous.standardised)):
        table(
            f"{run}_rows",
            f"""
            SELECT CAST(s.record_id AS VARCHAR) AS record_id,
                   {", ".join(f"s.{c}" for c in _REQUIRED_COLUMNS[1:])}
            FROM {_Q(source)} AS s
            WHERE CAST(s.record_id AS VARCHAR) IN (SELECT record_id FROM {w("candidates")})
            """,
        )
    # Their node rows: the previous run's (those of the seeds start the closure) and this run's.
    table(
        "old_nodes",
        f"SELECT * FROM {_Q(nodes)} WHERE record_id IN (SELECT record_id FROM {w('candidates')})",
    )
    table(
        "new_nodes",
        f"""
        SELECT {_node_columns("s", _person_label("s.record_id", "p.pid"))}
        FROM {w("new_rows")} AS s
        LEFT JOIN {_persons_sql(persons, person_column, only=w("candidates"))} AS p
          ON p.record_id = s.record_id
        """,
    )
    # The records present in both runs whose person changed are seeds.
    table(
        "person_changed",
        f"""
        SELECT record_id FROM {w("moved")}
        WHERE record_id IN (SELECT record_id FROM {w("new_nodes")})
          AND record_id IN (SELECT record_id FROM {w("old_nodes")})
        """,
    )

    # A changed record is a seed only when it changed in what the rules can read of it, which
    # depends on the keys of the records without a KK number of its run: ``nodes`` holds the
    # previous run's, and after the update below this run's.
    # Only the keys the compared rows have are looked up, so only those are collected.
    table(
        "wanted_keys",
        " UNION ".join(
            f"SELECT '{kind}' AS kind, {_key_sql('s', key)} AS key FROM {w(rows)} AS s"
            for rows in ("new_rows", "old_rows")
            for kind, key in _LOOKED_UP_KEYS
        ),
    )

    def keys_sql() -> str:
        return " UNION ".join(
            f"SELECT '{kind}' AS kind, {kind} AS key FROM {_Q(nodes)} WHERE no_kk AND {kind} "
            f"IN (SELECT key FROM {w('wanted_keys')} WHERE kind = '{kind}')"
            for kind in ("hkey", "place", "mother")
        )

    table("old_keys", keys_sql())
    _update_nodes(engine, w, nodes)
    table("new_keys", keys_sql())
    table(
        "seed_new",
        f"""
        SELECT record_id FROM {w("person_changed")}
        UNION
        SELECT s.record_id
        FROM ({_readable_sql(w("new_rows"), w("new_keys"))}) AS s
        LEFT JOIN ({_readable_sql(w("old_rows"), w("old_keys"))}) AS o
          ON o.record_id = s.record_id
        WHERE o.record_id IS NULL OR s.readable IS DISTINCT FROM o.readable
        """,
    )
    table(
        "seed_old",
        f"""
        SELECT {", ".join(_NODE_COLUMNS)} FROM {w("old_nodes")}
        WHERE record_id IN (SELECT record_id FROM {w("seed_new")})
           OR record_id NOT IN (SELECT record_id FROM {w("new_rows")})
        """,
    )


def _update_nodes(engine: Engine, w: _Work, nodes: str) -> None:
    """Replace the node rows of the candidates in ``nodes`` by this run's (``new_nodes``; none
    for a withdrawn record), and their offers."""
    columns = ", ".join(_NODE_COLUMNS)
    engine.execute(
        f"DELETE FROM {_Q(nodes)} WHERE record_id IN (SELECT record_id FROM {w('candidates')})"
    )
    engine.execute(f"INSERT INTO {_Q(nodes)} ({columns}) SELECT {columns} FROM {w('new_nodes')}")
    # The offers of every node of a candidate's number: a record of the same number (a hash
    # collision) loses none of its offers.
    numbers = f"SELECT hash(record_id) FROM {w('candidates')}"
    offers = _Q(_offers(nodes))
    engine.execute(f"DELETE FROM {offers} WHERE node IN ({numbers})")
    engine.execute(
        f"INSERT INTO {offers} "
        + _probe_sql(f"(SELECT * FROM {_Q(nodes)} WHERE node IN ({numbers}))", "offers")
    )


def _check_unlisted_records_are_kept(
    engine: Engine, w: _Work, standardised: str, previous: str, changed: str
) -> None:
    """Refuse a table of changed records that misses a record added or withdrawn.

    The records it does not list must be the same set before and now: compared by their number
    and the sum of their IDs' hashes (a difference in the values of a listed record cannot be
    seen without comparing every row, which the table exists to avoid).
    """
    now, before = (
        engine.rows(
            f"""
            SELECT count(*), coalesce(sum(hash(record_id)), 0) FROM ({_ids_sql(table)}) AS p
            WHERE record_id NOT IN (SELECT record_id FROM {w("listed")})
            """
        )[0]
        for table in (standardised, previous)
    )
    if now != before:
        raise RegistryError(
            f"table {changed!r} does not list every record added or withdrawn since the previous "
            f"run: {before[0]} records are not listed among the previous ones and {now[0]} among "
            "the current ones; it must list every record new, changed or withdrawn since then"
        )


def _resolve_incrementally(
    engine: Engine,
    w: _Work,
    standardised: str,
    persons: str,
    previous: PreviousHouseholds,
    changes: tuple[str | None, str | None, bool],
    nodes: str | None,
    max_share: float,
    output: str,
) -> tuple[HouseholdResolution | None, str]:
    """Resolve only the records a change can reach; (None, why) when every record must be.

    ``changes`` are ``changed``, ``persons_changed`` and ``changed_is_complete`` of
    :func:`resolve_households`;
    ``nodes`` its node table, the previous run's (built here when missing), brought up to date.
    """
    changed, persons_changed, _ = changes
    if (unusable := _check_previous(engine, previous, changed, persons_changed)) is not None:
        return None, unusable
    table = _table_writer(engine, w)
    own = nodes is None
    if nodes is None:
        nodes = w.raw("previous_nodes")
        w.raw("previous_nodes_offers")  # dropped with the other work tables
    if own or not (engine.has_table(nodes) and engine.has_table(_offers(nodes))):
        # No node rows were kept: those of the previous run, built from its inputs.
        _write_nodes(engine, nodes, previous.standardised, previous.persons, temporary=own)
    # (The previous households have a row for each previous record: checked above.)
    elif (kept := engine.count(nodes)) != (expected := engine.count(previous.households)):
        return None, f"the table {nodes!r} holds {kept} node rows for {expected} previous records"
    _find_seeds(engine, w, standardised, persons, previous, changes, nodes)
    records = engine.count(nodes)
    # -- the closure: every record related to an affected one, until nothing is added ----------
    # One recursive query from the seeds' node rows (now and before): each step joins the probes
    # the rows found ask for with those every node offers (kept from run to run), then reads the
    # node rows of the offerers. The engine builds its lookup of the offers and of the node rows
    # once for all steps, so that a long chain of relations (tens of steps) costs little more
    # than a short one; a statement per step scanned every offer each time, twice as slow.
    # A row already found is not found again (UNION), which ends the recursion.
    limit = max_share * records
    if engine.count(w.raw("seed_new")) > limit:
        return None, f"more than {max_share:.0%} of the {records} records changed"
    columns = ", ".join(c for c in _NODE_COLUMNS if c != "record_id")
    offers, kept_nodes = _Q(_offers(nodes)), _Q(nodes)
    table(
        "affected",
        f"""
        WITH RECURSIVE found AS (
            SELECT * FROM (
                SELECT {columns} FROM {kept_nodes}
                WHERE node IN (SELECT hash(record_id) FROM {w("seed_new")})
                UNION ALL
                SELECT {columns} FROM {w("seed_old")}
            )
            UNION
            SELECT {", ".join("m." + c for c in columns.split(", "))}
            FROM ({_probe_sql("found", "asks")}) AS f
            JOIN {offers} AS n ON n.probe = f.probe AND {_COMPATIBLE_PLACE}
            JOIN {kept_nodes} AS m ON m.node = n.node
        )
        SELECT record_id FROM {kept_nodes} WHERE node IN (SELECT node FROM found)
        """,
    )
    if (resolved := engine.count(w.raw("affected"))) > limit:
        return None, f"a change reaches more than {max_share:.0%} of the {records} records"
    # -- the rules over the affected records; every other record keeps its previous row --------
    person_column = _check_inputs(engine, standardised, persons)
    _resolve(
        engine,
        w,
        _base_sql(standardised, persons, person_column, only=w("affected")),
        w.raw("part"),
        temporary=True,
    )
    table(
        "replaced",
        f"SELECT record_id FROM {w('affected')} UNION SELECT record_id FROM {w('seed_old')}",
    )
    columns = "record_id, household_cluster, household_evidence"
    if output == previous.households:  # in place: only the replaced rows are written
        engine.execute(
            f"DELETE FROM {_Q(output)} WHERE record_id IN (SELECT record_id FROM {w('replaced')})"
        )
        engine.execute(f"INSERT INTO {_Q(output)} ({columns}) SELECT {columns} FROM {w('part')}")
    else:
        engine.create_table(
            output,
            f"""
            SELECT CAST(record_id AS VARCHAR) AS record_id,
                   CAST(household_cluster AS VARCHAR) AS household_cluster,
                   CAST(household_evidence AS VARCHAR) AS household_evidence
            FROM {_Q(previous.households)}
            WHERE record_id NOT IN (SELECT record_id FROM {w("replaced")})
            UNION ALL
            SELECT {columns} FROM {w("part")}
            """,
        )
    _check_every_record_once(engine, standardised, output, part=w("part"))
    done = HouseholdResolution(records=records, resolved=resolved, incremental=True, reason=None)
    return done, ""


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
