"""The public entry point: a project (its config plus its registry) and the jobs it runs.

>>> project = Project.from_toml("povlink.toml")   # doctest: +SKIP
>>> project.ingest()                                # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from povlink.config import ProjectConfig, load_project
from povlink.exceptions import ConfigError
from povlink.registry import Registry, Run, SourceVersion
from povlink.schema import CANONICAL_FIELDS

__all__ = ["IngestSummary", "Project"]


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
                versions = tuple(self._ingest_into(registry, run))
                run.summary["sources"] = [vars(v) for v in versions]
            return IngestSummary(run.run_id, versions)

    def _ingest_into(self, registry: Registry, run: Run) -> list[SourceVersion]:
        return [
            registry.ingest(run, source, self.data.get(source.name))
            for source in self.config.sources
        ]

    def export(self, out_dir: str | Path) -> list[Path]:
        """Write the register's tables as csv files into ``out_dir``; return their paths.

        ``records.csv`` holds ``record_id, source`` and the canonical raw fields of the current
        version of every source.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        names = [s.name for s in self.config.sources]
        written = []
        with self.open_registry(read_only=True) as registry:
            records = out / "records.csv"
            fields = ", ".join(CANONICAL_FIELDS)
            registry.engine.write_csv(
                f"SELECT record_id, source, {fields} FROM ({registry.current_records_sql(names)}) "
                "ORDER BY source, row_number, record_id",
                records,
            )
            written.append(records)
        return written

    def __repr__(self) -> str:
        where = self.config.config_path or "<in memory>"
        return f"Project({str(where)!r}, sources={[s.name for s in self.config.sources]})"
