"""standardise_changed: the table standardise_table would write, restandardising only changes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from povlink.engine import Engine
from povlink.standardise import StandardiseChanges, standardise_changed, standardise_table
from tests.tables import load_raw_records

ORDERS = {"dinkes": "mdy"}

#: A father, his NIK copied to his son in the same source, their neighbour, and records whose
#: NIK is kept out of ``nik`` (equal to the KK number; rounded by a float) in the same groups.
FAMILY: dict[str, dict[str, str | None]] = {
    "a:1": {"source": "a", "nik": "3374011708450001", "full_name": "Slamet", "birth_date": "1945"},
    "a:2": {"source": "a", "nik": "3374011708450001", "full_name": "Budi", "birth_date": "1980"},
    "a:3": {"source": "a", "nik": "3374015708500002", "full_name": "Siti", "birth_date": "1950"},
    "a:4": {"source": "a", "nik": "3374 0157 0850 0002", "full_name": "Siti", "birth_date": "1950"},
    "a:5": {
        "source": "a",
        "nik": "3374011708450001",
        "kk_number": "3374011708450001",
        "full_name": "Karto",
    },
    "b:1": {"source": "b", "nik": "3374011708450001", "full_name": "Slamet", "birth_date": "1945"},
    "b:2": {"source": "b", "nik": "9471015708450001.0", "full_name": "Yohana"},
    "b:3": {"source": "b", "nik": "9471015708450001", "full_name": "Maria", "birth_date": "1960"},
    "b:4": {"source": "b", "nik": "9471015708450001", "full_name": "Marta", "birth_date": "1961"},
    "dinkes:1": {"source": "dinkes", "full_name": "Ani", "birth_date": "03/04/1985"},
}


def _rows(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    return engine.rows(f"SELECT * FROM {table} ORDER BY record_id")


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine() as e:
        yield e


def _refresh(
    engine: Engine,
    before: Mapping[str, Mapping[str, str | None]],
    after: Mapping[str, Mapping[str, str | None]],
    *,
    in_place: bool,
) -> StandardiseChanges:
    """Standardise ``before``, refresh it to ``after``; assert it equals a whole-table run."""
    load_raw_records(engine, "old", before)
    load_raw_records(engine, "new", after)
    standardise_table(engine, "old", "previous", date_order=ORDERS)
    standardise_table(engine, "new", "expected", date_order=ORDERS)
    target = "previous" if in_place else "refreshed"
    changes = standardise_changed(engine, "new", "previous", target, date_order=ORDERS)
    assert engine.rows(f"DESCRIBE {target}") == engine.rows("DESCRIBE expected")
    assert _rows(engine, target) == _rows(engine, "expected")
    return changes


def _shared(engine: Engine, table: str) -> set[str]:
    """The records of ``table`` flagged nik_shared."""
    rows = engine.rows(
        f"SELECT record_id FROM {table} WHERE list_contains(quality_flags, 'nik_shared')"
    )
    return {r[0] for r in rows}


@pytest.mark.parametrize("in_place", [False, True], ids=["new table", "in place"])
def test_added_changed_and_removed_records(engine: Engine, in_place: bool) -> None:
    """New, changed and gone records are counted and the result is the whole-table result."""
    after = {k: dict(v) for k, v in FAMILY.items() if k != "a:3"}
    after["a:4"]["full_name"] = "Siti Aminah"
    after["c:1"] = {"source": "c", "full_name": "Joko", "birth_date": "17-08-1945"}
    changes = _refresh(engine, FAMILY, after, in_place=in_place)
    assert (changes.added, changes.changed, changes.removed) == (1, 1, 1)
    assert changes.restandardised == 2
    assert not changes.full


def test_a_new_table_leaves_the_previous_one_alone(engine: Engine) -> None:
    """Without in-place, the previous table keeps its rows."""
    load_raw_records(engine, "old", FAMILY)
    standardise_table(engine, "old", "previous")
    before = _rows(engine, "previous")
    load_raw_records(engine, "new", {"x:1": {"source": "x", "full_name": "Eko"}})
    standardise_changed(engine, "new", "previous", "refreshed")
    assert _rows(engine, "previous") == before
    assert [r[0] for r in _rows(engine, "refreshed")] == ["x:1"]


def test_nothing_changed_restandardises_nothing(engine: Engine) -> None:
    """The same records again: no record runs through the rules, no flag changes."""
    changes = _refresh(engine, FAMILY, FAMILY, in_place=True)
    assert changes == StandardiseChanges(added=0, changed=0, removed=0, flags_changed=0)


def test_an_added_record_makes_its_nik_group_shared(engine: Engine) -> None:
    """A new person with a NIK already used in the source flags the unchanged records too."""
    before = {k: v for k, v in FAMILY.items() if k in ("a:3", "a:4")}
    after = before | {
        "a:9": {"source": "a", "nik": "3374015708500002", "full_name": "Ani", "birth_date": "1990"}
    }
    changes = _refresh(engine, before, after, in_place=True)
    assert _shared(engine, "previous") == {"a:3", "a:4", "a:9"}
    assert changes.flags_changed == 3


def test_a_removed_record_can_end_the_sharing(engine: Engine) -> None:
    """Without the son, the father's NIK is his alone again, also on the record kept out of nik."""
    after = {k: v for k, v in FAMILY.items() if k != "a:2"}
    load_raw_records(engine, "before", FAMILY)
    standardise_table(engine, "before", "first")
    assert {"a:1", "a:2", "a:5"} <= _shared(engine, "first")
    _refresh(engine, FAMILY, after, in_place=True)
    assert not {"a:1", "a:5"} & _shared(engine, "previous")


