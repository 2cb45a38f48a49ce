"""Incremental scoring: the pairs of a few changed records equal those of scoring everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from povlink.engine import Engine
from povlink.linkage import LinkageModel
from povlink.linkage.blocking import link_input_sql
from povlink.project import Project
from povlink.resolve import stored_model_json
from povlink.scoring import candidates_of_changed, score_pairs


@pytest.fixture(scope="module")
def workspace(resolved_city: Path) -> tuple[Engine, LinkageModel]:
    """The resolved city's standardised records, model and term frequencies in a workspace."""
    work = Engine()
    with Project.from_toml(resolved_city / "povlink.toml").open_registry(read_only=True) as reg:
        for table in ("standardised", "term_frequencies"):
            work.copy_table(reg.engine, f"SELECT * FROM {table}", table)
        text = stored_model_json(reg)
    assert text is not None
    model = LinkageModel.from_json(text)
    score_pairs(
        work, model, "standardised", term_frequencies="term_frequencies", output="everything"
    )
    return work, model


@pytest.mark.parametrize("narrowed", [False, True])
@pytest.mark.parametrize("share", [0.003, 0.03, 0.3])
def test_scoring_only_changed_records_gives_their_pairs_of_a_full_run(
    workspace: tuple[Engine, LinkageModel], share: float, narrowed: bool
) -> None:
    """Candidates are cut down to the records that can pair with a changed one; the pairs and
    scores are exactly the full run's pairs that involve a changed record. ``narrowed``: the
    records given are already those candidates (as a refresh copies them)."""
    work, model = workspace
    work.create_table(
        "changed",
        f"SELECT record_id FROM standardised WHERE hash(record_id) % 1000 < {share * 1000}",
    )
    assert work.count("changed") > 0
    table = "standardised"
    if narrowed:
        rules = model.settings_["blocking_rules_to_generate_predictions"]
        table = candidates_of_changed(work, "standardised", "changed", rules)
        assert 0 < work.count(table) < work.count("standardised")
    score_pairs(
        work, model, table, term_frequencies="term_frequencies", output="rescored",
        only="changed", narrowed=narrowed,
    )  # fmt: skip
    expected = work.rows(
        "SELECT * FROM everything WHERE unique_id_l IN (SELECT record_id FROM changed) "
        "OR unique_id_r IN (SELECT record_id FROM changed) ORDER BY ALL"
    )
    assert work.rows("SELECT * FROM rescored ORDER BY ALL") == expected
    assert expected, "the changed records have pairs"


def test_candidates_are_the_records_sharing_a_key_with_a_changed_one(
    workspace: tuple[Engine, LinkageModel],
) -> None:
    """Exactly the changed records and those a rule's keys join to one of them, in either
    direction; a NULL key joins nothing."""
    work, _ = workspace
    work.create_table(
        "changed", "SELECT record_id FROM standardised WHERE hash(record_id) % 100 < 3"
    )
    rules = ["l.nik = r.nik", "l.birth_date = r.nik_birth_date AND l.sex = r.sex"]
    subset = candidates_of_changed(work, "standardised", "changed", rules)
    keys = link_input_sql("standardised", set(work.columns("standardised")))
    expected = work.rows(
        f"""
        WITH k AS ({keys}), c AS (SELECT * FROM k WHERE unique_id IN (SELECT * FROM changed))
        SELECT record_id FROM changed
        UNION SELECT o.unique_id FROM k AS o JOIN c ON c.nik = o.nik
        UNION SELECT o.unique_id FROM k AS o JOIN c
          ON (c.birth_date = o.nik_birth_date OR c.nik_birth_date = o.birth_date) AND c.sex = o.sex
        ORDER BY 1
        """
    )
    assert work.rows(f"SELECT record_id FROM {subset} ORDER BY 1") == expected
    assert len(expected) > 2 * work.count("changed")


def test_keys_of_two_types_leave_the_whole_table(workspace: tuple[Engine, LinkageModel]) -> None:
    """A date compared with a text cannot be matched by hashing: every record is a candidate."""
    work, _ = workspace
    work.create_table("changed", "SELECT record_id FROM standardised LIMIT 5")
    assert candidates_of_changed(work, "standardised", "changed", ["l.birth_date = r.nik"]) == (
        "standardised"
    )
