"""The engine boundary: the one module that talks to the SQL engine.

Every stage of povlink runs SQL over named tables through an :class:`Engine`. Nothing else imports
``duckdb``; the DuckDB-specific parts (file readers, settings, the Splink database API) live here,
so that the same pipeline can later run on Spark through Splink's Spark backend.

SQL written elsewhere in povlink should be portable (see ``docs/architecture.md``, "Portable SQL").
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import duckdb
import pandas as pd

from povlink.exceptions import RegistryError

if TYPE_CHECKING:
    from splink import DuckDBAPI

__all__ = ["Engine", "EngineError", "quote_identifier", "quote_literal"]

EngineError = duckdb.Error
"""The engine's own error type, for code that must catch it at a boundary."""


def quote_identifier(name: str) -> str:
    """Quote a table or column name for SQL (``"a""b"`` style)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote a string literal for SQL (``'it''s'`` style)."""
    return "'" + value.replace("'", "''") + "'"


class Engine:
    """An embedded DuckDB database: a file (the registry) or in memory.

    ``memory_limit`` (e.g. ``"4GiB"``) and ``temp_directory`` let a big run spill to disk instead of
    exhausting a laptop's memory; ``threads`` defaults to every core.
    """

    dialect = "duckdb"

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        memory_limit: str | None = None,
        temp_directory: str | Path | None = None,
        threads: int | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        database = str(self.path) if self.path is not None else ":memory:"
        try:
            self._con = duckdb.connect(database, read_only=read_only)
        except duckdb.Error as err:
            raise RegistryError(
                f"cannot open the registry {database}: {err}. If the file is corrupt, restore it "
                "from a backup or move it aside to start a new registry."
            ) from err
        self._lock = threading.RLock()
        self._in_transaction = False
        # Insertion order matters for determinism of some aggregates; keep it.
        self.execute("SET preserve_insertion_order = true")
        # Progress is reported by povlink per stage; the engine's own bar would garble it.
        self.execute("SET enable_progress_bar = false")
        if memory_limit is not None:
            self.execute(f"SET memory_limit = {quote_literal(memory_limit)}")
        if temp_directory is not None:
            self.execute(f"SET temp_directory = {quote_literal(str(temp_directory))}")
        if threads is not None:
            self.execute(f"SET threads = {int(threads)}")

    # -- lifecycle ---------------------------------------------------------------------------
    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- running SQL -------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[object] | None = None) -> None:
        """Run a statement for its effect."""
        with self._lock:
            self._con.execute(sql, params).fetchall()

    def query(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        """Run a query and return its result as a DataFrame."""
        with self._lock:
            return self._con.execute(sql, params).df()

    def rows(self, sql: str, params: Sequence[object] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return its rows as tuples."""
        with self._lock:
            return self._con.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[object] | None = None) -> Any:
        """Run a query that returns one value."""
        with self._lock:
            rows = self._con.execute(sql, params).fetchall()  # fetch all: DuckDB 2 needs it done
        return rows[0][0] if rows else None

    def arrow(self, sql: str, params: Sequence[object] | None = None) -> Any:
        """Run a query and return a ``pyarrow.Table`` (zero-copy where possible)."""
        with self._lock:
            if params is None:
                return self._con.sql(sql).to_arrow_table()
            return self._con.execute(sql, params).to_arrow_table()

    # -- tables ------------------------------------------------------------------------------
    def register(self, name: str, data: pd.DataFrame | Any) -> None:
        """Expose a DataFrame or Arrow table to SQL as a view named ``name``."""
        with self._lock:
            self._con.register(name, data)

    def unregister(self, name: str) -> None:
        with self._lock:
            self._con.unregister(name)

    def copy_table(self, source: Engine, sql: str, name: str, *, temporary: bool = False) -> None:
        """Create table ``name`` here from a query run on another engine (through Arrow).

        Splink runs in its own in-memory workspace engine: its internal statements may fail and
        retry, which would abort the registry's transaction if they ran inside it.
        """
        view = f"__copy_{name}"
        self.register(view, source.arrow(sql))
        try:
            self.create_table(name, f"SELECT * FROM {quote_identifier(view)}", temporary=temporary)
        finally:
            self.unregister(view)

    def create_table(self, name: str, sql: str, *, temporary: bool = False) -> None:
        """(Re)create table ``name`` from a query."""
        kind = "TEMP TABLE" if temporary else "TABLE"
        self.execute(f"CREATE OR REPLACE {kind} {quote_identifier(name)} AS {sql}")

    def drop_table(self, name: str) -> None:
        self.execute(f"DROP TABLE IF EXISTS {quote_identifier(name)}")

    def has_table(self, name: str) -> bool:
        n = self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        )
        return bool(n)

    def columns(self, name: str) -> list[str]:
        """Column names of the table or view ``name`` resolves to (temporary first), in order."""
        return [r[0] for r in self.rows(f"DESCRIBE SELECT * FROM {quote_identifier(name)}")]

    def count(self, name: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {quote_identifier(name)}"))

    # -- transactions ------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside happen together or not at all; nested use joins the outer one."""
        with self._lock:
            if self._in_transaction:
                yield
                return
            self._con.execute("BEGIN TRANSACTION")
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self._in_transaction = False
                self._con.execute("ROLLBACK")
                raise
            self._in_transaction = False
            self._con.execute("COMMIT")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file."""
        self.execute("CHECKPOINT")

    # -- file readers (DuckDB's own, only what ships in the wheel) ---------------------------
    @staticmethod
    def csv_relation(
        path: Path,
        *,
        delimiter: str | None = None,
        encoding: str = "utf-8",
        header: bool = True,
    ) -> str:
        """SQL for a csv file read with every column as text (a NIK never passes a float)."""
        opts = [
            "all_varchar = true",
            f"header = {'true' if header else 'false'}",
            f"encoding = {quote_literal(encoding)}",
            "strict_mode = true",
            "null_padding = false",
            "quote = '\"'",
            "escape = '\"'",
        ]
        if delimiter is not None:
            opts.append(f"delim = {quote_literal(delimiter)}")
        return f"read_csv({quote_literal(str(path))}, {', '.join(opts)})"

    @staticmethod
    def parquet_relation(path: Path) -> str:
        return f"read_parquet({quote_literal(str(path))})"

    @staticmethod
    def jsonl_relation(path: Path, text_columns: Sequence[str] | None = None) -> str:
        """SQL for a JSON-lines file; with ``text_columns``, each of them read as text."""
        columns = ""
        if text_columns is not None:
            spec = ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in text_columns)
            columns = f", columns = {{{spec}}}"
        return (
            f"read_json({quote_literal(str(path))}, format = 'newline_delimited', "
            f"records = true, sample_size = -1{columns})"
        )

    def write_csv(self, sql: str, path: Path) -> None:
        """Write a query's result to a csv file with a header (UTF-8, comma, quoted as needed)."""
        self.execute(
            f"COPY ({sql}) TO {quote_literal(str(path))} (FORMAT csv, HEADER true, DELIMITER ',')"
        )

    def write_parquet(self, sql: str, path: Path) -> None:
        self.execute(f"COPY ({sql}) TO {quote_literal(str(path))} (FORMAT parquet)")

    # -- Splink ------------------------------------------------------------------------------
    def splink_api(self) -> DuckDBAPI:
        """Splink's database API over this engine's connection."""
        from splink import DuckDBAPI

        return DuckDBAPI(connection=self._con)
