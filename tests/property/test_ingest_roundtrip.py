"""Record conservation through ingest and export: every row once, every value unchanged."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from povlink.project import Project
from tests.unit.core.helpers import write_project

# Text an agency might type: digits with leading zeros, names with commas and quotes, spaces.
cell = st.text(
    alphabet=st.sampled_from(list("0123456789abcXYZ ,;'\".-/éñ")), min_size=0, max_size=12
)
rows = st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=25)

SOURCE = """
[[source]]
name = "src"
path = "list.csv"
id_column = "ID"
[source.columns]
nik = "NIK"
full_name = ["DEPAN", "BELAKANG"]
"""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_every_row_appears_once_in_records_csv_unchanged(data: list[tuple[str, str, str]]) -> None:
    """Ingest then export returns each input row exactly once with the same values."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with (folder / "list.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["ID", "NIK", "DEPAN", "BELAKANG"])
            for i, (nik, first, last) in enumerate(data):
                writer.writerow([f"0{i}", nik, first, last])
        config = write_project(folder, SOURCE, {})
        project = Project.from_toml(config)
        project.ingest()
        project.export(folder / "out")
        with (folder / "out" / "records.csv").open(newline="", encoding="utf-8") as f:
            exported = list(csv.DictReader(f))
    assert [r["record_id"] for r in exported] == [f"src:0{i}" for i in range(len(data))]
    for row, (nik, first, last) in zip(exported, data, strict=True):
        assert row["nik"] == nik
        assert row["full_name"] == " ".join(v for v in (first, last) if v)
