"""Resolve on lists that cannot link, or with a field that holds nothing usable."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from povlink.exceptions import DataQualityWarning, LinkageError
from povlink.project import Project
from tests.unit.core.helpers import write_project

pytestmark = pytest.mark.integration

PEOPLE = (
    "ID,NIK,NAMA,TGL,KET\n"
    "1,3374014101850001,Siti Aminah,01-01-1985,a\n"
    "2,3374014101850001,SITI AMINAH,01-01-1985,b\n"
    "3,3374010505800002,Budi Santoso,05-05-1980,c\n"
    "4,3374010505800003,Joko Widodo,05-06-1961,d\n"
    "5,,Slamet,1970,e\n"
)


@pytest.mark.filterwarnings("ignore::povlink.DataQualityWarning")
def test_no_field_that_can_link_names_the_fields_needed(tmp_path: Path) -> None:
    """Lists mapping only a note column fail with the fields linkage needs, registry untouched."""
    config = write_project(
        tmp_path,
        '[[source]]\nname = "a"\npath = "a.csv"\nid_column = "ID"\n'
        '[source.columns]\nphone = "KET"\n',
        {"a.csv": PEOPLE},
    )
    with pytest.raises(LinkageError, match=r"nik.*full_name.*birth_date"):
        Project.from_toml(config).resolve()
    with Project.from_toml(config).open_registry(read_only=True) as reg:
        assert reg.versions().empty


def test_a_field_without_usable_values_warns_and_carries_on(tmp_path: Path) -> None:
    """A mapped column full of unusable values warns, and the run still resolves."""
    config = write_project(
        tmp_path,
        '[[source]]\nname = "a"\npath = "a.csv"\nid_column = "ID"\n'
        '[source.columns]\nnik = "NIK"\nfull_name = "NAMA"\nbirth_date = "TGL"\nsex = "KET"\n',
        {"a.csv": PEOPLE},
    )
    with pytest.warns(DataQualityWarning, match=r"source 'a': field 'sex' \(column KET\)"):
        result = Project.from_toml(config).resolve()
    persons = result.persons.set_index("record_id")["person_id"]
    assert persons["a:1"] == persons["a:2"]
    assert persons.nunique() == 4
    # A list is checked when it is standardised: again when it changes, not when it does not.
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        Project.from_toml(config).resolve()
    (tmp_path / "a.csv").write_text(PEOPLE + "6,,Sri,1975,x\n")
    with pytest.warns(DataQualityWarning, match=r"field 'sex' \(column KET\) .* in 6 records"):
        Project.from_toml(config).resolve()