def test_a_changed_record_moves_between_nik_groups(engine: Engine) -> None:
    """The son's corrected NIK leaves the father's group and shares the neighbour's."""
    after = {k: dict(v) for k, v in FAMILY.items()}
    after["a:2"]["nik"] = "3374015708500002"
    _refresh(engine, FAMILY, after, in_place=False)
    shared = _shared(engine, "refreshed")
    assert "a:1" not in shared
    assert {"a:2", "a:3", "a:4"} <= shared


def test_a_float_rounded_nik_joins_its_group_flag(engine: Engine) -> None:
    """A record whose NIK passed through a float is flagged with the group of its digits."""
    after = {k: v for k, v in FAMILY.items() if k != "b:4"}
    _refresh(engine, FAMILY, after, in_place=True)
    assert "b:2" not in _shared(engine, "previous")
    _refresh(engine, after, FAMILY, in_place=False)
    assert "b:2" in _shared(engine, "refreshed")


def test_a_record_moved_to_another_source_is_changed(engine: Engine) -> None:
    """The source picks the date order: a record under another source is restandardised."""
    after = {k: dict(v) for k, v in FAMILY.items()}
    after["dinkes:1"]["source"] = "a"
    changes = _refresh(engine, FAMILY, after, in_place=True)
    assert changes.changed == 1


def test_a_value_moved_to_another_field_or_emptied_is_changed(engine: Engine) -> None:
    """The raw values are compared field by field (through a hash of them all): the same text
    under another field, or an empty text where there was none, is a change."""
    before = {
        "a:1": {"source": "a", "full_name": "Budi", "mother_name": None},
        "a:2": {"source": "a", "full_name": "Siti", "address": None},
        "a:3": {"source": "a", "rt": "01", "rw": None},
    }
    after = {
        "a:1": {"source": "a", "full_name": None, "mother_name": "Budi"},
        "a:2": {"source": "a", "full_name": "Siti", "address": ""},
        "a:3": {"source": "a", "rt": "0", "rw": "1"},
    }
    changes = _refresh(engine, before, after, in_place=True)
    assert (changes.added, changes.changed, changes.removed) == (0, 3, 0)
    assert _refresh(engine, after, after, in_place=False).changed == 0


def test_columns_the_source_table_lacks_are_null_in_both(engine: Engine) -> None:
    """A source table with a few canonical columns compares its missing fields as NULL."""
    engine.execute(
        "CREATE TABLE old AS SELECT * FROM (VALUES ('a:1', 'a', 'Budi'), ('a:2', 'a', 'Eko')) "
        "t(record_id, source, full_name)"
    )
    engine.execute(
        "CREATE TABLE new AS SELECT * FROM (VALUES ('a:1', 'a', 'Budi'), ('a:2', 'a', 'Eka')) "
        "t(record_id, source, full_name)"
    )
    standardise_table(engine, "old", "previous")
    standardise_table(engine, "new", "expected")
    changes = standardise_changed(engine, "new", "previous", "previous")
    assert changes.changed == 1
    assert _rows(engine, "previous") == _rows(engine, "expected")


def test_another_layout_falls_back_to_the_whole_table(engine: Engine) -> None:
    """A previous table written by another version is not trusted: everything is standardised."""
    load_raw_records(engine, "new", FAMILY)
    engine.execute("CREATE TABLE previous AS SELECT 'a:1' AS record_id, 'a' AS source")
    standardise_table(engine, "new", "expected")
    changes = standardise_changed(engine, "new", "previous", "previous")
    assert changes == StandardiseChanges(
        added=len(FAMILY), changed=0, removed=1, flags_changed=0, full=True
    )
    assert _rows(engine, "previous") == _rows(engine, "expected")


def test_a_repeated_record_id_falls_back_to_the_whole_table(engine: Engine) -> None:
    """Records are matched on record_id; when one repeats, the whole table is standardised."""
    load_raw_records(engine, "old", FAMILY)
    standardise_table(engine, "old", "previous")
    engine.execute("CREATE TABLE new AS SELECT * FROM old UNION ALL SELECT * FROM old")
    standardise_table(engine, "new", "expected")
    changes = standardise_changed(engine, "new", "previous", "refreshed")
    assert changes.full
    assert _rows(engine, "refreshed") == _rows(engine, "expected")


