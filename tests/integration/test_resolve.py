"""End to end on a small synthetic city: conservation, determinism, stable IDs, refresh, faults."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from povlink.cli import main
from povlink.project import Project
from povlink.registry import Registry

pytestmark = pytest.mark.integration


def _persons(folder: Path) -> pd.DataFrame:
    return Project.from_toml(folder / "povlink.toml").persons()


def _records(folder: Path) -> pd.DataFrame:
    with Project.from_toml(folder / "povlink.toml").open_registry(read_only=True) as reg:
        return reg.current_records()


def test_every_record_has_exactly_one_person_and_household(resolved_city: Path) -> None:
    """Record conservation: each ingested record appears once with one person and household."""
    persons = _persons(resolved_city)
    records = _records(resolved_city)
    assert sorted(persons["record_id"]) == sorted(records["record_id"])
    assert persons["record_id"].is_unique
    assert persons["person_id"].notna().all()
    assert persons["household_id"].notna().all()
    truth = pd.read_csv(resolved_city / "truth.csv", dtype=str)
    assert sorted(truth["record_id"]) == sorted(persons["record_id"])


def test_accuracy_against_the_truth(resolved_city: Path) -> None:
    """The small city resolves with high pairwise and B-cubed F1 for persons and households."""
    evaluation = Project.from_toml(resolved_city / "povlink.toml").evaluate(
        resolved_city / "truth.csv"
    )
    assert evaluation.persons.pairwise_f1 > 0.95
    assert evaluation.persons.bcubed_f1 > 0.97
    assert evaluation.households is not None
    assert evaluation.households.bcubed_f1 > 0.93


def test_same_inputs_give_byte_identical_ids(
    city_template: Path, resolved_city: Path, tmp_path: Path
) -> None:
    """Determinism: a second registry built from the same files exports the same bytes."""
    again = tmp_path / "again"
    shutil.copytree(city_template, again)
    Project.from_toml(again / "povlink.toml").resolve()
    for folder, out in ((resolved_city, tmp_path / "a"), (again, tmp_path / "b")):
        Project.from_toml(folder / "povlink.toml").export(out)
    for name in ("persons.csv", "households.csv", "lineage.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_rerun_on_unchanged_inputs_keeps_every_id(city_copy: Path) -> None:
    """Stability: resolving again with nothing changed reuses the model and changes no ID."""
    before = _persons(city_copy)
    resolution = Project.from_toml(city_copy / "povlink.toml").resolve()
    summary = resolution.summary
    after = _persons(city_copy)
    # The resolution's table (sorted by Arrow, on first use) is the stored one, as SQL sorts it.
    pd.testing.assert_frame_equal(resolution.persons, after)
    assert not summary.model_trained
    assert summary.ids_created == 0
    assert summary.ids_retired == 0
    pd.testing.assert_frame_equal(before, after)


def test_refreshing_one_list_carries_ids_forward(city_copy: Path) -> None:
    """A refreshed list: withdrawn records leave the export, the rest keep their IDs."""
    config = city_copy / "povlink.toml"
    before = _persons(city_copy).set_index("record_id")
    path = next(city_copy.glob("disnaker_pelatihan_*.csv"))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    withdrawn_line = body[0]
    path.write_text(header + "".join(body[1:]), encoding="utf-8")
    withdrawn_id = f"disnaker_pelatihan:{next(csv.reader([withdrawn_line]))[0]}"
    summary = Project.from_toml(config).resolve().summary
    versions = {s.source: s for s in summary.sources}
    assert versions["disnaker_pelatihan"].n_withdrawn == 1
    assert versions["disnaker_pelatihan"].version == 2
    after = _persons(city_copy).set_index("record_id")
    assert withdrawn_id not in after.index
    assert withdrawn_id in before.index
    kept = before.drop(index=withdrawn_id)
    same = (kept["person_id"] == after.loc[kept.index, "person_id"]).mean()
    assert same > 0.99
    history = Project.from_toml(config).history(str(before.loc[withdrawn_id, "person_id"]))
    assert withdrawn_id in set(history.records["record_id"])


def test_export_writes_the_four_tables(resolved_city: Path, tmp_path: Path) -> None:
    """persons.csv carries person, household and confidence for every record."""
    assert main(["export", str(resolved_city / "povlink.toml"), "--out", str(tmp_path)]) == 0
    persons = pd.read_csv(tmp_path / "persons.csv", dtype=str)
    assert list(persons.columns) == [
        "record_id", "source", "person_id", "household_id", "link_confidence",
    ]  # fmt: skip
    households = pd.read_csv(tmp_path / "households.csv", dtype=str)
    assert set(households["household_id"]) == set(persons["household_id"])
    lineage = pd.read_csv(tmp_path / "lineage.csv", dtype=str)
    assert (lineage["event"] == "created").sum() == persons["person_id"].nunique() + persons[
        "household_id"
    ].nunique()


def test_report_figures_match_the_person_table(resolved_city: Path) -> None:
    """The report's headline counts are the distinct persons and households resolved."""
    persons = _persons(resolved_city)
    figures = Project.from_toml(resolved_city / "povlink.toml").report().to_json()
    assert figures["persons"] == persons["person_id"].nunique()
    assert figures["households"] == persons["household_id"].nunique()
    for source, group in persons.groupby("source"):
        assert figures["sources"][source]["records"] == len(group)


