"""Generated families with their life events: the household rules recover the true families.

Each family is listed whole in an older list (DTKS, with cards and roles) and partly in newer
lists without roles (KIS, KB) and without cards (KIP children). Between the lists a family may
move (a new card for everyone) or a grown child may split off with a new card of their own
(*pecah KK*), sometimes written on the parents' old card in one newer list (a stale KK). With
true persons and no other damage, the resolved households must be exactly the true ones: the
split child's older records with the parents, the newer ones in the new household.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from povlink.engine import Engine
from povlink.households import resolve_households
from tests.tables import load_standardised

ENGINE = Engine(threads=1)


def card(family: int, date: str, serial: int) -> str:
    """A KK number ``33 74 CC DDMMYY SSSS``."""
    return f"3374{family + 1:02d}{date}{serial:04d}"


@dataclass
class Family:
    number: int
    children: int
    has_spouse: bool
    event: str  # "none", "moved" or "split"
    kis: list[bool]  # which of the members appear in KIS (head first)
    stale_in_kb: bool  # the split child is in KB with the parents' old card


@st.composite
def families(draw: st.DrawFn) -> list[Family]:
    out = []
    for number in range(draw(st.integers(1, 3))):
        children = draw(st.integers(0, 3))
        event = draw(st.sampled_from(["none", "moved", "split"] if children else ["none", "moved"]))
        members = 1 + 1 + children
        out.append(
            Family(
                number=number,
                children=children,
                has_spouse=draw(st.booleans()),
                event=event,
                kis=draw(st.lists(st.booleans(), min_size=members, max_size=members)),
                stale_in_kb=draw(st.booleans()),
            )
        )
    return out


def records_of(fams: list[Family]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The list records of the families and each record's true household."""
    rows: list[dict[str, Any]] = []
    truth: dict[str, str] = {}

    def add(rid: str, household: str, **fields: Any) -> None:
        rows.append({"record_id": rid, **fields})
        truth[rid] = household

    for f in fams:
        old = card(f.number, "150310", 1)
        new = card(f.number, "010124", 2) if f.event == "moved" else old
        place = {"kelurahan_code": f"33.74.{f.number + 1:02d}.1001", "rw": 1, "rt": f.number + 1}
        home = f"F{f.number}"
        mother = f"IBU {f.number}" if f.has_spouse else None
        members = [("head", f"h{f.number}", f"KEPALA {f.number}", "M")]
        members.append(("spouse", f"s{f.number}", mother, "F"))
        members += [
            ("child", f"c{f.number}_{i}", f"ANAK {f.number} {i}", "M") for i in range(f.children)
        ]
        splitter = members[2][1] if f.event == "split" else None
        for role, person, name, sex in members:
            if role == "spouse" and not f.has_spouse:
                continue
            mother_name = mother if role == "child" else None
            common = {"person": person, "full_name": name, "sex": sex, **place}
            add(
                f"dtks:{person}",
                home,
                kk_number=old,
                relationship=role,
                mother_name=mother_name,
                **common,
            )
            in_kis = f.kis[[m[1] for m in members].index(person)]
            if person == splitter:
                split_card = card(f.number, "020723", 3)
                add(f"kis:{person}", f"S{f.number}", kk_number=split_card, **common)
                add(f"kis:w{f.number}", f"S{f.number}", kk_number=split_card, person=f"w{f.number}")
                kb_card = old if f.stale_in_kb else split_card
                add(f"kb:{person}", f"S{f.number}", kk_number=kb_card, **common)
                continue
            if in_kis or (f.event == "moved" and role == "head"):
                add(f"kis:{person}", home, kk_number=new, **common)
            if role == "child":
                add(f"kip:{person}", home, mother_name=mother_name, **common)
    return rows, truth


def resolve(rows: list[dict[str, Any]]) -> dict[str, str]:
    frame = pd.DataFrame(rows)
    frame["source"] = frame["record_id"].str.split(":").str[0]
    load_standardised(ENGINE, frame)
    resolve_households(ENGINE)
    return dict(ENGINE.rows("SELECT record_id, household_cluster FROM household_clusters"))


def partition(labels: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for record, label in labels.items():
        groups.setdefault(label, set()).add(record)
    return {frozenset(g) for g in groups.values()}


@settings(max_examples=12, deadline=None)
@given(families())
def test_clean_families_with_moves_and_splits_are_recovered_exactly(fams: list[Family]) -> None:
    """Moves keep one household, a split child's newer records form a new one, nothing else."""
    rows, truth = records_of(fams)
    assert partition(resolve(rows)) == partition(truth)
