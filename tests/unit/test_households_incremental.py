"""Incremental household resolution on hand-built runs: what a change reaches, and what it keeps."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.exceptions import RegistryError
from povlink.households import (
    HouseholdResolution,
    PreviousHouseholds,
    resolve_households,
)
from tests.tables import load_standardised

# KK numbers: 33 74 CC DDMMYY SSSS (the middle six digits are the card's recording date).
KK_PARENTS = "3374011503100001"  # 15-03-2010
KK_SPLIT = "3374010207230002"  # 02-07-2023, the married child's new card
KK_OTHER = "3374020505150004"
KK_FAR = "3374030606160005"
PLACE = {"kelurahan_code": "33.74.01.1001", "rw": 3, "rt": 5}
PREVIOUS = PreviousHouseholds(
    standardised="old_standardised", persons="old_persons", households="old_households"
)
#: An unrelated family, in every run: the incremental resolution must keep it as it was.
BYSTANDERS = [
    {"record_id": "dtks:90", "person": "x1", "kk_number": KK_FAR, "relationship": "head"},
    {"record_id": "dtks:91", "person": "x2", "kk_number": KK_FAR, "relationship": "child"},
    {"record_id": "kis:90", "person": "x1", "kk_number": KK_FAR},
]


def record(record_id: str, person: str | None = None, **fields: Any) -> dict[str, Any]:
    """A standardised record; ``person`` is its person (default: itself)."""
    return {"record_id": record_id, "person": person or record_id, **fields}


def load(engine: Engine, records: list[dict[str, Any]], prefix: str) -> None:
    """Write ``<prefix>_standardised`` and ``<prefix>_persons`` from record dicts."""
    frame = pd.DataFrame(records)
    frame["source"] = frame["record_id"].str.split(":").str[0]
    load_standardised(engine, frame)
    engine.execute(f"ALTER TABLE standardised RENAME TO {prefix}_standardised")
    engine.execute(f"ALTER TABLE person_clusters RENAME TO {prefix}_persons")


def refresh(
    engine: Engine,
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    **options: Any,
) -> HouseholdResolution:
    """Resolve ``old`` in full, then ``new`` in full and incrementally (``full_households`` and
    ``incremental``)."""
    load(engine, old, "old")
    resolve_households(
        engine, standardised="old_standardised", persons="old_persons", output="old_households"
    )
    load(engine, new, "new")
    tables = {"standardised": "new_standardised", "persons": "new_persons"}
    resolve_households(engine, **tables, output="full_households")
    options = {"max_share": 1.0, **options}
    return resolve_households(engine, **tables, output="incremental", previous=PREVIOUS, **options)


def rows(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    return engine.rows(f"SELECT * FROM {table} ORDER BY record_id")


def households(engine: Engine, table: str) -> dict[str, str]:
    return {r: h for r, h, _ in rows(engine, table)}


def _second_card_moves_in() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A card and a record without one at an address; then a second card at that address."""
    address = {**PLACE, "address": "JL MAWAR NO 2"}
    old = [
        record("dtks:1", kk_number=KK_PARENTS, **address),
        record("pelatihan:1", **address),
        *BYSTANDERS,
    ]
    return old, [*old, record("kis:7", kk_number=KK_OTHER, **address)]


def test_new_card_at_an_address_makes_the_address_rule_ambiguous(engine: Engine) -> None:
    """An unchanged record placed by its address goes alone when a second card moves in."""
    old, new = _second_card_moves_in()
    result = refresh(engine, old, new)
    assert households(engine, "old_households")["pelatihan:1"] == "dtks:1"
    assert households(engine, "incremental")["pelatihan:1"] == "pelatihan:1"
    assert rows(engine, "incremental") == rows(engine, "full_households")
    assert (result.incremental, result.resolved) == (True, 3)


