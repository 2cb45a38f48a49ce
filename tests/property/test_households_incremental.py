"""An incremental household resolution gives exactly the rows of a full one, for any edit.

Small populations of a few families (each with its own cards, persons, addresses and names, and
now and then a value shared with another family: a common mother's name, a shared address, a
person linked across families) are resolved in full; then random edits are applied (records
added, changed in one household field, withdrawn; person IDs renamed, merged or split) and the
new data is resolved both in full and incrementally from the previous run. The two outputs must
be the same rows, with and without the caller's table of changed records; and the records the
incremental run lists as resolved again must hold whole households, before and now, while every
other record keeps its previous row.
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from povlink.engine import Engine
from povlink.households import PreviousHouseholds, resolve_households
from tests.tables import load_standardised

#: One engine for every example (starting DuckDB costs more than resolving a few records).
ENGINE = Engine(threads=1)

_KELS = ["33.74.01.1001", "33.74.02.1001"]
_SHARED_NAMES = ["SITI", "SRI"]

#: What each list holds, as in the city: cards and roles (DTKS), cards only (KIS), children with
#: their mother's name (KIP), household keys without cards (PKH), addresses only (Pelatihan).
_LISTS = {
    "dtks": {"kk_number", "relationship", "household_key"},
    "kis": {"kk_number"},
    "kip": {"relationship", "mother_name"},
    "pkh": {"household_key", "relationship"},
    "pelatihan": set(),
}
_ALWAYS = ["person", "full_name", "sex", "kelurahan_code", "rw", "rt", "address"]
_FIELDS = [
    "kk_number",
    "household_key",
    "relationship",
    "person",
    "full_name",
    "mother_name",
    "sex",
    "kelurahan_code",
    "rw",
    "rt",
    "address",
]


def _cards(family: int) -> list[str]:
    """A family's cards: an old one, a newer one (moved or split) and a typo of the old one."""
    old = f"3374{family + 1:02d}150310{family:04d}"
    return [old, f"3374{family + 1:02d}020723{family + 5:04d}", old[:-1] + "9"]


def _value(draw: st.DrawFn, field: str, family: int) -> Any:
    """A value of ``field`` for a record of ``family``; sometimes another family's."""
    if draw(st.integers(0, 7)) == 0:
        family = (family + 1) % 4
    choices: dict[str, list[Any]] = {
        "kk_number": [None, *_cards(family), _cards(family)[0]],
        "household_key": [None, f"{family}a", f"{family}b"],
        "relationship": [None, "head", "spouse", "child", "child", "other"],
        "person": [None, None, *(f"P{family}{i}" for i in range(6))],
        "full_name": [f"IBU {family}", f"BAPAK {family}", f"ANAK {family}", *_SHARED_NAMES],
        "mother_name": [None, f"IBU {family}", f"IBU {family}", *_SHARED_NAMES],
        "sex": [None, "M", "F", "F"],
        "kelurahan_code": [None, _KELS[family % 2], _KELS[family % 2], _KELS[family % 2]],
        "rw": [None, 1, 1, 2],
        "rt": [None, 1 + family % 2, 1 + family % 2],
        "address": [None, f"JL {family} NO 1", f"JL {family} NO 1", f"JL {family} NO 2"],
    }
    return draw(st.sampled_from(choices[field]))


def _record(draw: st.DrawFn, number: int) -> dict[str, Any]:
    family = draw(st.integers(0, 3))
    source = draw(st.sampled_from(sorted(_LISTS)))
    row: dict[str, Any] = {"record_id": f"{source}:{number:03d}", "source": source}
    for field in _FIELDS:
        held = field in _ALWAYS or field in _LISTS[source]
        row[field] = _value(draw, field, family) if held else None
    if source == "dtks" and draw(st.integers(0, 2)) == 0:
        row["kk_number"] = None  # a member without a card in a household-key group with cards
    return row


