"""One-record matching against a resolved registry: right person, registry unchanged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from povlink.cli import main
from povlink.exceptions import ConfigError
from povlink.project import Project

pytestmark = pytest.mark.integration


def test_a_registry_record_finds_its_own_person(resolved_city: Path) -> None:
    """Matching a record's own values returns its person first, with probability near 1."""
    project = Project.from_toml(resolved_city / "povlink.toml")
    persons = project.persons().set_index("record_id")
    with project.open_registry(read_only=True) as reg:
        records = reg.current_records()
        valid_nik = set(
            reg.engine.query("SELECT record_id FROM standardised WHERE nik IS NOT NULL")[
                "record_id"
            ]
        )
    records = records[records["record_id"].isin(valid_nik)]
    sample = records.dropna(subset=["nik", "full_name", "birth_date"]).head(5)
    with project.matcher() as matcher:
        for _, row in sample.iterrows():
            fields = ("nik", "full_name", "birth_date", "sex")
            result = matcher.match({f: row[f] for f in fields})
            assert result.loc[0, "person_id"] == persons.loc[row["record_id"], "person_id"]
            assert result.loc[0, "match_probability"] > 0.99
            assert result.loc[0, "level_nik"] == "same NIK"


def test_a_misspelt_name_without_nik_still_finds_the_person(resolved_city: Path) -> None:
    """A typo in the name and no NIK: the right person is still among the top candidates."""
    project = Project.from_toml(resolved_city / "povlink.toml")
    persons = project.persons().set_index("record_id")
    with project.open_registry(read_only=True) as reg:
        records = reg.current_records().dropna(subset=["full_name", "birth_date"])
    row = records[records["full_name"].str.len() > 8].iloc[0]
    name = row["full_name"]
    typo = name[:3] + name[4] + name[3] + name[5:]
    result = project.match({"full_name": typo, "birth_date": row["birth_date"], "sex": row["sex"]})
    assert persons.loc[row["record_id"], "person_id"] in set(result["person_id"])


def test_matching_does_not_change_the_registry(resolved_city: Path) -> None:
    """The registry file has the same bytes after a match."""
    registry = resolved_city / "registry.duckdb"
    before = hashlib.sha256(registry.read_bytes()).hexdigest()
    Project.from_toml(resolved_city / "povlink.toml").match({"full_name": "siti aminah"})
    assert hashlib.sha256(registry.read_bytes()).hexdigest() == before


def test_unknown_field_is_refused(resolved_city: Path) -> None:
    """A record with a field povlink does not know names the canonical fields."""
    with pytest.raises(ConfigError, match="unknown field"):
        Project.from_toml(resolved_city / "povlink.toml").match({"nama": "Siti"})


def test_match_command_prints_json(resolved_city: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`povlink match CONFIG --full-name ... --json` prints the candidates as JSON."""
    assert main(["match", str(resolved_city / "povlink.toml"), "--full-name", "sri", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list)
    assert all({"person_id", "match_probability"} <= set(r) for r in rows)


def test_explain_prints_a_waterfall_and_writes_html(
    resolved_city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`povlink explain` prints each comparison's weight and writes a self-contained chart."""
    project = Project.from_toml(resolved_city / "povlink.toml")
    with project.open_registry(read_only=True) as reg:
        a, b = reg.engine.rows("SELECT record_id_l, record_id_r FROM links LIMIT 1")[0]
    html = tmp_path / "why.html"
    assert main(["explain", str(resolved_city / "povlink.toml"), a, b, "--html", str(html)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"{a}  vs  {b}")
    assert "total" in out
    assert "match probability" in out
    assert 'src="http' not in html.read_text(encoding="utf-8")
