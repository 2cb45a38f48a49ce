"""The official region table: kecamatan and kelurahan names with their Kemendagri codes.

The table is data, not code. povlink ships Kota Semarang's (``povlink/data/semarang_wilayah.csv``,
16 kecamatan, 177 kelurahan); another city passes its own csv of the same layout::

    kode_kecamatan,nama_kecamatan,kode_kelurahan,nama_kelurahan
    33.74.01,Semarang Tengah,33.74.01.1001,Miroto

>>> regions = load_regions()
>>> len(regions.rows), len({r.kecamatan_code for r in regions.rows})
(177, 16)
>>> regions.kelurahan_codes_named("Purwosari")
('33.74.02.1004', '33.74.14.1005')
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

import pandas as pd

from povlink.exceptions import ConfigError

__all__ = ["REGION_COLUMNS", "RegionRow", "RegionTable", "load_regions"]

#: The columns a region csv must have, in this order.
REGION_COLUMNS: Final[tuple[str, ...]] = (
    "kode_kecamatan",
    "nama_kecamatan",
    "kode_kelurahan",
    "nama_kelurahan",
)

_KECAMATAN_CODE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}")
_KELURAHAN_CODE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One kelurahan (or desa) and the kecamatan it lies in."""

    kecamatan_code: str
    kecamatan_name: str
    kelurahan_code: str
    kelurahan_name: str


@dataclass(frozen=True, slots=True)
class RegionTable:
    """The kelurahan of a city with their kecamatan, as the standardisation matches them."""

    rows: tuple[RegionRow, ...]
    origin: str = "<memory>"

    def to_frame(self) -> pd.DataFrame:
        """The rows as a DataFrame with the csv's column names."""
        return pd.DataFrame(
            [
                (r.kecamatan_code, r.kecamatan_name, r.kelurahan_code, r.kelurahan_name)
                for r in self.rows
            ],
            columns=list(REGION_COLUMNS),
            dtype="string",
        )

    def kelurahan_codes_named(self, name: str) -> tuple[str, ...]:
        """Codes of every kelurahan whose name is ``name`` (case-insensitive), sorted."""
        wanted = name.strip().casefold()
        return tuple(
            sorted(r.kelurahan_code for r in self.rows if r.kelurahan_name.casefold() == wanted)
        )


def _parse(text: str, origin: str) -> RegionTable:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != REGION_COLUMNS:
        raise ConfigError(
            f"region table {origin}: the header must be {','.join(REGION_COLUMNS)}; "
            f"found {','.join(header or [])!r}"
        )
    problems: list[str] = []
    rows: list[RegionRow] = []
    seen: set[str] = set()
    for line, record in enumerate(reader, start=2):
        if not any(field.strip() for field in record):
            continue
        if len(record) != len(REGION_COLUMNS):
            problems.append(f"line {line}: {len(record)} fields, expected {len(REGION_COLUMNS)}")
            continue
        kec_code, kec_name, kel_code, kel_name = (field.strip() for field in record)
        if not _KECAMATAN_CODE.fullmatch(kec_code):
            problems.append(f"line {line}: kecamatan code {kec_code!r} is not like 33.74.01")
        if not _KELURAHAN_CODE.fullmatch(kel_code) or not kel_code.startswith(kec_code + "."):
            problems.append(f"line {line}: kelurahan code {kel_code!r} is not like {kec_code}.1001")
        if not kec_name or not kel_name:
            problems.append(f"line {line}: a name is empty")
        if kel_code in seen:
            problems.append(f"line {line}: kelurahan code {kel_code} repeats")
        seen.add(kel_code)
        rows.append(RegionRow(kec_code, kec_name, kel_code, kel_name))
    if not rows and not problems:
        problems.append("no rows")
    if problems:
        raise ConfigError(
            f"region table {origin} is invalid: {'; '.join(problems[:5])}"
            + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""),
            problems,
        )
    return RegionTable(rows=tuple(rows), origin=origin)


@functools.lru_cache(maxsize=1)
def _packaged() -> RegionTable:
    resource = resources.files("povlink").joinpath("data", "semarang_wilayah.csv")
    return _parse(resource.read_text(encoding="utf-8"), "povlink/data/semarang_wilayah.csv")


def load_regions(path: str | Path | None = None) -> RegionTable:
    """Read a region table; without ``path``, the packaged Kota Semarang table.

    Raises :class:`~povlink.exceptions.ConfigError` naming every problem of a malformed file.
    """
    if path is None:
        return _packaged()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise ConfigError(f"region table {file}: cannot be read ({err.strerror})") from err
    return _parse(text, str(file))
