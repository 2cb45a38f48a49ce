"""Household resolution on small hand-built standardised tables, one situation per test."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from povlink.engine import Engine
from povlink.exceptions import RegistryError
from povlink.households import (
    assign_household_ids,
    connected_components,
    resolve_households,
)
from tests.tables import load_standardised

# KK numbers: 33 74 CC DDMMYY SSSS (the middle six digits are the card's recording date).
KK_PARENTS = "3374011503100001"  # 15-03-2010
KK_SPLIT = "3374010207230002"  # 02-07-2023, the married child's new card
KK_MOVED = "3374050101240003"  # 01-01-2024, the family's card after moving
KK_OTHER = "3374020505150004"
KEL = "33.74.01.1001"


def record(record_id: str, person: str | None = None, **fields: Any) -> dict[str, Any]:
    """A standardised record; ``person`` is its person cluster (default: itself)."""
    return {"record_id": record_id, "person": person or record_id, **fields}


def load(engine: Engine, records: list[dict[str, Any]]) -> None:
    """Write ``standardised`` and ``person_clusters`` tables from record dicts."""
    frame = pd.DataFrame(records)
    frame["source"] = frame["record_id"].str.split(":").str[0]
    load_standardised(engine, frame)


def households(engine: Engine, records: list[dict[str, Any]]) -> list[set[str]]:
    """Resolve and return the households as sets of record IDs, sorted by smallest record."""
    load(engine, records)
    resolve_households(engine)
    groups: dict[str, set[str]] = {}
    for rid, hh in engine.rows("SELECT record_id, household_cluster FROM household_clusters"):
        groups.setdefault(hh, set()).add(rid)
    return sorted(groups.values(), key=min)


def evidence(engine: Engine) -> dict[str, str]:
    return dict(engine.rows("SELECT record_id, household_evidence FROM household_clusters"))


def test_records_with_the_same_kk_number_are_one_household(engine: Engine) -> None:
    """A shared valid KK number joins records of different lists; another KK stays apart."""
    result = households(
        engine,
        [
            record("dtks:1", kk_number=KK_PARENTS, relationship="head"),
            record("kis:1", kk_number=KK_PARENTS),
            record("kis:2", kk_number=KK_OTHER),
        ],
    )
    assert result == [{"dtks:1", "kis:1"}, {"kis:2"}]


def test_household_keys_are_scoped_by_source(engine: Engine) -> None:
    """The same key in two agencies' lists names two different households."""
    result = households(
        engine,
        [
            record("dtks:1", household_key="77"),
            record("dtks:2", household_key="77"),
            record("pkh:1", household_key="77"),
        ],
    )
    assert result == [{"dtks:1", "dtks:2"}, {"pkh:1"}]
    assert evidence(engine)["pkh:1"] == "alone"


def test_married_child_with_a_new_kk_does_not_glue_two_households(engine: Engine) -> None:
    """Pecah KK: the child's old record stays with the parents, the new ones with the new card."""
    result = households(
        engine,
        [
            record("dtks:1", "father", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "mother", kk_number=KK_PARENTS, relationship="spouse"),
            record("dtks:3", "sari", kk_number=KK_PARENTS, relationship="child"),
            record("kis:1", "sari", kk_number=KK_SPLIT, relationship="head"),
            record("kis:2", "husband", kk_number=KK_SPLIT, relationship="spouse"),
        ],
    )
    assert result == [{"dtks:1", "dtks:2", "dtks:3"}, {"kis:1", "kis:2"}]


def test_young_family_splitting_off_with_its_children_stays_apart(engine: Engine) -> None:
    """Pecah KK of a whole young family: three shared persons, but every one changed role."""
    result = households(
        engine,
        [
            record("dtks:1", "grandpa", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "sari", kk_number=KK_PARENTS, relationship="child"),
            record("dtks:3", "budi", kk_number=KK_PARENTS, relationship="in_law"),
            record("dtks:4", "ani", kk_number=KK_PARENTS, relationship="grandchild"),
            record("kis:1", "budi", kk_number=KK_SPLIT, relationship="head"),
            record("kis:2", "sari", kk_number=KK_SPLIT, relationship="spouse"),
            record("kis:3", "ani", kk_number=KK_SPLIT, relationship="child"),
        ],
    )
    assert result == [{"dtks:1", "dtks:2", "dtks:3", "dtks:4"}, {"kis:1", "kis:2", "kis:3"}]


