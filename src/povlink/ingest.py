"""Read one agency list into the engine as canonical raw columns plus its extra columns.

Every value is read as text, so that a NIK never passes through a float. Bulk reading uses the
engine's own readers (csv/tsv, parquet, jsonl); only xlsx goes through a Python reader
(``python-calamine``), because DuckDB's Excel reader is an extension that must be downloaded.

The result is a staging table with one row per input row::

    record_id, source, row_number, <canonical raw fields...>, extra, row_hash

``record_id`` is ``"<source>:<the agency's own id>"``; ``extra`` is a JSON object of the columns the
mapping does not use; ``row_hash`` changes exactly when any value of the row changes. Nothing is
written outside that staging table, so a failure here cannot touch the registry.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import itertools
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from povlink.config import Source
from povlink.engine import Engine, EngineError, quote_identifier, quote_literal
from povlink.exceptions import DataQualityWarning, SourceError
from povlink.schema import CANONICAL_FIELDS

__all__ = [
    "StagedSource",
    "drop_staged",
    "file_content_hash",
    "file_fingerprint",
    "is_workbook",
    "read_workbook",
    "source_fingerprint",
    "stage_source",
]

#: Encodings DuckDB's csv reader decodes itself; anything else is transcoded to UTF-8 first.
_NATIVE_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "iso8859-1": "latin-1"}
#: Every byte but 0x80-0x9F: deleting these leaves a chunk's C1 control characters, which
#: DuckDB's latin-1 reader refuses (Windows files stated as latin-1 often hold cp1252 quotes or
#: the euro sign there). ``bytes.translate`` finds them several times faster than a regex.
_NOT_C1_CONTROLS = bytes(b for b in range(256) if not 0x80 <= b <= 0x9F)
_CHUNK = 1 << 22  # bytes read at a time when hashing and checking a file's encoding


@dataclass(frozen=True)
class StagedSource:
    """A source read into a staging table of the engine."""

    source: str
    table: str
    n_records: int
    content_hash: str
    columns: tuple[str, ...]


def stage_source(
    engine: Engine,
    source: Source,
    *,
    table: str,
    data: pd.DataFrame | None = None,
    file_hash: str | None = None,
    workbook: pa.Table | None = None,
) -> StagedSource:
    """Read ``source`` (its file, or ``data`` when given) into the staging table ``table``.

    ``file_hash`` is the hash of the file's bytes when the caller has already read them (as
    :func:`file_content_hash`), so that a parquet, jsonl or xlsx file is not read twice.
    ``workbook`` is the worksheet of an xlsx source when the caller has already read it with
    :func:`read_workbook` (in a thread of its own, say, while the engine reads other files).

    The file is read once, straight into a table: no untouched copy of it is kept in between.
    ``table`` is a view of it that numbers the rows; drop both with :func:`drop_staged`.

    Raises :class:`SourceError` naming the source and the row or column for: a missing file, a
    file that cannot be decoded in the stated encoding, a mapped column the file lacks, an empty
    or repeated id. An empty source is accepted with a :class:`DataQualityWarning`.
    """
    with contextlib.ExitStack() as cleanup:
        tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="povlink-")))
        relation, content_hash = _raw_relation(
            engine, source, data, tmp, file_hash, workbook, cleanup
        )
        columns = tuple(_column_names(engine, source, relation))
        _check_columns(source, columns)
        _read(engine, source, _rows_table(table), _canonical_select(source, relation, columns))
    _number_rows(engine, table)
    n = engine.count(table)
    _check_ids(engine, source, table)
    if n == 0:
        warnings.warn(
            f"source {source.name!r}: the list has no records", DataQualityWarning, stacklevel=2
        )
    return StagedSource(source.name, table, n, source_fingerprint(source, content_hash), columns)


def drop_staged(engine: Engine, table: str) -> None:
    """Drop the staging ``table`` of :func:`stage_source` (a view) and the table it reads."""
    engine.execute(f"DROP VIEW IF EXISTS {quote_identifier(table)}")
    engine.drop_table(_rows_table(table))


def _rows_table(table: str) -> str:
    return f"{table}__rows"


def _number_rows(engine: Engine, table: str) -> None:
    """Make ``table`` a view of the rows read, numbered in file order from 1.

    The rows were stored in the order the reader yielded them (the engine preserves insertion
    order, also when several threads read), so a row's position in storage is its position in
    the file: its ``rowid`` less the first one (which is not 0 for a table written inside an
    open transaction). Numbering them while reading (``row_number() OVER ()``) made the engine
    read on one thread: 2.8 s instead of 1.8 s for the whole-city register's 1.7 million rows.
    """
    rows = quote_identifier(_rows_table(table))
    engine.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_identifier(table)} AS SELECT record_id, source, "
        f"CAST(rowid - (SELECT min(rowid) FROM {rows}) + 1 AS BIGINT) AS row_number, "
        f"* EXCLUDE (record_id, source) FROM {rows}"
    )


def source_fingerprint(source: Source, content_hash: str) -> str:
    """A hash of everything that decides what ``source`` stages: the content read (``content_hash``,
    the file's bytes or the DataFrame's values), the id column, the mapping and how the file is
    decoded and split. Two reads with the same fingerprint stage the same records."""
    mapping = sorted(source.mapped_columns().items())
    o = source.options
    how = f"{o.encoding}|{o.delimiter}|{o.sheet}"
    return hashlib.sha256(f"{content_hash}|{source.id_column}|{mapping}|{how}".encode()).hexdigest()


def file_fingerprint(source: Source) -> str | None:
    """:func:`source_fingerprint` of the source's file without reading it into the engine (one
    pass over its bytes), or None when the source has no readable file."""
    file_hash = file_content_hash(source)
    return None if file_hash is None else source_fingerprint(source, file_hash)


def file_content_hash(source: Source) -> str | None:
    """The hash of the source file's bytes (one pass over them), or None when the source has no
    readable file. Give it to :func:`stage_source` so that the file is not hashed again."""
    path = source.path
    if path is None or not path.is_file():
        return None
    return _hash_file(path)


# -- reading ------------------------------------------------------------------------------------
def _raw_relation(
    engine: Engine,
    source: Source,
    data: pd.DataFrame | None,
    tmp: Path,
    file_hash: str | None,
    workbook: pa.Table | None,
    cleanup: contextlib.ExitStack,
) -> tuple[str, str]:
    """SQL for the untouched rows (all text) in file order, and a hash of the content.

    Nothing is copied: the engine reads the file while the staging table is made. A DataFrame
    or worksheet is exposed as a view that ``cleanup`` removes.
    """
    if data is not None:
        frame = data.astype("string")
        frame.columns = [str(c) for c in frame.columns]
        content_hash = hashlib.sha256(
            pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()
            + "|".join(frame.columns).encode()
        ).hexdigest()
        table = pa.Table.from_pandas(frame, preserve_index=False)
        return _register(engine, source, table, cleanup), content_hash
    path = source.path
    if path is None:
        raise SourceError(f"source {source.name!r} has no path and no DataFrame was given")
    if not path.exists():
        raise SourceError(f"source {source.name!r}: file {path} not found")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        # Decoding is checked in Python (for a clear message), hashing the bytes on the way.
        content_hash, readable = _check_text_file(source, path, tmp, file_hash)
        delimiter = source.options.delimiter or ("\t" if suffix == ".tsv" else None)
        encoding = _NATIVE_ENCODINGS.get(codecs.lookup(source.options.encoding).name, "utf-8")
        if readable != path:
            encoding = "utf-8"
        return engine.csv_relation(readable, delimiter=delimiter, encoding=encoding), content_hash
    content_hash = file_hash if file_hash is not None else _hash_file(path)
    if suffix == ".parquet":
        relation = _all_text(engine, source, engine.parquet_relation(path))
    elif suffix in (".jsonl", ".ndjson"):
        names = _column_names(engine, source, engine.jsonl_relation(path))
        relation = engine.jsonl_relation(path, names)
    elif suffix == ".xlsx":
        sheet = workbook if workbook is not None else read_workbook(source)
        relation = _register(engine, source, sheet, cleanup)
    else:  # the config validator already refuses other suffixes
        raise SourceError(f"source {source.name!r}: unsupported file type {suffix!r}")
    return relation, content_hash


def _read(engine: Engine, source: Source, table: str, sql: str) -> None:
    """Create ``table`` from ``sql``, which reads the file: an engine error is a reading error."""
    try:
        engine.create_table(table, sql, temporary=True)
    except EngineError as err:
        first_line = str(err).splitlines()[0]
        raise SourceError(
            f"source {source.name!r}: cannot read {source.path}: {first_line}"
        ) from err


def _register(
    engine: Engine, source: Source, table: pa.Table, cleanup: contextlib.ExitStack
) -> str:
    view = f"__raw_{source.name}_arrow"
    engine.register(view, table)
    cleanup.callback(engine.unregister, view)
    return quote_identifier(view)


def _column_names(engine: Engine, source: Source, relation: str) -> list[str]:
    try:
        return [r[0] for r in engine.rows(f"DESCRIBE SELECT * FROM {relation}")]
    except EngineError as err:
        first_line = str(err).splitlines()[0]
        raise SourceError(
            f"source {source.name!r}: cannot read {source.path}: {first_line}"
        ) from err


def _all_text(engine: Engine, source: Source, relation: str) -> str:
    """``relation`` with every column cast to text (parquet is typed), as a subquery."""
    names = _column_names(engine, source, relation)
    casts = ", ".join(
        f"CAST({quote_identifier(n)} AS VARCHAR) AS {quote_identifier(n)}" for n in names
    )
    return f"(SELECT {casts} FROM {relation})"


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_text_file(
    source: Source, path: Path, tmp: Path, file_hash: str | None = None
) -> tuple[str, Path]:
    """Hash a text file and check that it decodes in its stated encoding, in one pass.

    Returns the hash and the path the engine should read: the file itself when the engine can
    decode its encoding, otherwise a UTF-8 copy. A hash already known (``file_hash``, of the
    same bytes) is not computed again.
    """
    try:
        codec = codecs.lookup(source.options.encoding)
    except LookupError:
        raise SourceError(
            f"source {source.name!r}: unknown encoding {source.options.encoding!r} in "
            "[source.options]; use a Python codec name such as 'utf-8', 'latin-1' or 'cp1252'"
        ) from None
    native = codec.name in _NATIVE_ENCODINGS
    latin1, c1_controls = codec.name == "iso8859-1", False
    decoder = codec.incrementaldecoder("strict")
    digest = hashlib.sha256()
    copy_path = tmp / f"{source.name}.utf8.csv"
    line = 1
    with (
        path.open("rb") as f,
        copy_path.open("w", encoding="utf-8", newline="") if not native else _NullWriter() as out,
    ):
        while chunk := f.read(_CHUNK):
            if file_hash is None:
                digest.update(chunk)
            if latin1:  # every byte is a latin-1 character: only C1 controls need a look
                c1_controls = c1_controls or (
                    not chunk.isascii() and bool(chunk.translate(None, _NOT_C1_CONTROLS))
                )
                continue
            if native and chunk.isascii() and not decoder.getstate()[0]:
                line += chunk.count(b"\n")  # ASCII is valid UTF-8 and no copy is written
                continue
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as err:
                bad_line = line + chunk[: err.start].count(b"\n")
                raise SourceError(
                    f"source {source.name!r}: {path.name} line {bad_line} (data row "
                    f"{bad_line - 1}) cannot be decoded as {source.options.encoding}: "
                    f"byte {chunk[err.start : err.start + 1]!r}; set options.encoding to the "
                    "file's real encoding (for example 'latin-1' or 'cp1252')"
                ) from None
            line += chunk.count(b"\n")
            out.write(text)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            raise SourceError(
                f"source {source.name!r}: {path.name} ends in the middle of a "
                f"{source.options.encoding} character (line {line})"
            ) from None
    if c1_controls:  # DuckDB refuses these bytes in latin-1 text: transcode after all
        with (
            path.open("r", encoding="latin-1", newline="") as f,
            copy_path.open("w", encoding="utf-8", newline="") as out_copy,
        ):
            while text := f.read(_CHUNK):
                out_copy.write(text)
        native = False
    return file_hash or digest.hexdigest(), (path if native else copy_path)


class _NullWriter:
    """A file-like sink for when no transcoded copy is needed."""

    def write(self, text: str) -> int:
        return len(text)

    def __enter__(self) -> _NullWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def is_workbook(source: Source) -> bool:
    """Whether ``source`` is read from an xlsx file (by :func:`read_workbook`)."""
    return source.path is not None and source.path.suffix.lower() == ".xlsx"


def read_workbook(source: Source) -> pa.Table:
    """Read the worksheet of an xlsx source as text; whole numbers lose their decimal part.

    The reader (calamine, in Rust) releases the GIL, so a workbook can be read in a thread
    while the engine reads other files. Raises :class:`SourceError` naming the source for a
    missing sheet or a damaged workbook.
    """
    from python_calamine import CalamineWorkbook

    path = source.path
    if path is None:
        raise SourceError(f"source {source.name!r} has no path to read a workbook from")
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet_option = source.options.sheet
        sheet_names: list[str] = list(book.sheet_names)
        if isinstance(sheet_option, str) and sheet_option not in sheet_names:
            raise SourceError(
                f"source {source.name!r}: sheet {sheet_option!r} not found in {path.name}; "
                f"it has {', '.join(sheet_names)}"
            )
        sheet = (
            book.get_sheet_by_name(sheet_option)
            if isinstance(sheet_option, str)
            else book.get_sheet_by_index(sheet_option or 0)
        )
        rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
    except SourceError:
        raise
    except Exception as err:  # calamine raises its own untyped errors for damaged workbooks
        raise SourceError(f"source {source.name!r}: cannot read workbook {path}: {err}") from err
    if not rows:
        return pa.table({})
    header = [_cell_text(h) or f"column_{i + 1}" for i, h in enumerate(rows[0])]
    body = rows[1:]
    by_column = list(itertools.zip_longest(*body)) if body else []
    return pa.table(
        {
            name: _column_text(by_column[i] if i < len(by_column) else (None,) * len(body))
            for i, name in enumerate(header)
        }
    )


def _column_text(values: Sequence[object]) -> pa.Array:
    """One worksheet column as text, as :func:`_cell_text` writes each cell.

    A column of text cells (the usual case) is converted by Arrow in one call; a column with
    numbers, dates or booleans goes cell by cell.
    """
    try:
        array = pa.array(values)
    except pa.ArrowException:  # mixed kinds of cell: Arrow cannot infer one type
        array = None
    if array is not None and (pa.types.is_string(array.type) or pa.types.is_null(array.type)):
        text = array.cast(pa.string())
        return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    return pa.array([_cell_text(v) for v in values], pa.string())


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


# -- mapping ------------------------------------------------------------------------------------
def _check_columns(source: Source, columns: tuple[str, ...]) -> None:
    have = set(columns)
    wanted = [source.id_column] + [c for cols in source.mapped_columns().values() for c in cols]
    missing = [c for c in dict.fromkeys(wanted) if c not in have]
    if missing:
        which = ", ".join(repr(c) for c in missing)
        noun = "column" if len(missing) == 1 else "columns"
        raise SourceError(
            f"source {source.name!r}: {noun} {which} not found in {_where(source)}; "
            f"the file has {', '.join(columns) or 'no columns'}"
        )


def _where(source: Source) -> str:
    return source.path.name if source.path is not None else "the DataFrame"


def _canonical_select(source: Source, relation: str, columns: tuple[str, ...]) -> str:
    mapped = source.mapped_columns()
    used = {source.id_column} | {c for cols in mapped.values() for c in cols}
    fields = []
    for field in CANONICAL_FIELDS:
        cols = mapped.get(field)
        if cols is None:
            expr = "CAST(NULL AS VARCHAR)"
        elif len(cols) == 1:
            expr = quote_identifier(cols[0])
        else:
            joined = ", ".join(quote_identifier(c) for c in cols)
            expr = f"NULLIF(concat_ws(' ', {joined}), '')"
        fields.append(f"{expr} AS {field}")
    extra_cols = [c for c in columns if c not in used]
    extra = (
        "CAST(json_object("
        + ", ".join(f"{quote_literal(c)}, {quote_identifier(c)}" for c in extra_cols)
        + ") AS VARCHAR)"
        if extra_cols
        else "CAST(NULL AS VARCHAR)"
    )
    all_values = ", ".join(
        f"coalesce({quote_identifier(c)}, chr(0))" for c in columns
    )  # chr(0) keeps NULL apart from ''
    row_hash = f"md5(concat_ws(chr(31), {all_values}))" if columns else "md5('')"
    record_id = f"{_id_prefix(source)} || trim({quote_identifier(source.id_column)})"
    return (
        f"SELECT {record_id} AS record_id, {quote_literal(source.name)} AS source, "
        f"{', '.join(fields)}, {extra} AS extra, {row_hash} AS row_hash FROM {relation}"
    )


def _id_prefix(source: Source) -> str:
    return quote_literal(source.name + ":")


def _check_ids(engine: Engine, source: Source, table: str) -> None:
    # record_id is '<source>:' || trim(id): NULL for a NULL id, the bare prefix for a blank one.
    t, prefix = quote_identifier(table), _id_prefix(source)
    empty = engine.rows(
        f"SELECT row_number FROM {t} WHERE record_id IS NULL OR record_id = {prefix} "
        "ORDER BY row_number LIMIT 5"
    )
    if empty:
        rows = ", ".join(str(r[0]) for r in empty)
        raise SourceError(
            f"source {source.name!r}: id column {source.id_column!r} is empty in data row(s) "
            f"{rows}; every record needs its own id"
        )
    repeated = engine.rows(
        f"SELECT substring(record_id, {len(source.name) + 2}), count(*) FROM {t} "
        "GROUP BY record_id HAVING count(*) > 1 ORDER BY 2 DESC, record_id LIMIT 5"
    )
    if repeated:
        total = engine.scalar(
            f"SELECT count(*) FROM (SELECT 1 FROM {t} GROUP BY record_id HAVING count(*) > 1)"
        )
        shown = ", ".join(f"{v!r} ({n} times)" for v, n in repeated)
        raise SourceError(
            f"source {source.name!r}: id column {source.id_column!r} repeats {total} value(s), "
            f"e.g. {shown}; each record needs a unique id (choose another id_column)"
        )
