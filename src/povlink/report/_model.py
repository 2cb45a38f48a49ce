"""The integration report as data: DataFrames on one frozen object, and its JSON form.

Definitions used throughout (a *list* is one agency source):

* A list **names** a person or household when at least one of its records belongs to it.
* A household's **programs** are the programs of the lists naming it. A list's ``program`` text may
  name several ("PKH, BPNT"); it is split on commas, slashes, semicolons and plus signs and
  upper-cased. Names of registers (DTKS, BDT, DTSEN, Regsosek, P3KE) are not programs: being on a
  register gives a family nothing by itself.
* A household is **reached by no program** when no list naming it has a program: it is known only
  to registers (the DTKS list, a population list) – a family the city knows of but does not serve.
* The **reference list** is the national register (DTKS). **City programs** are the programs of
  the other lists. *Program households not in the reference* are candidates to propose for the
  national register; *reference households without a program* are registered poor families no
  city program reaches.
* A household's **region** is the kelurahan most of its records give (ties: the smallest code);
  its kecamatan is that kelurahan's, or, when no record gives a kelurahan, the kecamatan most of its
  records give. Households whose records give neither are counted under an unknown region.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass(frozen=True, eq=False)
class IntegrationReport:
    """The figures the city is missing, each a DataFrame computed in the engine.

    ``summary`` (one row) – the city:
        ``records``; ``persons`` and ``households``: distinct persons and households over all
        lists; ``list_households``: the lists' household counts summed, i.e. households counted
        once per list naming them; ``overcount`` = ``list_households - households``, the
        households counted more than once when the agencies add up their lists (the founding
        study's finding); ``overcount_ratio`` = ``list_households / households``; ``lists``;
        ``program_lists``: lists with at least one program; the same over-count restricted to
        them – the agencies' targets, without registers such as DTKS or Regsosek that give
        nothing – as ``program_households`` (distinct households reached by a program),
        ``program_list_households``, ``program_overcount`` and ``program_overcount_ratio``;
        ``multi_list_households``: named by two lists or more; ``city_program_households``:
        reached by a city program; ``no_program_households``: reached by no program; with a
        reference list also ``reference_households``, ``program_households_not_in_reference`` and
        ``reference_households_without_program``.
    ``sources`` (one row per list):
        ``records``; ``persons`` and ``households``: distinct persons and households it names;
        ``duplicates`` = its records with a person ID minus its distinct persons (a person listed
        twice counts once); ``nik_missing``, ``nik_invalid``, ``nik_inconsistent``: records with at
        least one quality flag of that kind (see :mod:`povlink.report._flags`); ``singletons``:
        records linked to no other record at all, in this list or another (a person of one record).
    ``overlap`` (lists × lists):
        households named by both lists; the diagonal is each list's household count.
    ``programs`` (one row per program): the lists giving it and the distinct households reached.
    ``program_combinations``:
        households by the exact set of programs reaching them (``programs`` joined with " + ",
        empty for no program), with ``share`` of all households.
    ``kecamatan``, ``kelurahan``: the household counts of ``summary`` by the household's region,
        every region of the region table included (zero where no household lives).
    ``quality_by_field`` (one row per list and field with a problem):
        ``records`` with at least one flag on the field, ``rate`` of the list's records, the
        ``flags`` seen, and ``rank``: 1 is the field to fix first (most records affected; ties by
        the field's weight for linkage, the NIK first).
    ``quality_by_flag``: records and rate per list and flag code, with the code's ``description``
        (the standardiser's words; the report's own for ``<field>_missing``, an empty key field no
        flag explains).
    """

    summary: pd.DataFrame
    sources: pd.DataFrame
    overlap: pd.DataFrame
    programs: pd.DataFrame
    program_combinations: pd.DataFrame
    kecamatan: pd.DataFrame
    kelurahan: pd.DataFrame
    quality_by_field: pd.DataFrame
    quality_by_flag: pd.DataFrame
    reference_source: str | None
    notes: tuple[str, ...]
    generated_at: dt.datetime

    # -- headline figures ----------------------------------------------------------------------
    @property
    def persons(self) -> int:
        """Distinct persons over all lists."""
        return self._summary_int("persons")

    @property
    def households(self) -> int:
        """Distinct households over all lists."""
        return self._summary_int("households")

    @property
    def list_households(self) -> int:
        """The lists' household counts summed (a household counted once per list naming it)."""
        return self._summary_int("list_households")

    @property
    def overcount(self) -> int:
        """Households counted more than once when the lists are added up."""
        return self._summary_int("overcount")

    def _summary_int(self, column: str) -> int:
        value: Any = self.summary[column].iloc[0]
        return int(value)

    # -- output --------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON data (ints, floats, strings, lists, dicts; ``None`` for NaN).

        Keys: ``persons``, ``households`` and the other ``summary`` columns at the top level;
        ``sources`` maps each list to its row of ``sources`` (without the ``source`` column) plus
        its ``programs`` and ``quality`` (fields ranked); ``overlap`` maps list to list to
        households; ``programs``, ``program_combinations`` (``programs`` as a list),
        ``kecamatan``, ``kelurahan`` are lists of rows; ``reference_source``, ``notes`` and
        ``generated_at`` (ISO 8601, UTC).
        """
        out: dict[str, Any] = {
            str(column): _plain(self.summary[column].iloc[0]) for column in self.summary.columns
        }
        programs_of = {
            source: [p for p in _split_lists(row) if p]
            for source, row in _programs_by_source(self.programs).items()
        }
        quality = _records(self.quality_by_field)
        sources: dict[str, Any] = {}
        for row in _records(self.sources):
            name = row.pop("source")
            row["programs"] = programs_of.get(name, [])
            row["quality"] = [
                {**{k: v for k, v in q.items() if k != "source"}, "flags": q["flags"].split(", ")}
                for q in quality
                if q["source"] == name
            ]
            sources[name] = row
        out["sources"] = sources
        out["overlap"] = {
            str(a): {str(b): int(n) for b, n in row.items()} for a, row in self.overlap.iterrows()
        }
        out["programs"] = _records(self.programs)
        out["program_combinations"] = [
            {**row, "programs": [p for p in str(row["programs"]).split(" + ") if p]}
            for row in _records(self.program_combinations)
        ]
        out["kecamatan"] = _records(self.kecamatan)
        out["kelurahan"] = _records(self.kelurahan)
        out["quality_by_flag"] = _records(self.quality_by_flag)
        out["reference_source"] = self.reference_source
        out["notes"] = list(self.notes)
        out["generated_at"] = self.generated_at.isoformat()
        return out

    def to_html(self, path: str | Path, *, title: str = "Integration report") -> Path:
        """Write the report as one self-contained HTML page (no network needed); return its path."""
        from povlink.report._html import render_page

        target = Path(path)
        target.write_text(render_page(self, title=title), encoding="utf-8")
        return target


def _plain(value: Any) -> Any:
    """A JSON-ready Python value from a pandas/numpy scalar."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _programs_by_source(programs: pd.DataFrame) -> dict[str, str]:
    """Source name to the programs it gives, joined with ", " (from the ``programs`` table)."""
    by_source: dict[str, list[str]] = {}
    for program, lists in zip(programs["program"], programs["lists"], strict=True):
        for source in str(lists).split(", "):
            by_source.setdefault(source, []).append(str(program))
    return {s: ", ".join(sorted(p)) for s, p in by_source.items()}


def _split_lists(text: str) -> list[str]:
    return [part.strip() for part in text.split(",")]