def test_moved_household_with_a_new_kk_stays_one_household(engine: Engine) -> None:
    """A family that moved shares its head (and members) across both cards: one household."""
    result = households(
        engine,
        [
            record("dtks:1", "father", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "mother", kk_number=KK_PARENTS, relationship="spouse"),
            record("kis:1", "father", kk_number=KK_MOVED, relationship="head"),
            record("kis:2", "mother", kk_number=KK_MOVED, relationship="spouse"),
            record("kis:3", "baby", kk_number=KK_MOVED, relationship="child"),
        ],
    )
    assert result == [{"dtks:1", "dtks:2", "kis:1", "kis:2", "kis:3"}]


def test_head_seen_on_a_newer_card_in_a_list_without_roles_carries_the_household(
    engine: Engine,
) -> None:
    """A moved family whose new card appears on the head's record alone is still one household."""
    result = households(
        engine,
        [
            record("dtks:1", "father", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "son", kk_number=KK_PARENTS, relationship="child"),
            record("kis:1", "father", kk_number=KK_MOVED),
        ],
    )
    assert result == [{"dtks:1", "dtks:2", "kis:1"}]


def test_child_heading_a_new_card_seen_on_the_parents_card_without_role_stays_apart(
    engine: Engine,
) -> None:
    """The head of the newer card on the older card (a stale copy) does not join the two."""
    result = households(
        engine,
        [
            record("dtks:1", "father", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "mother", kk_number=KK_PARENTS, relationship="spouse"),
            record("regsosek:1", "sari", kk_number=KK_SPLIT, relationship="head"),
            record("kis:1", "sari", kk_number=KK_PARENTS),
        ],
    )
    assert result == [{"dtks:1", "dtks:2"}, {"kis:1", "regsosek:1"}]


def test_moved_household_without_relationships_is_joined_by_two_shared_members(
    engine: Engine,
) -> None:
    """Two cards sharing two persons, with no role recorded, are one household."""
    result = households(
        engine,
        [
            record("kis:1", "a", kk_number=KK_PARENTS),
            record("kis:2", "b", kk_number=KK_PARENTS),
            record("kb:1", "a", kk_number=KK_MOVED),
            record("kb:2", "b", kk_number=KK_MOVED),
        ],
    )
    assert result == [{"kb:1", "kb:2", "kis:1", "kis:2"}]


def test_stale_kk_of_a_child_who_split_off_is_corrected(engine: Engine) -> None:
    """A list that names the child head on the parents' old card puts her in her new household."""
    result = households(
        engine,
        [
            record("dtks:1", "father", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "sari", kk_number=KK_PARENTS, relationship="child"),
            record("kis:1", "sari", kk_number=KK_SPLIT, relationship="head"),
            record("kis:2", "husband", kk_number=KK_SPLIT, relationship="spouse"),
            record("rutilahu:1", "sari", kk_number=KK_PARENTS, relationship="head"),
        ],
    )
    assert result == [{"dtks:1", "dtks:2"}, {"kis:1", "kis:2", "rutilahu:1"}]
    assert evidence(engine)["rutilahu:1"] == "stale_kk"


def test_roleless_record_on_an_old_card_follows_the_persons_newer_card(engine: Engine) -> None:
    """A list without roles that copied the parents' card goes to the child's newer card."""
    result = households(
        engine,
        [
            record("dtks:1", "father", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "sari", kk_number=KK_PARENTS, relationship="child"),
            record("kb:1", "sari", kk_number=KK_SPLIT),
            record("kis:1", "sari", kk_number=KK_PARENTS),
        ],
    )
    # dtks:2 states her role then (child) and keeps the parents' card; kis:1 states none.
    assert result == [{"dtks:1", "dtks:2"}, {"kb:1", "kis:1"}]
    assert evidence(engine)["kis:1"] == "stale_kk"


