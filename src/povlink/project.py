"""The public entry point: a project (its config plus its registry) and the jobs it runs.

>>> project = Project.from_toml("povlink.toml")   # doctest: +SKIP
>>> project.ingest()                                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from povlink.config import ProjectConfig, load_project
from povlink.exceptions import ConfigError, RegistryError, UnknownRecordError
from povlink.registry import Registry, SourceVersion
from povlink.resolve import ResolveSummary
from povlink.schema import CANONICAL_FIELDS

if TYPE_CHECKING:
    from povlink.evaluate import Scores
    from povlink.linkage import PairExplanation
    from povlink.match import Matcher
    from povlink.report import IntegrationReport

__all__ = ["Evaluation", "IngestSummary", "PersonHistory", "Project", "Resolution"]

_PERSONS_UNSORTED_SQL = (
    "SELECT record_id, source, person_id, household_id, "
    "round(cluster_confidence, 6) AS link_confidence FROM persons"
)
_PERSONS_SQL = f"{_PERSONS_UNSORTED_SQL} ORDER BY record_id"
_HOUSEHOLDS_SQL = """
SELECT p.household_id,
       count(DISTINCT p.person_id) AS persons,
       count(*) AS records,
       string_agg(DISTINCT p.person_id, ' ' ORDER BY p.person_id) AS members,
       min(CASE WHEN s.relationship = 'head' THEN s.full_name END) AS head_name,
       mode(s.kelurahan_code ORDER BY s.kelurahan_code) AS kelurahan_code,
       mode(s.address ORDER BY s.address) AS address,
       string_agg(DISTINCT p.source, ' ' ORDER BY p.source) AS lists,
       string_agg(DISTINCT src.program, '; ' ORDER BY src.program) AS programs
FROM persons AS p
JOIN standardised AS s ON s.record_id = p.record_id
LEFT JOIN sources AS src ON src.source = p.source
GROUP BY p.household_id
ORDER BY p.household_id
"""
_LINEAGE_SQL = """
SELECT run_id, 'person' AS kind, event, person_id AS id, other_person_id AS other_id,
       record_count, detail FROM person_lineage
UNION ALL
SELECT run_id, 'household', event, household_id, other_household_id, record_count, detail
FROM household_lineage
ORDER BY run_id, kind, id, event
"""


@dataclass(frozen=True)
class Resolution:
    """The result of :meth:`Project.resolve`: its summary and the person table."""

    summary: ResolveSummary
    _persons: Any = field(repr=False)  # the person table as a pyarrow.Table

    @cached_property
    def persons(self) -> pd.DataFrame:
        """``record_id, source, person_id, household_id, link_confidence`` of every current
        record, by record id. Sorted and converted on first use: sorting and making Python
        strings of a million rows took 1.5 s, which a caller that reads only the summary (the
        CLI, a service) skips. Arrow sorts text by its bytes, as the engine does."""
        import pyarrow.compute as pc

        order = pc.sort_indices(self._persons, sort_keys=[("record_id", "ascending")])
        frame: pd.DataFrame = self._persons.take(order).to_pandas()
        return frame


@dataclass(frozen=True)
class PersonHistory:
    """A person's records over time and the events that touched the ID."""

    person_id: str
    records: pd.DataFrame
    events: pd.DataFrame


@dataclass(frozen=True)
class Evaluation:
    """Scores of the resolved persons (and households, when the truth has them)."""

    persons: Scores
    households: Scores | None

    def to_dict(self) -> dict[str, object]:
        return {
            "persons": self.persons.to_dict(),
            "households": None if self.households is None else self.households.to_dict(),
        }


def _read_truth(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise ConfigError(f"truth file {path} not found")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _require_resolved(registry: Registry) -> None:
    if not registry.has_table("persons"):
        raise RegistryError("the registry has no persons yet; run `povlink resolve` first")


@dataclass(frozen=True)
class IngestSummary:
    """What an ingest did, per source."""

    run_id: int
    sources: tuple[SourceVersion, ...]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(s) for s in self.sources])

    def to_dict(self) -> dict[str, object]:
        return {"run_id": self.run_id, "sources": [vars(s) for s in self.sources]}


