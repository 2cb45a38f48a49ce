"""Ingestion: every format read as text, the mapping applied, bad input refused clearly."""

from __future__ import annotations

import contextlib
import itertools
import json
from pathlib import Path

import pandas as pd
import pytest

from povlink.config import Source, SourceOptions
from povlink.engine import Engine
from povlink.exceptions import DataQualityWarning, SourceError
from povlink.ingest import file_content_hash, stage_source


def _stage(engine: Engine, source: Source, data: pd.DataFrame | None = None) -> pd.DataFrame:
    stage_source(engine, source, table="st", data=data)
    return engine.query("SELECT * FROM st ORDER BY row_number")


def _source(path: Path, **kw: object) -> Source:
    columns = kw.pop("columns", {"nik": "NIK", "full_name": "NAMA"})
    return Source.model_validate(
        {"name": "src", "path": path, "id_column": "ID", "columns": columns, **kw}
    )


def test_csv_values_stay_text(tmp_path: Path, engine: Engine) -> None:
    """A NIK with a leading zero or 16 digits is read exactly, never as a number."""
    path = tmp_path / "a.csv"
    path.write_text("ID,NIK,NAMA\n1,0374010101900001,Budi\n2,3374010101900001,Ani\n")
    frame = _stage(engine, _source(path))
    assert frame["nik"].tolist() == ["0374010101900001", "3374010101900001"]
    assert frame["record_id"].tolist() == ["src:1", "src:2"]


def test_latin1_semicolon_quoted_fields(tmp_path: Path, engine: Engine) -> None:
    """Any encoding and delimiter; quoted fields keep their delimiters."""
    path = tmp_path / "a.csv"
    path.write_bytes('ID;NIK;NAMA\n1;33;"Jos\xe9; Jr"\n'.encode("latin-1"))
    source = _source(path, options={"encoding": "latin-1", "delimiter": ";"})
    assert _stage(engine, source)["full_name"].tolist() == ["José; Jr"]


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-8"])
def test_a_known_file_hash_gives_the_same_staging(
    tmp_path: Path, engine: Engine, encoding: str
) -> None:
    """Given the hash of the file's bytes (as the registry computes it beforehand), staging
    neither computes it again nor stages anything else: same fingerprint, same rows."""
    path = tmp_path / "a.csv"
    path.write_bytes('ID,NIK,NAMA\n1,33,"Jos\xe9"\n2,34,Ani\n'.encode(encoding))
    source = _source(path, options={"encoding": encoding})
    staged = [
        stage_source(engine, source, table=f"st{i}", file_hash=known)
        for i, known in enumerate([None, file_content_hash(source)])
    ]
    assert staged[0].content_hash == staged[1].content_hash
    assert engine.rows("SELECT * FROM st0 ORDER BY ALL") == engine.rows(
        "SELECT * FROM st1 ORDER BY ALL"
    )


def test_latin1_file_with_control_bytes_is_read(tmp_path: Path, engine: Engine) -> None:
    """Bytes 0x80-0x9F are control characters in latin-1 (often cp1252 quotes in a file stated
    as latin-1); the engine's reader refuses them, so the file is transcoded and read as
    stated, not refused."""
    path = tmp_path / "a.csv"
    path.write_bytes(b"ID,NIK,NAMA\n1,33,Jos\xe9\n2,34,O\x92Neil\n")
    source = _source(path, options={"encoding": "latin-1"})
    assert _stage(engine, source)["full_name"].tolist() == ["José", "O\x92Neil"]


def test_encoding_the_engine_lacks_is_transcoded(tmp_path: Path, engine: Engine) -> None:
    """cp1252 (not native to the engine) is decoded in Python first."""
    path = tmp_path / "a.csv"
    path.write_bytes("ID,NIK,NAMA\n1,33,R\u00e9\u2019s\n".encode("cp1252"))
    assert _stage(engine, _source(path, options={"encoding": "cp1252"}))["full_name"].tolist() == [
        "Ré’s"
    ]


def test_undecodable_row_is_named(tmp_path: Path, engine: Engine) -> None:
    """A byte that is not valid in the stated encoding names its line and data row."""
    path = tmp_path / "a.csv"
    path.write_bytes(b"ID,NIK,NAMA\n1,33,Ani\n2,34,Jos\xe9\n")
    with pytest.raises(SourceError) as info:
        _stage(engine, _source(path))
    assert str(info.value).startswith(
        "source 'src': a.csv line 3 (data row 2) cannot be decoded as utf-8"
    )