def test_mistyped_kk_number_of_a_known_member_joins_the_household(engine: Engine) -> None:
    """A card number one digit off, carried by a member of the household, is the same card."""
    typo = KK_PARENTS[:-1] + "9"
    result = households(
        engine,
        [
            record("dtks:1", "father", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "mother", kk_number=KK_PARENTS, relationship="spouse"),
            record("kb:1", "mother", kk_number=typo),
        ],
    )
    assert result == [{"dtks:1", "dtks:2", "kb:1"}]


def test_person_on_many_cards_is_a_linkage_error_and_glues_nothing(engine: Engine) -> None:
    """One wrongly merged person on five near-identical cards does not join the five families."""
    cards = [f"33740115031000{i:02d}" for i in range(1, 6)]
    records = [
        record(f"dtks:{i}", f"head{i}", kk_number=kk, relationship="head")
        for i, kk in enumerate(cards)
    ]
    records += [record(f"kis:{i}", "blob", kk_number=kk) for i, kk in enumerate(cards)]
    result = households(engine, records)
    assert result == [{f"dtks:{i}", f"kis:{i}"} for i in range(5)]


def test_list_of_heads_without_kk_joins_their_households_through_the_person(
    engine: Engine,
) -> None:
    """Heads in a list without KK numbers go to the household their person heads elsewhere."""
    result = households(
        engine,
        [
            record("dtks:1", "h1", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "w1", kk_number=KK_PARENTS, relationship="spouse"),
            record("dtks:3", "h2", kk_number=KK_OTHER, relationship="head"),
            record("rutilahu:1", "h1", relationship="head"),
            record("rutilahu:2", "h2", relationship="head"),
            record("rutilahu:3", "h3", relationship="head"),
        ],
    )
    assert result == [
        {"dtks:1", "dtks:2", "rutilahu:1"},
        {"dtks:3", "rutilahu:2"},
        {"rutilahu:3"},
    ]
    assert evidence(engine)["rutilahu:1"] == "person"


def test_person_on_two_cards_goes_to_the_card_where_the_role_matches(engine: Engine) -> None:
    """A record without KK that says 'child' joins the household where the person is a child."""
    result = households(
        engine,
        [
            record("dtks:1", "father", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "sari", kk_number=KK_PARENTS, relationship="child"),
            record("kis:1", "sari", kk_number=KK_SPLIT, relationship="head"),
            record("kip:1", "sari", relationship="child"),
            record("kb:1", "sari"),
        ],
    )
    # kip:1 states the role she has on her parents' card; kb:1 states none, so it goes to her
    # most recent card (recorded 2023, after the parents' 2010 card).
    assert result == [{"dtks:1", "dtks:2", "kip:1"}, {"kb:1", "kis:1"}]


def test_child_in_a_list_of_children_joins_the_mothers_household(engine: Engine) -> None:
    """A KIP child seen nowhere else goes to the household where its mother is head or spouse."""
    place = {"kelurahan_code": KEL, "rw": 3, "rt": 5}
    result = households(
        engine,
        [
            record(
                "dtks:1", kk_number=KK_PARENTS, relationship="head", full_name="SLAMET", **place
            ),
            record(
                "dtks:2",
                kk_number=KK_PARENTS,
                relationship="spouse",
                full_name="SRI WAHYUNI",
                sex="F",
                **place,
            ),
            record("dtks:9", kk_number=KK_OTHER, relationship="head", full_name="SRI WAHYUNI"),
            record("kip:1", relationship="child", mother_name="SRI WAHYUNI", **place),
        ],
    )
    assert result == [{"dtks:1", "dtks:2", "kip:1"}, {"dtks:9"}]
    assert evidence(engine)["kip:1"] == "mother"


