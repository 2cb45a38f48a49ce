"""Blocking: the link input, the loose rules' pair budget, and recall on the synthetic city."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.linkage.blocking import (
    PREDICTION_RULES,
    BlockingRule,
    choose_loose_rules,
    count_pairs,
    link_input_sources,
    link_input_sql,
)


def _link_input(engine: Engine, frame: pd.DataFrame) -> None:
    engine.register("frame", frame)
    engine.create_table("standardised", "SELECT * FROM frame")
    engine.create_table("li", link_input_sql("standardised", set(frame.columns)))


def test_link_input_derives_keys_and_fills_missing_fields(engine: Engine) -> None:
    """First and last tokens, sorted name key, sex from the NIK; absent fields are typed NULLs."""
    _link_input(
        engine,
        pd.DataFrame(
            {
                "record_id": ["a:1", "a:2"],
                "name_tokens": [["siti", "aminah"], ["slamet"]],
                "nik_sex": ["F", "M"],
                "kelurahan_name": ["jomblang", None],
            }
        ),
    )
    rows = engine.rows(
        "SELECT unique_id, name_first, name_last, name_key, sex, kelurahan_key, nik, birth_date "
        "FROM li ORDER BY unique_id"
    )
    assert rows == [
        ("a:1", "siti", "aminah", "aminah siti", "F", "jomblang", None, None),
        ("a:2", "slamet", "slamet", "slamet", "M", None, None, None),
    ]


def test_count_pairs_is_the_sum_over_blocks(engine: Engine) -> None:
    """Blocks of 3 and 2 records (and a NULL key) give 3 + 1 pairs."""
    _link_input(
        engine,
        pd.DataFrame(
            {
                "record_id": [f"a:{i}" for i in range(6)],
                "address": ["x", "x", "x", "y", "y", None],
            }
        ),
    )
    assert count_pairs(engine, "li", BlockingRule.on("address")) == 4


def test_loose_rules_stay_within_the_budget(engine: Engine) -> None:
    """Rules are taken in order while their pairs fit; a costly one is skipped, not stopped at."""
    _link_input(
        engine,
        pd.DataFrame(
            {
                "record_id": [f"a:{i}" for i in range(40)],
                "birth_date": pd.to_datetime(["1980-01-01"] * 40).date,  # 780 pairs
                "name_tokens": [["budi", f"x{i // 4}"] for i in range(40)],  # first+last: 60
            }
        ),
    )
    available = {"birth_date", "name_first", "name_last"}
    chosen = choose_loose_rules(engine, "li", available, budget=130)
    # first+last: 60 pairs; the birth date and the first token alone (780 each) are skipped;
    # the last token alone (60 more) still fits.
    assert [r.sql for r in chosen] == [
        "l.name_first = r.name_first AND l.name_last = r.name_last",
        "l.name_last = r.name_last",
    ]
    assert sum(count_pairs(engine, "li", r) for r in chosen) <= 130


def test_a_rule_coarser_than_one_skipped_is_not_counted(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fewer columns, at least as many pairs: the choice is the one counting every rule gives."""
    from povlink.linkage import blocking

    _link_input(
        engine,
        pd.DataFrame(
            {
                "record_id": [f"a:{i}" for i in range(40)],
                "birth_date": pd.to_datetime(["1980-01-01"] * 40).date,
                "name_tokens": [["budi", f"x{i // 4}"] for i in range(40)],
                "kelurahan_name": ["jomblang"] * 20 + ["bugangan"] * 20,
            }
        ),
    )
    available = {"birth_date", "name_first", "name_last", "kelurahan_key"}
    counted: list[str] = []

    def spy(e: Engine, table: str, rule: BlockingRule) -> int:
        counted.append(rule.sql)
        return count_pairs(e, table, rule)

    every = [r for r in blocking.LOOSE_RULES if set(r.needs) <= available]
    spent, expected = 0, []
    for rule in every:  # the choice when every rule is counted
        n = count_pairs(engine, "li", rule)
        if spent + n <= 130:
            expected.append(rule.sql)
            spent += n
    monkeypatch.setattr(blocking, "count_pairs", spy)
    chosen = choose_loose_rules(engine, "li", available, budget=130)
    assert [r.sql for r in chosen] == expected
    # birth date + kelurahan (2 x 190 pairs) overran: the birth date alone and the kelurahan
    # alone were not counted, nor the first token alone (first token + kelurahan overran too).
    assert "l.birth_date = r.birth_date" not in counted
    assert "l.kelurahan_key = r.kelurahan_key" not in counted
    assert "l.name_first = r.name_first" not in counted
    assert len(counted) < len(every)


def _pair_sql(rule: BlockingRule) -> str:
    return re.sub(r"\b(l|r)\.(\w+)", lambda m: f"{'a' if m[1] == 'l' else 'b'}.{m[2]}", rule.sql)


def test_core_rules_reach_nearly_every_true_pair_of_the_synthetic_city(tmp_path: Path) -> None:
    """The city-scale rules alone find at least 99.5% of the true pairs of a synthetic city."""
    from povlink.config import load_project
    from povlink.registry import Registry
    from povlink.standardise import load_regions, standardise_table
    from povlink.synth import generate_city

    made = generate_city(tmp_path / "city", households=3_000, seed=11)
    config = load_project(made.project_file)
    truth = pd.read_csv(made.truth_file, dtype=str)
    with Registry(tmp_path / "registry.duckdb") as registry:
        with registry.run("ingest") as run:
            for source in config.sources:
                registry.ingest(run, source)
        e = registry.engine
        e.create_table("records", registry.current_records_sql([s.name for s in config.sources]))
        standardise_table(
            e,
            "records",
            "standardised",
            regions=load_regions(config.regions),
            date_order={s.name: s.options.date_order for s in config.sources},
        )
        e.create_table("li", link_input_sql("standardised", set(e.columns("standardised"))))
        e.register("truth_df", truth)
        any_rule = " OR ".join(f"({_pair_sql(r)})" for r in PREDICTION_RULES)
        found, total = e.rows(
            f"""
            SELECT count(*) FILTER (WHERE {any_rule}), count(*)
            FROM truth_df t1 JOIN truth_df t2
                ON t1.person_id = t2.person_id AND t1.record_id < t2.record_id
            JOIN li a ON a.unique_id = t1.record_id JOIN li b ON b.unique_id = t2.record_id
            """
        )[0]
    assert total > 1_000
    assert found / total >= 0.995


def test_link_input_sources_are_all_the_link_input_reads(fake_engine: Engine) -> None:
    """A table of only the columns the link input reads gives the same link input."""
    fake_engine.execute("ALTER TABLE standardised ADD COLUMN full_name_raw VARCHAR DEFAULT 'x'")
    available = fake_engine.columns("standardised")
    kept = link_input_sources(available)
    assert "full_name_raw" not in kept
    assert "entity_id" not in kept
    fake_engine.create_table("narrow", f"SELECT {', '.join(kept)} FROM standardised")
    whole = link_input_sql("standardised", set(available))
    narrow = link_input_sql("narrow", set(kept))
    assert fake_engine.rows(f"{whole} ORDER BY ALL") == fake_engine.rows(f"{narrow} ORDER BY ALL")
