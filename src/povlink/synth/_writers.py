"""Writing lists byte-for-byte reproducibly: csv/tsv, xlsx, parquet, jsonl, and the project file.

Every value is text. Nothing carries a timestamp: the xlsx workbook has a fixed creation date and
its zip entries are dated 1980-01-01; parquet files carry no pandas metadata.

The xlsx writer builds the sheet's XML with Arrow string kernels, a whole column at a time, because
a cell-by-cell writer (xlsxwriter) needs about 20 µs a cell: 20 s for a city's KIP list alone.
The workbook is the minimal SpreadsheetML package (content types, relationships, workbook, one
sheet of inline strings, a bold header style), which Excel, LibreOffice, openpyxl and calamine read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from povlink.synth._lists import ListSpec
from povlink.synth._text import Text, join, texts, where

#: The fixed creation date written into xlsx document properties.
XLSX_CREATED: Final[dt.datetime] = dt.datetime(2024, 7, 1, 8, 0, 0)
_ZIP_DATE: Final[tuple[int, int, int, int, int, int]] = (1980, 1, 1, 0, 0, 0)


def _text_bytes(values: Text) -> bytes:
    """All values of a string array concatenated, straight from its data buffer."""
    arr = values.cast(pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = pc.fill_null(arr, "")
    if len(arr) == 0:
        return b""
    offsets = np.frombuffer(arr.buffers()[1], np.int32)[arr.offset : arr.offset + len(arr) + 1]
    data = arr.buffers()[2]
    return b"" if data is None else data.to_pybytes()[offsets[0] : offsets[-1]]


def write_csv(
    table: pa.Table, path: Path, *, delimiter: str = ",", encoding: str = "utf-8"
) -> None:
    """A header and one line per record; quotes only where a value needs them; ``\\n`` endings."""
    header = delimiter.join(table.column_names) + "\n"
    needs_quotes = any(
        pc.any(pc.match_substring_regex(col, f'[{delimiter}"\\n\\r]')).as_py()
        for col in table.columns
    ) or any(ch in header for ch in '"\r')
    if needs_quotes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
        writer.writerow(table.column_names)
        columns = [c.to_pylist() for c in table.columns]
        writer.writerows(zip(*columns, strict=True))
        path.write_bytes(buffer.getvalue().encode(encoding))
        return
    sink = io.BytesIO()
    options = pacsv.WriteOptions(include_header=False, delimiter=delimiter, quoting_style="none")
    pacsv.write_csv(table, sink, options)
    body = sink.getvalue()
    if encoding.replace("-", "").lower() not in ("utf8",):
        body = body.decode("utf-8").encode(encoding)
    path.write_bytes(header.encode(encoding) + body)


def write_parquet(table: pa.Table, path: Path) -> None:
    """A parquet file of string columns, without pandas metadata."""
    pq.write_table(
        table.replace_schema_metadata(None), path, compression="snappy", write_statistics=False
    )


def write_jsonl(table: pa.Table, path: Path) -> None:
    """One JSON object per line, keys in column order, non-ASCII kept as UTF-8."""
    lines = [json.dumps(row, ensure_ascii=False) for row in table.to_pylist()]
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")


def _column_letters(i: int) -> str:
    """Spreadsheet column name of the zero-based column ``i`` (A, B, …, Z, AA, …)."""
    name = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        name = chr(65 + rem) + name
    return name


def _xml_escape(values: Text) -> Text:
    out = pc.replace_substring(values, "&", "&amp;")
    out = pc.replace_substring(out, "<", "&lt;")
    return pc.replace_substring(out, ">", "&gt;")


def _sheet_xml(table: pa.Table) -> bytes:
    """The worksheet: a bold header row and one row of inline-string cells per record."""
    n = table.num_rows
    letters = [_column_letters(i) for i in range(table.num_columns)]
    header = "".join(
        f'<c r="{col}1" t="inlineStr" s="1"><is><t>{escape(name)}</t></is></c>'
        for col, name in zip(letters, table.column_names, strict=True)
    )
    row_numbers = pc.cast(pa.array(np.arange(2, n + 2, dtype=np.int64)), pa.string())
    cells: list[Text] = []
    for col, values in zip(letters, table.columns, strict=True):
        v = pc.fill_null(values.combine_chunks().cast(pa.string()), "")
        cell = join(
            f'<c r="{col}', row_numbers, '" t="inlineStr"><is><t>', _xml_escape(v), "</t></is></c>"
        )
        empty = pc.equal(v, "").to_numpy(zero_copy_only=False)
        cells.append(where(empty, "", cell))
    rows = join('<row r="', row_numbers, '">', *cells, "</row>") if n else texts([])
    return b"".join(
        [
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>",
            f'<row r="1">{header}</row>'.encode(),
            _text_bytes(rows),
            b"</sheetData></worksheet>",
        ]
    )


def _package_parts(sheet: str, created: dt.datetime) -> dict[str, str]:
    main = "http://schemas.openxmlformats.org"
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{main}/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{main}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{main}/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{main}/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/>'
            "</Relationships>"
        ),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<cp:coreProperties xmlns:cp="{main}/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:creator>povlink synth</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{main}/spreadsheetml/2006/main" '
            f'xmlns:r="{main}/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{main}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{main}/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{main}/officeDocument/2006/relationships/'
            'styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{main}/spreadsheetml/2006/main">'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            '<cellXfs count="2"><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            "</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
    }


def write_xlsx(table: pa.Table, path: Path, *, sheet: str = "Sheet1") -> None:
    """One sheet with a bold header; every cell is a text cell (as a clerk formats a NIK column)."""
    parts = {
        name: text.encode("utf-8") for name, text in _package_parts(sheet, XLSX_CREATED).items()
    }
    parts["xl/worksheets/sheet1.xml"] = _sheet_xml(table)
    order = [
        "[Content_Types].xml",
        "_rels/.rels",
        "docProps/core.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
    ]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in order:
            info = zipfile.ZipInfo(name, _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, parts[name], compresslevel=1)


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