def test_new_card_makes_an_unchanged_record_stale(engine: Engine) -> None:
    """A child's new card arriving moves her unchanged head record off her parents' card."""
    old = [
        record("dtks:1", "father", kk_number=KK_PARENTS, relationship="head"),
        record("dtks:2", "sari", kk_number=KK_PARENTS, relationship="child"),
        record("rutilahu:1", "sari", kk_number=KK_PARENTS, relationship="head"),
        *BYSTANDERS,
    ]
    new = [
        *old,
        record("kis:1", "sari", kk_number=KK_SPLIT, relationship="head"),
        record("kis:2", "husband", kk_number=KK_SPLIT, relationship="spouse"),
    ]
    result = refresh(engine, old, new)
    assert households(engine, "old_households")["rutilahu:1"] == "dtks:1"
    assert households(engine, "incremental")["rutilahu:1"] == "kis:1"
    assert rows(engine, "incremental") == rows(engine, "full_households")
    assert result.resolved == 5


def test_withdrawn_head_record_changes_the_principal_head(engine: Engine) -> None:
    """With one of her two head records gone, Sari no longer heads the parents' card: it splits."""
    common = [
        record("dtks:1", "father", kk_number=KK_PARENTS, relationship="head"),
        record("dtks:2", "mother", kk_number=KK_PARENTS, relationship="spouse"),
        record("rutilahu:1", "sari", kk_number=KK_PARENTS, relationship="head"),
        record("kis:1", "sari", kk_number=KK_SPLIT, relationship="head"),
        record("kis:2", "husband", kk_number=KK_SPLIT, relationship="spouse"),
        *BYSTANDERS,
    ]
    old = [*common, record("kb:1", "sari", kk_number=KK_PARENTS, relationship="head")]
    result = refresh(engine, old, common)
    before, after = households(engine, "old_households"), households(engine, "incremental")
    assert before["kis:2"] == before["dtks:2"] == "dtks:1"  # one household through Sari
    assert after["kis:2"] == "kis:1" != after["dtks:2"]
    assert rows(engine, "incremental") == rows(engine, "full_households")
    assert "kb:1" not in after
    assert result.resolved == 5


def test_new_woman_of_the_mothers_name_makes_the_mother_rule_ambiguous(engine: Engine) -> None:
    """A KIP child placed with its mother goes alone when a second woman of her name appears."""
    siti = {"full_name": "SITI", "sex": "F", **PLACE}
    old = [
        record("dtks:1", kk_number=KK_PARENTS, relationship="spouse", **siti),
        record("kip:1", relationship="child", mother_name="SITI", **PLACE),
        *BYSTANDERS,
    ]
    new = [*old, record("dtks:5", kk_number=KK_OTHER, relationship="head", **siti)]
    refresh(engine, old, new)
    assert households(engine, "old_households")["kip:1"] == "dtks:1"
    assert households(engine, "incremental")["kip:1"] == "kip:1"
    assert rows(engine, "incremental") == rows(engine, "full_households")


def test_new_sibling_on_another_card_makes_the_sibling_rule_ambiguous(engine: Engine) -> None:
    """A KIP child placed with a sibling goes alone when another card has a child of her name."""
    child = {"relationship": "child", "mother_name": "SUMARNI", **PLACE}
    old = [
        record("dtks:1", kk_number=KK_PARENTS, **child),
        record("kip:1", **child),
        *BYSTANDERS,
    ]
    new = [*old, record("dtks:3", kk_number=KK_OTHER, **child)]
    refresh(engine, old, new)
    assert households(engine, "old_households")["kip:1"] == "dtks:1"
    assert households(engine, "incremental")["kip:1"] == "kip:1"
    assert rows(engine, "incremental") == rows(engine, "full_households")


