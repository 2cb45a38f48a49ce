"""LinkageModel: training, prediction, the estimator contract and Splink JSON."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.exceptions import LinkageError, NotFittedError
from povlink.linkage import LinkageModel
from povlink.linkage.model import kept_link_input

KEPT = "__povlink_kept_link_input"

FAST = {"max_pairs_for_u": 2e5}


def _levels(model: LinkageModel, comparison: str) -> dict[str, dict[str, float]]:
    (c,) = (c for c in model.settings_["comparisons"] if c["output_column_name"] == comparison)
    return {lvl["label_for_charts"]: lvl for lvl in c["comparison_levels"]}


@pytest.fixture(scope="module")
def fitted() -> tuple[Engine, LinkageModel]:
    """fake_1000 in an engine and a model trained on it (trained once for the module)."""
    from tests.unit.linkage.conftest import fake_1000_standardised

    engine = Engine()
    engine.register("fake_df", fake_1000_standardised())
    engine.create_table("standardised", "SELECT * FROM fake_df")
    return engine, LinkageModel(**FAST).fit(engine)


def test_init_only_stores_keyword_arguments() -> None:
    """Constructing a model learns nothing and keeps the arguments as given."""
    model = LinkageModel(threshold=0.8, seed=3)
    assert (model.threshold, model.seed) == (0.8, 3)
    assert not hasattr(model, "settings_json_")


def test_unfitted_model_says_how_to_fix_it(engine: Engine) -> None:
    """Using a model before fit raises NotFittedError naming fit and from_json."""
    with pytest.raises(NotFittedError, match=r"call model\.fit\(engine, table\) first"):
        LinkageModel().predict(engine)
    with pytest.raises(AttributeError, match="from_json"):
        LinkageModel().to_json()


def test_fit_returns_the_model_with_learned_attributes(fitted: tuple[Engine, LinkageModel]) -> None:
    """fit returns self and sets attributes ending in an underscore."""
    _, model = fitted
    assert model.comparisons_ == ["full_name", "birth_date", "residence"]
    assert 0 < model.probability_two_random_records_match_ < 0.01
    assert model.blocking_rules_


def test_agreement_is_evidence_for_and_disagreement_against(
    fitted: tuple[Engine, LinkageModel],
) -> None:
    """Recovered m and u order as they must: exact agreement m ≫ u, disagreement m ≪ u."""
    _, model = fitted
    name = _levels(model, "full_name")
    date = _levels(model, "birth_date")
    for levels, same in ((name, "same name"), (date, "same date")):
        assert levels[same]["m_probability"] > 20 * levels[same]["u_probability"]
        other = levels["All other comparisons"]
        assert other["m_probability"] < other["u_probability"] / 3


def test_predict_writes_splink_pair_columns(fitted: tuple[Engine, LinkageModel]) -> None:
    """The pair table has Splink's columns, each pair once with the smaller id on the left."""
    engine, model = fitted
    model.predict(engine, output="pairs_test")
    pairs = engine.query("SELECT * FROM pairs_test")
    assert list(pairs.columns[:4]) == [
        "unique_id_l", "unique_id_r", "match_weight", "match_probability"
    ]  # fmt: skip
    assert (pairs["unique_id_l"] < pairs["unique_id_r"]).all()
    assert not pairs.duplicated(["unique_id_l", "unique_id_r"]).any()
    assert pairs["match_probability"].between(0, 1).all()


def test_scores_separate_true_from_false_pairs(
    fitted: tuple[Engine, LinkageModel], fake_1000: pd.DataFrame
) -> None:
    """Among scored pairs, true pairs score far above false ones (AUC-like check)."""
    engine, model = fitted
    model.predict(engine, output="pairs_sep")
    pairs = engine.query("SELECT unique_id_l, unique_id_r, match_weight FROM pairs_sep")
    entity = fake_1000.set_index("record_id")["entity_id"]
    same = pairs["unique_id_l"].map(entity).to_numpy() == pairs["unique_id_r"].map(entity)
    assert same.sum() > 800
    assert pairs.loc[same, "match_weight"].median() > pairs.loc[~same, "match_weight"].max()


def test_training_is_deterministic(fitted: tuple[Engine, LinkageModel]) -> None:
    """The same data and seed give the identical model."""
    engine, model = fitted
    again = LinkageModel(**FAST).fit(engine)
    assert again.to_json() == model.to_json()


def test_json_round_trip_predicts_the_same(fitted: tuple[Engine, LinkageModel]) -> None:
    """A model exported as Splink JSON and imported again scores every pair identically."""
    engine, model = fitted
    text = model.to_json()
    assert json.loads(text)["link_type"] == "dedupe_only"
    loaded = LinkageModel.from_json(text)
    model.predict(engine, output="pairs_a")
    loaded.predict(engine, output="pairs_b")
    order = " ORDER BY unique_id_l, unique_id_r"
    assert engine.query("SELECT * FROM pairs_a" + order).equals(
        engine.query("SELECT * FROM pairs_b" + order)
    )


