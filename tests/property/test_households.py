"""Properties of household resolution over generated small standardised tables."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from povlink.engine import Engine
from povlink.households import resolve_households
from tests.tables import load_standardised

FAST = settings(max_examples=12, deadline=None)

#: One engine for every example (starting DuckDB costs more than resolving a few records).
ENGINE = Engine(threads=1)

_KKS = ["3374011503100001", "3374011503100009", "3374010207230002", "3374050101240003"]
_RELATIONSHIPS = ["head", "spouse", "child", "parent", "grandchild", "in_law", "other"]
_NAMES = ["SRI", "SITI", "SLAMET", "SUMARNI"]


def maybe(values: list[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.sampled_from(values))


@st.composite
def standardised_tables(draw: st.DrawFn) -> pd.DataFrame:
    """Records from a few lists sharing a few KK numbers, keys, persons, names and places."""
    n = draw(st.integers(1, 14))
    rows = []
    for i in range(n):
        source = draw(st.sampled_from(["dtks", "kis", "kip"]))
        rows.append(
            {
                "record_id": f"{source}:{i:02d}",
                "source": source,
                "person": draw(st.integers(0, 6)),
                "kk_number": draw(maybe(_KKS)),
                "household_key": draw(maybe(["1", "2"])),
                "relationship": draw(maybe(_RELATIONSHIPS)),
                "full_name": draw(maybe(_NAMES)),
                "mother_name": draw(maybe(_NAMES)),
                "sex": draw(maybe(["M", "F"])),
                "kelurahan_code": draw(maybe(["33.74.01.1001", "33.74.02.1001"])),
                "rw": draw(maybe([1, 2])),
                "rt": draw(maybe([1, 2])),
                "address": draw(maybe(["JL MAWAR NO 2", "GG KENANGA NO 5"])),
            }
        )
    frame = pd.DataFrame(rows)
    # The person cluster is named after its smallest record, as the linkage stage does.
    frame["person"] = frame.groupby("person")["record_id"].transform("min")
    return frame


def resolve(frame: pd.DataFrame) -> dict[str, str]:
    """Load the frame as ``standardised``/``person_clusters``, resolve, return record → label."""
    load_standardised(ENGINE, frame)
    resolve_households(ENGINE)
    rows = ENGINE.rows("SELECT record_id, household_cluster FROM household_clusters")
    assert len(rows) == len({r for r, _ in rows}), "a record appears twice"
    return dict(rows)


@FAST
@given(standardised_tables())
def test_every_record_gets_exactly_one_household(frame: pd.DataFrame) -> None:
    """Each record appears once, labelled with a record of its own household."""
    labels = resolve(frame)
    assert sorted(labels) == sorted(frame["record_id"])
    for record_id, label in labels.items():
        assert labels[label] == label  # the label is a member of the household
        assert label <= record_id  # and its smallest record


@FAST
@given(standardised_tables(), st.randoms(use_true_random=False))
def test_households_do_not_depend_on_row_order(frame: pd.DataFrame, rnd: Any) -> None:
    """Shuffling the standardised rows changes no household."""
    plain = resolve(frame)
    shuffled = resolve(frame.sample(frac=1, random_state=rnd.randint(0, 10**6)))
    assert shuffled == plain