_KILL_SCRIPT = """
import sys, time
import povlink.ids as ids
real = ids.assign_stable_ids
def slow(*args, **kwargs):
    result = real(*args, **kwargs)
    print("ids written", flush=True)
    time.sleep(120)
    return result
ids.assign_stable_ids = slow
from povlink.project import Project
Project.from_toml(sys.argv[1]).resolve(retrain=True)
"""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_killed_resolve_leaves_the_previous_run(city_copy: Path) -> None:
    """SIGKILL in the middle of a resolve: same IDs, same history, same runs afterwards."""
    config = city_copy / "povlink.toml"
    before = _persons(city_copy)
    with Project.from_toml(config).open_registry(read_only=True) as reg:
        runs_before = len(reg.runs())
    path = next(city_copy.glob("disnaker_pelatihan_*.csv"))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")  # a withdrawn record
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILL_SCRIPT, str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "ids written":  # the child failed: show why
        proc.wait()
        assert proc.stderr is not None
        pytest.fail(
            f"the resolve child failed before the kill point:\n{proc.stderr.read()[-3000:]}"
        )
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert proc.stderr is not None
    proc.stderr.close()
    pd.testing.assert_frame_equal(before, _persons(city_copy))
    with Project.from_toml(config).open_registry(read_only=True) as reg:
        assert len(reg.runs()) == runs_before
        assert reg.versions("disnaker_pelatihan")["version"].tolist() == [1]


def _refresh_training_list(folder: Path) -> None:
    """Withdraw two records, retype one name and add a copy of a record under a new id."""
    path = next(folder.glob("disnaker_pelatihan_*.csv"))
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    header, body = rows[0], rows[1:]
    name = header.index(next(c for c in header if "NAMA" in c.upper()))
    body = body[2:]
    body[0][name] = body[0][name].upper() + " S.PD"
    body.append(["NEW-0001", *body[1][1:]])
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *body])


def _refreshed_twice(city: Path, tmp_path: Path) -> Path:
    """Copy the resolved ``city`` aside and refresh the same list in both; return the copy (to
    resolve in full, beside the original resolved incrementally)."""
    full = tmp_path / "full"
    shutil.copytree(city, full)
    for folder in (city, full):
        _refresh_training_list(folder)
    return full


def _id_history(folder: Path) -> list[tuple[object, ...]]:
    with Project.from_toml(folder / "povlink.toml").open_registry(read_only=True) as reg:
        return reg.engine.rows("SELECT * FROM id_history ORDER BY ALL")