def test_changed_child_is_placed_again_with_its_unchanged_sibling(engine: Engine) -> None:
    """A KIP child whose record changed reads its sibling's card again, unchanged as it is."""
    child = {"relationship": "child", "mother_name": "SUMARNI", **PLACE}
    old = [
        record("dtks:1", kk_number=KK_PARENTS, **child),
        record("kip:1", **child),
        *BYSTANDERS,
    ]
    new = [old[0], record("kip:1", **child, full_name="ANI"), *BYSTANDERS]
    result = refresh(engine, old, new)
    assert households(engine, "incremental")["kip:1"] == "dtks:1"
    assert rows(engine, "incremental") == rows(engine, "full_households")
    assert result.resolved == 2


def test_new_cards_in_a_household_key_group_move_its_records_without_a_card(
    engine: Engine,
) -> None:
    """Two new members on another card outvote the old one: the group's cardless record follows."""
    old = [
        record("dtks:1", kk_number=KK_PARENTS, household_key="77"),
        record("dtks:2", household_key="77"),
        *BYSTANDERS,
    ]
    new = [
        *old,
        record("dtks:3", kk_number=KK_OTHER, household_key="77"),
        record("dtks:4", kk_number=KK_OTHER, household_key="77"),
    ]
    refresh(engine, old, new)
    after = households(engine, "incremental")
    assert households(engine, "old_households")["dtks:2"] == "dtks:1"
    assert after["dtks:2"] == after["dtks:3"] == "dtks:2" != after["dtks:1"]
    assert rows(engine, "incremental") == rows(engine, "full_households")


def test_changed_record_without_a_card_reads_its_household_key_group_again(
    engine: Engine,
) -> None:
    """A cardless record that changed is placed again by the unchanged cards of its group."""
    old = [
        record("dtks:1", kk_number=KK_PARENTS, household_key="77"),
        record("dtks:2", household_key="77"),
        *BYSTANDERS,
    ]
    new = [old[0], record("dtks:2", household_key="77", full_name="ANI"), *BYSTANDERS]
    result = refresh(engine, old, new)
    assert households(engine, "incremental")["dtks:2"] == "dtks:1"
    assert rows(engine, "incremental") == rows(engine, "full_households")
    assert result.resolved == 2


def test_changed_person_id_alone_is_a_change(engine: Engine) -> None:
    """The same rows with a record now linked to another person: its household follows."""
    old = [
        record("dtks:1", "a", kk_number=KK_PARENTS, relationship="head"),
        record("dtks:2", "b", kk_number=KK_OTHER, relationship="head"),
        record("kip:1", "c", relationship="child"),
        *BYSTANDERS,
    ]
    new = [*old[:2], record("kip:1", "b", relationship="child"), *BYSTANDERS]
    result = refresh(engine, old, new)
    assert households(engine, "old_households")["kip:1"] == "kip:1"
    assert households(engine, "incremental")["kip:1"] == "dtks:2"
    assert rows(engine, "incremental") == rows(engine, "full_households")
    assert result.resolved == 2


def test_retyped_name_on_a_card_changes_nothing_and_resolves_nothing(engine: Engine) -> None:
    """A KK record whose name changed, with no child naming her as mother, is not resolved."""
    old = [record("dtks:1", kk_number=KK_PARENTS, full_name="SITI", sex="F", **PLACE)]
    new = [record("dtks:1", kk_number=KK_PARENTS, full_name="SITI AMINAH", sex="F", **PLACE)]
    result = refresh(engine, [*old, *BYSTANDERS], [*new, *BYSTANDERS])
    assert (result.incremental, result.resolved) == (True, 0)
    assert rows(engine, "incremental") == rows(engine, "full_households")


def test_retyped_name_of_a_mother_places_her_child_again(engine: Engine) -> None:
    """A KK record whose new name is a KIP child's mother's name there is a change that counts."""
    child = record("kip:1", relationship="child", mother_name="SITI AMINAH", **PLACE)
    old = [record("dtks:1", kk_number=KK_PARENTS, full_name="SITI", sex="F", **PLACE), child]
    new = [record("dtks:1", kk_number=KK_PARENTS, full_name="SITI AMINAH", sex="F", **PLACE), child]
    refresh(engine, [*old, *BYSTANDERS], [*new, *BYSTANDERS])
    assert households(engine, "old_households")["kip:1"] == "kip:1"
    assert households(engine, "incremental")["kip:1"] == "dtks:1"
    assert rows(engine, "incremental") == rows(engine, "full_households")


