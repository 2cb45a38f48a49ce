"""Every figure of the random city's report, pinned: a faster query must give the same numbers."""

from __future__ import annotations

import json

import pytest

from tests.report.random_city import EXPECTED, pinned_form, random_city_report


@pytest.mark.parametrize("households_view", [False, True], ids=["table", "view"])
def test_random_city_report_is_unchanged(households_view: bool) -> None:
    """Each DataFrame has the stored columns, dtypes and rows, whichever the households layout."""
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    actual = json.loads(
        json.dumps(pinned_form(random_city_report(households_view=households_view)))
    )
    assert actual["notes"] == expected["notes"]
    assert actual["reference_source"] == expected["reference_source"]
    for name, frame in expected["frames"].items():
        assert actual["frames"][name]["dtypes"] == frame["dtypes"], name
        assert actual["frames"][name]["rows"] == frame["rows"], name
