"""The analyst quickstart notebook is valid nbformat 4 and runs from top to bottom."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"
TIME_BUDGET_SECONDS = 60


def _load() -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return notebook


def _code_cells(notebook: dict[str, Any]) -> list[str]:
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]


def test_the_notebook_is_valid_nbformat_4() -> None:
    """Every cell has the fields nbformat 4.5 requires, with unique ids and no stored outputs."""
    notebook = _load()
    assert notebook["nbformat"] == 4
    assert notebook["nbformat_minor"] >= 5
    assert notebook["metadata"]["kernelspec"]["language"] == "python"
    ids = [c["id"] for c in notebook["cells"]]
    assert len(set(ids)) == len(ids)
    for cell in notebook["cells"]:
        assert cell["cell_type"] in {"markdown", "code"}
        assert isinstance(cell["metadata"], dict)
        assert all(isinstance(line, str) for line in cell["source"])
        if cell["cell_type"] == "code":
            assert cell["execution_count"] is None
            assert cell["outputs"] == []
    assert sum(c["cell_type"] == "markdown" for c in notebook["cells"]) >= 10


def test_the_notebook_runs_to_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every code cell runs in order in one namespace; all files land under tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    namespace: dict[str, Any] = {"__name__": "__main__"}
    started = time.perf_counter()
    for number, source in enumerate(_code_cells(_load())):
        code = compile(source, f"{NOTEBOOK.name}, code cell {number}", "exec")
        exec(code, namespace)
    elapsed = time.perf_counter() - started

    assert namespace["quickstart_done"] is True
    workdir = Path(namespace["workdir"])
    assert workdir.is_relative_to(tmp_path)
    assert (workdir / "report.html").stat().st_size > 0
    # What the markdown says the steps show.
    assert namespace["evaluation"].persons.pairwise_f1 > 0.9
    assert namespace["report"].overcount > 0
    assert namespace["expected"] in set(namespace["candidates"]["person_id"])
    assert namespace["s2"].ids_created == 0
    assert namespace["same_person"] == len(namespace["both"])
    assert set(namespace["withdrawn_history"].events["event"]) >= {"records_withdrawn"}
    assert elapsed < TIME_BUDGET_SECONDS