def test_child_joins_a_sibling_with_the_same_mother_at_the_same_place(engine: Engine) -> None:
    """Without the mother in any list, a sibling with the same mother's name is enough."""
    place = {"kelurahan_code": KEL, "rw": 3, "rt": 5}
    child = {"mother_name": "SUMARNI"}
    result = households(
        engine,
        [
            record("dtks:1", kk_number=KK_PARENTS, relationship="child", **child, **place),
            record("kip:1", relationship="child", **child, **place),
            record("kip:2", relationship="child", **child, kelurahan_code="33.74.02.1001"),
        ],
    )
    assert result == [{"dtks:1", "kip:1"}, {"kip:2"}]


def test_mother_name_that_fits_two_households_decides_nothing(engine: Engine) -> None:
    """Two women of the mother's name in one RT, in different households: the child stays alone."""
    place = {"kelurahan_code": KEL, "rw": 3, "rt": 5}
    siti = {"full_name": "SITI", "sex": "F"}
    result = households(
        engine,
        [
            record("dtks:1", kk_number=KK_PARENTS, relationship="spouse", **siti, **place),
            record("dtks:2", kk_number=KK_OTHER, relationship="head", **siti, **place),
            record("kip:1", relationship="child", mother_name="SITI", **place),
        ],
    )
    assert result == [{"dtks:1"}, {"dtks:2"}, {"kip:1"}]


def test_record_at_the_address_of_exactly_one_household_joins_it(engine: Engine) -> None:
    """With no KK, person or mother, a unique household at the same address takes the record."""
    place = {"kelurahan_code": KEL, "rw": 3, "rt": 5}
    result = households(
        engine,
        [
            record("dtks:1", kk_number=KK_PARENTS, address="GG KENANGA III NO 14", **place),
            record("dtks:2", kk_number=KK_OTHER, address="GG KENANGA III NO 16", **place),
            record("pelatihan:1", address="GG KENANGA III NO 14", **place),
        ],
    )
    assert result == [{"dtks:1", "pelatihan:1"}, {"dtks:2"}]
    assert evidence(engine)["pelatihan:1"] == "address"


def test_address_shared_by_two_households_decides_nothing(engine: Engine) -> None:
    """Two cards under one roof (a split-off child staying on): the address picks neither."""
    place = {"kelurahan_code": KEL, "rw": 3, "rt": 5, "address": "JL MAWAR NO 2"}
    result = households(
        engine,
        [
            record("dtks:1", kk_number=KK_PARENTS, **place),
            record("dtks:2", kk_number=KK_SPLIT, **place),
            record("pelatihan:1", **place),
        ],
    )
    assert result == [{"dtks:1"}, {"dtks:2"}, {"pelatihan:1"}]


def test_household_key_group_follows_its_majority(engine: Engine) -> None:
    """Members without KK in an agency's household group go where most of the group points."""
    result = households(
        engine,
        [
            record("dtks:1", "a", kk_number=KK_PARENTS, relationship="head"),
            record("dtks:2", "b", kk_number=KK_PARENTS),
            record("pkh:1", "a", household_key="K1"),
            record("pkh:2", "b", household_key="K1"),
            record("pkh:3", "c", household_key="K1"),
        ],
    )
    assert result == [{"dtks:1", "dtks:2", "pkh:1", "pkh:2", "pkh:3"}]
    assert evidence(engine)["pkh:3"] == "household_key"


def test_records_without_evidence_become_their_persons_household(engine: Engine) -> None:
    """Records of one person with no household evidence form one household; others are alone."""
    result = households(
        engine,
        [record("kis:1", "x"), record("kb:1", "x"), record("kis:2", "y")],
    )
    assert result == [{"kb:1", "kis:1"}, {"kis:2"}]
    assert evidence(engine) == {"kis:1": "grouped", "kb:1": "grouped", "kis:2": "alone"}


def test_records_without_household_at_one_address_are_one_household(engine: Engine) -> None:
    """Records with no card, key or known household around are grouped by their address."""
    place = {"kelurahan_code": KEL, "rw": 6, "rt": 8, "address": "JL GATOTKACA NO 88"}
    result = households(
        engine,
        [
            record("kis:1", **place),
            record("kis:2", **place),
            record("kis:3", **{**place, "address": "JL GATOTKACA NO 90"}),
        ],
    )
    assert result == [{"kis:1", "kis:2"}, {"kis:3"}]