def test_retyped_address_of_a_card_shared_with_a_cardless_record_counts(engine: Engine) -> None:
    """A KK record leaving the address of a record without a card takes that record along."""
    address = {**PLACE, "address": "JL MAWAR NO 2"}
    old = [record("dtks:1", kk_number=KK_PARENTS, **address), record("pelatihan:1", **address)]
    new = [record("dtks:1", kk_number=KK_PARENTS, **PLACE, address="JL MAWAR NO 3"), old[1]]
    result = refresh(engine, [*old, *BYSTANDERS], [*new, *BYSTANDERS])
    assert households(engine, "old_households")["pelatihan:1"] == "dtks:1"
    assert households(engine, "incremental")["pelatihan:1"] == "pelatihan:1"
    assert rows(engine, "incremental") == rows(engine, "full_households")
    assert result.resolved == 2


K1, K2 = "33.74.01.1001", "33.74.02.1001"
CARD_A = {"kk_number": KK_PARENTS, "relationship": "spouse", "sex": "F"}
CARD_B = {"kk_number": KK_OTHER, "relationship": "spouse", "sex": "F"}
AT_A = {"kelurahan_code": K1, "rw": 3, "rt": 5, "address": "JL MAWAR NO 2"}
AT_B = {**AT_A, "address": "JL MELATI NO 9"}

#: A KK record changing one field the rules read of it through records without a card, while
#: such records share the field's old and its new value: (old records, the record as changed).
KK_RECORD_CHANGES = {
    "address": (
        [
            record("dtks:1", **CARD_A, **AT_A),
            record("dtks:2", **CARD_B, **AT_B),
            record("pelatihan:1", **AT_A),
            record("pelatihan:2", **AT_B),
        ],
        record("dtks:1", **CARD_A, **AT_B),
    ),
    "kelurahan": (
        [
            record("dtks:1", **CARD_A, **AT_A),
            record("pelatihan:1", **AT_A),
            record("pelatihan:2", **{**AT_A, "kelurahan_code": K2}),
        ],
        record("dtks:1", **CARD_A, **{**AT_A, "kelurahan_code": K2}),
    ),
    "rw": (
        [record("dtks:1", **CARD_A, **AT_A), record("pelatihan:1", **AT_A)],
        record("dtks:1", **CARD_A, **{**AT_A, "rw": 4}),
    ),
    "rt": (
        [record("dtks:1", **CARD_A, **AT_A), record("pelatihan:1", **AT_A)],
        record("dtks:1", **CARD_A, **{**AT_A, "rt": 6}),
    ),
    "household key": (
        [
            record("dtks:1", **CARD_A, household_key="77"),
            record("dtks:2", household_key="77"),
            record("dtks:3", **CARD_B, household_key="78"),
            record("dtks:4", household_key="78"),
        ],
        record("dtks:1", **CARD_A, household_key="78"),
    ),
    "mother's name": (
        [
            record("dtks:1", **CARD_A, mother_name="SUMARNI", **AT_A),
            record("dtks:2", **CARD_B, mother_name="SUMIATI", **AT_A),
            record("kip:1", mother_name="SUMARNI", **AT_A),
            record("kip:2", mother_name="SUMIATI", **AT_A),
        ],
        record("dtks:1", **CARD_A, mother_name="SUMIATI", **AT_A),
    ),
    "woman's name": (
        [
            record("dtks:1", **CARD_A, full_name="SITI", **AT_A),
            record("dtks:2", **CARD_B, full_name="SRI", **AT_A),
            record("kip:1", mother_name="SITI", **AT_A),
            record("kip:2", mother_name="SRI", **AT_A),
        ],
        record("dtks:1", **CARD_A, full_name="SRI", **AT_A),
    ),
    "woman's rw": (
        [
            record("dtks:1", **CARD_A, full_name="SITI", **AT_A),
            record("kip:1", mother_name="SITI", **AT_B),  # not at her address
        ],
        record("dtks:1", **CARD_A, full_name="SITI", **{**AT_A, "rw": 4}),
    ),
}