def test_tsv_parquet_jsonl_and_dataframe(tmp_path: Path, engine: Engine) -> None:
    """Each format gives the same canonical text values."""
    frame = pd.DataFrame(
        {"ID": [1, 2], "NIK": [3374010101900001, 3374010101900002], "NAMA": ["a", "b"]}
    )
    tsv = tmp_path / "a.tsv"
    frame.to_csv(tsv, sep="\t", index=False)
    parquet = tmp_path / "a.parquet"
    frame.to_parquet(parquet)
    jsonl = tmp_path / "a.jsonl"
    frame.to_json(jsonl, orient="records", lines=True)
    expected = ["3374010101900001", "3374010101900002"]
    for path in (tsv, parquet, jsonl):
        assert _stage(engine, _source(path))["nik"].tolist() == expected, path
    assert _stage(engine, _source(tsv), data=frame)["nik"].tolist() == expected


def test_xlsx_whole_numbers_have_no_decimal_part(tmp_path: Path, engine: Engine) -> None:
    """A NIK typed into Excel as a number is read without '.0'; text cells stay text."""
    import xlsxwriter

    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("DATA")
    for r, row in enumerate(
        [["ID", "NIK", "NAMA"], [1, "3374010101900001", "Ani"], [2, 3374010101, "Budi"]]
    ):
        sheet.write_row(r, 0, row)
    book.close()
    frame = _stage(engine, _source(path, options={"sheet": "DATA"}))
    assert frame["nik"].tolist() == ["3374010101900001", "3374010101"]
    assert frame["record_id"].tolist() == ["src:1", "src:2"]


def test_joined_columns_and_extra_attributes(tmp_path: Path, engine: Engine) -> None:
    """A list of columns is joined with a space; unmapped columns are kept as JSON."""
    path = tmp_path / "a.csv"
    path.write_text("ID,DEPAN,BELAKANG,KET\n1,Siti,Aminah,janda\n2,Joko,,\n")
    frame = _stage(engine, _source(path, columns={"full_name": ["DEPAN", "BELAKANG"]}))
    assert frame["full_name"].tolist() == ["Siti Aminah", "Joko"]
    assert json.loads(frame["extra"][0]) == {"KET": "janda"}


def test_missing_mapped_column_lists_the_columns_it_has(tmp_path: Path, engine: Engine) -> None:
    """The error names the missing column and every column the file has."""
    path = tmp_path / "a.csv"
    path.write_text("ID,NIK,NAMA_LENGKAP\n1,33,x\n")
    with pytest.raises(SourceError) as info:
        _stage(engine, _source(path))
    assert str(info.value) == (
        "source 'src': column 'NAMA' not found in a.csv; the file has ID, NIK, NAMA_LENGKAP"
    )


def test_repeated_ids_are_named(tmp_path: Path, engine: Engine) -> None:
    """An id column that repeats values is refused, naming a few of them."""
    path = tmp_path / "a.csv"
    path.write_text("ID,NIK,NAMA\n7,1,a\n7,2,b\n8,3,c\n8,4,d\n8,5,e\n9,6,f\n")
    with pytest.raises(SourceError) as info:
        _stage(engine, _source(path))
    assert str(info.value) == (
        "source 'src': id column 'ID' repeats 2 value(s), e.g. '8' (3 times), '7' (2 times); "
        "each record needs a unique id (choose another id_column)"
    )


def test_empty_id_names_the_row(tmp_path: Path, engine: Engine) -> None:
    """An empty id is refused with its data row."""
    path = tmp_path / "a.csv"
    path.write_text("ID,NIK,NAMA\n1,1,a\n,2,b\n")
    with pytest.raises(SourceError, match=r"id column 'ID' is empty in data row\(s\) 2;"):
        _stage(engine, _source(path))


def test_empty_source_is_accepted_with_a_warning(tmp_path: Path, engine: Engine) -> None:
    """A list with a header and no rows warns and yields no records."""
    path = tmp_path / "a.csv"
    path.write_text("ID,NIK,NAMA\n")
    with pytest.warns(DataQualityWarning, match="source 'src': the list has no records"):
        frame = _stage(engine, _source(path))
    assert frame.empty


def test_unknown_encoding_is_explained(tmp_path: Path, engine: Engine) -> None:
    """An encoding Python does not know is named with examples of valid ones."""
    path = tmp_path / "a.csv"
    path.write_text("ID,NIK,NAMA\n1,2,3\n")
    source = _source(path).model_copy(update={"options": SourceOptions(encoding="klingon")})
    with pytest.raises(SourceError, match="unknown encoding 'klingon'"):
        _stage(engine, source)


