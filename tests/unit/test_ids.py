"""Stable IDs: inheritance, fresh IDs, retirement and each lineage event."""

from __future__ import annotations

import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.exceptions import ConfigError, RegistryError
from povlink.ids import (
    StableIdFrames,
    assign_stable_ids,
    assign_stable_ids_frame,
    format_stable_id,
)


def clusters_of(*groups: str) -> pd.DataFrame:
    """A clusters table from groups written as space-separated record IDs."""
    rows = []
    for group in groups:
        members = group.split()
        rows += [(r, min(members)) for r in members]
    return pd.DataFrame(rows, columns=["record_id", "cluster_id"])


def id_map(mapping: dict[str, str]) -> pd.DataFrame:
    """A previous map from ``{"P000000001": "a b c"}``."""
    rows = [(r, pid) for pid, group in mapping.items() for r in group.split()]
    return pd.DataFrame(rows, columns=["record_id", "person_id"])


def ids_by_record(frames: StableIdFrames) -> dict[str, str]:
    return dict(zip(frames.ids["record_id"], frames.ids["person_id"], strict=True))


def groups_by_id(frames: StableIdFrames) -> dict[str, str]:
    """The new map as ``{"P000000001": "a b c"}`` (records sorted)."""
    out: dict[str, list[str]] = {}
    for record, pid in ids_by_record(frames).items():
        out.setdefault(pid, []).append(record)
    return {pid: " ".join(sorted(records)) for pid, records in out.items()}


def events(frames: StableIdFrames) -> list[tuple[object, ...]]:
    """Events as ``(event, person_id, other_person_id, record_count, detail)`` tuples."""
    df = frames.events.astype(object).where(frames.events.notna(), None)
    return [
        (e.event, e.person_id, e.other_person_id, int(e.record_count), e.detail)
        for e in df.itertuples()
    ]


P1, P2, P3, P4, P5 = (format_stable_id("P", i) for i in range(1, 6))


def test_first_run_issues_ids_in_order_of_the_smallest_record() -> None:
    """On the first run every cluster gets a fresh ID, numbered by its smallest record ID."""
    frames = assign_stable_ids_frame(None, clusters_of("c d", "a e", "b"), run_id=1)
    assert groups_by_id(frames) == {P1: "a e", P2: "b", P3: "c d"}
    assert frames.result.last_issued == 3
    assert frames.result.created == 3
    assert events(frames) == [
        ("created", P1, None, 2, None),
        ("created", P2, None, 1, None),
        ("created", P3, None, 2, None),
    ]


def test_identical_input_keeps_every_id_and_writes_no_event() -> None:
    """Re-running on the same clusters changes nothing."""
    previous = id_map({P1: "a e", P2: "b", P3: "c d"})
    frames = assign_stable_ids_frame(
        previous, clusters_of("a e", "b", "c d"), run_id=2, last_issued=3
    )
    assert groups_by_id(frames) == {P1: "a e", P2: "b", P3: "c d"}
    assert frames.result.last_issued == 3
    assert frames.result.carried_forward == 3
    assert frames.events.empty


def test_fresh_ids_continue_from_the_highest_ever_issued() -> None:
    """A new person gets the next counter after last_issued, not after the highest ID in use."""
    previous = id_map({P1: "a"})
    frames = assign_stable_ids_frame(previous, clusters_of("a", "b"), run_id=2, last_issued=7)
    assert ids_by_record(frames) == {"a": P1, "b": format_stable_id("P", 8)}
    assert frames.result.last_issued == 8
    assert events(frames) == [("created", format_stable_id("P", 8), None, 1, None)]


def test_records_added_to_an_existing_person() -> None:
    """New records that join a person keep its ID and are logged as records_added."""
    previous = id_map({P1: "b c"})
    frames = assign_stable_ids_frame(previous, clusters_of("a b c d"), run_id=2, last_issued=1)
    assert groups_by_id(frames) == {P1: "a b c d"}
    assert events(frames) == [("records_added", P1, None, 2, None)]


def test_records_withdrawn_from_a_person() -> None:
    """Records that disappear are logged as records_withdrawn; the person keeps its ID."""
    previous = id_map({P1: "a b c"})
    frames = assign_stable_ids_frame(previous, clusters_of("a"), run_id=2, last_issued=1)
    assert groups_by_id(frames) == {P1: "a"}
    assert events(frames) == [("records_withdrawn", P1, None, 2, None)]


def test_person_whose_records_are_all_withdrawn_is_retired() -> None:
    """An ID with no record left is retired with the reason withdrawn."""
    previous = id_map({P1: "a", P2: "b c"})
    frames = assign_stable_ids_frame(previous, clusters_of("a"), run_id=2, last_issued=2)
    assert groups_by_id(frames) == {P1: "a"}
    assert frames.result.retired == 1
    assert events(frames) == [
        ("records_withdrawn", P2, None, 2, None),
        ("retired", P2, None, 0, "withdrawn"),
    ]


