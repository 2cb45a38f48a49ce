"""Generate a whole synthetic city on disk: agency lists, truth, project file and metadata."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from povlink.synth._catalogue import list_specs
from povlink.synth._lists import AgencyList, City, ListSpec, build_list
from povlink.synth._population import POOR_DECILES, T0, T1, Population, generate_population
from povlink.synth._rates import DamageRates
from povlink.synth._writers import project_file, write_list

TRUTH_FILE = "truth.csv"
HOUSEHOLD_TRUTH_FILE = "truth_households.csv"
PROJECT_FILE = "povlink.toml"
METADATA_FILE = "metadata.json"


@dataclass(frozen=True)
class ListFile:
    """One written agency list: its source name, file, record count and distinct true persons."""

    name: str
    path: Path
    records: int
    persons: int
    agency: str
    program: str


@dataclass(frozen=True)
class SynthCity:
    """What :func:`generate_city` wrote, and how much.

    ``households`` counts every true household (KK family) of either snapshot, split-off ones
    included; ``persons`` everyone ever resident; ``records`` the rows of all lists together.
    """

    out_dir: Path
    project_file: Path
    truth_file: Path
    household_truth_file: Path
    metadata_file: Path
    lists: tuple[ListFile, ...]
    households: int
    persons: int
    records: int
    seed: int

    @property
    def list_paths(self) -> dict[str, Path]:
        """List name to file path."""
        return {f.name: f.path for f in self.lists}


@dataclass(frozen=True)
class GeneratedLists:
    """The lists of a city in memory: for tests and notebooks that need no files."""

    population: Population
    lists: tuple[AgencyList, ...]

    def truth(self) -> pd.DataFrame:
        """``record_id, person_id, household_id`` of every record of every list."""
        city_ids = self.population
        person_id = pa.array(city_ids.persons["person_id"])
        household_id = pa.array(city_ids.households["household_id"])
        frames = [
            pa.table(
                {
                    "record_id": b.record_id,
                    "person_id": person_id.take(pa.array(b.person)),
                    "household_id": household_id.take(pa.array(b.household)),
                }
            )
            for b in self.lists
        ]
        table = pa.concat_tables(frames) if frames else pa.table({})
        frame: pd.DataFrame = table.to_pandas(types_mapper=pd.ArrowDtype)
        return frame


def generate_lists(
    households: int = 2_000,
    *,
    seed: int = 0,
    damage: DamageRates | None = None,
    whole_city_register: bool = False,
    population: Population | None = None,
) -> GeneratedLists:
    """Generate the population (unless given) and every agency list, in memory."""
    rates = damage if damage is not None else DamageRates()
    pop = population if population is not None else generate_population(households, seed=seed)
    specs = list_specs(whole_city_register=whole_city_register)
    built = _build_lists(City.of(pop), specs, rates, seed, out_dir=None)
    return GeneratedLists(population=pop, lists=tuple(b for b, _ in built))


def _build_lists(
    city: City,
    specs: Sequence[ListSpec],
    rates: DamageRates,
    seed: int,
    *,
    out_dir: Path | None,
    workers: int = 2,
) -> list[tuple[AgencyList, Path | None]]:
    """Build (and write, given ``out_dir``) every list, two at a time.

    Lists are independent (each has its own random streams), and Arrow and numpy release the
    interpreter lock in their kernels, so two threads use both cores of a small machine. The
    biggest list starts first; results come back in catalogue order, so output is deterministic.
    """
    city.age(0)
    city.age(1)  # fill the shared cache before threads read it

    def work(spec: ListSpec) -> tuple[AgencyList, Path | None]:
        built = build_list(spec, city, rates.for_list(spec.name), seed)
        # An agency with nobody to list keeps no list: an empty file (a jsonl has not even
        # column names) would only make the project fail to read it.
        written = out_dir is not None and len(built.person) > 0
        path = write_list(spec, built.table, out_dir) if written and out_dir else None
        return built, path

    order = sorted(range(len(specs)), key=lambda i: not specs[i].whole_city)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {i: pool.submit(work, specs[i]) for i in order}
        return [futures[i].result() for i in range(len(specs))]


def _metadata(
    generated: GeneratedLists,
    *,
    households: int,
    seed: int,
    damage: DamageRates,
    whole_city_register: bool,
) -> dict[str, Any]:
    pop = generated.population
    h = pop.households
    p = pop.persons
    poor = (h["decile"] <= POOR_DECILES).to_numpy()
    targeted = np.zeros(len(h), bool)
    for b in generated.lists:
        if not b.spec.whole_city:
            targeted[b.household] = True
    lists = {}
    for b in generated.lists:
        lists[b.spec.name] = {
            "file": b.spec.filename if len(b.person) else None,
            "agency": b.spec.agency,
            "program": b.spec.program,
            "snapshot": b.spec.snapshot.isoformat(),
            "records": len(b.person),
            "persons": b.persons,
            "households": b.households,
            "deceased_records": int(
                (pop.persons["household_t1"].to_numpy()[b.person] < 0).sum()
                if b.spec.epoch == 1
                else 0
            ),
            "damage": {
                kind: {
                    "rate": getattr(damage.for_list(b.spec.name), kind),
                    "damaged": int((b.log[kind] == 1).sum()),
                    "eligible": int((b.log[kind] >= 0).sum()),
                }
                for kind in b.log.columns
                if kind != "record_id"
            },
        }
    return {
        "generator": "povlink.synth",
        "parameters": {
            "households": households,
            "seed": seed,
            "whole_city_register": whole_city_register,
            "snapshots": {"older": T0.isoformat(), "newer": T1.isoformat()},
            "poor_deciles": POOR_DECILES,
            "damage": dataclasses.asdict(damage),
        },
        "counts": {
            "rumah_tangga_older": households,
            "households_older": int(h["exists_t0"].sum()),
            "households_newer": int(h["exists_t1"].sum()),
            "households_total": len(h),
            "persons_total": len(p),
            "residents_older": int((p["household_t0"] >= 0).sum()),
            "residents_newer": int((p["household_t1"] >= 0).sum()),
            "split_households": int((h["split_from"] >= 0).sum()),
            "moved_households": int(h["moved"].sum()),
            "poor_households": int(poor.sum()),
            "poor_households_in_no_list": int((poor & ~targeted).sum()),
            "non_poor_households_in_a_list": int((~poor & targeted).sum()),
            "records": sum(len(b.person) for b in generated.lists),
        },
        "household_definition": (
            "a household is one family on one kartu keluarga at the list's snapshot date; a "
            "married child who split off with a new KK heads a new household from then on, "
            "even under the parents' roof; a household that moved keeps its household_id; "
            "DTKS lists the rumah tangga (one IDBDT), which can hold two KK households; a "
            "person who died but is still listed belongs to their last household"
        ),
        "lists": lists,
    }


def generate_city(
    out_dir: str | Path,
    *,
    households: int = 2_000,
    seed: int = 0,
    damage: DamageRates | None = None,
    whole_city_register: bool = False,
) -> SynthCity:
    """Write a synthetic Kota Semarang of ``households`` homes (rumah tangga) into ``out_dir``.

    One file per agency list, ``truth.csv`` (``record_id,person_id,household_id`` for every
    record), ``truth_households.csv`` (each true household's decile, KK numbers and region),
    ``povlink.toml`` mapping every list, and ``metadata.json`` (parameters and counts). The same
    arguments always give the same bytes.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rates = damage if damage is not None else DamageRates()
    pop = generate_population(households, seed=seed)
    specs = list_specs(whole_city_register=whole_city_register)
    built = _build_lists(City.of(pop), specs, rates, seed, out_dir=out)
    generated = GeneratedLists(population=pop, lists=tuple(b for b, _ in built))
    files = []
    for b, path in built:
        if path is None:
            continue
        files.append(
            ListFile(
                name=b.spec.name,
                path=path,
                records=len(b.person),
                persons=b.persons,
                agency=b.spec.agency,
                program=b.spec.program,
            )
        )
    truth = pa.Table.from_pandas(generated.truth(), preserve_index=False)
    truth_path = out / "truth.csv"
    _write_plain_csv(truth, truth_path)
    household_path = out / HOUSEHOLD_TRUTH_FILE
    _write_household_truth(generated.population, household_path)
    project_path = out / PROJECT_FILE
    written = [b.spec for b, path in built if path is not None]
    project_path.write_text(project_file(written), encoding="utf-8")
    meta = _metadata(
        generated,
        households=households,
        seed=seed,
        damage=rates,
        whole_city_register=whole_city_register,
    )
    metadata_path = out / METADATA_FILE
    metadata_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return SynthCity(
        out_dir=out,
        project_file=project_path,
        truth_file=truth_path,
        household_truth_file=household_path,
        metadata_file=metadata_path,
        lists=tuple(files),
        households=len(generated.population.households),
        persons=len(generated.population.persons),
        records=int(meta["counts"]["records"]),
        seed=seed,
    )


def _write_household_truth(pop: Population, path: Path) -> None:
    """Each true household: decile, poverty, KK numbers and kelurahan codes at both snapshots."""
    h = pop.households
    codes = pop.regions.kelurahan_code

    def code(col: str) -> Any:
        idx = h[col].to_numpy()
        return pa.array(
            np.where(idx >= 0, np.asarray(codes.take(pa.array(np.maximum(idx, 0)))), "")
        )

    split_from = h["split_from"].to_numpy()
    ids = pa.array(h["household_id"])
    table = pa.table(
        {
            "household_id": ids,
            "decile": pa.array(h["decile"].to_numpy()),
            "poor": pa.array((h["decile"] <= POOR_DECILES).to_numpy()),
            "kk_older": pa.array(h["kk_t0"]),
            "kk_newer": pa.array(h["kk_t1"]),
            "kelurahan_older": code("kelurahan_t0"),
            "kelurahan_newer": code("kelurahan_t1"),
            "moved": pa.array(h["moved"].to_numpy()),
            "split_from": pa.array(
                np.where(
                    split_from >= 0, np.asarray(ids.take(pa.array(np.maximum(split_from, 0)))), ""
                )
            ),
        }
    )
    _write_plain_csv(table, path)


def _write_plain_csv(table: pa.Table, path: Path) -> None:
    """A csv of values that never need quoting (ids, codes, numbers), header unquoted."""
    with path.open("wb") as f:
        f.write((",".join(table.column_names) + "\n").encode("utf-8"))
        options = pacsv.WriteOptions(include_header=False, quoting_style="none")
        pacsv.write_csv(table, f, options)