def test_household_cluster_is_the_smallest_record_id(engine: Engine) -> None:
    """The label is deterministic: the household's smallest record ID, for every record."""
    load(
        engine,
        [
            record("kis:9", kk_number=KK_PARENTS),
            record("dtks:5", kk_number=KK_PARENTS),
            record("kb:1"),
        ],
    )
    resolve_households(engine, output="hh")
    assert engine.rows("SELECT record_id, household_cluster FROM hh ORDER BY record_id") == [
        ("dtks:5", "dtks:5"),
        ("kb:1", "kb:1"),
        ("kis:9", "dtks:5"),
    ]


def test_household_ids_are_stable_h_ids(engine: Engine) -> None:
    """Household clusters get H IDs by the stable-ID mechanism, and keep them on a re-run."""
    load(engine, [record("dtks:1", kk_number=KK_PARENTS), record("kb:1")])
    resolve_households(engine)
    first = assign_household_ids(engine, previous=None, run_id=1)
    assert engine.rows("SELECT * FROM households ORDER BY record_id") == [
        ("dtks:1", "H000000001"),
        ("kb:1", "H000000002"),
    ]
    engine.create_table("households_run1", "SELECT * FROM households")
    again = assign_household_ids(
        engine, previous="households_run1", run_id=2, last_issued=first.last_issued
    )
    assert again.carried_forward == 2
    assert engine.count("household_lineage") == 0


def test_missing_standardised_columns_are_named(engine: Engine) -> None:
    """A table that is not the standardiser's output is refused with the missing columns."""
    engine.execute("CREATE TABLE standardised AS SELECT 'a:1' AS record_id, 'a' AS source")
    engine.execute("CREATE TABLE person_clusters AS SELECT 'a:1' AS record_id, 'a:1' AS cluster_id")
    with pytest.raises(RegistryError) as info:
        resolve_households(engine)
    assert str(info.value) == (
        "table 'standardised' lacks the columns kk_number, household_key, relationship, "
        "full_name, mother_name, sex, address, rt, rw, kelurahan_code; it must be the output of "
        "povlink.standardise"
    )


def test_connected_components_label_a_long_chain_with_its_smallest_node(engine: Engine) -> None:
    """A chain of 40 nodes in shuffled order is one component named after its smallest node."""
    steps = range(39, 0, -1)
    chain = {"a": [f"n{i:02d}" for i in steps], "b": [f"n{i - 1:02d}" for i in steps]}
    engine.register("chain", pd.DataFrame(chain))
    rounds = connected_components(
        engine, nodes="SELECT 'z' AS node", edges="SELECT a, b FROM chain", output="cc"
    )
    assert engine.rows("SELECT DISTINCT component FROM cc WHERE node <> 'z'") == [("n00",)]
    assert engine.rows("SELECT component FROM cc WHERE node = 'z'") == [("z",)]
    assert rounds < 10


def test_empty_standardised_table_gives_an_empty_household_table(engine: Engine) -> None:
    """No records, no households: the output exists and is empty."""
    load(engine, [record("kis:1")])
    engine.execute("DELETE FROM standardised")
    resolve_households(engine)
    assert engine.columns("household_clusters") == [
        "record_id",
        "household_cluster",
        "household_evidence",
    ]
    assert engine.count("household_clusters") == 0


def test_record_id_repeated_in_the_input_is_refused(engine: Engine) -> None:
    """Two rows of one record ID fail loudly instead of writing a household table that
    repeats the record."""
    load(engine, [record("dtks:1", kk_number=KK_PARENTS)] * 2)
    with pytest.raises(RegistryError) as info:
        resolve_households(engine)
    assert str(info.value) == (
        "household resolution wrote 4 rows, 3 of them for a record already written, but "
        "'standardised' has 2 records; record IDs in 'standardised' must be unique"
    )
