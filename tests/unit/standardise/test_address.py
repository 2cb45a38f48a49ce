"""RT/RW, kelurahan and kecamatan resolved to official codes, address text, city, region tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from povlink.exceptions import ConfigError
from povlink.standardise import RegionRow, RegionTable, load_regions

from .conftest import standardise_cases

RT_RW: dict[str, tuple[dict[str, str], int | None, int | None, list[str]]] = {
    "columns": ({"rt": "003", "rw": "005"}, 3, 5, []),
    "plain": ({"rt": "3", "rw": "5"}, 3, 5, []),
    "prefixed": ({"rt": "RT.03", "rw": "RW 05"}, 3, 5, []),
    "combined": ({"rt": "003/005"}, 3, 5, []),
    "combined_dash": ({"rt": "3-5"}, 3, 5, []),
    "combined_labels": ({"rt": "RT.3/RW.5"}, 3, 5, []),
    "text": ({"address": "Jl. Pemuda No. 5 RT 003 RW 005"}, 3, 5, []),
    "text_dotted": ({"address": "Gg. Mawar RT.03/RW.05"}, 3, 5, []),
    "text_pair": ({"address": "Jl Kauman RT/RW 003/005"}, 3, 5, []),
    "text_slash": ({"address": "Jl Kauman RT 3/5"}, 3, 5, []),
    "text_colon": ({"address": "Dusun Krajan rt: 7 rw: 2"}, 7, 2, []),
    "column_wins": ({"rt": "4", "address": "RT 003 RW 005"}, 4, 5, ["rt_conflict"]),
    "rw_conflict": ({"rw": "6", "address": "RT 003 RW 005"}, 3, 6, ["rw_conflict"]),
    "letters": ({"rt": "abc"}, None, None, ["rt_invalid"]),
    "too_big": ({"rt": "1234", "rw": "1000"}, None, None, ["rt_invalid", "rw_invalid"]),
    "zero_is_missing": ({"rt": "000", "rw": "0"}, None, None, []),
}

# fields -> (kelurahan_code, kecamatan_code, kelurahan_name, kecamatan_name, flags)
PLACES: dict[
    str, tuple[dict[str, str], str | None, str | None, str | None, str | None, list[str]]
] = {
    "exact": (
        {"kelurahan": "Kauman", "kecamatan": "Semarang Tengah"},
        "33.74.01.1010",
        "33.74.01",
        "kauman",
        "semarang tengah",
        [],
    ),
    "prefixes": (
        {"kelurahan": "KEL. KAUMAN", "kecamatan": "KEC. SEMARANG TENGAH"},
        "33.74.01.1010",
        "33.74.01",
        "kauman",
        "semarang tengah",
        [],
    ),
    "code": (
        {"kelurahan": "33.74.01.1010"},
        "33.74.01.1010",
        "33.74.01",
        "kauman",
        "semarang tengah",
        [],
    ),
    "code_digits": (
        {"kelurahan": "3374011010"},
        "33.74.01.1010",
        "33.74.01",
        "kauman",
        "semarang tengah",
        [],
    ),
    "kecamatan_code": ({"kecamatan": "337401"}, None, "33.74.01", None, "semarang tengah", []),
    "unique_name": (
        {"kelurahan": "Sekayu"},
        "33.74.01.1007",
        "33.74.01",
        "sekayu",
        "semarang tengah",
        [],
    ),
    "purwosari": (
        {"kelurahan": "Purwosari"},
        None,
        None,
        "purwosari",
        None,
        ["kelurahan_ambiguous"],
    ),
    "purwosari_utara": (
        {"kelurahan": "Purwosari", "kecamatan": "Semarang Utara"},
        "33.74.02.1004",
        "33.74.02",
        "purwosari",
        "semarang utara",
        [],
    ),
    "purwosari_mijen": (
        {"kelurahan": "Purwosari", "kecamatan": "Mijen"},
        "33.74.14.1005",
        "33.74.14",
        "purwosari",
        "mijen",
        [],
    ),
    "mangunharjo": (
        {"kelurahan": "Mangunharjo"},
        None,
        None,
        "mangunharjo",
        None,
        ["kelurahan_ambiguous"],
    ),
    "mangunharjo_tugu": (
        {"kelurahan": "Mangunharjo", "kecamatan": "Tugu"},
        "33.74.16.1007",
        "33.74.16",
        "mangunharjo",
        "tugu",
        [],
    ),
    "spacing": (
        {"kelurahan": "Gajah Mungkur", "kecamatan": "Gajah Mungkur"},
        "33.74.09.1005",
        "33.74.09",
        "gajahmungkur",
        "gajahmungkur",
        [],
    ),
    "dh": (
        {"kelurahan": "Bendan Duwur"},
        "33.74.09.1002",
        "33.74.09",
        "bendan dhuwur",
        "gajahmungkur",
        [],
    ),
    "double_letter": (
        {"kelurahan": "Sumurejo"},
        "33.74.12.1014",
        "33.74.12",
        "sumurrejo",
        "gunungpati",
        [],
    ),
    "vowel": (
        {"kelurahan": "Pendrikan Lor"},
        "33.74.01.1015",
        "33.74.01",
        "pindrikan lor",
        "semarang tengah",
        [],
    ),
    "inserted_vowel": (
        {"kelurahan": "Beringin", "kecamatan": "Ngaliyan"},
        "33.74.15.1003",
        "33.74.15",
        "bringin",
        "ngaliyan",
        ["kelurahan_fuzzy"],
    ),
    "typo": (
        {"kelurahan": "Tlogosari Kulom"},
        "33.74.06.1004",
        "33.74.06",
        "tlogosari kulon",
        "pedurungan",
        ["kelurahan_fuzzy"],
    ),
    "kecamatan_typo": (
        {"kelurahan": "Kauman", "kecamatan": "Semarang Tenga"},
        "33.74.01.1010",
        "33.74.01",
        "kauman",
        "semarang tengah",
        ["kecamatan_fuzzy"],
    ),
    "wrong_kecamatan": (
        {"kelurahan": "Sekayu", "kecamatan": "Tembalang"},
        "33.74.01.1007",
        "33.74.01",
        "sekayu",
        "semarang tengah",
        ["kelurahan_kecamatan_mismatch"],
    ),
    "kecamatan_name_as_kelurahan": (
        {"kelurahan": "Tembalang"},
        "33.74.10.1006",
        "33.74.10",
        "tembalang",
        "tembalang",
        [],
    ),
    "kecamatan_only": ({"kecamatan": "Tembalang"}, None, "33.74.10", None, "tembalang", []),
    "three_way_tie": (
        {"kelurahan": "Pedurungan"},
        None,
        None,
        "pedurungan",
        None,
        ["kelurahan_ambiguous"],
    ),
    "unknown": (
        {"kelurahan": "Kebon Jeruk"},
        None,
        None,
        "kebon jeruk",
        None,
        ["kelurahan_unknown"],
    ),
    "unknown_kecamatan": (
        {"kecamatan": "Menteng"},
        None,
        None,
        None,
        "menteng",
        ["kecamatan_unknown"],
    ),
    "bps_code": ({"kecamatan": "3374130"}, None, None, None, None, ["kecamatan_unknown"]),
    "in_address": (
        {"address": "Jl. Pemuda 5, Kel. Sekayu, Kec. Semarang Tengah, Kota Semarang"},
        "33.74.01.1007",
        "33.74.01",
        "sekayu",
        "semarang tengah",
        [],
    ),
    "in_address_no_commas": (
        {"address": "jl pemuda no 5 rt 1 rw 2 kel sekayu kec semarang tengah"},
        "33.74.01.1007",
        "33.74.01",
        "sekayu",
        "semarang tengah",
        [],
    ),
    "desa_in_address": (
        {"address": "Desa Kandri Kecamatan Gunungpati"},
        "33.74.12.1016",
        "33.74.12",
        "kandri",
        "gunungpati",
        [],
    ),
    "column_over_address": (
        {"kelurahan": "Kauman", "address": "Kel. Sekayu"},
        "33.74.01.1010",
        "33.74.01",
        "kauman",
        "semarang tengah",
        [],
    ),
}


@pytest.fixture(scope="module")
def out() -> dict[str, dict[str, Any]]:
    """Every address case of this module, standardised in one table."""
    cases = {f"rt_{k}": v[0] for k, v in RT_RW.items()} | {
        f"pl_{k}": v[0] for k, v in PLACES.items()
    }
    cases["text"] = {"address": "Jl. Pemuda No.5  RT 003 / RW 005, Gg. Mawar"}
    cases["city"] = {"city": "KOTA SEMARANG"}
    cases["kab"] = {"city": "Kab. Semarang"}
    cases["kodya"] = {"city": "Kodya Semarang"}
    return standardise_cases(cases)


@pytest.mark.parametrize("case", list(RT_RW))
def test_rt_and_rw(out: dict[str, dict[str, Any]], case: str) -> None:
    """RT and RW as integers from columns, combined forms or the address text."""
    _, rt, rw, flags = RT_RW[case]
    row = out[f"rt_{case}"]
    assert (row["rt"], row["rw"], row["quality_flags"]) == (rt, rw, flags)


@pytest.mark.parametrize("case", list(PLACES))
def test_kelurahan_and_kecamatan_resolution(out: dict[str, dict[str, Any]], case: str) -> None:
    """Names and codes, in columns or the address text, to official codes, exact then fuzzy."""
    _, kel, kec, kel_name, kec_name, flags = PLACES[case]
    row = out[f"pl_{case}"]
    got = (
        row["kelurahan_code"],
        row["kecamatan_code"],
        row["kelurahan_name"],
        row["kecamatan_name"],
    )
    assert got == (kel, kec, kel_name, kec_name)
    assert row["quality_flags"] == flags


def test_address_text_is_normalised_without_rt_rw(out: dict[str, dict[str, Any]]) -> None:
    """Abbreviations spelled out, punctuation gone, RT/RW (which have columns) removed."""
    assert out["text"]["address"] == "jalan pemuda no 5 gang mawar"
    assert (out["text"]["rt"], out["text"]["rw"]) == (3, 5)


def test_city_keeps_kota_and_kabupaten_apart(out: dict[str, dict[str, Any]]) -> None:
    """Kota Semarang and Kabupaten Semarang are different places."""
    assert [out[k]["city"] for k in ("city", "kab", "kodya")] == [
        "kota semarang",
        "kabupaten semarang",
        "kota semarang",
    ]


def test_packaged_region_table_is_kota_semarang() -> None:
    """16 kecamatan, 177 kelurahan, codes in dotted form."""
    regions = load_regions()
    assert len(regions.rows) == 177
    assert len({r.kecamatan_code for r in regions.rows}) == 16
    assert regions.rows[0] == RegionRow("33.74.01", "Semarang Tengah", "33.74.01.1001", "Miroto")
    assert regions.kelurahan_codes_named("mangunharjo") == ("33.74.10.1003", "33.74.16.1007")


def test_another_city_brings_its_own_table(tmp_path: Path) -> None:
    """A csv of the same layout replaces the packaged table."""
    path = tmp_path / "kota_x.csv"
    path.write_text(
        "kode_kecamatan,nama_kecamatan,kode_kelurahan,nama_kelurahan\n"
        "99.71.01,Kota Lama,99.71.01.1001,Pasar Baru\n"
        "99.71.02,Kota Baru,99.71.02.1001,Pasar Baru\n",
        encoding="utf-8",
    )
    regions = load_regions(path)
    assert regions == RegionTable(
        rows=(
            RegionRow("99.71.01", "Kota Lama", "99.71.01.1001", "Pasar Baru"),
            RegionRow("99.71.02", "Kota Baru", "99.71.02.1001", "Pasar Baru"),
        ),
        origin=str(path),
    )


def test_malformed_region_table_names_every_problem(tmp_path: Path) -> None:
    """Wrong codes, a code outside its kecamatan and a repeated code are all reported at once."""
    path = tmp_path / "bad.csv"
    path.write_text(
        "kode_kecamatan,nama_kecamatan,kode_kelurahan,nama_kelurahan\n"
        "3374,Tengah,33.74.01.1001,Miroto\n"
        "33.74.01,Tengah,33.74.02.1001,Jagalan\n"
        "33.74.01,Tengah,33.74.01.1003,\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_regions(path)
    assert caught.value.problems == [
        "line 2: kecamatan code '3374' is not like 33.74.01",
        "line 2: kelurahan code '33.74.01.1001' is not like 3374.1001",
        "line 3: kelurahan code '33.74.02.1001' is not like 33.74.01.1001",
        "line 4: a name is empty",
    ]


def test_region_table_with_wrong_header_is_refused(tmp_path: Path) -> None:
    """The header must name the four columns."""
    path = tmp_path / "bad.csv"
    path.write_text("kecamatan,kelurahan\nA,B\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="the header must be kode_kecamatan,nama_kecamatan"):
        load_regions(path)


def test_a_region_table_of_another_city_is_used_for_matching(tmp_path: Path) -> None:
    """Standardisation resolves names against the table it is given."""
    from povlink.standardise import standardise_record

    regions = RegionTable(rows=(RegionRow("99.71.01", "Kota Lama", "99.71.01.1001", "Pasar Baru"),))
    got = standardise_record({"kelurahan": "Kel. Pasar Baroe"}, regions=regions)
    assert (got["kelurahan_code"], got["kecamatan_code"]) == ("99.71.01.1001", "99.71.01")
    semarang = standardise_record({"kelurahan": "Pasar Baru"})
    assert semarang["quality_flags"] == ["kelurahan_unknown"]