@pytest.mark.parametrize("field", KK_RECORD_CHANGES)
def test_kk_record_change_read_through_records_without_a_card_counts(
    engine: Engine, field: str
) -> None:
    """A KK record changing a field that a record without a card reads moves that record."""
    old, changed = KK_RECORD_CHANGES[field]
    new = [changed if r["record_id"] == changed["record_id"] else r for r in old]
    refresh(engine, [*old, *BYSTANDERS], [*new, *BYSTANDERS])
    before, after = households(engine, "old_households"), households(engine, "incremental")
    moved = {r for r in before if r != changed["record_id"] and before[r] != after.get(r)}
    assert moved, "the case must move a record it did not change"
    assert rows(engine, "incremental") == rows(engine, "full_households")


def test_nothing_changed_resolves_nothing(engine: Engine) -> None:
    """The same records and persons again: every row is kept, no rule runs."""
    result = refresh(engine, BYSTANDERS, BYSTANDERS)
    assert result == HouseholdResolution(records=3, resolved=0, incremental=True, reason=None)
    assert rows(engine, "incremental") == rows(engine, "full_households")


def test_previous_households_are_updated_in_place(engine: Engine) -> None:
    """Given the previous household table as output, it ends up with the full resolution's rows."""
    old = [record("dtks:1", kk_number=KK_PARENTS), record("kis:1", kk_number=KK_OTHER)]
    new = [record("dtks:1", kk_number=KK_OTHER), record("kis:2", kk_number=KK_OTHER)]
    refresh(engine, [*old, *BYSTANDERS], [*new, *BYSTANDERS])
    result = resolve_households(
        engine,
        standardised="new_standardised",
        persons="new_persons",
        output="old_households",
        previous=PREVIOUS,
        max_share=1.0,
    )
    assert (result.incremental, result.resolved) == (True, 2)
    assert rows(engine, "old_households") == rows(engine, "full_households")


def test_table_of_changed_records_gives_the_same_rows(engine: Engine) -> None:
    """Given the changed records, the result is the same as when they are found by comparison."""
    old = [record("dtks:1", kk_number=KK_PARENTS), record("kis:1", kk_number=KK_OTHER)]
    new = [record("dtks:1", kk_number=KK_OTHER), record("kis:2", kk_number=KK_OTHER)]
    engine.execute(
        "CREATE TABLE changed AS "
        "SELECT * FROM (VALUES ('dtks:1'), ('kis:1'), ('kis:2')) AS c(record_id)"
    )
    result = refresh(engine, old, new, changed="changed")
    assert result.resolved == 2
    assert rows(engine, "incremental") == rows(engine, "full_households")


def test_table_of_changed_records_reaches_the_old_neighbours_of_a_changed_record(
    engine: Engine,
) -> None:
    """A listed record that moved away is resolved again with the card it left (its old row)."""
    address = {**PLACE, "address": "JL MAWAR NO 2"}
    old = [record("dtks:1", **address), record("kis:5", kk_number=KK_OTHER, **address)]
    new = [record("dtks:1", **{**address, "address": "JL MELATI NO 9"}), old[1]]
    engine.execute("CREATE TABLE changed AS SELECT 'dtks:1' AS record_id")
    result = refresh(engine, [*old, *BYSTANDERS], [*new, *BYSTANDERS], changed="changed")
    assert households(engine, "old_households")["kis:5"] == "dtks:1"
    assert households(engine, "incremental")["kis:5"] == "kis:5"
    assert rows(engine, "incremental") == rows(engine, "full_households")
    assert result.resolved == 2


