"""Properties of stable IDs over generated clusterings of small record sets."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from povlink.engine import Engine
from povlink.ids import StableIdFrames, assign_stable_ids_frame

FAST = settings(max_examples=15, deadline=None)

#: One engine for every example (starting DuckDB costs more than a small assignment); each call
#: leaves the engine's tables as it found them.
ENGINE = Engine(threads=1)


def assign(previous: pd.DataFrame | None, clusters: pd.DataFrame, **kwargs: int) -> StableIdFrames:
    return assign_stable_ids_frame(previous, clusters, engine=ENGINE, **kwargs)


Clustering = dict[str, int]
"""record_id -> cluster label."""


def record(i: int) -> str:
    return f"src:{i:03d}"


@st.composite
def clusterings(
    draw: st.DrawFn, *, records: list[str] | None = None, max_records: int = 16
) -> Clustering:
    """Records (given, or drawn from a small pool) each put in one of a few clusters."""
    if records is None:
        pool = draw(st.lists(st.integers(0, 60), min_size=1, max_size=max_records, unique=True))
        records = [record(i) for i in pool]
    labels = draw(st.lists(st.integers(0, 5), min_size=len(records), max_size=len(records)))
    return dict(zip(records, labels, strict=True))


def clusters_frame(clustering: Clustering, *, label_prefix: str = "c") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": list(clustering),
            "cluster_id": [f"{label_prefix}{label}" for label in clustering.values()],
        }
    )


def as_map(frames: StableIdFrames) -> dict[str, str]:
    return dict(zip(frames.ids["record_id"], frames.ids["person_id"], strict=True))


def groups(mapping: dict[str, str]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for rec, pid in mapping.items():
        out.setdefault(pid, set()).add(rec)
    return {pid: frozenset(recs) for pid, recs in out.items()}


def counter(pid: str) -> int:
    return int(pid[1:])


@FAST
@given(clusterings())
def test_identical_input_keeps_every_id(clustering: Clustering) -> None:
    """Running again on the same clusters (relabelled) keeps every ID and writes no event."""
    first = assign(None, clusters_frame(clustering), run_id=1)
    again = assign(
        first.ids,
        clusters_frame(clustering, label_prefix="other-"),
        run_id=2,
        last_issued=first.result.last_issued,
    )
    assert as_map(again) == as_map(first)
    assert again.events.empty
    assert again.result.last_issued == first.result.last_issued


@FAST
@given(clusterings(), st.data())
def test_new_records_that_join_no_one_change_no_existing_id(
    clustering: Clustering, data: st.DataObject
) -> None:
    """Records forming clusters of their own get fresh IDs; every old record keeps its ID."""
    first = assign(None, clusters_frame(clustering), run_id=1)
    new_records = [record(100 + i) for i in range(data.draw(st.integers(1, 6)))]
    new = data.draw(clusterings(records=new_records))
    combined = {**clustering, **{r: 10 + label for r, label in new.items()}}
    second = assign(
        first.ids, clusters_frame(combined), run_id=2, last_issued=first.result.last_issued
    )
    before, after = as_map(first), as_map(second)
    assert {r: after[r] for r in before} == before
    assert all(counter(after[r]) > first.result.last_issued for r in new_records)
    assert second.result.created == len(set(new.values()))


@FAST
@given(clusterings(), st.data())
def test_merge_keeps_the_id_of_the_larger_then_older_person(
    clustering: Clustering, data: st.DataObject
) -> None:
    """Merging two persons keeps the larger one's ID (ties: the lower counter); others stay."""
    first = assign(None, clusters_frame(clustering), run_id=1)
    persons = groups(as_map(first))
    if len(persons) < 2:
        return
    a, b = data.draw(
        st.lists(st.sampled_from(sorted(persons)), min_size=2, max_size=2, unique=True)
    )
    expected = min((a, b), key=lambda pid: (-len(persons[pid]), counter(pid)))
    merged = {
        r: (0 if as_map(first)[r] in (a, b) else 1 + label) for r, label in clustering.items()
    }
    second = assign(
        first.ids, clusters_frame(merged), run_id=2, last_issued=first.result.last_issued
    )
    after = groups(as_map(second))
    assert after[expected] == persons[a] | persons[b]
    assert {pid: recs for pid, recs in after.items() if pid != expected} == {
        pid: recs for pid, recs in persons.items() if pid not in (a, b)
    }
    loser = b if expected == a else a
    assert [tuple(e) for e in second.events[["event", "person_id", "other_person_id"]].values] == [
        ("merged", loser, expected),
        ("retired", loser, expected),
    ]


