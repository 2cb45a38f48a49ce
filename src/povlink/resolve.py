"""The main job: from agency lists to persons and households with stable IDs.

Stages, each a set of SQL statements inside the engine, all inside one registry run (so a run
that fails or is killed at any point leaves the registry at the previous run)::

    ingest ─► standardise ─► train or reuse model ─► predict ─► cluster ─► stable person IDs
           ─► households ─► stable household IDs ─► store

Tables this module keeps in the registry (see ``docs/tables.md``):

* ``standardised``       the standardised current records (what linkage, report and match read)
* ``models``             ``run_id, created_at, settings_json``: the trained model, reused until
  ``retrain``
* ``links``              the scored pairs at or above the threshold (how sure each link is)
* ``persons``            ``record_id, source, person_id, household_id, cluster_confidence``
* ``households``         a view of ``persons``: ``record_id, household_id``
* ``person_lineage``, ``household_lineage``   lineage events of the IDs, per run
* ``id_history``         ``record_id, person_id, household_id, run_from, run_to``
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from povlink.engine import Engine, quote_identifier, quote_literal
from povlink.exceptions import DataQualityWarning
from povlink.registry import Registry, Run, SourceVersion

if TYPE_CHECKING:
    from povlink.config import ProjectConfig
    from povlink.ids import StableIdResult
    from povlink.linkage import LinkageModel

__all__ = ["ResolveSummary", "resolve_project"]

log = logging.getLogger("povlink")


@dataclass(frozen=True)
class ResolveSummary:
    """What a resolve did: counts per stage and the time each stage took (seconds)."""

    run_id: int
    records: int
    persons: int
    households: int
    pairs_scored: int
    """Pairs kept from scoring (match probability at least ``scoring.PAIR_FLOOR``)."""
    links: int
    model_trained: bool
    incremental: bool
    """True when only pairs involving new or changed records were scored."""
    records_rescored: int
    """Records new, changed or withdrawn since the last resolve (incremental runs)."""
    threshold: float
    sources: tuple[SourceVersion, ...]
    ids_created: int
    ids_carried_forward: int
    ids_retired: int
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sources"] = [asdict(s) for s in self.sources]
        return data


#: The stages of a resolve, in order (for progress and the time estimate).
STAGES: tuple[str, ...] = (
    "ingest", "standardise", "train", "predict", "links", "cluster", "person_ids", "households",
    "store",
)  # fmt: skip


class _Stages:
    """Times each stage and logs progress through the standard ``logging`` module.

    The estimate of the time left scales the previous resolve's stage times (stored with its
    run) by the number of records; before the first resolve there is no estimate.
    """

    def __init__(self, previous: dict[str, Any] | None) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()
        self._previous_seconds: dict[str, float] = dict((previous or {}).get("stage_seconds", {}))
        self._previous_records = int((previous or {}).get("records", 0) or 0)
        self.records = 0

    def _remaining(self, after: str) -> str:
        if not self._previous_seconds or not self._previous_records or not self.records:
            return ""
        later = STAGES[STAGES.index(after) + 1 :]
        scale = self.records / self._previous_records
        left = sum(self._previous_seconds.get(s, 0.0) for s in later) * scale
        return f", about {left:.0f} s left"

    @contextmanager
    def stage(self, name: str, rows: Callable[[], int] | None = None) -> Iterator[None]:
        """Time stage ``name``; ``rows`` counts what it produced, for the log line."""
        number = STAGES.index(name) + 1
        log.debug("[%d/%d] %s started", number, len(STAGES), name)
        t0 = time.perf_counter()
        yield
        took = time.perf_counter() - t0
        self.seconds[name] = round(took, 3)
        done = f"{rows():>12,} rows" if rows is not None else " " * 17
        log.info(
            "[%d/%d] %-11s %s %7.1f s  (elapsed %.1f s%s)",
            number, len(STAGES), name, done, took, time.perf_counter() - self._start,
            self._remaining(name),
        )  # fmt: skip


def resolve_project(
    config: ProjectConfig,
    registry: Registry,
    *,
    data: dict[str, pd.DataFrame] | None = None,
    retrain: bool = False,
    full: bool = False,
) -> ResolveSummary:
    """Run every stage for ``config`` in one registry run and return the summary.

    With a stored model (no ``retrain``), a run whose records changed little since the last
    resolve scores only the pairs that involve a new or changed record and keeps the others
    (see :mod:`povlink.scoring`); ``full`` scores every pair anyway.
    """
    from povlink.households import PreviousHouseholds, resolve_households
    from povlink.linkage import cluster_records, recluster_records
    from povlink.scoring import candidates_of_changed, score_pairs

    e = registry.engine
    stages = _Stages(_previous_summary(registry))
    data = data or {}
    with registry.run("resolve") as run:
        with stages.stage("ingest", lambda: n_records):
            versions = registry.ingest_all(run, config.sources, data)
            # Each version counts its list's current records: no pass over them is needed.
            n_records = stages.records = sum(v.n_records for v in versions)
            _store_sources(e, config)
        with stages.stage("standardise", lambda: n_records):
            changes = _standardise(registry, config, versions, full=full or retrain)
        # Splink works in its own in-memory engine (see Engine.copy_table for why).
        # The workspace receives only the records it needs: all of them to train or to score
        # everything, the changed records and their blocking candidates to score incrementally.
        full_workspace = changes is None and config.engine.memory_limit is None
        with _workspace(config) as work, _registry_memory_capped(e, enabled=full_workspace):
            with stages.stage("train"):
                model, trained = _model(work, registry, run, config, retrain=retrain)
                _term_frequencies(work, registry, model, trained=trained)
            incremental = changes is not None and not trained
            with stages.stage("predict", lambda: n_new_pairs):
                if incremental:
                    rules = model.settings_["blocking_rules_to_generate_predictions"]
                    subset = candidates_of_changed(e, "standardised", "__changed", rules)
                    work.copy_table(e, f"SELECT {_linked_columns(e)} FROM {subset}", "standardised")
                    work.copy_table(e, "SELECT record_id FROM __changed", "__changed")
                    if subset != "standardised":
                        e.drop_table(subset)
                else:
                    _copy_all_records(work, registry)
                score_pairs(
                    work, model, "standardised", term_frequencies="term_frequencies",
                    output="pairwise", only="__changed" if incremental else None,
                    narrowed=incremental,
                )  # fmt: skip
                e.copy_table(work, "SELECT * FROM pairwise", "__new_pairs", temporary=True)
                n_new_pairs = e.count("__new_pairs")
        with stages.stage("links", lambda: n_pairs):
            threshold = model.threshold
            _store_pairs(registry, threshold, incremental=incremental)
            n_pairs = e.count("scored_pairs")
        # Clusters far from every change stay as they were, unless the threshold moved.
        reclustering = incremental and _previous_threshold(registry) == threshold
        with stages.stage("cluster", lambda: n_clustered):
            if reclustering:
                n_clustered = recluster_records(
                    e, table="standardised", pairs="scored_pairs", threshold=threshold,
                    previous="persons", previous_pairs="__previous_pairs", touched="__touched",
                    output="__person_clusters", affected_output="__affected", temporary=True,
                    affected_only=True,
                )  # fmt: skip
            else:
                cluster_records(
                    e, table="standardised", pairs="scored_pairs", threshold=threshold,
                    output="__person_clusters", temporary=True,
                )  # fmt: skip
                n_clustered = n_records
        with stages.stage("person_ids"):
            person_result = _carry_ids_forward(
                registry, run, "person", "__person_clusters",
                affected="__affected" if reclustering else None, withdrawn="__removed",
            )  # fmt: skip
            # The confidences of this run: the reclustered records' and every other one's last.
            kept = (
                "UNION ALL SELECT record_id, cluster_confidence FROM persons "
                "WHERE record_id NOT IN (SELECT record_id FROM __affected)"
            )
            e.execute(
                "CREATE OR REPLACE TEMP VIEW __person_confidence AS "
                f"SELECT record_id, cluster_confidence FROM __person_clusters "
                f"{kept if reclustering else ''}"
            )
        with stages.stage("households", lambda: n_placed):
            previous, households = None, "__household_clusters"
            if incremental and registry.has_table("household_clusters"):
                # The previous records: the unchanged ones and the old rows of the others.
                e.execute(
                    "CREATE OR REPLACE TEMP VIEW __previous_standardised AS SELECT * FROM "
                    "standardised WHERE record_id NOT IN (SELECT record_id FROM __changed) "
                    "UNION ALL SELECT * FROM __previous_rows"
                )
                previous = PreviousHouseholds(
                    standardised="__previous_standardised", persons="persons",
                    households="household_clusters",
                )  # fmt: skip
                households = "household_clusters"  # updated in place: only what changed
            placed = resolve_households(
                e, standardised="standardised", persons="__person_ids",
                output=households, previous=previous,
                changed="__touched" if previous is not None else None,
                affected_output="__household_affected",
                persons_changed="__person_ids_moved" if reclustering else None,
                nodes="household_nodes",
                # the previous records are the current ones, those of __touched as they were
                changed_is_complete=True,
            )  # fmt: skip
            n_placed = placed.resolved
            e.execute("DROP VIEW IF EXISTS __previous_standardised")
            household_result = _carry_ids_forward(
                # (the affected records' new households are in __household_affected)
                registry, run, "household",
                "__household_affected" if placed.incremental else households,
                affected="__household_affected" if placed.incremental else None,
                withdrawn="__removed",
            )  # fmt: skip
        # A refresh rewrites only the rows of records whose person or household may have moved.
        scope = None
        if reclustering and placed.incremental:
            scope = "__store_scope"
            e.create_table(
                scope,
                "SELECT record_id FROM __touched UNION SELECT record_id FROM __affected "
                "UNION SELECT record_id FROM __household_affected",
                temporary=True,
            )
        with stages.stage("store"):
            _store_persons(registry, update=incremental, scope=scope)
            if households != "household_clusters":
                registry.move_table(households, "household_clusters")
            e.execute(
                "CREATE OR REPLACE VIEW households AS SELECT record_id, household_id FROM persons"
            )
            _update_id_history(registry, run, scope=scope)
            e.drop_table("__persons_new")
            # Each cluster carries one ID: the IDs are as many as the clusters.
            n_persons, n_households = person_result.ids, household_result.ids
            n_links = e.count("links")
        summary = ResolveSummary(
            run_id=run.run_id,
            records=n_records,
            persons=int(n_persons),
            households=int(n_households),
            pairs_scored=n_pairs,
            links=n_links,
            model_trained=trained,
            incremental=incremental,
            records_rescored=changes if incremental and changes is not None else n_records,
            threshold=threshold,
            sources=versions,
            ids_created=person_result.created,
            ids_carried_forward=person_result.carried_forward,
            ids_retired=person_result.retired,
            stage_seconds=stages.seconds,
        )
        run.summary.update(summary.to_dict())
    return summary


#: The registry engine's memory while the workspace holds every record (no limit configured).
REGISTRY_MEMORY_DURING_LINKAGE = "1GiB"


@contextmanager
def _registry_memory_capped(e: Engine, *, enabled: bool) -> Iterator[None]:
    """While the linkage workspace holds every record, the registry engine only copies tables
    in and out: cap its memory so that DuckDB gives back the blocks it cached (stored blocks are
    read again from the file, temporary data spills). At 2.37M records the run's peak went from
    9.1 to 7.7 GiB, at the same speed. Only for an engine left at DuckDB's default limit, which
    is restored afterwards (a configured limit is the user's to keep)."""
    if not enabled:
        yield
        return
    e.execute(f"SET memory_limit = '{REGISTRY_MEMORY_DURING_LINKAGE}'")
    try:
        yield
    finally:
        e.execute("RESET memory_limit")


@contextmanager
def _workspace(config: ProjectConfig) -> Iterator[Engine]:
    """A fresh in-memory engine with the project's resource limits."""
    settings = config.engine
    with Engine(
        memory_limit=settings.share_of_memory(2),
        temp_directory=settings.temp_directory,
        threads=settings.threads,
    ) as work:
        yield work


def _carry_ids_forward(
    registry: Registry,
    run: Run,
    kind: str,
    clusters: str,
    *,
    affected: str | None = None,
    withdrawn: str | None = None,
) -> StableIdResult:
    """Stable ``<kind>_id``s for ``clusters`` (into ``__<kind>_ids``), carried from the last
    run's ``persons`` table; the lineage events are appended to ``<kind>_lineage``.

    With ``affected`` (a table of record ids closed under both the previous IDs and the new
    clusters: each previous ID and each new cluster lies wholly inside it or wholly outside,
    withdrawn records aside), only those records are assigned; every other record keeps its ID,
    which its unchanged cluster would inherit anyway, so the result is the same. ``clusters``
    then needs to hold only the affected records, and ``withdrawn`` (required with
    ``affected``) lists the records of ``persons`` that are gone. ``__<kind>_ids`` is then a
    view that reads ``persons``, and ``__<kind>_ids_moved`` lists the records whose ID changed.
    """
    from povlink.ids import StableIdResult, assign_stable_ids

    e = registry.engine
    id_column = f"{kind}_id"
    previous = None
    output = f"__{kind}_ids"
    if affected is not None:
        if withdrawn is None:
            raise ValueError("carrying IDs forward for affected records needs the withdrawn ones")
        e.create_table(
            f"__{kind}_clusters_affected",
            f"SELECT * FROM {clusters} WHERE record_id IN (SELECT record_id FROM {affected})",
            temporary=True,
        )
        clusters = f"__{kind}_clusters_affected"
        output = f"__{kind}_ids_affected"
    if registry.has_table("persons"):
        previous = f"__previous_{kind}_ids"
        inside = (
            ""
            if affected is None
            else f"WHERE record_id IN (SELECT record_id FROM {affected}) "
            f"OR record_id IN (SELECT record_id FROM {withdrawn})"
        )
        e.create_table(
            previous, f"SELECT record_id, {id_column} FROM persons {inside}", temporary=True
        )
    counter = f"last_{kind}_id"
    result = assign_stable_ids(
        e,
        previous=previous,
        clusters=clusters,
        run_id=run.run_id,
        prefix=kind[0].upper(),
        last_issued=int(registry.get_meta(counter) or 0),
        output=output,
        events_output=f"__{kind}_events",
        id_column=id_column,
        cluster_column="cluster_id" if kind == "person" else "household_cluster",
        temporary=True,
    )
    registry.set_meta(counter, str(result.last_issued))
    registry.append_table(
        f"{kind}_lineage", f"SELECT * FROM __{kind}_events ORDER BY {id_column}, event"
    )
    if affected is None:
        return result
    e.drop_table(clusters)
    # Every record outside keeps its ID and its row of ``persons``: the IDs of this run are the
    # affected records' new ones and those rows, read where they are, not copied. (The view
    # reads ``persons`` as the last run left it, so it must be read before the store.)
    e.execute(
        f"CREATE OR REPLACE TEMP VIEW __{kind}_ids AS SELECT record_id, {id_column} FROM {output} "
        f"UNION ALL SELECT record_id, {id_column} FROM persons WHERE record_id NOT IN "
        f"(SELECT record_id FROM {previous})"
    )
    assert previous is not None  # an affected part is only ever given with a previous run
    # The records present before whose ID changed: the only ones with another person or
    # household now.
    e.create_table(
        f"__{kind}_ids_moved",
        f"SELECT a.record_id FROM {output} AS a JOIN {previous} AS p ON p.record_id = a.record_id "
        f"WHERE a.{id_column} <> p.{id_column}",
        temporary=True,
    )
    # Counted from the records inside alone: each previous ID lies wholly inside or outside.
    held, held_ids = (int(v) for v in e.rows(
        f"SELECT count(*), count(DISTINCT {id_column}) FROM {previous}"
    )[0])  # fmt: skip
    unchanged_ids = _previous_id_count(registry, kind) - held_ids
    return StableIdResult(
        last_issued=result.last_issued,
        records=result.records + e.count("persons") - held,
        ids=result.ids + unchanged_ids,
        carried_forward=result.carried_forward + unchanged_ids,
        created=result.created,
        retired=result.retired,
        events=result.events,
    )


def _previous_id_count(registry: Registry, kind: str) -> int:
    """How many distinct ``<kind>_id``s ``persons`` holds: as the last resolve counted them, or
    counted again when its summary lacks the figure."""
    summary = _previous_summary(registry) or {}
    counted = summary.get(f"{kind}s")
    if isinstance(counted, int):
        return counted
    return int(registry.engine.scalar(f"SELECT count(DISTINCT {kind}_id) FROM persons"))


def _previous_threshold(registry: Registry) -> float | None:
    """The threshold the last resolve clustered at (None before the first)."""
    summary = _previous_summary(registry)
    if summary is None or summary.get("threshold") is None:
        return None
    return float(summary["threshold"])


def _previous_summary(registry: Registry) -> dict[str, Any] | None:
    """The summary of the last resolve run, if any (for the time estimate)."""
    text = registry.engine.scalar(
        "SELECT summary FROM runs WHERE command = 'resolve' ORDER BY run_id DESC LIMIT 1"
    )
    if text is None:
        return None
    summary: dict[str, Any] = json.loads(str(text))
    return summary


def _store_sources(e: Engine, config: ProjectConfig) -> None:
    rows = [(s.name, s.agency, s.program, str(s.path) if s.path else None) for s in config.sources]
    frame = pd.DataFrame(rows, columns=["source", "agency", "program", "path"])
    e.register("__sources_frame", frame)
    try:
        e.create_table(
            "sources",
            "SELECT CAST(source AS VARCHAR) AS source, CAST(agency AS VARCHAR) AS agency, "
            "CAST(program AS VARCHAR) AS program, CAST(path AS VARCHAR) AS path "
            "FROM __sources_frame",
        )
    finally:
        e.unregister("__sources_frame")


def _standardise(
    registry: Registry, config: ProjectConfig, versions: Sequence[SourceVersion], *, full: bool
) -> int | None:
    """Standardise the current records into ``standardised``; return how many records an
    incremental run must rescore, or None when the run must be full.

    When the last resolve standardised with the same rules (the same povlink, region table and
    date orders), ``standardised`` is updated in place: only new and changed records go through
    the rules (:func:`~povlink.standardise.standardise_changed`); the result is the same. Only
    the lists whose version changed since then (``versions``, this run's) are compared, and
    the raw records are read where they are stored rather than copied first. That
    writes ``__changed`` (records new, changed, or whose ``nik_shared`` flag was evaluated
    again), ``__removed`` (records gone) and ``__previous_rows`` (the rows those had before).
    An incremental run needs a previous resolve and at most
    :data:`INCREMENTAL_MAX_SHARE` of the records touched (unless ``full``).
    """
    from povlink._version import __version__
    from povlink.standardise import load_regions, standardise_table
    from povlink.standardise.changes import standardise_changed

    e = registry.engine
    regions = load_regions(config.regions)
    orders = {s.name: s.options.date_order for s in config.sources}
    rules = hashlib.sha256(
        json.dumps([__version__, orders, [list(asdict(r).values()) for r in regions.rows]]).encode()
    ).hexdigest()
    same_rules = registry.get_meta("standardise_rules") == rules
    refresh = not full and same_rules and registry.has_table("standardised")
    current = registry.current_records_sql([s.name for s in config.sources])
    compared = None
    if refresh:
        compared, candidates = _changed_since_standardised(registry, versions)
        e.execute(f"CREATE OR REPLACE TEMP VIEW records AS {current}")
        standardise_changed(
            e, "records", "standardised", "standardised", regions=regions, date_order=orders,
            changes_output="__standardise_changes", previous_rows_output="__previous_rows",
            sources=compared, unique_ids=True, candidates=candidates,
        )  # fmt: skip
        e.execute("DROP VIEW records")
    else:
        # Written once, never updated: an UPDATE of a table written in the same run would make
        # the commit rewrite it whole (3.5 s at 1M records). The raw records are copied first:
        # the rules read them a dozen times, faster from memory than from the registry.
        e.create_table("records", current, temporary=True)
        standardise_table(e, "records", "__standardised_new", regions=regions, date_order=orders)
        e.drop_table("records")
        registry.move_table("__standardised_new", "standardised")
    registry.set_meta("standardise_rules", rules)
    registry.set_meta(
        "standardised_versions", json.dumps({v.source: v.version for v in versions}, sort_keys=True)
    )
    _warn_about_empty_fields(e, config, compared)
    previous_resolve = all(
        registry.has_table(t) for t in ("persons", "scored_pairs", "term_frequencies")
    )
    if not (refresh and previous_resolve):
        return None
    e.create_table(
        "__changed",
        "SELECT record_id FROM __standardise_changes WHERE change <> 'removed'",
        temporary=True,
    )
    e.create_table(
        "__removed",
        "SELECT record_id FROM __standardise_changes WHERE change = 'removed'",
        temporary=True,
    )
    e.drop_table("__standardise_changes")
    touched = e.count("__changed") + e.count("__removed")
    if touched > INCREMENTAL_MAX_SHARE * max(e.count("standardised"), 1):
        return None
    return touched


def _changed_since_standardised(
    registry: Registry, versions: Sequence[SourceVersion]
) -> tuple[list[str] | None, str | None]:
    """What may differ from the records last standardised, from the versions stored then:
    the lists at another version now (``versions``) or no longer in the project, and SQL for
    the records their versions since added, changed or withdrawn (``record_changes``).

    (None, None) when the registry does not say which versions were standardised (every list
    and record compared); the records are None too when a list left the project (its records
    are in no later version)."""
    stored = registry.get_meta("standardised_versions")
    if stored is None:
        return None, None
    last: dict[str, int] = json.loads(stored)
    now = {v.source: v.version for v in versions}
    moved = sorted(s for s, v in now.items() if last.get(s) != v)
    gone = sorted(set(last) - set(now))
    if gone:
        return sorted([*moved, *gone]), None
    ranges = " OR ".join(
        f"(source = {quote_literal(name)} AND version > {last.get(name, 0)} "
        f"AND version <= {now[name]})"
        for name in moved
    )
    records = f"SELECT record_id FROM record_changes WHERE {ranges or 'false'}"
    return moved, records


#: An incremental run is worth it while at most this share of the records changed.
INCREMENTAL_MAX_SHARE = 0.25


def _copy_all_records(work: Engine, registry: Registry) -> None:
    """Every standardised record into the workspace as ``standardised`` (once per run), with only
    the columns linkage reads: training, term frequencies and scoring read no others."""
    if not work.has_table("standardised"):
        columns = _linked_columns(registry.engine)
        work.copy_table(registry.engine, f"SELECT {columns} FROM standardised", "standardised")


def _linked_columns(e: Engine) -> str:
    """The standardised columns the link input reads, quoted for a SELECT."""
    from povlink.linkage.blocking import link_input_sources

    return ", ".join(quote_identifier(c) for c in link_input_sources(e.columns("standardised")))


def _term_frequencies(
    work: Engine, registry: Registry, model: LinkageModel, *, trained: bool
) -> None:
    """The model's term frequencies into ``work``: computed when it was just trained (and
    stored with it), else the stored ones."""
    from povlink.scoring import compute_term_frequencies

    if trained or not registry.has_table("term_frequencies"):
        _copy_all_records(work, registry)
        compute_term_frequencies(work, model, "standardised", "term_frequencies")
        registry.engine.copy_table(work, "SELECT * FROM term_frequencies", "term_frequencies")
    else:
        work.copy_table(registry.engine, "SELECT * FROM term_frequencies", "term_frequencies")


def _store_pairs(registry: Registry, threshold: float, *, incremental: bool) -> None:
    """Update ``scored_pairs``: the new pairs, plus (incremental) the previous pairs of records
    that did not change; ``links`` shows those at or above the threshold.

    An incremental run keeps the previous pairs it replaces in ``__previous_pairs`` and the
    records added, changed or withdrawn in ``__touched`` (for reclustering).
    """
    e = registry.engine
    if incremental:
        e.create_table(
            "__touched",
            "SELECT record_id FROM __changed UNION SELECT record_id FROM __removed",
            temporary=True,
        )
        touching = (
            "unique_id_l IN (SELECT record_id FROM __touched) "
            "OR unique_id_r IN (SELECT record_id FROM __touched)"
        )
        e.create_table(
            "__previous_pairs", f"SELECT * FROM scored_pairs WHERE {touching}", temporary=True
        )
        e.execute(f"DELETE FROM scored_pairs WHERE {touching}")
        e.execute("INSERT INTO scored_pairs SELECT * FROM __new_pairs")
    else:
        registry.replace_table("scored_pairs", "SELECT * FROM __new_pairs")
    e.execute(
        "CREATE OR REPLACE VIEW links AS SELECT unique_id_l AS record_id_l, "
        "unique_id_r AS record_id_r, match_weight, match_probability FROM scored_pairs "
        f"WHERE match_probability >= {threshold!r}"
    )


#: The standardised column that shows whether a mapped raw field gave anything usable.
_USABLE_COLUMN = {"kelurahan": "kelurahan_name", "kecamatan": "kecamatan_name"}


def _warn_about_empty_fields(
    e: Engine, config: ProjectConfig, sources: Sequence[str] | None = None
) -> None:
    """Warn (and carry on) for each source whose mapped field has no usable value at all.

    Only the lists in ``sources`` when given: those standardised again in this run (the others
    were checked when they were)."""
    checks = [
        (s.name, f, _USABLE_COLUMN.get(f, f), cols)
        for s in config.sources
        for f, cols in s.mapped_columns().items()
        if sources is None or s.name in sources
    ]
    if not checks:
        return
    # One pass over the records: every list's counts of every column any list maps.
    columns = sorted({column for _, _, column, _ in checks})
    listed = ", ".join(sorted({quote_literal(name) for name, *_ in checks}))
    counted = {
        row[0]: (row[1], dict(zip(columns, row[2:], strict=True)))
        for row in e.rows(
            f"SELECT source, count(*), {', '.join(f'count({c})' for c in columns)} "
            f"FROM standardised WHERE source IN ({listed}) GROUP BY source"
        )
    }
    for name, canonical, column, cols in checks:
        n, usable = counted.get(name, (0, {}))
        if n and not usable[column]:
            warnings.warn(
                f"source {name!r}: field {canonical!r} (column {', '.join(cols)}) has no usable "
                f"value in {n:,} records; it is ignored for this list. Check the column mapping "
                "and the values' format.",
                DataQualityWarning,
                stacklevel=4,
            )


def _model(
    work: Engine, registry: Registry, run: Run, config: ProjectConfig, *, retrain: bool
) -> tuple[LinkageModel, bool]:
    """The stored model when there is one (and no retrain), else one trained in ``work``."""
    from povlink.linkage import LinkageModel

    stored = stored_model_json(registry)
    if stored is not None and not retrain:
        model = LinkageModel.from_json(stored)
        if config.linkage.threshold is not None:
            model.threshold = config.linkage.threshold
        return model, False
    _copy_all_records(work, registry)
    kwargs: dict[str, Any] = {"seed": config.linkage.seed}
    if config.linkage.threshold is not None:
        kwargs["threshold"] = config.linkage.threshold
    model = LinkageModel(**kwargs).fit(work, "standardised")
    text = model.to_json()
    registry.append_table(
        "models",
        f"SELECT CAST({run.run_id} AS BIGINT) AS run_id, current_timestamp AS created_at, "
        f"CAST({quote_literal(text)} AS VARCHAR) AS settings_json",
    )
    return model, True


def stored_model_json(registry: Registry) -> str | None:
    """The most recently trained model's Splink JSON, or None before the first training."""
    if not registry.has_table("models"):
        return None
    value = registry.engine.scalar("SELECT settings_json FROM models ORDER BY run_id DESC LIMIT 1")
    return None if value is None else str(value)


def _store_persons(registry: Registry, *, update: bool, scope: str | None = None) -> None:
    """Write ``persons`` from this run's IDs; ``update`` changes only the rows that differ
    (a refresh touches few), else the table is written anew. ``scope`` (a
    table of ``record_id``s, withdrawn records included) limits the update to those records:
    every other record keeps its row, which must then be the one this run gives it.

    With ``scope``, only the records reassigned have new values: their person IDs in
    ``__person_ids_affected`` and confidences in ``__person_clusters`` (the reclustered
    records), their household IDs in ``__household_ids_affected``. Every other value is the one
    ``persons`` holds, as in the views ``__person_ids``, ``__household_ids`` and
    ``__person_confidence``, read here in one pass over the records in scope rather than one
    pass over every record per view."""
    e = registry.engine
    everyone = """
        SELECT s.record_id, s.source, p.person_id, h.household_id, c.cluster_confidence
        FROM standardised AS s
        JOIN __person_ids AS p ON p.record_id = s.record_id
        JOIN __household_ids AS h ON h.record_id = s.record_id
        JOIN __person_confidence AS c ON c.record_id = s.record_id
    """
    if not update or not registry.has_table("persons"):
        # Unsorted: every reader orders what it shows, and sorting a million record ids here
        # cost more than the join.
        registry.replace_table("persons", everyone)
        return
    # The rows in scope as they are (read once, with their place in the table) and as they
    # are now; only the rows that differ are deleted and inserted.
    e.create_table(
        "__persons_old",
        f"SELECT rowid AS persons_row, * FROM persons AS o WHERE {_in_scope('o', scope)}",
        temporary=True,
    )
    now = everyone
    if scope is not None:
        now = f"""
            SELECT s.record_id, s.source,
                   coalesce(p.person_id, o.person_id) AS person_id,
                   coalesce(h.household_id, o.household_id) AS household_id,
                   CASE WHEN c.record_id IS NULL THEN o.cluster_confidence
                        ELSE c.cluster_confidence END AS cluster_confidence
            FROM (SELECT record_id, source FROM standardised AS s
                  WHERE {_in_scope("s", scope)}) AS s
            LEFT JOIN __persons_old AS o ON o.record_id = s.record_id
            LEFT JOIN __person_ids_affected AS p ON p.record_id = s.record_id
            LEFT JOIN __household_ids_affected AS h ON h.record_id = s.record_id
            LEFT JOIN __person_clusters AS c ON c.record_id = s.record_id
        """
    e.create_table("__persons_new", now, temporary=True)
    same = (
        "n.record_id = o.record_id AND n.source = o.source AND n.person_id = o.person_id "
        "AND n.household_id = o.household_id AND n.cluster_confidence = o.cluster_confidence"
    )
    e.execute(
        "DELETE FROM persons WHERE rowid IN (SELECT o.persons_row FROM __persons_old AS o "
        f"WHERE NOT EXISTS (SELECT 1 FROM __persons_new AS n WHERE {same}))"
    )
    e.execute(
        "INSERT INTO persons SELECT * FROM __persons_new AS n WHERE NOT EXISTS "
        f"(SELECT 1 FROM __persons_old AS o WHERE {same}) ORDER BY n.record_id"
    )
    e.drop_table("__persons_old")


def _in_scope(alias: str, scope: str | None) -> str:
    """SQL condition: the record of ``alias`` is in table ``scope`` (always true without one)."""
    return "true" if scope is None else f"{alias}.record_id IN (SELECT record_id FROM {scope})"


def _update_id_history(registry: Registry, run: Run, *, scope: str | None = None) -> None:
    """Close history rows whose IDs changed or whose record left; open rows for new ones.
    ``scope`` (as for :func:`_store_persons`) limits both to those records, whose rows are then
    read from ``__persons_new``, the rows the store wrote for them."""
    e = registry.engine
    if not registry.has_table("id_history"):
        registry.replace_table(
            "id_history",
            f"SELECT record_id, person_id, household_id, CAST({run.run_id} AS BIGINT) AS run_from, "
            "CAST(NULL AS BIGINT) AS run_to FROM persons",
        )
        return
    # The open rows of the records in scope, read once; compared with the rows the store wrote
    # for them (otherwise each statement hashed a million rows to update a few thousand).
    current = "persons" if scope is None else "__persons_new"
    e.create_table(
        "__history_open",
        "SELECT rowid AS history_row, record_id, person_id, household_id FROM id_history "
        f"WHERE run_to IS NULL AND {_in_scope('id_history', scope)}",
        temporary=True,
    )
    same = (
        "p.record_id = h.record_id AND p.person_id = h.person_id "
        "AND p.household_id = h.household_id"
    )
    e.execute(
        "UPDATE id_history SET run_to = ? WHERE rowid IN (SELECT h.history_row FROM "
        f"__history_open AS h WHERE NOT EXISTS (SELECT 1 FROM {current} AS p WHERE {same}))",
        [run.run_id],
    )
    e.execute(
        f"""
        INSERT INTO id_history
        SELECT p.record_id, p.person_id, p.household_id, ?, NULL FROM {current} AS p
        WHERE NOT EXISTS (SELECT 1 FROM __history_open AS h WHERE {same})
        ORDER BY p.record_id
        """,
        [run.run_id],
    )
    e.drop_table("__history_open")