def test_row_number_is_the_position_in_a_file_read_in_parallel(
    tmp_path: Path, engine: Engine
) -> None:
    """Rows read by several threads (many parquet row groups, a long csv) keep file order,
    also when read inside a transaction (as a run reads them)."""
    engine.execute("SET threads = 4")
    n = 60_000
    frame = pd.DataFrame(
        {"ID": [f"{i:06d}" for i in range(n)], "NIK": [str(i % 7) for i in range(n)], "NAMA": "a"}
    )
    parquet = tmp_path / "a.parquet"
    frame.to_parquet(parquet, row_group_size=1_000)
    csv = tmp_path / "a.csv"
    frame.to_csv(csv, index=False)
    for path, in_transaction in itertools.product((parquet, csv), (False, True)):
        context = engine.transaction() if in_transaction else contextlib.nullcontext()
        with context:
            stage_source(engine, _source(path), table="st")
            mismatched = engine.scalar(
                "SELECT count(*) FROM st WHERE record_id <> 'src:' || lpad(CAST(row_number - 1 "
                "AS VARCHAR), 6, '0')"
            )
            assert (mismatched, engine.count("st")) == (0, n), (path, in_transaction)
            # The staging table itself is in file order: storing it keeps rows in that order.
            numbers = engine.rows("SELECT row_number FROM st")
            assert [r[0] for r in numbers] == list(range(1, n + 1)), (path, in_transaction)


def test_xlsx_text_columns_keep_blanks_as_missing(tmp_path: Path, engine: Engine) -> None:
    """Empty cells are missing in text columns as in mixed ones; dates and flags become text."""
    import datetime as dt

    import xlsxwriter

    path = tmp_path / "a.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("DATA")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["ID", "NIK", "NAMA", "LAHIR", "AKTIF"])
    sheet.write_row(1, 0, ["1", "3374", "Ani"])
    sheet.write_datetime(1, 3, dt.datetime(1990, 5, 17), date_format)
    sheet.write_boolean(1, 4, True)
    sheet.write_row(2, 0, ["2", 3374.0, ""])
    book.close()
    source = _source(path, options={"sheet": "DATA"})
    frame = _stage(engine, source)
    assert frame["nik"].tolist() == ["3374", "3374"]
    assert frame["full_name"].tolist()[0] == "Ani"
    assert pd.isna(frame["full_name"].tolist()[1])
    extras = [json.loads(e) for e in frame["extra"]]
    assert extras[0] == {"LAHIR": "1990-05-17", "AKTIF": "True"}
    assert extras[1] == {"LAHIR": None, "AKTIF": None}


def test_a_changed_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingesting a new parquet file hashes its bytes once, for the unchanged check and the
    version alike."""
    from povlink import ingest
    from povlink.registry import Registry

    path = tmp_path / "a.parquet"
    pd.DataFrame({"ID": ["1", "2"], "NIK": ["3", "4"], "NAMA": ["a", "b"]}).to_parquet(path)
    hashed: list[Path] = []
    real_hash = ingest._hash_file

    def counting_hash(p: Path) -> str:
        hashed.append(p)
        return real_hash(p)

    monkeypatch.setattr(ingest, "_hash_file", counting_hash)
    with Registry(":memory:") as registry, registry.run("ingest") as run:
        version = registry.ingest(run, _source(path))
    assert (version.n_added, hashed) == (2, [path])


def test_text_checks_hold_across_read_chunks(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A character split between two reads is decoded, and a bad byte or a latin-1 control
    byte after reads of plain ASCII is still found."""
    from povlink import ingest

    monkeypatch.setattr(ingest, "_CHUNK", 16)
    path = tmp_path / "a.csv"
    for pad in range(16):  # the two bytes of é fall on every offset of a read in turn
        name = "x" * pad + "Jos\u00e9"
        path.write_bytes(f"ID,NIK,NAMA\n1,33,{name}\n2,34,Ani Budi Wati\n".encode())
        assert _stage(engine, _source(path))["full_name"].tolist() == [name, "Ani Budi Wati"]
    ascii_rows = "".join(f"{i},3{i},Ani Budi Wati\n" for i in range(1, 5)).encode()
    path.write_bytes(b"ID,NIK,NAMA\n" + ascii_rows + b"5,37,Bad\xe9 here\n")
    with pytest.raises(SourceError, match=r"a\.csv line 6 \(data row 5\) cannot be decoded"):
        _stage(engine, _source(path))
    path.write_bytes(b"ID,NIK,NAMA\n" + ascii_rows + b"5,35,O\x92Neil\n")
    frame = _stage(engine, _source(path, options={"encoding": "latin-1"}))
    assert frame["full_name"].tolist()[-1] == "O\x92Neil"