@FAST
@given(st.lists(clusterings(max_records=10), min_size=2, max_size=4))
def test_no_id_is_ever_reused_across_runs(runs: list[Clustering]) -> None:
    """Over a sequence of runs, a retired ID never returns and a created ID is always new."""
    previous: pd.DataFrame | None = None
    last_issued = 0
    ever_seen: set[str] = set()
    retired: set[str] = set()
    for run_id, clustering in enumerate(runs, start=1):
        frames = assign(
            previous, clusters_frame(clustering), run_id=run_id, last_issued=last_issued
        )
        current = set(frames.ids["person_id"])
        assert not current & retired
        created = set(frames.events.loc[frames.events["event"] == "created", "person_id"])
        assert not created & ever_seen
        assert current - created <= ever_seen
        retired |= set(frames.events.loc[frames.events["event"] == "retired", "person_id"])
        ever_seen |= current
        assert frames.result.last_issued >= max(counter(p) for p in ever_seen)
        previous, last_issued = frames.ids, frames.result.last_issued


@FAST
@given(clusterings(), clusterings(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_row_order(
    before: Clustering, after: Clustering, rnd: object
) -> None:
    """Shuffling the rows of both inputs and relabelling clusters changes neither map nor events."""
    import random

    assert isinstance(rnd, random.Random)
    first = assign(None, clusters_frame(before), run_id=1)
    kwargs = {"run_id": 2, "last_issued": first.result.last_issued}
    plain = assign(first.ids, clusters_frame(after), **kwargs)
    shuffled_prev = first.ids.sample(frac=1, random_state=rnd.randint(0, 10**6))
    shuffled_clusters = clusters_frame(after, label_prefix="x").sample(
        frac=1, random_state=rnd.randint(0, 10**6)
    )
    shuffled = assign(shuffled_prev, shuffled_clusters, **kwargs)
    assert as_map(shuffled) == as_map(plain)
    pd.testing.assert_frame_equal(shuffled.events, plain.events)


@FAST
@given(clusterings(), clusterings())
def test_every_record_has_exactly_one_id(before: Clustering, after: Clustering) -> None:
    """The new map holds each clustered record once, and each cluster under one ID."""
    first = assign(None, clusters_frame(before), run_id=1)
    second = assign(
        first.ids, clusters_frame(after), run_id=2, last_issued=first.result.last_issued
    )
    assert sorted(second.ids["record_id"]) == sorted(after)
    assert second.ids["record_id"].is_unique
    ids_per_cluster = {
        label: {as_map(second)[r] for r, lab in after.items() if lab == label}
        for label in set(after.values())
    }
    assert all(len(ids) == 1 for ids in ids_per_cluster.values())
    assert len(set(second.ids["person_id"])) == len(set(after.values()))


@FAST
@given(clusterings(), clusterings())
def test_lineage_events_account_for_every_record(before: Clustering, after: Clustering) -> None:
    """Every record of every ID is accounted for: kept, moved, withdrawn, added or created."""
    first = assign(None, clusters_frame(before), run_id=1)
    second = assign(
        first.ids, clusters_frame(after), run_id=2, last_issued=first.result.last_issued
    )
    old, new = as_map(first), as_map(second)
    ev = second.events
    moves = ev[ev["event"].isin(["split", "merged"])]

    def total(frame: pd.DataFrame) -> int:
        return int(frame["record_count"].sum())

    for pid, records in groups(old).items():
        kept = sum(1 for r in records if new.get(r) == pid)
        withdrawn = ev[(ev["event"] == "records_withdrawn") & (ev["person_id"] == pid)]
        assert kept + total(moves[moves["person_id"] == pid]) + total(withdrawn) == len(records)
    for pid, records in groups(new).items():
        created = ev[(ev["event"] == "created") & (ev["person_id"] == pid)]
        if len(created):
            assert total(created) == len(records)
            continue
        kept = sum(1 for r in records if old.get(r) == pid)
        added = ev[(ev["event"] == "records_added") & (ev["person_id"] == pid)]
        incoming = moves[moves["other_person_id"] == pid]
        assert kept + total(added) + total(incoming) == len(records)
    retired = set(ev.loc[ev["event"] == "retired", "person_id"])
    assert retired == set(groups(old)) - set(groups(new))