def test_incremental_run_equals_a_full_run(city_copy: Path, tmp_path: Path) -> None:
    """After a refresh, scoring only the changed records gives exactly the full run's result."""
    full = _refreshed_twice(city_copy, tmp_path)
    incremental = Project.from_toml(city_copy / "povlink.toml").resolve().summary
    complete = Project.from_toml(full / "povlink.toml").resolve(full=True).summary
    assert incremental.incremental
    assert not complete.incremental
    assert 0 < incremental.records_rescored < incremental.records / 10
    # The refresh counts only the records it touched; its figures are the full count's.
    figures = ("records", "persons", "households", "ids_created", "ids_carried_forward")
    for figure in (*figures, "ids_retired"):
        assert getattr(incremental, figure) == getattr(complete, figure), figure
    pd.testing.assert_frame_equal(_persons(city_copy), _persons(full))
    for folder, out in ((city_copy, tmp_path / "a"), (full, tmp_path / "b")):
        Project.from_toml(folder / "povlink.toml").export(out)
    for name in ("persons.csv", "households.csv", "lineage.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert _id_history(city_copy) == _id_history(full)


def test_households_falling_back_to_a_full_resolution_in_a_refresh_give_a_full_runs_result(
    city_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a change reaches too many records, the households are resolved in full while the
    persons are still reclustered incrementally; the stored rows are still a full run's."""
    from povlink import households, resolve

    full = _refreshed_twice(city_copy, tmp_path)
    defaults = dict(households.resolve_households.__kwdefaults__ or {})
    monkeypatch.setattr(
        households.resolve_households, "__kwdefaults__", {**defaults, "max_share": 0.0}
    )
    stored = []
    store = resolve._store_persons

    def spy(registry: Registry, *, update: bool, scope: str | None = None) -> None:
        stored.append((update, scope))
        store(registry, update=update, scope=scope)

    monkeypatch.setattr(resolve, "_store_persons", spy)
    incremental = Project.from_toml(city_copy / "povlink.toml").resolve().summary
    monkeypatch.undo()
    assert stored == [(True, None)]  # every row compared: the households were resolved in full
    Project.from_toml(full / "povlink.toml").resolve(full=True)
    assert incremental.incremental
    pd.testing.assert_frame_equal(_persons(city_copy), _persons(full))
    assert _id_history(city_copy) == _id_history(full)


def test_a_list_ingested_before_the_resolve_is_standardised_again(
    city_copy: Path, tmp_path: Path
) -> None:
    """A refresh compares only the lists at another version than the one last standardised:
    one read by an ``ingest`` run in between counts, although the resolve finds it unchanged."""
    full = _refreshed_twice(city_copy, tmp_path)
    Project.from_toml(city_copy / "povlink.toml").ingest()
    incremental = Project.from_toml(city_copy / "povlink.toml").resolve().summary
    Project.from_toml(full / "povlink.toml").resolve(full=True)
    assert incremental.incremental
    assert all(v.unchanged for v in incremental.sources)
    tables = []
    for folder in (city_copy, full):
        with Project.from_toml(folder / "povlink.toml").open_registry(read_only=True) as reg:
            tables.append(reg.engine.rows("SELECT * FROM standardised ORDER BY record_id"))
    assert tables[0] == tables[1]
    pd.testing.assert_frame_equal(_persons(city_copy), _persons(full))


def test_report_evaluate_and_history_commands(
    resolved_city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`povlink report --json/--html`, `evaluate --json` and `history` on the resolved city."""
    config = str(resolved_city / "povlink.toml")
    assert main(["report", config, "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert {"persons", "households", "sources"} <= set(figures)
    html = tmp_path / "report.html"
    assert main(["report", config, "--html", str(html)]) == 0
    assert capsys.readouterr().out.strip() == str(html)
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    truth = str(resolved_city / "truth.csv")
    assert main(["evaluate", config, "--truth", truth, "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["persons"]["pairwise_f1"] > 0.95
    person = _persons(resolved_city)["person_id"].iloc[0]
    assert main(["history", config, person]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"person {person}")
    assert "created" in out
    assert main(["history", config, "P999999999"]) == 2
    assert "person 'P999999999' is not in the registry" in capsys.readouterr().err


def test_registry_memory_is_capped_during_linkage_and_restored() -> None:
    """The registry engine holds 1 GiB while the workspace links, its default again afterwards,
    also when the linkage fails."""
    from povlink.engine import Engine
    from povlink.resolve import _registry_memory_capped

    with Engine() as e:

        def limit() -> str:
            return str(e.scalar("SELECT current_setting('memory_limit')"))

        default = limit()
        with _registry_memory_capped(e, enabled=True):
            assert limit() == "1.0 GiB"
        assert limit() == default
        with pytest.raises(RuntimeError), _registry_memory_capped(e, enabled=True):
            raise RuntimeError("linkage failed")
        assert limit() == default
        with _registry_memory_capped(e, enabled=False):
            assert limit() == default
