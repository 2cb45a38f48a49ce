"""Building the integration report: check the inputs, choose the reference list, run the figures.

The figures (:mod:`povlink.report._figures`) read ``standardised``, ``persons``, ``households`` and
``sources`` (see ``docs/tables.md``) and the region table through the working tables of
:mod:`povlink.report._working`, which exist only while :func:`build_report` runs.
"""

from __future__ import annotations

import datetime as dt
import os
from importlib import resources
from pathlib import Path

import pandas as pd

from povlink.engine import Engine
from povlink.exceptions import ConfigError, RegistryError
from povlink.report import _figures
from povlink.report._model import IntegrationReport
from povlink.report._working import WorkingTables

#: Columns of a region table (Kemendagri codes and names).
REGION_COLUMNS: tuple[str, ...] = (
    "kode_kecamatan",
    "nama_kecamatan",
    "kode_kelurahan",
    "nama_kelurahan",
)

_REQUIRED_TABLES: dict[str, tuple[str, ...]] = {
    "standardised": ("record_id", "source", "kelurahan_code", "kecamatan_code", "quality_flags"),
    "persons": ("record_id", "person_id"),
    "households": ("record_id", "household_id"),
    "sources": ("source", "agency", "program"),
}

RegionsArgument = pd.DataFrame | str | os.PathLike[str] | None


def build_report(
    engine: Engine,
    *,
    reference_source: str | None = None,
    regions: RegionsArgument = None,
) -> IntegrationReport:
    """Compute the integration report from the resolved tables in ``engine``.

    ``reference_source`` names the national register list (DTKS) that city programs are compared
    with; by default it is the source whose name or program mentions "dtks" (the first by name if
    several do, with a note). With no such source the DTKS figures are omitted, with a note.
    ``regions`` is the region table (a DataFrame, or a csv path) with columns
    ``kode_kecamatan, nama_kecamatan, kode_kelurahan, nama_kelurahan``; by default Kota Semarang's.

    Raises :class:`~povlink.exceptions.RegistryError` when a table the report needs is missing (the
    sources were not resolved) and :class:`~povlink.exceptions.ConfigError` when
    ``reference_source`` is not a source or ``regions`` lacks a column.
    """
    _check_tables(engine)
    region_table = _read_regions(regions)
    notes: list[str] = []
    source_names = [
        r[0]
        for r in engine.rows(
            "SELECT source FROM sources UNION SELECT source FROM standardised ORDER BY source"
        )
    ]
    reference = _choose_reference(engine, source_names, reference_source, notes)
    with WorkingTables(engine, region_table) as t:
        t.create_base(reference)
        _note_unresolved(engine, t, notes)
        return IntegrationReport(
            summary=_figures.summary(engine, t, reference),
            sources=_figures.sources(engine, t),
            overlap=_figures.overlap(engine, t),
            programs=_figures.programs(engine, t),
            program_combinations=_figures.program_combinations(engine, t),
            kecamatan=_figures.regions(engine, t, "kecamatan", reference),
            kelurahan=_figures.regions(engine, t, "kelurahan", reference),
            quality_by_field=_figures.quality_by_field(engine, t),
            quality_by_flag=_figures.quality_by_flag(engine, t),
            reference_source=reference,
            notes=tuple(notes),
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        )


# -- inputs -----------------------------------------------------------------------------------
def _check_tables(engine: Engine) -> None:
    problems = []
    for table, needed in _REQUIRED_TABLES.items():
        if not engine.has_table(table):
            problems.append(f"table '{table}' is missing")
            continue
        have = set(engine.columns(table))
        lacking = [c for c in needed if c not in have]
        if lacking:
            problems.append(f"table '{table}' lacks column(s) {', '.join(lacking)}")
    if problems:
        raise RegistryError(
            "cannot build the integration report: "
            + "; ".join(problems)
            + ". Resolve the sources first (`povlink resolve CONFIG`)."
        )


def _read_regions(regions: RegionsArgument) -> pd.DataFrame:
    if regions is None:
        source = resources.files("povlink").joinpath("data/semarang_wilayah.csv")
        with source.open("r", encoding="utf-8") as f:
            table = pd.read_csv(f, dtype=str, keep_default_na=False)
        where = "povlink's Semarang table"
    elif isinstance(regions, pd.DataFrame):
        table = regions
        where = "the regions DataFrame"
    else:
        table = pd.read_csv(Path(regions), dtype=str, keep_default_na=False)
        where = str(regions)
    lacking = [c for c in REGION_COLUMNS if c not in table.columns]
    if lacking:
        raise ConfigError(
            f"region table {where}: column(s) {', '.join(lacking)} not found; it has "
            f"{', '.join(map(str, table.columns))}. A region table needs "
            f"{', '.join(REGION_COLUMNS)}."
        )
    return table.loc[:, list(REGION_COLUMNS)].astype(str).drop_duplicates()


def _choose_reference(
    engine: Engine, source_names: list[str], requested: str | None, notes: list[str]
) -> str | None:
    if requested is not None:
        if requested not in source_names:
            raise ConfigError(
                f"reference source '{requested}' is not a source; the sources are "
                f"{', '.join(source_names) or '(none)'}"
            )
        return requested
    candidates: list[str] = [
        str(r[0])
        for r in engine.rows(
            "SELECT source FROM sources WHERE lower(source) LIKE '%dtks%' "
            "OR lower(coalesce(program, '')) LIKE '%dtks%' ORDER BY source"
        )
    ]
    if not candidates:
        notes.append(
            "No list is marked as the national register (DTKS): no source's name or program "
            "mentions DTKS, so the figures comparing city programs with DTKS are omitted. "
            "Name the DTKS list as the reference source to see them."
        )
        return None
    if len(candidates) > 1:
        notes.append(
            f"Several lists mention DTKS ({', '.join(candidates)}); '{candidates[0]}' is used as "
            "the national register. Name the reference source to choose another."
        )
    return candidates[0]


def _note_unresolved(engine: Engine, t: WorkingTables, notes: list[str]) -> None:
    no_person, no_household = engine.rows(
        "SELECT count(CASE WHEN person_id IS NULL THEN 1 END), "
        f"count(CASE WHEN household_id IS NULL THEN 1 END) FROM {t.rec}"
    )[0]
    for count, what in ((no_person, "person"), (no_household, "household")):
        if count:
            records = "1 record has" if count == 1 else f"{count:,} records have"
            notes.append(
                f"{records} no {what} ID and {'is' if count == 1 else 'are'} left out of the "
                f"{what} figures; resolve the sources again to include "
                f"{'it' if count == 1 else 'them'}."
            )