def test_merge_keeps_the_id_of_the_larger_person() -> None:
    """Two persons judged one keep the ID of the one with more records, even if younger."""
    previous = id_map({P1: "a", P2: "b c"})
    frames = assign_stable_ids_frame(previous, clusters_of("a b c"), run_id=2, last_issued=2)
    assert groups_by_id(frames) == {P2: "a b c"}
    assert events(frames) == [
        ("merged", P1, P2, 1, None),
        ("retired", P1, P2, 1, "merged"),
    ]


def test_merge_of_equal_persons_keeps_the_older_id() -> None:
    """Between persons of the same size the lower counter (issued earlier) survives."""
    previous = id_map({P3: "a", P2: "b"})
    frames = assign_stable_ids_frame(previous, clusters_of("a b"), run_id=2, last_issued=3)
    assert groups_by_id(frames) == {P2: "a b"}


def test_older_id_is_by_counter_not_by_text() -> None:
    """A counter wider than the padding is still younger than every shorter one."""
    old = format_stable_id("P", 99, digits=2)
    young = format_stable_id("P", 100, digits=2)
    assert young < old  # as text 'P100' sorts first; as a counter it is younger
    previous = id_map({young: "a", old: "b"})
    frames = assign_stable_ids_frame(
        previous, clusters_of("a b"), run_id=2, last_issued=100, digits=2
    )
    assert groups_by_id(frames) == {old: "a b"}


def test_split_keeps_the_id_on_the_larger_part() -> None:
    """A person judged two keeps its ID on the bigger part; the other part gets a fresh ID."""
    previous = id_map({P1: "a b c"})
    frames = assign_stable_ids_frame(previous, clusters_of("a", "b c"), run_id=2, last_issued=1)
    assert groups_by_id(frames) == {P2: "a", P1: "b c"}
    assert events(frames) == [
        ("created", P2, None, 1, None),
        ("split", P1, P2, 1, None),
    ]


def test_split_into_equal_parts_keeps_the_id_on_the_part_with_the_smallest_record() -> None:
    """Ties between clusters go to the cluster whose smallest record ID sorts first."""
    previous = id_map({P1: "a b c d"})
    frames = assign_stable_ids_frame(previous, clusters_of("b d", "a c"), run_id=2, last_issued=1)
    assert groups_by_id(frames) == {P1: "a c", P2: "b d"}


def test_id_split_between_two_others_is_retired_as_split() -> None:
    """When every part of a person is taken by a bigger person, its ID retires as split."""
    previous = id_map({P1: "a b", P2: "c d e", P3: "f g h"})
    frames = assign_stable_ids_frame(
        previous, clusters_of("a c d e", "b f g h"), run_id=2, last_issued=3
    )
    assert groups_by_id(frames) == {P2: "a c d e", P3: "b f g h"}
    assert events(frames) == [
        ("split", P1, P2, 1, None),
        ("split", P1, P3, 1, None),
        ("retired", P1, P2, 2, "split"),
    ]


def test_id_goes_to_the_cluster_where_it_covers_most_records() -> None:
    """A cluster whose main ID is taken by a bigger share elsewhere inherits its next best."""
    # P1 covers a,b in the first cluster and c,d,e in the second: it goes to the second.
    # The first cluster then inherits P2, which covers only f there.
    previous = id_map({P1: "a b c d e", P2: "f"})
    frames = assign_stable_ids_frame(
        previous, clusters_of("a b f", "c d e"), run_id=2, last_issued=2
    )
    assert groups_by_id(frames) == {P2: "a b f", P1: "c d e"}
    assert events(frames) == [("split", P1, P2, 2, None)]


def test_greedy_order_lets_a_later_pair_take_a_second_choice() -> None:
    """A previous ID outbid for its best cluster still goes to its next best free cluster."""
    # P2 covers 2 records of the first cluster and 1 of the second; P1 covers 3 of the first.
    previous = id_map({P1: "a b c", P2: "d e f"})
    frames = assign_stable_ids_frame(
        previous, clusters_of("a b c d e", "f"), run_id=2, last_issued=2
    )
    assert groups_by_id(frames) == {P1: "a b c d e", P2: "f"}


def test_household_ids_use_their_own_prefix_and_columns() -> None:
    """The same mechanism names household IDs and their event columns after id_column."""
    clusters = clusters_of("a b", "c").rename(columns={"cluster_id": "household_cluster"})
    frames = assign_stable_ids_frame(
        None,
        clusters,
        run_id=1,
        prefix="H",
        id_column="household_id",
        cluster_column="household_cluster",
    )
    assert list(frames.ids.columns) == ["record_id", "household_id"]
    assert list(frames.ids["household_id"]) == ["H000000001", "H000000001", "H000000002"]
    assert list(frames.events.columns) == [
        "run_id",
        "event",
        "household_id",
        "other_household_id",
        "record_count",
        "detail",
    ]