def test_a_repeat_is_looked_for_among_the_named_sources_only(engine: Engine) -> None:
    """With ``sources``, a repeat in a named source falls back to the whole table; one in
    another source (whose rows are kept without comparing them) does not."""
    load_raw_records(engine, "old", FAMILY)
    standardise_table(engine, "old", "previous")
    for repeated, full in (("a", True), ("b", False)):
        engine.execute(
            "CREATE OR REPLACE TABLE new AS SELECT * FROM old "
            f"UNION ALL SELECT * FROM old WHERE record_id = '{repeated}:1'"
        )
        changes = standardise_changed(engine, "new", "previous", "refreshed", sources=["a"])
        assert changes.full is full, repeated
        # A caller that guarantees unique IDs (the registry) has none looked for.
        trusted = standardise_changed(
            engine, "new", "previous", "refreshed", sources=["a"], unique_ids=True
        )
        assert not trusted.full


def test_no_helper_tables_are_left(engine: Engine) -> None:
    """Only the tables the caller named exist afterwards."""
    _refresh(engine, FAMILY, {"x:1": {"source": "x"}}, in_place=False)
    tables = sorted(r[0] for r in engine.rows("SELECT table_name FROM information_schema.tables"))
    assert tables == ["expected", "new", "old", "previous", "refreshed"]


def test_changes_and_previous_rows_are_written(engine: Engine) -> None:
    """The changes list every touched record (a NIK group's unchanged members as ``flags``) and
    the previous rows give back the table as it was before an update in place."""
    before = {k: v for k, v in FAMILY.items() if k in ("a:3", "a:4", "a:1")}
    after = {k: v for k, v in before.items() if k != "a:1"} | {
        "a:9": {"source": "a", "nik": "3374015708500002", "full_name": "Ani", "birth_date": "1990"}
    }
    load_raw_records(engine, "old", before)
    load_raw_records(engine, "new", after)
    standardise_table(engine, "old", "previous", date_order=ORDERS)
    original = _rows(engine, "previous")
    standardise_changed(
        engine, "new", "previous", "previous", date_order=ORDERS,
        changes_output="changes", previous_rows_output="old_rows",
    )  # fmt: skip
    changes = dict(engine.rows("SELECT record_id, change FROM changes"))
    assert changes == {"a:1": "removed", "a:9": "added", "a:3": "flags", "a:4": "flags"}
    assert sorted(r[0] for r in engine.rows("SELECT record_id FROM old_rows")) == [
        "a:1",
        "a:3",
        "a:4",
    ]
    rebuilt = engine.rows(
        "SELECT * FROM previous WHERE record_id NOT IN (SELECT record_id FROM changes) "
        "UNION ALL SELECT * FROM old_rows ORDER BY record_id"
    )
    assert rebuilt == original


def _refresh_with_an_unseen_change(
    engine: Engine, after: dict[str, dict[str, Any]], **options: Any
) -> StandardiseChanges:
    """Standardise ``FAMILY`` into ``previous``; refresh it with ``after`` in which a:4 and b:4
    are renamed, and ``options`` keep b:4 from being compared, into ``refreshed``. ``expected``
    is ``after`` standardised in full with b:4 as it was (its change goes unseen)."""
    after = {k: dict(v) for k, v in after.items()}
    after["a:4"]["full_name"] = "Siti Aminah"
    after["b:4"]["full_name"] = "Marthe"
    seen = {k: (dict(FAMILY["b:4"]) if k == "b:4" else v) for k, v in after.items()}
    load_raw_records(engine, "old", FAMILY)
    load_raw_records(engine, "new", after)
    load_raw_records(engine, "seen", seen)
    standardise_table(engine, "old", "previous", date_order=ORDERS)
    standardise_table(engine, "seen", "expected", date_order=ORDERS)
    return standardise_changed(engine, "new", "previous", "refreshed", date_order=ORDERS, **options)


def test_only_the_named_sources_are_compared(engine: Engine) -> None:
    """With ``sources``, a change in another source goes unseen (its rows are kept as they
    were), and a named source with no records left loses them all."""
    after = {k: v for k, v in FAMILY.items() if k != "dinkes:1"}
    changes = _refresh_with_an_unseen_change(engine, after, sources=["a", "dinkes"])
    assert _rows(engine, "refreshed") == _rows(engine, "expected")
    assert (changes.added, changes.changed, changes.removed) == (0, 1, 1)


def test_only_the_candidate_records_are_compared(engine: Engine) -> None:
    """With ``candidates``, a change to another record goes unseen (its row is kept), and a
    candidate whose values are the same is found unchanged."""
    changes = _refresh_with_an_unseen_change(
        engine, FAMILY, candidates="SELECT 'a:4' AS record_id UNION ALL SELECT 'a:1'"
    )
    assert _rows(engine, "refreshed") == _rows(engine, "expected")
    assert (changes.added, changes.changed, changes.removed) == (0, 1, 0)