class Project:
    """A project file and its registry.

    ``data`` supplies a DataFrame for sources that have no ``path`` (the Python API's way of
    feeding a list that is already in memory).
    """

    def __init__(
        self, config: ProjectConfig, *, data: Mapping[str, pd.DataFrame] | None = None
    ) -> None:
        self.config = config
        self.data = dict(data or {})
        for name in self.data:
            config.source(name)  # raises ConfigError naming the known sources
        missing = [s.name for s in config.sources if s.path is None and s.name not in self.data]
        if missing:
            raise ConfigError(
                f"source(s) {', '.join(missing)} have no path; pass their DataFrames as "
                "Project(config, data={name: frame})"
            )

    @classmethod
    def from_toml(cls, path: str | Path) -> Project:
        """Open the project described by the TOML file at ``path``."""
        return cls(load_project(path))

    # -- registry access -----------------------------------------------------------------------
    def open_registry(self, *, read_only: bool = False) -> Registry:
        """Open this project's registry file (created on first write)."""
        return Registry(self.config.registry, settings=self.config.engine, read_only=read_only)

    # -- jobs ----------------------------------------------------------------------------------
    def ingest(self) -> IngestSummary:
        """Read every source into the registry; a new version where a list changed.

        All sources are read in one run: if any of them fails, nothing is written.
        """
        with self.open_registry() as registry:
            with registry.run("ingest") as run:
                versions = registry.ingest_all(run, self.config.sources, self.data)
                run.summary["sources"] = [vars(v) for v in versions]
            return IngestSummary(run.run_id, versions)

    def resolve(self, *, retrain: bool = False, full: bool = False) -> Resolution:
        """Ingest, standardise, link, cluster and assign stable person and household IDs.

        The trained model is stored in the registry and reused on later runs unless
        ``retrain`` is true. When few records changed since the last resolve, only the pairs
        involving them are scored (``full`` scores every pair anyway); the result is the same.
        Everything happens in one registry run: if any stage fails, the registry stays as it was.
        """
        from povlink.resolve import resolve_project

        with self.open_registry() as registry:
            summary = resolve_project(
                self.config, registry, data=self.data, retrain=retrain, full=full
            )
            persons = registry.engine.arrow(_PERSONS_UNSORTED_SQL)
        return Resolution(summary=summary, _persons=persons)

    def persons(self) -> pd.DataFrame:
        """The current person table: ``record_id, source, person_id, household_id, confidence``."""
        with self.open_registry(read_only=True) as registry:
            _require_resolved(registry)
            return registry.engine.query(_PERSONS_SQL)

    def export(self, out_dir: str | Path) -> list[Path]:
        """Write the register's tables as csv files into ``out_dir``; return their paths.

        ``records.csv`` holds ``record_id, source`` and the canonical raw fields of the current
        version of every source. After a resolve, also ``persons.csv`` (``record_id, source,
        person_id, household_id, link_confidence``), ``households.csv`` and ``lineage.csv``.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        names = [s.name for s in self.config.sources]
        written = []
        with self.open_registry(read_only=True) as registry:
            e = registry.engine
            fields = ", ".join(CANONICAL_FIELDS)
            tables = {
                "records.csv": f"SELECT record_id, source, {fields} FROM "
                f"({registry.current_records_sql(names)}) ORDER BY source, row_number, record_id"
            }
            if registry.has_table("persons"):
                tables["persons.csv"] = _PERSONS_SQL
                tables["households.csv"] = _HOUSEHOLDS_SQL
                tables["lineage.csv"] = _LINEAGE_SQL
            for name, sql in tables.items():
                e.write_csv(sql, out / name)
                written.append(out / name)
        return written

    def evaluate(self, truth: str | Path | pd.DataFrame) -> Evaluation:
        """Precision, recall and F1 (pairwise and B-cubed) of the last resolve against a truth.

        ``truth`` is a csv path or DataFrame with ``record_id, person_id`` and optionally
        ``household_id`` (as written by ``povlink synth``).
        """
        from povlink.evaluate import evaluate_clusters

        frame = truth if isinstance(truth, pd.DataFrame) else _read_truth(Path(truth))
        if not {"record_id", "person_id"} <= set(frame.columns):
            raise ConfigError(
                "the truth needs columns record_id and person_id (household_id optional); "
                f"it has {', '.join(map(str, frame.columns))}"
            )
        predicted = self.persons()
        persons = evaluate_clusters(
            predicted[["record_id", "person_id"]].rename(columns={"person_id": "cluster_id"}),
            frame[["record_id", "person_id"]].rename(columns={"person_id": "entity_id"}),
        )
        households = None
        if "household_id" in frame.columns:
            households = evaluate_clusters(
                predicted[["record_id", "household_id"]].rename(
                    columns={"household_id": "cluster_id"}
                ),
                frame[["record_id", "household_id"]].rename(columns={"household_id": "entity_id"}),
            )
        return Evaluation(persons=persons, households=households)

    def explain(self, record_id_a: str, record_id_b: str) -> PairExplanation:
        """Why two records do or do not match: each comparison's level and match weight.

        Uses the model stored by the last resolve and term frequencies from every current
        record; the registry is not changed.
        """
        from povlink.engine import Engine
        from povlink.linkage import LinkageModel, explain_pair
        from povlink.resolve import stored_model_json

        with self.open_registry(read_only=True) as registry:
            _require_resolved(registry)
            text = stored_model_json(registry)
            if text is None:
                raise RegistryError("the registry holds no trained model; run `povlink resolve`")
            with Engine(threads=self.config.engine.threads) as work:
                work.copy_table(registry.engine, "SELECT * FROM standardised", "standardised")
                return explain_pair(work, LinkageModel.from_json(text), record_id_a, record_id_b)

    def matcher(self) -> Matcher:
        """A :class:`~povlink.match.Matcher` for many single-record matches (close it after)."""
        from povlink.match import Matcher

        return Matcher(self)

    def match(self, record: Mapping[str, object], *, top: int = 5) -> pd.DataFrame:
        """The most likely persons for one record (canonical fields); the registry is unchanged.

        Returns one row per person: ``person_id``, ``household_id``, ``match_probability``,
        ``match_weight``, the best-matching ``record_id`` and each comparison's level.
        """
        with self.matcher() as matcher:
            return matcher.match(record, top=top)

    def report(self) -> IntegrationReport:
        """The integration report (DataFrames, JSON and HTML) of the last resolve."""
        from povlink.report import build_report

        with self.open_registry(read_only=True) as registry:
            _require_resolved(registry)
            return build_report(
                registry.engine,
                reference_source=self.config.report.reference_source,
                regions=self.config.regions,
            )

    def history(self, person_id: str) -> PersonHistory:
        """A person's records over time and the lineage events that touched the ID."""
        with self.open_registry(read_only=True) as registry:
            _require_resolved(registry)
            e = registry.engine
            records = e.query(
                """
                SELECT h.record_id, h.person_id, h.household_id, h.run_from, h.run_to,
                       r.source, r.version_from, r.version_to, r.full_name, r.nik,
                       r.birth_date, r.kk_number, r.address, r.rt, r.rw, r.kelurahan
                FROM id_history AS h
                LEFT JOIN record_versions AS r ON r.record_id = h.record_id
                WHERE h.person_id = ?
                ORDER BY h.run_from, h.record_id, r.version_from
                """,
                [person_id],
            )
            events = e.query(
                "SELECT * FROM person_lineage WHERE person_id = ? OR other_person_id = ? "
                "ORDER BY run_id, event, person_id",
                [person_id, person_id],
            )
        if records.empty and events.empty:
            raise UnknownRecordError(f"person {person_id!r} is not in the registry")
        return PersonHistory(person_id, records, events)

    def __repr__(self) -> str:
        where = self.config.config_path or "<in memory>"
        return f"Project({str(where)!r}, sources={[s.name for s in self.config.sources]})"