@st.composite
def populations_and_edits(
    draw: st.DrawFn,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A population and the same population after a few random edits."""
    old = [_record(draw, i) for i in range(draw(st.integers(1, 30)))]
    new = copy.deepcopy(old)
    added = 100
    for _ in range(draw(st.integers(1, 6))):
        edit = draw(st.sampled_from(["add", "change", "withdraw", "rename", "merge", "split"]))
        if edit == "add" or not new:
            new.append(_record(draw, added))
            added += 1
            continue
        row = new[draw(st.integers(0, len(new) - 1))]
        if edit == "change":
            field = draw(st.sampled_from(_FIELDS))
            row[field] = _value(draw, field, draw(st.integers(0, 3)))
        elif edit == "withdraw":
            new.remove(row)
        elif edit == "split":  # the linkage now puts this record alone
            row["person"] = f"Q{draw(st.integers(0, 99))}"
        else:  # rename: the person got another ID; merge: two persons became one
            target = row["person"]
            label = f"R{draw(st.integers(0, 9))}"
            if edit == "merge":
                label = new[draw(st.integers(0, len(new) - 1))]["person"]
            for other in new:
                if other["person"] == target and target is not None:
                    other["person"] = label
    return old, new


def _load(rows: list[dict[str, Any]], prefix: str) -> None:
    """Write ``<prefix>_standardised`` and ``<prefix>_persons`` from record dicts."""
    frame = pd.DataFrame(rows, columns=["record_id", "source", *_FIELDS])
    load_standardised(ENGINE, frame)
    for table, name in (("standardised", "standardised"), ("person_clusters", "persons")):
        ENGINE.drop_table(f"{prefix}_{name}")
        ENGINE.execute(f"ALTER TABLE {table} RENAME TO {prefix}_{name}")


def _resolve_both_ways(
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    *,
    with_changed: bool,
    in_place: bool = False,
    kept: bool = False,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Resolve ``old`` in full, then ``new`` in full and incrementally; return both results.

    ``kept``: the old resolution keeps its node rows, and the incremental one is told which
    records may have another person (a superset); it must then leave the kept node rows exactly
    as a full resolution of ``new`` writes them.
    """
    _load(old, "old")
    _load(new, "new")
    nodes = "kept_nodes" if kept else None
    tables = {"standardised": "old_standardised", "persons": "old_persons"}
    resolve_households(ENGINE, **tables, output="old_households", nodes=nodes)
    tables = {"standardised": "new_standardised", "persons": "new_persons"}
    resolve_households(ENGINE, **tables, output="full_households", nodes="fresh_nodes")
    persons_changed = None
    if kept:  # the records of another person, and every third record besides
        ENGINE.create_table(
            "persons_changed",
            "SELECT coalesce(n.record_id, o.record_id) AS record_id FROM new_persons AS n "
            "FULL JOIN old_persons AS o ON o.record_id = n.record_id "
            "WHERE n.cluster_id IS DISTINCT FROM o.cluster_id "
            "UNION SELECT record_id FROM new_standardised WHERE hash(record_id) % 3 = 0",
        )
        persons_changed = "persons_changed"
    changed = None
    if with_changed:  # as the resolve stage finds them: rows that differ in any column
        ENGINE.create_table(
            "changed",
            "SELECT record_id FROM ((SELECT * FROM old_standardised EXCEPT "
            "SELECT * FROM new_standardised) UNION ALL (SELECT * FROM new_standardised "
            "EXCEPT SELECT * FROM old_standardised))",
        )
        changed = "changed"
    ENGINE.create_table("previous_households", "SELECT * FROM old_households")
    result = resolve_households(
        ENGINE,
        **tables,
        output="old_households" if in_place else "incremental",
        previous=PreviousHouseholds(
            standardised="old_standardised", persons="old_persons", households="old_households"
        ),
        changed=changed,
        max_share=1.0,
        affected_output="affected",
        persons_changed=persons_changed,
        nodes=nodes,
    )
    assert result.incremental, result.reason
    if kept:
        for table in ("nodes", "nodes_offers"):
            assert ENGINE.rows(f"SELECT * FROM kept_{table} ORDER BY ALL") == ENGINE.rows(
                f"SELECT * FROM fresh_{table} ORDER BY ALL"
            ), table
    assert result.records == len(new)
    assert ENGINE.count("affected") == result.resolved
    order = "ORDER BY record_id"
    return (
        ENGINE.rows(f"SELECT * FROM full_households {order}"),
        ENGINE.rows(f"SELECT * FROM {'old_households' if in_place else 'incremental'} {order}"),
    )


def _households_split_by_affected(households: str) -> list[tuple[Any, ...]]:
    """The households of ``households`` (withdrawn records aside) with members both inside and
    outside the table ``affected``."""
    return ENGINE.rows(
        f"""
        SELECT h.household_cluster, count(a.record_id), count(*)
        FROM {households} AS h
        JOIN new_standardised AS s ON s.record_id = h.record_id
        LEFT JOIN affected AS a ON a.record_id = h.record_id
        GROUP BY h.household_cluster
        HAVING count(a.record_id) NOT IN (0, count(*))
        """
    )


def _check_affected(in_place: bool) -> None:
    """``affected`` holds whole previous and new households; the rest kept their rows."""
    new = "old_households" if in_place else "incremental"
    assert _households_split_by_affected("previous_households") == []
    assert _households_split_by_affected(new) == []
    kept = ENGINE.rows(
        f"""
        SELECT * FROM {new} WHERE record_id NOT IN (SELECT record_id FROM affected)
        EXCEPT SELECT * FROM previous_households
        """
    )
    assert kept == []
    assert (
        ENGINE.rows("SELECT record_id FROM affected EXCEPT SELECT record_id FROM new_standardised")
        == []
    )
    # with the households they were given
    assert (
        ENGINE.rows(f"SELECT * FROM affected EXCEPT SELECT record_id, household_cluster FROM {new}")
        == []
    )


@settings(max_examples=15, deadline=None)
@given(populations_and_edits(), st.booleans(), st.booleans(), st.booleans())
def test_incremental_households_equal_a_full_resolution(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    with_changed: bool,
    in_place: bool,
    kept: bool,
) -> None:
    """The same rows (records, clusters and evidence) as resolving every record again."""
    full, incremental = _resolve_both_ways(
        *case, with_changed=with_changed, in_place=in_place, kept=kept
    )
    assert incremental == full


@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(populations_and_edits(), st.booleans(), st.booleans(), st.booleans())
def test_incremental_households_equal_a_full_resolution_many_times(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    with_changed: bool,
    in_place: bool,
    kept: bool,
) -> None:
    """The same property over many more populations and edits."""
    full, incremental = _resolve_both_ways(
        *case, with_changed=with_changed, in_place=in_place, kept=kept
    )
    assert incremental == full


@settings(max_examples=15, deadline=None)
@given(populations_and_edits(), st.booleans(), st.booleans(), st.booleans())
def test_records_resolved_again_hold_whole_households_and_the_rest_keep_their_rows(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    with_changed: bool,
    in_place: bool,
    kept: bool,
) -> None:
    """``affected_output`` is closed under the previous and the new households; others kept."""
    _resolve_both_ways(*case, with_changed=with_changed, in_place=in_place, kept=kept)
    _check_affected(in_place)


@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(populations_and_edits(), st.booleans(), st.booleans(), st.booleans())
def test_records_resolved_again_hold_whole_households_many_times(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    with_changed: bool,
    in_place: bool,
    kept: bool,
) -> None:
    """The same property over many more populations and edits."""
    _resolve_both_ways(*case, with_changed=with_changed, in_place=in_place, kept=kept)
    _check_affected(in_place)