def affected(engine: Engine) -> list[str]:
    return [r for (r,) in engine.rows("SELECT record_id FROM affected ORDER BY record_id")]


def test_affected_output_lists_the_records_resolved_again(engine: Engine) -> None:
    """The records a change reaches, whole households before and now; the others kept theirs."""
    old, new = _second_card_moves_in()
    result = refresh(engine, old, new, affected_output="affected")
    assert affected(engine) == ["dtks:1", "kis:7", "pelatihan:1"]
    assert result.resolved == 3
    # with their new households, as the output has them
    assert engine.rows("SELECT * FROM affected ORDER BY record_id") == engine.rows(
        "SELECT record_id, household_cluster FROM incremental "
        "WHERE record_id IN (SELECT record_id FROM affected) ORDER BY record_id"
    )


def test_affected_output_of_nothing_changed_is_empty(engine: Engine) -> None:
    """No change, no record resolved again: stable IDs need no work."""
    refresh(engine, BYSTANDERS, BYSTANDERS, affected_output="affected")
    assert affected(engine) == []


def test_affected_output_of_a_full_resolution_lists_every_record(engine: Engine) -> None:
    """Without a previous run every record is resolved, and listed."""
    load(engine, BYSTANDERS, "new")
    resolve_households(
        engine,
        standardised="new_standardised",
        persons="new_persons",
        affected_output="affected",
    )
    assert affected(engine) == ["dtks:90", "dtks:91", "kis:90"]


def test_affected_output_of_a_fallback_to_a_full_resolution_lists_every_record(
    engine: Engine,
) -> None:
    """Past ``max_share`` the resolution is full, and every record is listed."""
    old = [record("dtks:1", kk_number=KK_PARENTS), *BYSTANDERS]
    new = [record("dtks:1", kk_number=KK_PARENTS), record("kis:1", kk_number=KK_PARENTS)]
    result = refresh(engine, old, [*new, *BYSTANDERS], max_share=0.3, affected_output="affected")
    assert not result.incremental
    assert affected(engine) == ["dtks:1", "dtks:90", "dtks:91", "kis:1", "kis:90"]


def test_table_of_changed_records_missing_a_withdrawn_record_is_refused(engine: Engine) -> None:
    """A changed-records table that forgets a withdrawn record would keep it: refused."""
    old = [record("dtks:1", kk_number=KK_PARENTS), record("kis:1", kk_number=KK_OTHER)]
    engine.execute("CREATE TABLE changed AS SELECT 'nobody' AS record_id")
    with pytest.raises(RegistryError) as info:
        refresh(engine, old, old[:1], changed="changed")
    assert str(info.value) == (
        "table 'changed' does not list every record added or withdrawn since the previous run: "
        "2 records are not listed among the previous ones and 1 among the current ones; it must "
        "list every record new, changed or withdrawn since then"
    )


def test_table_of_changed_records_said_complete_is_not_checked(engine: Engine) -> None:
    """``changed_is_complete`` takes the caller's word (a registry refresh builds the previous
    records from that very list): the pass that refuses an incomplete list up front is skipped,
    and the kept row of the withdrawn record is caught by the check of the output instead."""
    old = [record("dtks:1", kk_number=KK_PARENTS), record("kis:1", kk_number=KK_OTHER)]
    engine.execute("CREATE TABLE changed AS SELECT 'nobody' AS record_id")
    with pytest.raises(RegistryError) as info:
        refresh(engine, old, old[:1], changed="changed", changed_is_complete=True)
    assert str(info.value).startswith("household resolution wrote 2 rows, 0 of them for a record")


