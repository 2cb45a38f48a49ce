"""Writing lists byte-for-byte reproducibly: csv/tsv, xlsx, parquet, jsonl, and the project file.

Every value is text. Files carry no timestamps: the xlsx's creation date is fixed and its zip
entries are dated 1980-01-01 (xlsxwriter in memory mode), parquet files have no pandas metadata.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter  # type: ignore[import-untyped]  # ships no type information

from povlink.synth._lists import ListSpec

#: The fixed creation date written into xlsx document properties.
XLSX_CREATED: Final[dt.datetime] = dt.datetime(2024, 7, 1, 8, 0, 0)


def _rows(table: pa.Table) -> list[list[str]]:
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return [list(r) for r in zip(*columns, strict=True)]


def write_csv(
    table: pa.Table, path: Path, *, delimiter: str = ",", encoding: str = "utf-8"
) -> None:
    """A header and one line per record; quotes only where a value needs them; ``\\n`` endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(table.column_names)
    writer.writerows(_rows(table))
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_parquet(table: pa.Table, path: Path) -> None:
    """A parquet file of string columns, without pandas metadata."""
    pq.write_table(table.replace_schema_metadata(None), path, compression="zstd")


def write_jsonl(table: pa.Table, path: Path) -> None:
    """One JSON object per line, keys in column order, non-ASCII kept as UTF-8."""
    names = table.column_names
    lines = [
        json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) for row in _rows(table)
    ]
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")


def write_xlsx(table: pa.Table, path: Path, *, sheet: str = "Sheet1") -> None:
    """One sheet, a bold header, every cell a text cell (as a clerk formats a NIK column)."""
    workbook = xlsxwriter.Workbook(
        str(path), {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    workbook.set_properties({"created": XLSX_CREATED, "author": "povlink synth"})
    worksheet = workbook.add_worksheet(sheet)
    bold = workbook.add_format({"bold": True})
    worksheet.write_row(0, 0, table.column_names, bold)
    for r, row in enumerate(_rows(table), start=1):
        for c, value in enumerate(row):
            worksheet.write_string(r, c, value)
    workbook.close()


def write_list(spec: ListSpec, table: pa.Table, out_dir: Path) -> Path:
    """Write one list in its file type, encoding and delimiter; returns the path."""
    path = out_dir / spec.filename
    suffix = path.suffix
    if suffix in (".csv", ".tsv"):
        write_csv(
            table,
            path,
            delimiter=spec.options.get("delimiter", "\t" if suffix == ".tsv" else ","),
            encoding=spec.options.get("encoding", "utf-8"),
        )
    elif suffix == ".parquet":
        write_parquet(table, path)
    elif suffix == ".jsonl":
        write_jsonl(table, path)
    elif suffix == ".xlsx":
        write_xlsx(table, path, sheet=spec.options.get("sheet", "Sheet1"))
    else:
        raise ValueError(f"list {spec.name}: unsupported file type {suffix!r}")
    return path


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def project_file(specs: Sequence[ListSpec], *, registry: str = "registry.duckdb") -> str:
    """The ``povlink.toml`` that maps every list (the architecture.md project-file contract)."""
    lines = [
        "# Written by povlink synth: every agency list of the synthetic city, mapped onto the",
        "# canonical fields. `povlink resolve povlink.toml` runs it as it is.",
        f"registry = {_toml_string(registry)}",
    ]
    for spec in specs:
        lines += [
            "",
            "[[source]]",
            f"name = {_toml_string(spec.name)}",
            f"path = {_toml_string(spec.filename)}",
            f"id_column = {_toml_string(spec.id_column)}",
            f"agency = {_toml_string(spec.agency)}",
            f"program = {_toml_string(spec.program)}",
            "[source.columns]",
        ]
        for canonical, column in spec.mapping.items():
            if isinstance(column, list):
                rendered = "[" + ", ".join(_toml_string(c) for c in column) + "]"
            else:
                rendered = _toml_string(column)
            lines.append(f"{canonical} = {rendered}")
        if spec.options:
            lines.append("[source.options]")
            lines += [f"{k} = {_toml_string(v)}" for k, v in spec.options.items()]
    return "\n".join(lines) + "\n"
