"""cluster_records: persons from pairs, conflict splitting, confidence, determinism."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.linkage import cluster_records
from povlink.linkage.clustering import split_conflicting_cluster

NIK_A = "3374015708800001"  # born 17 Aug 1980 (woman: day + 40)
NIK_B = "3374012003750002"  # born 20 Mar 1975
BORN_A, BORN_B = dt.date(1980, 8, 17), dt.date(1975, 3, 20)


def _weight(p: float) -> float:
    return math.log2(p / (1 - p))


def _load(
    engine: Engine, records: list[dict[str, object]], links: list[tuple[str, str, float]]
) -> None:
    table = pd.DataFrame(records)
    for column in ("nik", "nik_birth_date", "birth_date"):
        if column not in table:
            table[column] = None
    table["birth_date_is_placeholder"] = False
    engine.register("records_df", table)
    engine.create_table(
        "standardised",
        "SELECT record_id, nik, CAST(nik_birth_date AS DATE) AS nik_birth_date, "
        "CAST(birth_date AS DATE) AS birth_date, birth_date_is_placeholder FROM records_df",
    )
    pairs = pd.DataFrame(
        [(min(a, b), max(a, b), _weight(p), p) for a, b, p in links],
        columns=["unique_id_l", "unique_id_r", "match_weight", "match_probability"],
    )
    engine.register("pairs_df", pairs)
    engine.create_table("pairwise_predictions", "SELECT * FROM pairs_df")


def _clusters(engine: Engine, threshold: float = 0.9) -> dict[str, str]:
    cluster_records(engine, threshold=threshold)
    rows = engine.rows("SELECT record_id, cluster_id FROM person_clusters ORDER BY record_id")
    return dict(rows)


def test_every_record_once_named_by_its_smallest_id(engine: Engine) -> None:
    """Linked records share the smallest record id; unlinked records are their own cluster."""
    ids = ["s:a", "s:b", "s:c", "s:d", "s:e"]
    _load(
        engine,
        [{"record_id": r} for r in ids],
        [("s:c", "s:b", 0.99), ("s:b", "s:a", 0.95), ("s:d", "s:e", 0.5)],
    )
    assert _clusters(engine) == {
        "s:a": "s:a", "s:b": "s:a", "s:c": "s:a", "s:d": "s:d", "s:e": "s:e"
    }  # fmt: skip


@pytest.mark.parametrize("temporary", [False, True])
def test_output_is_temporary_when_asked(engine: Engine, temporary: bool) -> None:
    """``temporary`` writes the same clusters into a temporary table."""
    _load(engine, [{"record_id": r} for r in ("a", "b", "c")], [("a", "b", 0.99)])
    cluster_records(engine, threshold=0.9, output="clusters", temporary=temporary)
    kind = engine.rows("SELECT temporary FROM duckdb_tables() WHERE table_name = 'clusters'")
    assert kind == [(temporary,)]
    assert engine.rows("SELECT record_id, cluster_id FROM clusters ORDER BY record_id") == [
        ("a", "a"),
        ("b", "a"),
        ("c", "c"),
    ]


def test_confidence_is_the_strongest_link_or_one_minus_it_when_alone(engine: Engine) -> None:
    """A linked record's confidence is its best link inside; a lone record's is 1 − its best."""
    _load(
        engine,
        [{"record_id": r} for r in ("a", "b", "c", "d", "e")],
        [("a", "b", 0.99), ("b", "c", 0.95), ("d", "e", 0.3)],
    )
    cluster_records(engine, threshold=0.9)
    got = dict(engine.rows("SELECT record_id, cluster_confidence FROM person_clusters"))
    assert got == pytest.approx({"a": 0.99, "b": 0.99, "c": 0.95, "d": 0.7, "e": 0.7})


def test_a_long_chain_is_one_cluster(engine: Engine) -> None:
    """Label propagation reaches the end of a 40-record chain."""
    ids = [f"r{i:03d}" for i in range(40)]
    _load(
        engine,
        [{"record_id": r} for r in ids],
        [(ids[i], ids[i + 1], 0.99) for i in range(39)],
    )
    assert set(_clusters(engine).values()) == {"r000"}


def test_cluster_ids_do_not_depend_on_row_order(engine: Engine) -> None:
    """Shuffled records and pairs give the same clusters."""
    ids = [f"r{i:02d}" for i in range(30)]
    links = [(ids[i], ids[(7 * i + 3) % 30], 0.95) for i in range(0, 30, 3)]
    _load(engine, [{"record_id": r} for r in ids], links)
    first = _clusters(engine)
    _load(engine, [{"record_id": r} for r in reversed(ids)], list(reversed(links)))
    assert _clusters(engine) == first


def test_two_different_niks_are_split_along_the_weakest_link(engine: Engine) -> None:
    """A chain a1–a2–b1–b2 holding two NIKs splits at its weakest link, a2–b1."""
    _load(
        engine,
        [
            {"record_id": "a1", "nik": NIK_A, "nik_birth_date": BORN_A, "birth_date": BORN_A},
            {"record_id": "a2", "birth_date": BORN_A},
            {"record_id": "b1", "birth_date": BORN_B},
            {"record_id": "b2", "nik": NIK_B, "nik_birth_date": BORN_B, "birth_date": BORN_B},
        ],
        [("a1", "a2", 0.999), ("a2", "b1", 0.92), ("b1", "b2", 0.99)],
    )
    assert _clusters(engine) == {"a1": "a1", "a2": "a1", "b1": "b1", "b2": "b1"}
    confidence = dict(engine.rows("SELECT record_id, cluster_confidence FROM person_clusters"))
    assert confidence["a2"] == pytest.approx(0.999)


def test_one_typo_apart_niks_are_not_split(engine: Engine) -> None:
    """NIKs one substitution apart may be one person's NIK and a typo: the cluster stays."""
    typo = NIK_A[:-1] + "7"
    _load(
        engine,
        [
            {"record_id": "a1", "nik": NIK_A, "nik_birth_date": BORN_A, "birth_date": BORN_A},
            {"record_id": "a2", "nik": typo, "nik_birth_date": BORN_A, "birth_date": BORN_A},
        ],
        [("a1", "a2", 0.95)],
    )
    assert set(_clusters(engine).values()) == {"a1"}


def test_a_nik_contradicting_its_birth_date_does_not_split(engine: Engine) -> None:
    """A head's NIK copied onto a child's record (birth dates disagree) is not trusted."""
    _load(
        engine,
        [
            {"record_id": "a1", "nik": NIK_A, "nik_birth_date": BORN_A, "birth_date": BORN_A},
            {"record_id": "a2", "nik": NIK_B, "nik_birth_date": BORN_B, "birth_date": BORN_A},
        ],
        [("a1", "a2", 0.95)],
    )
    assert set(_clusters(engine).values()) == {"a1"}


def test_split_keeps_strongest_links_first() -> None:
    """The pure splitter never joins parts with different NIKs and keeps stronger links."""
    parts = split_conflicting_cluster(
        ["a", "b", "c", "d"],
        [("a", "b"), ("c", "d"), ("b", "c"), ("a", "d")],
        {"a": NIK_A, "d": NIK_B},
    )
    assert parts == {"a": "a", "b": "a", "c": "c", "d": "c"}


def test_threshold_outside_zero_one_is_refused(engine: Engine) -> None:
    """A threshold is a probability."""
    _load(engine, [{"record_id": "a"}], [])
    with pytest.raises(ValueError, match=r"threshold must be a probability in \[0, 1\]"):
        cluster_records(engine, threshold=3.0)
