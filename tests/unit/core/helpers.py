"""Small builders for project folders used by the core tests."""

from __future__ import annotations

from pathlib import Path


def write_project(folder: Path, sources: str, files: dict[str, str | bytes]) -> Path:
    """Write a project file with ``sources`` (TOML text) and the given files; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    config = folder / "povlink.toml"
    config.write_text('registry = "registry.duckdb"\n' + sources, encoding="utf-8")
    return config


DTKS_CSV = (
    "ID_ART,NIK,NAMA,TGL_LAHIR,KET\n"
    "1,3374014101850001,SITI AMINAH,01-01-1985,x\n"
    '2,3374010505800002,"BUDI, SANTOSO",05-05-1980,\n'
    "3,,Joko,1990-02-03,y\n"
)

DTKS_SOURCE = """
[[source]]
name = "dinsos_dtks"
path = "dtks.csv"
id_column = "ID_ART"
agency = "Dinas Sosial"
program = "PKH, BPNT"
[source.columns]
nik = "NIK"
full_name = "NAMA"
birth_date = "TGL_LAHIR"
"""