def test_change_reaching_too_many_records_falls_back_to_a_full_resolution(
    engine: Engine,
) -> None:
    """Past ``max_share`` of the records the rules run over all of them, with the reason given."""
    old = [record("dtks:1", kk_number=KK_PARENTS), *BYSTANDERS]
    new = [record("dtks:1", kk_number=KK_PARENTS), record("kis:1", kk_number=KK_PARENTS)]
    result = refresh(engine, old, [*new, *BYSTANDERS], max_share=0.3)
    assert result == HouseholdResolution(
        records=5,
        resolved=5,
        incremental=False,
        reason="a change reaches more than 30% of the 5 records",
    )
    assert rows(engine, "incremental") == rows(engine, "full_households")


def test_previous_households_of_other_records_fall_back_to_a_full_resolution(
    engine: Engine,
) -> None:
    """A previous household table that does not cover the previous records is not used."""
    load(engine, BYSTANDERS, "old")
    engine.execute(
        "CREATE TABLE old_households AS SELECT 'dtks:90' AS record_id, "
        "'dtks:90' AS household_cluster, 'kk' AS household_evidence"
    )
    load(engine, BYSTANDERS, "new")
    result = resolve_households(
        engine, standardised="new_standardised", persons="new_persons", previous=PREVIOUS
    )
    assert not result.incremental
    assert result.reason == "the previous households have 1 rows for 3 previous records"


def test_missing_previous_table_is_named(engine: Engine) -> None:
    """A previous household table that does not exist is the caller's error, named."""
    load(engine, BYSTANDERS, "old")
    load(engine, BYSTANDERS, "new")
    with pytest.raises(RegistryError) as info:
        resolve_households(
            engine, standardised="new_standardised", persons="new_persons", previous=PREVIOUS
        )
    assert str(info.value) == (
        "table 'old_households' not found; an incremental household resolution needs the "
        "previous run's households and, if given, the tables of changed records"
    )


@pytest.mark.parametrize("listed", [False, True], ids=["compared", "changed_table"])
def test_person_id_changed_on_an_unchanged_row_reaches_its_old_persons_records(
    engine: Engine, listed: bool
) -> None:
    """A card record split off to another person leaves its old person's records to resolve."""
    old = [
        record("dtks:1", "a", kk_number=KK_PARENTS, relationship="head"),
        record("kip:1", "a", relationship="child"),
        *BYSTANDERS,
    ]
    new = [record("dtks:1", "z", kk_number=KK_PARENTS, relationship="head"), *old[1:]]
    options = {}
    if listed:  # no row changed: the table of changed records is empty
        engine.execute("CREATE TABLE changed (record_id VARCHAR)")
        options = {"changed": "changed"}
    result = refresh(engine, old, new, **options)
    assert households(engine, "old_households")["kip:1"] == "dtks:1"
    assert households(engine, "incremental")["kip:1"] == "kip:1"
    assert rows(engine, "incremental") == rows(engine, "full_households")
    assert result.resolved == 2


def test_record_repeated_in_a_refresh_is_refused(engine: Engine) -> None:
    """A record ID the incremental part writes twice fails loudly (a registry run then rolls
    back)."""
    old = [record("dtks:1", kk_number=KK_PARENTS), *BYSTANDERS]
    load(engine, old, "old")
    resolve_households(
        engine, standardised="old_standardised", persons="old_persons", output="old_households"
    )
    twice = record("dtks:1", kk_number=KK_OTHER)
    load(engine, [twice, twice, *BYSTANDERS], "new")
    with pytest.raises(RegistryError) as info:
        resolve_households(
            engine, standardised="new_standardised", persons="new_persons",
            output="incremental", previous=PREVIOUS, max_share=1.0,
        )  # fmt: skip
    assert str(info.value) == (
        "household resolution wrote 19 rows, 15 of them for a record already written, but "
        "'new_standardised' has 5 records; record IDs in 'new_standardised' must be unique"
    )
