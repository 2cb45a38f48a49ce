"""explain_pair and predict_for_records on a model trained on fake_1000."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.exceptions import UnknownRecordError
from povlink.linkage import LinkageModel, explain_pair, predict_for_records


@pytest.fixture(scope="module")
def trained() -> tuple[Engine, LinkageModel]:
    """fake_1000 and a model trained on it, with its pairs predicted."""
    from tests.unit.linkage.conftest import fake_1000_standardised

    engine = Engine()
    engine.register("fake_df", fake_1000_standardised())
    engine.create_table("standardised", "SELECT * FROM fake_df")
    model = LinkageModel(max_pairs_for_u=2e5).fit(engine)
    model.predict(engine)
    return engine, model


def test_waterfall_adds_up_to_the_predicted_weight(trained: tuple[Engine, LinkageModel]) -> None:
    """Prior plus every comparison's weight is the pair's match weight, as predict scored it."""
    engine, model = trained
    a, b, weight = engine.rows(
        "SELECT unique_id_l, unique_id_r, match_weight FROM pairwise_predictions "
        "ORDER BY match_weight DESC, unique_id_l LIMIT 1"
    )[0]
    explanation = explain_pair(engine, model, a, b)
    total = explanation.prior_weight + sum(c.match_weight for c in explanation.comparisons)
    assert total == pytest.approx(explanation.match_weight, abs=1e-6)
    assert explanation.match_weight == pytest.approx(weight, abs=1e-6)
    assert [c.comparison for c in explanation.comparisons] == model.comparisons_


def test_text_names_each_comparison_level_and_weight(trained: tuple[Engine, LinkageModel]) -> None:
    """The text waterfall has the prior, one line per comparison with its level, and the total."""
    engine, model = trained
    text = explain_pair(engine, model, "fake:0000", "fake:0001").to_text()
    lines = text.splitlines()
    assert lines[0] == "fake:0000  vs  fake:0001"
    assert lines[1].startswith("prior")
    assert any(line.startswith("birth_date") and "one typo in the date" in line for line in lines)
    assert lines[-1].startswith("total")
    assert "match probability" in lines[-1]


def test_different_people_get_a_negative_weight(trained: tuple[Engine, LinkageModel]) -> None:
    """Two records of different people, never blocked together, still explain: a low score."""
    engine, model = trained
    explanation = explain_pair(engine, model, "fake:0000", "fake:0999")
    assert explanation.match_probability < 0.01


def test_html_is_a_self_contained_chart(
    trained: tuple[Engine, LinkageModel], tmp_path: Path
) -> None:
    """The HTML file embeds the chart libraries: no network needed to open it."""
    engine, model = trained
    path = explain_pair(engine, model, "fake:0000", "fake:0001").to_html(tmp_path / "why.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<title>povlink: fake:0000 vs fake:0001</title>" in page
    assert "cdn.jsdelivr" not in page.split("<script", 2)[1][:200]
    assert "vega" in page
    assert len(page) > 100_000


def test_unknown_record_is_named(trained: tuple[Engine, LinkageModel]) -> None:
    """A record id not in the table raises UnknownRecordError naming it."""
    engine, model = trained
    with pytest.raises(UnknownRecordError, match=r"record 'fake:nope' is not in table"):
        explain_pair(engine, model, "fake:0000", "fake:nope")


def test_a_new_record_finds_its_person(
    trained: tuple[Engine, LinkageModel], fake_1000: pd.DataFrame
) -> None:
    """A copy of a known record, under a new id, matches the original best."""
    engine, model = trained
    new = fake_1000[fake_1000["record_id"] == "fake:0008"].assign(record_id="walkin:1")
    engine.register("new_df", new)
    engine.create_table("new_records", "SELECT * FROM new_df")
    found = predict_for_records(engine, model, "new_records")
    assert list(found.columns[:4]) == [
        "unique_id_l", "unique_id_r", "match_weight", "match_probability"
    ]  # fmt: skip
    assert (found["unique_id_r"] == "walkin:1").all()
    entity = fake_1000.set_index("record_id")["entity_id"]
    score = found.set_index("unique_id_l")["match_probability"]
    others = score[score.index.map(entity) != entity["fake:0008"]]
    assert score["fake:0008"] > 0.99
    assert (others < score["fake:0008"]).all()
    assert engine.has_table("standardised")
    assert not engine.has_table("__povlink_new")
