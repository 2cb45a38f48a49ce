"""Training on level patterns: u from random pairs, m by EM, the prior's count, gamma numbering."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.linkage.blocking import BlockingRule
from povlink.linkage.training import (
    Patterns,
    PriorCount,
    blocked_pair_patterns,
    count_pairs_of_any,
    estimate_m,
    estimate_u,
    gamma_sql,
    neutralise_unseen_levels,
    random_pair_patterns,
)

#: Two comparisons of three levels (value 2 = exact, 1 = close, 0 = else), a known truth.
M = {"name": [0.05, 0.15, 0.80], "date": [0.10, 0.10, 0.80]}
U = {"name": [0.97, 0.02, 0.01], "date": [0.90, 0.09, 0.01]}


def _comparison(name: str) -> dict[str, Any]:
    return {
        "output_column_name": name,
        "comparison_levels": [
            {"sql_condition": f"{name}_l IS NULL OR {name}_r IS NULL", "is_null_level": True},
            {"sql_condition": f"{name}_l = {name}_r", "label_for_charts": "exact"},
            {"sql_condition": f"{name}_l < {name}_r", "label_for_charts": "close"},
            {"sql_condition": "ELSE", "label_for_charts": "All other comparisons"},
        ],
    }


def _mixture(share: float, pairs: float) -> Patterns:
    """Expected counts of every level combination among ``pairs`` pairs, ``share`` of them
    matches, the comparisons independent given the match status (the model's assumption)."""
    rows, counts = [], []
    for a, b in itertools.product(range(3), repeat=2):
        rows.append([a, b])
        match = M["name"][a] * M["date"][b]
        non = U["name"][a] * U["date"][b]
        counts.append(pairs * (share * match + (1 - share) * non))
    return Patterns(("name", "date"), np.array(rows, dtype=np.int64), np.array(counts))


def _levels(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """Non-null levels in value order 0, 1, 2 (else first)."""
    return [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")][::-1]


def _with_u(names: tuple[str, ...] = ("name", "date")) -> list[dict[str, Any]]:
    comparisons = [_comparison(n) for n in names]
    for c in comparisons:
        for value, level in enumerate(_levels(c)):
            level["u_probability"] = U[c["output_column_name"]][value]
    return comparisons


def test_em_recovers_m_and_the_share_of_matches() -> None:
    """EM on blocked pairs (30% matches) recovers every m within 0.01."""
    comparisons = _with_u()
    learned = estimate_m(comparisons, _mixture(0.3, 1e6), {"name", "date"}, prior=1e-4)
    for name in ("name", "date"):
        assert [learned[name][v] for v in range(3)] == pytest.approx(M[name], abs=0.01)


def test_em_leaves_out_comparisons_it_does_not_train() -> None:
    """Only the comparisons named in ``trains`` are learned."""
    learned = estimate_m(_with_u(), _mixture(0.3, 1e6), {"date"}, prior=1e-4)
    assert set(learned) == {"date"}


def test_u_without_the_matches_among_random_pairs() -> None:
    """With m and the prior known, the matches a random sample holds are taken out of u."""
    comparisons = _with_u()
    for c in comparisons:
        for value, level in enumerate(_levels(c)):
            level["m_probability"] = M[c["output_column_name"]][value]
    random_pairs = _mixture(0.01, 1e7)  # 1% matches: the exact levels' raw share is inflated
    estimate_u(comparisons, random_pairs)
    raw = _levels(comparisons[0])[2]["u_probability"]
    estimate_u(comparisons, random_pairs, prior=0.01)
    for c in comparisons:
        got = [lv["u_probability"] for lv in _levels(c)]
        assert got == pytest.approx(U[c["output_column_name"]], rel=0.05)
    assert raw > 1.5 * U["name"][2]


def test_no_frequency_below_one_pair_of_the_sample() -> None:
    """A level no random pair reached gets u of one pair, not zero."""
    comparisons = [_comparison("name")]
    patterns = Patterns(("name",), np.array([[0], [1]]), np.array([900.0, 100.0]))
    estimate_u(comparisons, patterns)
    assert [lv["u_probability"] for lv in _levels(comparisons[0])] == [0.9, 0.1, 0.001]


def test_a_level_seen_in_no_sample_weighs_nothing() -> None:
    """m = u for a level neither the random nor the training pairs reached."""
    comparisons = _with_u(("name",))
    for level in _levels(comparisons[0]):
        level["m_probability"] = 0.3
    patterns = Patterns(("name",), np.array([[0], [2]]), np.array([10.0, 1.0]))
    neutralise_unseen_levels(comparisons, [patterns])
    close = _levels(comparisons[0])[1]
    assert close["m_probability"] == close["u_probability"]
    assert _levels(comparisons[0])[2]["m_probability"] == 0.3


@pytest.fixture
def records(engine: Engine) -> Engine:
    """Twelve records: ``name`` in blocks of 4, 3 and 5 (6 + 3 + 10 = 19 pairs), ``date``."""
    names = ["a"] * 4 + ["b"] * 3 + ["c"] * 5
    frame = pd.DataFrame(
        {
            "unique_id": [f"r{i:02d}" for i in range(12)],
            "name": names,
            "date": [i % 3 for i in range(12)],
        }
    )
    engine.register("frame", frame)
    engine.create_table("li", "SELECT * FROM frame")
    return engine


def test_prior_counts_the_pairs_of_any_rule_once(records: Engine) -> None:
    """Pairs found by either rule, by inclusion-exclusion, equal a brute-force count."""
    rules = [BlockingRule.on("name"), BlockingRule.on("date")]
    brute = records.rows(
        "SELECT count(*) FROM li l JOIN li r ON l.unique_id < r.unique_id "
        "AND (l.name = r.name OR l.date = r.date)"
    )[0][0]
    assert count_pairs_of_any(records, "li", rules) == brute
    prior = PriorCount.of(records, "li", rules)
    assert prior.probability(0.9) == pytest.approx(brute / 0.9 / 66)
    assert prior.probability(0.01) == pytest.approx(brute / 66)  # found pairs are all


def test_patterns_number_levels_as_splink_does(records: Engine) -> None:
    """Blocked pairs on the name: every pair agrees exactly (value 2); dates by the CASE."""
    comparisons = [_comparison("name"), _comparison("date")]
    patterns = blocked_pair_patterns(
        records, "li", comparisons, BlockingRule.on("name"), max_pairs=1e6, seed=1
    )
    assert patterns.pairs == 19
    assert set(patterns.column("name")) == {2}
    brute = records.rows(
        f"SELECT count(*) FROM (SELECT l.date AS date_l, r.date AS date_r FROM li l JOIN li r "
        f"ON l.name = r.name AND l.unique_id < r.unique_id) WHERE "
        f"({gamma_sql(comparisons[1])}) = 1"
    )[0][0]
    assert patterns.counts[patterns.column("date") == 1].sum() == brute


def test_random_pairs_are_every_pair_of_a_seeded_sample(records: Engine) -> None:
    """With room for all 66 pairs, all are drawn; a smaller budget draws the same ones again."""
    comparisons = [_comparison("name")]
    everything = random_pair_patterns(records, "li", comparisons, max_pairs=1e6, seed=1)
    assert everything.pairs == 66
    some = random_pair_patterns(records, "li", comparisons, max_pairs=20, seed=1)
    again = random_pair_patterns(records, "li", comparisons, max_pairs=20, seed=1)
    assert 0 < some.pairs < 66
    assert some.pairs == again.pairs
    assert (some.counts == again.counts).all()


def test_prior_on_a_tiny_table_is_a_probability() -> None:
    """Rules that find more pairs than the recall allows: those pairs are all; never 0 or 1."""
    assert PriorCount(found=6, pairs=10).probability(0.5) == pytest.approx(0.6)
    assert PriorCount(found=0, pairs=1000).probability(0.5) == pytest.approx(0.001)
    assert 0 < PriorCount(found=1, pairs=1).probability(0.7) < 1


def test_a_sample_of_every_record_reads_the_input_and_leaves_nothing(records: Engine) -> None:
    """Within budget the sample is the whole input (a view, no copy); it is gone afterwards."""
    comparisons = [_comparison("date")]
    patterns = blocked_pair_patterns(
        records, "li", comparisons, BlockingRule.on("name"), max_pairs=1e6, seed=1
    )
    assert patterns.pairs == 19
    left = (
        records.rows(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = '__povlink_training_sample'"
        )[0][0]
        + records.rows(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = '__povlink_training_sample'"
        )[0][0]
    )
    assert left == 0


@pytest.mark.parametrize("parts", [2, 3, 5])
def test_patterns_are_the_same_however_the_pairs_are_split(
    records: Engine, monkeypatch: pytest.MonkeyPatch, parts: int
) -> None:
    """Splitting the left records across threads neither loses nor repeats a pair."""
    import povlink.linkage.training as training

    comparisons = [_comparison("name"), _comparison("date")]

    def patterns() -> list[Patterns]:
        rule = BlockingRule.on("date")
        return [
            blocked_pair_patterns(records, "li", comparisons, rule, max_pairs=1e6, seed=1),
            random_pair_patterns(records, "li", comparisons, max_pairs=1e6, seed=1),
        ]

    monkeypatch.setattr(training, "_parallel_parts", lambda engine: 1)
    whole = patterns()
    monkeypatch.setattr(training, "_parallel_parts", lambda engine: parts)
    for one, split in zip(whole, patterns(), strict=True):
        assert one.pairs == split.pairs
        assert (one.gammas == split.gammas).all()
        assert (one.counts == split.counts).all()


def test_only_a_sample_smaller_than_a_row_group_is_split(engine: Engine) -> None:
    """A large sample is already scanned in parallel; a small one gets a part per thread."""
    from povlink.linkage.training import _ROW_GROUP, _SAMPLE, _parallel_parts

    engine.execute("SET threads = 3")
    engine.create_table(_SAMPLE, "SELECT range AS unique_id FROM range(1000)")
    assert _parallel_parts(engine) == 3
    engine.create_table(_SAMPLE, f"SELECT range AS unique_id FROM range({_ROW_GROUP})")
    assert _parallel_parts(engine) == 1