def test_frequency_adjusted_levels_score_as_splink_would_find_their_exact_match(
    fitted: tuple[Engine, LinkageModel],
) -> None:
    """Each frequency-adjusted level says it is its own exact-match level (sparing Splink the
    search); a model without that setting, where Splink searches, scores every pair the same."""
    engine, model = fitted
    settings = json.loads(model.to_json())
    adjusted = [
        level
        for c in settings["comparisons"]
        for level in c["comparison_levels"]
        if level.get("tf_adjustment_column")
    ]
    assert adjusted
    assert all(level["disable_tf_exact_match_detection"] for level in adjusted)
    for level in adjusted:
        del level["disable_tf_exact_match_detection"]
    searching = LinkageModel.from_json(json.dumps(settings))
    model.predict(engine, output="pairs_told")
    searching.predict(engine, output="pairs_searched")
    order = " ORDER BY unique_id_l, unique_id_r"
    assert engine.query("SELECT * FROM pairs_told" + order).equals(
        engine.query("SELECT * FROM pairs_searched" + order)
    )


def test_from_json_rejects_what_is_not_splink_settings() -> None:
    """Non-JSON and JSON without comparisons are refused with the way out."""
    with pytest.raises(LinkageError, match="not valid JSON"):
        LinkageModel.from_json("{nope")
    with pytest.raises(LinkageError, match="has no 'comparisons'"):
        LinkageModel.from_json('{"link_type": "dedupe_only"}')


def test_no_linking_field_names_the_fields_needed(engine: Engine) -> None:
    """A table with neither NIK, name nor birth date cannot be linked, and the error says so."""
    engine.execute(
        "CREATE TABLE standardised AS SELECT 'a:' || i AS record_id, 'x' AS kelurahan_name "
        "FROM range(10) AS t(i)"
    )
    with pytest.raises(LinkageError, match="Map at least a NIK, or a name and a birth date"):
        LinkageModel().fit(engine)


def test_labels_train_m_without_em(
    fitted: tuple[Engine, LinkageModel], fake_1000: pd.DataFrame
) -> None:
    """With labelled pairs, m is counted from them: exact agreement is common among matches."""
    engine, _ = fitted
    pairs = fake_1000.merge(fake_1000, on="entity_id", suffixes=("_l", "_r"))
    labels = pairs.loc[pairs["record_id_l"] < pairs["record_id_r"], ["record_id_l", "record_id_r"]]
    model = LinkageModel(**FAST).fit(engine, labels=labels)
    date = _levels(model, "birth_date")
    share_same = (
        (pairs["birth_date_l"] == pairs["birth_date_r"])
        & (pairs["record_id_l"] < pairs["record_id_r"])
    ).sum() / len(labels)
    assert date["same date"]["m_probability"] == pytest.approx(share_same, abs=0.01)


def test_prior_recall_is_read_off_the_trained_m() -> None:
    """Recall of the deterministic rules = presence² × m(exact) per field, rules independent."""
    from povlink.linkage.blocking import DETERMINISTIC_RULES
    from povlink.linkage.training import deterministic_recall

    def comparison(name: str, label: str, m: float) -> dict[str, object]:
        return {
            "output_column_name": name,
            "comparison_levels": [{"label_for_charts": label, "m_probability": m}],
        }

    settings = {
        "comparisons": [
            comparison("nik", "same NIK", 0.9),
            comparison("full_name", "same name", 0.8),
            comparison("birth_date", "same date", 0.5),
        ]
    }
    presence = {"nik": 0.5, "full_name": 1.0, "birth_date": 1.0}
    by_nik = 0.5**2 * 0.9 * 0.5
    by_name = 0.8 * 0.5
    expected = 1 - (1 - by_nik) * (1 - by_name)
    assert deterministic_recall(settings, DETERMINISTIC_RULES, presence) == pytest.approx(expected)


def _oid(engine: Engine, table: str) -> int | None:
    rows = engine.rows("SELECT table_oid FROM duckdb_tables() WHERE table_name = ?", [table])
    return int(rows[0][0]) if rows else None


def test_scoring_after_training_reuses_its_link_input(fake_engine: Engine) -> None:
    """Training keeps the link input; scoring the same records uses it, then releases it."""
    model = LinkageModel(**FAST).fit(fake_engine)
    built = _oid(fake_engine, KEPT)
    assert built is not None
    assert kept_link_input(fake_engine, "standardised") == KEPT
    assert _oid(fake_engine, KEPT) == built
    model.predict(fake_engine, output="pairs")
    assert not fake_engine.has_table(KEPT)


def test_records_changed_after_training_get_a_fresh_link_input(fake_engine: Engine) -> None:
    """A value updated in place after the link input was built is in the next one."""
    kept_link_input(fake_engine, "standardised")
    fake_engine.execute(
        "UPDATE standardised SET full_name = 'zz top' WHERE record_id = 'fake:0000'"
    )
    kept_link_input(fake_engine, "standardised")
    name = fake_engine.scalar(f"SELECT full_name FROM {KEPT} WHERE unique_id = 'fake:0000'")
    assert name == "zz top"


def test_pairs_scored_with_the_kept_link_input_equal_a_fresh_one(fake_engine: Engine) -> None:
    """Reusing training's link input scores every pair as a freshly built one does."""
    model = LinkageModel(**FAST).fit(fake_engine)
    model.predict(fake_engine, output="pairs_kept")
    model.predict(fake_engine, output="pairs_fresh")
    order = " ORDER BY unique_id_l, unique_id_r"
    assert fake_engine.query("SELECT * FROM pairs_kept" + order).equals(
        fake_engine.query("SELECT * FROM pairs_fresh" + order)
    )