def test_counter_wider_than_the_padding_is_kept_whole() -> None:
    """Running out of digits widens the ID instead of truncating it into an old one."""
    frames = assign_stable_ids_frame(None, clusters_of("a", "b"), run_id=1, last_issued=9, digits=1)
    assert list(frames.ids["person_id"]) == ["P10", "P11"]


def test_engine_tables_are_written_and_work_tables_dropped(engine: Engine) -> None:
    """The engine form writes the two named tables and leaves no temporary table behind."""
    engine.register("clusters_df", clusters_of("a b", "c"))
    engine.create_table("person_clusters", "SELECT * FROM clusters_df")
    before = set(engine.rows("SELECT table_name FROM information_schema.tables"))
    result = assign_stable_ids(
        engine,
        previous=None,
        clusters="person_clusters",
        run_id=5,
        output="persons",
        events_output="lineage",
    )
    after = set(engine.rows("SELECT table_name FROM information_schema.tables"))
    assert after - before == {("persons",), ("lineage",)}
    assert result.records == 3
    assert engine.rows("SELECT DISTINCT run_id FROM lineage") == [(5,)]


def test_record_in_two_clusters_is_refused(engine: Engine) -> None:
    """A clusters table that repeats a record is an upstream bug, named in the error."""
    engine.register(
        "c", pd.DataFrame({"record_id": ["a", "a", "b"], "cluster_id": ["a", "b", "b"]})
    )
    with pytest.raises(RegistryError) as info:
        assign_stable_ids(
            engine, previous=None, clusters="c", run_id=1, output="o", events_output="e"
        )
    assert str(info.value) == (
        "clusters table 'c' must hold each record once, with a record_id; found 'a' (2 rows). "
        "A record has exactly one cluster: fix the stage that wrote it."
    )


@pytest.mark.parametrize("temporary", [False, True])
def test_outputs_are_temporary_when_asked(engine: Engine, temporary: bool) -> None:
    """``temporary`` makes both outputs temporary tables, which never reach the file."""
    engine.register("clusters_df", clusters_of("a b", "c"))
    engine.create_table("person_clusters", "SELECT * FROM clusters_df")
    assign_stable_ids(
        engine,
        previous=None,
        clusters="person_clusters",
        run_id=1,
        output="ids",
        events_output="events",
        temporary=temporary,
    )
    kinds = engine.rows(
        "SELECT table_name, temporary FROM duckdb_tables() "
        "WHERE table_name IN ('ids', 'events') ORDER BY table_name"
    )
    assert kinds == [("events", temporary), ("ids", temporary)]


def test_record_without_a_cluster_is_refused() -> None:
    """A clustered record must belong to a cluster; a record alone is a cluster of one."""
    clusters = pd.DataFrame({"record_id": ["a", "b"], "cluster_id": ["a", None]})
    with pytest.raises(RegistryError, match="has records without a cluster_id"):
        assign_stable_ids_frame(None, clusters, run_id=1)


def test_previous_counter_above_last_issued_is_refused() -> None:
    """A persisted counter behind the IDs in use would reissue old IDs, so it is refused."""
    previous = id_map({P5: "a"})
    with pytest.raises(RegistryError) as info:
        assign_stable_ids_frame(previous, clusters_of("a"), run_id=2, last_issued=3)
    assert str(info.value) == (
        "the previous IDs include P000000005 but last_issued is 3; the stored counter is behind "
        "the IDs it issued, so new IDs could repeat old ones. Pass the highest counter ever "
        "issued."
    )


def test_prefix_ending_in_a_digit_is_refused() -> None:
    """A prefix must not end in a digit, or the counter could not be read back."""
    with pytest.raises(ConfigError, match="prefix must be letters"):
        assign_stable_ids_frame(None, clusters_of("a"), run_id=1, prefix="P1")


def test_ids_from_elsewhere_are_carried_and_count_as_youngest() -> None:
    """An imported ID without a counter is kept, but loses a tie to an issued ID."""
    previous = id_map({"LEGACY-7": "a", P1: "b"})
    frames = assign_stable_ids_frame(previous, clusters_of("a b", "c"), run_id=2, last_issued=1)
    assert groups_by_id(frames) == {P1: "a b", P2: "c"}
    frames = assign_stable_ids_frame(previous, clusters_of("a", "b"), run_id=2, last_issued=1)
    assert groups_by_id(frames) == {"LEGACY-7": "a", P1: "b"}
