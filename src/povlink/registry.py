"""The registry: one DuckDB file holding every version of every list, every run and its results.

Tables (all written inside one transaction per run, so a failed or killed run leaves the file
exactly as it was)::

    povlink_meta      key, value                      schema version, the povlink that created it
    runs              run_id, command, started_at, finished_at, povlink_version, summary (JSON)
    source_versions   source, version, run_id, content_hash, path, agency, program,
                      n_records, n_added, n_changed, n_withdrawn
    record_versions   record_id, source, version_from, version_to, row_number, row_hash,
                      <canonical raw fields>, extra          (version_to NULL = current)
    record_changes    source, version, record_id, change ('added' | 'changed' | 'withdrawn')

A source's version ``v`` is the set of rows with ``version_from <= v`` and
``version_to IS NULL OR version_to > v``. Later stages add their own tables through
:meth:`Registry.replace_table` and :meth:`Registry.append_table`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from povlink._version import __version__
from povlink.config import EngineSettings, Source
from povlink.engine import Engine, EngineError, quote_identifier
from povlink.exceptions import RegistryError, UnknownRecordError
from povlink.ingest import (
    drop_staged,
    file_content_hash,
    is_workbook,
    read_workbook,
    source_fingerprint,
    stage_source,
)
from povlink.schema import CANONICAL_FIELDS

__all__ = ["SCHEMA_VERSION", "Registry", "Run", "SourceVersion"]

#: Bumped whenever the registry's table layout changes incompatibly.
SCHEMA_VERSION = 1

_RAW_COLUMNS = ", ".join(f"{f} VARCHAR" for f in CANONICAL_FIELDS)
_RAW_NAMES = ", ".join(CANONICAL_FIELDS)
_DDL = (
    "CREATE TABLE IF NOT EXISTS povlink_meta (key VARCHAR, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS runs (run_id BIGINT, command VARCHAR, started_at TIMESTAMP, "
    "finished_at TIMESTAMP, povlink_version VARCHAR, summary VARCHAR)",
    "CREATE TABLE IF NOT EXISTS source_versions (source VARCHAR, version INTEGER, "
    "run_id BIGINT, content_hash VARCHAR, path VARCHAR, agency VARCHAR, program VARCHAR, "
    "n_records BIGINT, n_added BIGINT, n_changed BIGINT, n_withdrawn BIGINT)",
    "CREATE TABLE IF NOT EXISTS record_versions (record_id VARCHAR, source VARCHAR, "
    f"version_from INTEGER, version_to INTEGER, row_number BIGINT, row_hash VARCHAR, "
    f"{_RAW_COLUMNS}, extra VARCHAR)",
    "CREATE TABLE IF NOT EXISTS record_changes (source VARCHAR, version INTEGER, "
    "record_id VARCHAR, change VARCHAR)",
)


@dataclass(frozen=True)
class SourceVersion:
    """What one ingest of a source did."""

    source: str
    version: int
    n_records: int
    n_added: int
    n_changed: int
    n_withdrawn: int
    unchanged: bool = False
    """True when the content hash matched the latest version and nothing was written."""


@dataclass
class Run:
    """A run in progress: its id and the summary that will be stored with it."""

    run_id: int
    command: str
    summary: dict[str, Any] = field(default_factory=dict)


class Registry:
    """The persistent register: open (or create) a DuckDB file and read and write it safely.

    >>> with Registry(":memory:") as reg:
    ...     reg.schema_version
    1
    """

    def __init__(
        self,
        path: str | Path,
        *,
        settings: EngineSettings | None = None,
        read_only: bool = False,
    ) -> None:
        in_memory = str(path) == ":memory:"
        self.path = None if in_memory else Path(path)
        if read_only and self.path is not None and not self.path.exists():
            raise RegistryError(
                f"registry {self.path} does not exist yet; run `povlink ingest` or "
                "`povlink resolve` first"
            )
        s = settings or EngineSettings()
        self.engine = Engine(
            None if in_memory else self.path,
            read_only=read_only,
            # Resolve runs a second (linkage) engine beside this one: each gets half the limit.
            memory_limit=s.share_of_memory(2),
            temp_directory=s.temp_directory,
            threads=s.threads,
        )
        self.read_only = read_only
        try:
            self._open_schema()
        except BaseException:
            self.engine.close()
            raise

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open_schema(self) -> None:
        where = self.path or "the in-memory registry"
        try:
            has_meta = self.engine.has_table("povlink_meta")
        except EngineError as err:  # pragma: no cover - a file DuckDB opens but cannot query
            raise RegistryError(f"registry {where} cannot be read: {err}") from err
        if has_meta:
            found = self.engine.scalar("SELECT value FROM povlink_meta WHERE key = 'schema'")
            if found is None or not str(found).isdigit():
                raise RegistryError(
                    f"registry {where} has no readable schema version; it is corrupt or "
                    "not a povlink registry. Restore it from a backup or point the project "
                    "file at a new path."
                )
            if int(found) > SCHEMA_VERSION:
                created = self.engine.scalar(
                    "SELECT value FROM povlink_meta WHERE key = 'povlink_version'"
                )
                raise RegistryError(
                    f"registry {where} was written by a newer povlink ({created}, registry "
                    f"schema {found}; this is povlink {__version__}, schema {SCHEMA_VERSION}). "
                    "Upgrade povlink to use it; the file was not modified."
                )
            self.schema_version = int(found)
            return
        if self.engine.rows("SELECT table_name FROM information_schema.tables LIMIT 1"):
            raise RegistryError(
                f"{where} is a DuckDB file but not a povlink registry; choose another "
                "registry path in the project file"
            )
        if self.read_only:
            raise RegistryError(f"registry {where} is empty; run `povlink ingest` first")
        with self.engine.transaction():
            for ddl in _DDL:
                self.engine.execute(ddl)
            self.engine.execute(
                "INSERT INTO povlink_meta VALUES ('schema', ?), ('povlink_version', ?)",
                [str(SCHEMA_VERSION), __version__],
            )
        self.schema_version = SCHEMA_VERSION

    # -- runs --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def run(self, command: str) -> Iterator[Run]:
        """One run: every write inside it lands together when the block ends, or not at all."""
        if self.read_only:
            raise RegistryError("the registry was opened read-only; it cannot record a run")
        with self.engine.transaction():
            run_id = int(self.engine.scalar("SELECT coalesce(max(run_id), 0) + 1 FROM runs"))
            started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            current = Run(run_id, command)
            yield current
            self.engine.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    command,
                    started,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    __version__,
                    json.dumps(current.summary, sort_keys=True, default=str),
                ],
            )

    def runs(self) -> pd.DataFrame:
        """Every run recorded, oldest first."""
        return self.engine.query("SELECT * FROM runs ORDER BY run_id")

    # -- ingest ------------------------------------------------------------------------------
    def ingest(self, run: Run, source: Source, data: pd.DataFrame | None = None) -> SourceVersion:
        """Read ``source`` and store it as a new version when its content changed.

        Records are matched by ``record_id``: new ones are *added*, ones whose values changed are
        *changed* (the old row is closed, a new row opened), and ones no longer in the list are
        *withdrawn*. Earlier versions stay queryable with :meth:`records_at`.
        """
        return self._ingest(run, source, data, None, None)

    def ingest_all(
        self,
        run: Run,
        sources: Sequence[Source],
        data: Mapping[str, pd.DataFrame] | None = None,
    ) -> tuple[SourceVersion, ...]:
        """:meth:`ingest` each of ``sources`` in turn (``data`` by source name, for sources given
        as DataFrames) and return their versions in the same order.

        Workbooks whose file changed are read in a thread from the start, while the engine
        reads the other files: the xlsx reader works outside the GIL, and a workbook is the one
        file the engine cannot read itself (2.1 s for 89,000 rows, more than a quarter of
        the whole ingest of a million records). The other files are hashed, in order, in
        another thread, while the engine stages the changed ones (which takes one core): at 1M
        records an unchanged file cost 0.15 s of hashing before it was recognised. The first
        source to fail stops the run, as :meth:`ingest` would.
        """
        data = data or {}
        with (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="povlink-workbook") as pool,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="povlink-hash") as hasher,
        ):
            early: dict[str, tuple[str, Future[pa.Table]]] = {}
            for source in sources:
                if source.name in data or not is_workbook(source):
                    continue
                file_hash = file_content_hash(source)
                if file_hash is None:  # a missing file: ingest says so, in its turn
                    continue
                if self._unchanged_version(source, source_fingerprint(source, file_hash)) is None:
                    early[source.name] = (file_hash, pool.submit(read_workbook, source))
            hashes = {
                s.name: hasher.submit(file_content_hash, s)
                for s in sources
                if s.name not in data and s.name not in early
            }
            try:
                return tuple(
                    self._ingest(
                        run,
                        s,
                        data.get(s.name),
                        *early.get(s.name, (None, None)),
                        hashed=hashes.get(s.name),
                    )
                    for s in sources
                )
            finally:
                for future in [*hashes.values(), *(sheet for _, sheet in early.values())]:
                    future.cancel()  # after a failure: what has not started is not done

    def _ingest(
        self,
        run: Run,
        source: Source,
        data: pd.DataFrame | None,
        file_hash: str | None,
        workbook: Future[pa.Table] | None,
        *,
        hashed: Future[str | None] | None = None,
    ) -> SourceVersion:
        """:meth:`ingest`, given the file's hash and its worksheet when already read (a file
        whose hash is given was found changed), or the hash being computed (``hashed``)."""
        if data is None and file_hash is None:
            # An unchanged file is recognised from its bytes, without parsing it again.
            file_hash = hashed.result() if hashed is not None else file_content_hash(source)
            fingerprint = None if file_hash is None else source_fingerprint(source, file_hash)
            unchanged = self._unchanged_version(source, fingerprint)
            if unchanged is not None:
                return unchanged
        stage = f"__stage_{source.name}"
        staged = stage_source(
            self.engine, source, table=stage, data=data, file_hash=file_hash,
            workbook=None if workbook is None else workbook.result(),
        )  # fmt: skip
        try:
            return self._store_version(run, source, staged.content_hash, stage, staged.n_records)
        finally:
            drop_staged(self.engine, stage)

    def _unchanged_version(self, source: Source, fingerprint: str | None) -> SourceVersion | None:
        """The latest version of ``source`` when its fingerprint is ``fingerprint``, else None."""
        if fingerprint is None:
            return None
        latest = self.engine.rows(
            "SELECT version, content_hash, n_records FROM source_versions WHERE source = ? "
            "ORDER BY version DESC LIMIT 1",
            [source.name],
        )
        if not latest or latest[0][1] != fingerprint:
            return None
        version, _, n_records = latest[0]
        return SourceVersion(source.name, version, n_records, 0, 0, 0, unchanged=True)

    def _store_version(
        self, run: Run, source: Source, content_hash: str, stage: str, n_records: int
    ) -> SourceVersion:
        e = self.engine
        unchanged = self._unchanged_version(source, content_hash)
        if unchanged is not None:
            return unchanged
        latest = e.scalar(
            "SELECT max(version) FROM source_versions WHERE source = ?", [source.name]
        )
        version = int(latest) + 1 if latest is not None else 1
        st = quote_identifier(stage)
        e.create_table(
            "__changes",
            f"""
            SELECT coalesce(n.record_id, o.record_id) AS record_id,
                   CASE WHEN o.record_id IS NULL THEN 'added'
                        WHEN n.record_id IS NULL THEN 'withdrawn'
                        ELSE 'changed' END AS change
            FROM {st} AS n
            FULL OUTER JOIN (
                SELECT record_id, row_hash FROM record_versions
                WHERE source = ? AND version_to IS NULL
            ) AS o ON n.record_id = o.record_id
            WHERE o.record_id IS NULL OR n.record_id IS NULL OR n.row_hash <> o.row_hash
            """.replace("?", "'" + source.name.replace("'", "''") + "'"),
            temporary=True,
        )
        try:
            e.execute(
                "UPDATE record_versions SET version_to = ? WHERE source = ? "
                "AND version_to IS NULL AND record_id IN "
                "(SELECT record_id FROM __changes WHERE change <> 'added')",
                [version, source.name],
            )
            # A first version adds every staged row: no join with the changes is needed.
            changed = "" if latest is None else " SEMI JOIN __changes AS c USING (record_id)"
            e.execute(
                f"INSERT INTO record_versions SELECT s.record_id, s.source, ?, NULL, "
                f"s.row_number, s.row_hash, {', '.join('s.' + f for f in CANONICAL_FIELDS)}, "
                f"s.extra FROM {st} AS s{changed}",
                [version],
            )
            # No ORDER BY: readers order by record_id (see `changes`), and sorting every id of
            # a large first version cost more than the rest of this insert.
            e.execute(
                "INSERT INTO record_changes SELECT ?, ?, record_id, change FROM __changes",
                [source.name, version],
            )
            counts = dict(e.rows("SELECT change, count(*) FROM __changes GROUP BY change"))
        finally:
            e.drop_table("__changes")
        result = SourceVersion(
            source.name,
            version,
            n_records,
            int(counts.get("added", 0)),
            int(counts.get("changed", 0)),
            int(counts.get("withdrawn", 0)),
        )
        e.execute(
            "INSERT INTO source_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source.name,
                version,
                run.run_id,
                content_hash,
                str(source.path) if source.path else None,
                source.agency,
                source.program,
                result.n_records,
                result.n_added,
                result.n_changed,
                result.n_withdrawn,
            ],
        )
        return result

    # -- reading -----------------------------------------------------------------------------
    def source_names(self) -> list[str]:
        """Sources that have at least one version, in name order."""
        return [
            r[0] for r in self.engine.rows("SELECT DISTINCT source FROM source_versions ORDER BY 1")
        ]

    def versions(self, source: str | None = None) -> pd.DataFrame:
        """The versions of one source (or all), oldest first."""
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        return self.engine.query(
            f"SELECT * FROM source_versions {where} ORDER BY source, version", params
        )

    def current_records_sql(self, sources: Sequence[str] | None = None) -> str:
        """SQL for the current version of every record (of ``sources`` when given)."""
        where = "version_to IS NULL"
        if sources is not None:
            names = ", ".join("'" + s.replace("'", "''") + "'" for s in sources) or "NULL"
            where += f" AND source IN ({names})"
        return (
            f"SELECT record_id, source, row_number, {_RAW_NAMES}, extra, row_hash "
            f"FROM record_versions WHERE {where}"
        )

    def current_records(self, sources: Sequence[str] | None = None) -> pd.DataFrame:
        """The current records as a DataFrame, ordered by source and row."""
        return self.engine.query(
            f"{self.current_records_sql(sources)} ORDER BY source, row_number, record_id"
        )

    def records_at(self, source: str, version: int) -> pd.DataFrame:
        """The records of ``source`` as they were in ``version``."""
        known = self.engine.scalar(
            "SELECT count(*) FROM source_versions WHERE source = ? AND version = ?",
            [source, version],
        )
        if not known:
            raise UnknownRecordError(f"source {source!r} has no version {version}")
        return self.engine.query(
            f"SELECT record_id, source, row_number, {_RAW_NAMES}, extra FROM record_versions "
            "WHERE source = ? AND version_from <= ? AND (version_to IS NULL OR version_to > ?) "
            "ORDER BY row_number, record_id",
            [source, version, version],
        )

    def changes(self, source: str, version: int) -> pd.DataFrame:
        """Records added, changed and withdrawn by one version of a source."""
        return self.engine.query(
            "SELECT record_id, change FROM record_changes WHERE source = ? AND version = ? "
            "ORDER BY record_id",
            [source, version],
        )

    # -- tables of later stages --------------------------------------------------------------
    def has_table(self, name: str) -> bool:
        return self.engine.has_table(name)

    def replace_table(self, name: str, sql: str) -> None:
        """Store the result of ``sql`` as table ``name`` (inside the current run)."""
        self.engine.create_table(name, sql)

    def move_table(self, source: str, name: str) -> None:
        """Make table ``source`` the stored table ``name`` (inside the current run), replacing
        any table of that name; a rename, so nothing is copied."""
        temporary = self.engine.scalar(
            "SELECT bool_or(temporary) FROM duckdb_tables() WHERE table_name = ?", [source]
        )
        if temporary:  # a temporary table would vanish with the connection: copy it instead
            self.replace_table(name, f"SELECT * FROM {quote_identifier(source)}")
            self.engine.drop_table(source)
            return
        self.engine.drop_table(name)
        self.engine.execute(
            f"ALTER TABLE {quote_identifier(source)} RENAME TO {quote_identifier(name)}"
        )

    def append_table(self, name: str, sql: str) -> None:
        """Append the result of ``sql`` to table ``name``, creating it on first use."""
        if self.engine.has_table(name):
            self.engine.execute(f"INSERT INTO {quote_identifier(name)} {sql}")
        else:
            self.engine.create_table(name, sql)

    def get_meta(self, key: str) -> str | None:
        value = self.engine.scalar("SELECT value FROM povlink_meta WHERE key = ?", [key])
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        self.engine.execute("DELETE FROM povlink_meta WHERE key = ?", [key])
        self.engine.execute("INSERT INTO povlink_meta VALUES (?, ?)", [key, value])
