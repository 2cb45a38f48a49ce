"""One-record matching against a resolved registry: right person, registry unchanged."""

from __future__ import annotations

import hashlib
import json
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from povlink.cli import main
from povlink.engine import Engine, quote_literal
from povlink.exceptions import ConfigError
from povlink.linkage.blocking import link_input_sql
from povlink.project import Project
from povlink.registry import Registry
from povlink.schema import CANONICAL_FIELDS
from povlink.scoring import PAIR_FLOOR
from povlink.standardise import standardise_record, standardise_table

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


def _registry_queries(project: Project, n: int) -> pd.DataFrame:
    """``n`` current records with stored pairs, from lists whose dates read day first (as a
    match reads them), with all their raw fields."""
    dmy = [s.name for s in project.config.sources if s.options.date_order == "dmy"]
    with project.open_registry(read_only=True) as reg:
        paired = set(
            reg.engine.query(
                "SELECT unique_id_l AS id FROM scored_pairs "
                "UNION SELECT unique_id_r FROM scored_pairs"
            )["id"]
        )
        records = reg.current_records(dmy)
    return records[records["record_id"].isin(paired)].sample(n, random_state=3)


def _raw(row: pd.Series) -> dict[str, object]:
    return {f: row[f] for f in CANONICAL_FIELDS if pd.notna(row[f])}


def test_a_registry_record_gets_the_scores_the_resolve_gave_its_pairs(resolved_city: Path) -> None:
    """A record's own values score each of its stored pairs as the resolve did, to 1e-9."""
    project = Project.from_toml(resolved_city / "povlink.toml")
    queries = _registry_queries(project, 25)
    with project.open_registry(read_only=True) as reg:
        stored = reg.engine.query(
            "SELECT unique_id_l, unique_id_r, match_probability FROM scored_pairs"
        )
    checked = 0
    with project.matcher() as matcher:
        for _, row in queries.iterrows():
            record_id = row["record_id"]
            mine = stored[
                (stored["unique_id_l"] == record_id) | (stored["unique_id_r"] == record_id)
            ]
            expected = {
                (
                    r.unique_id_r if r.unique_id_l == record_id else r.unique_id_l
                ): r.match_probability
                for r in mine.itertuples()
            }
            scored = matcher.score_candidates(_raw(row)).set_index("record_id")
            kept = scored[scored["match_probability"] >= PAIR_FLOOR].drop(
                record_id, errors="ignore"
            )
            assert set(kept.index) == set(expected), record_id
            for other, probability in expected.items():
                assert scored.loc[other, "match_probability"] == pytest.approx(
                    probability, abs=1e-9
                )
                checked += 1
    assert checked >= 25


def test_the_candidates_are_the_records_a_blocking_rule_pairs_with_the_record(
    resolved_city: Path,
) -> None:
    """For records with some fields only, the candidates are exactly the registry records that
    one of the stored blocking rules pairs with the record (evaluated here as one join)."""
    project = Project.from_toml(resolved_city / "povlink.toml")
    with project.open_registry(read_only=True) as reg:
        rules = json.loads(reg.engine.scalar("SELECT settings_json FROM models"))[
            "blocking_rules_to_generate_predictions"
        ]
        work = Engine()
        link_input = link_input_sql("standardised", set(reg.engine.columns("standardised")))
        work.copy_table(reg.engine, link_input, "registry")
    on = " OR ".join(f"({r['blocking_rule']})" for r in rules)
    rng = random.Random(5)
    fields = ["nik", "kk_number", "full_name", "birth_date", "mother_name", "address", "kelurahan"]
    with project.matcher() as matcher:
        for _, row in _registry_queries(project, 30).iterrows():
            kept = rng.sample(fields, 3)
            record = {f: v for f, v in _raw(row).items() if f in kept}
            work.register(
                "raw", pd.DataFrame([{"record_id": "q", "source": "q", **record}], dtype="string")
            )
            standardise_table(work, "raw", "query")
            work.unregister("raw")
            query = link_input_sql("query", set(work.columns("query")))
            expected = work.query(
                f"SELECT DISTINCT r.unique_id FROM ({query}) AS l JOIN registry AS r ON {on}"
            )["unique_id"]
            found = matcher.score_candidates(record)["record_id"]
            assert set(found) == set(expected), record
    work.close()


def test_match_is_the_best_scored_pair_of_each_person(resolved_city: Path) -> None:
    """`match` lists each person once, with its best pair from `score_candidates`."""
    project = Project.from_toml(resolved_city / "povlink.toml")
    queries = _registry_queries(project, 5)
    with project.matcher() as matcher:
        for _, row in queries.iterrows():
            record = _raw(row)
            record.pop("nik", None)
            scored = matcher.score_candidates(record)
            best = scored.drop_duplicates("person_id").head(3).reset_index(drop=True)
            pd.testing.assert_frame_equal(matcher.match(record, top=3), best)
            assert scored["match_probability"].is_monotonic_decreasing


def test_threads_sharing_a_matcher_get_the_results_of_one_thread(resolved_city: Path) -> None:
    """Matches run concurrently from eight threads equal the same matches run one by one."""
    project = Project.from_toml(resolved_city / "povlink.toml")
    records = [_raw(row) for _, row in _registry_queries(project, 16).iterrows()]
    with project.matcher() as matcher:
        alone = [matcher.match(r) for r in records]
        with ThreadPoolExecutor(max_workers=8) as pool:
            together = list(pool.map(matcher.match, records * 2))
    for expected, got in zip(alone * 2, together, strict=True):
        pd.testing.assert_frame_equal(got, expected)


def test_a_rule_that_is_not_an_equality_finds_what_the_rule_says(city_copy: Path) -> None:
    """A stored rule other than equalities (here an edit distance) pairs exactly the records that
    satisfy it."""
    rule = "levenshtein(l.full_name, r.full_name) <= 2 AND l.birth_year = r.birth_year"
    with Registry(city_copy / "registry.duckdb") as reg:
        run_id, text = reg.engine.rows(
            "SELECT run_id, settings_json FROM models ORDER BY run_id DESC LIMIT 1"
        )[0]
        settings = json.loads(text)
        settings["blocking_rules_to_generate_predictions"] = [
            {"blocking_rule": rule, "sql_dialect": "duckdb"}
        ]
        reg.engine.execute(
            "UPDATE models SET settings_json = ? WHERE run_id = ?", [json.dumps(settings), run_id]
        )
        row = reg.current_records().dropna(subset=["full_name", "birth_date"]).iloc[7]
    name = row["full_name"]
    query = {"full_name": name[:-1] + "x", "birth_date": row["birth_date"]}
    standardised = standardise_record(query)
    with Registry(city_copy / "registry.duckdb", read_only=True) as reg:
        link_input = link_input_sql("standardised", set(reg.engine.columns("standardised")))
        expected = set(
            reg.engine.query(
                f"SELECT unique_id FROM ({link_input}) WHERE birth_year = "
                f"{standardised['birth_year']} AND levenshtein(full_name, "
                f"{quote_literal(standardised['full_name'])}) <= 2"
            )["unique_id"]
        )
    with Project.from_toml(city_copy / "povlink.toml").matcher() as matcher:
        found = set(matcher.score_candidates(query)["record_id"])
    assert row["record_id"] in expected
    assert found == expected
