"""Hypothesis strategies shared by povlink's property tests.

The raw-record strategies write values the way agencies do: real Indonesian names with titles and
old spellings, NIKs with spreadsheet damage, dates in a dozen forms, RT/RW in several layouts,
kelurahan names with typos, plus arbitrary text (punctuation, regex metacharacters, accents,
emoji) so that "no input raises" is tested on hostile strings too.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from hypothesis import strategies as st

from povlink.schema import CANONICAL_FIELDS
from povlink.standardise import load_regions
from povlink.standardise.identity import PROVINCE_CODES

__all__ = [
    "any_text",
    "birth_dates",
    "identity_numbers",
    "kelurahan_names",
    "missing_values",
    "person_names",
    "raw_records",
    "rt_rw_values",
    "sexes",
]

#: Characters that break naive parsers: regex metacharacters, quotes, separators, accents, emoji.
_HOSTILE: Final[str] = "\\^$.|?*+()[]{}'\"`,;:/-_ \t\n%#@!~&<>=0123456789éÉñçß–—’“”😀\u00a0"

GIVEN_NAMES: Final[tuple[str, ...]] = (
    "Siti", "Aminah", "Sri", "Wahyuni", "Nurhayati", "Sulastri", "Sutrisno", "Slamet", "Mulyadi",
    "Suharto", "Soeharto", "Djoko", "Joko", "Tjahjono", "Jusuf", "Yusuf", "Chotidjah", "Khotijah",
    "Muhammad", "Moch.", "Muh", "M.", "Abd.", "Rizki", "Agus", "Budi", "Santoso", "Wagiyem",
    "Poniyem", "Njoman", "Panji", "Sjarifah", "Achmad", "Dwi", "Tri", "Eko", "Kartini", "Nur",
)  # fmt: skip
TITLES: Final[tuple[str, ...]] = (
    "Hj.",
    "H.",
    "Drs.",
    "Dr.",
    "Ir.",
    "Bpk.",
    "Ibu",
    "Ny.",
    "KH.",
    "R.",
)
DEGREES: Final[tuple[str, ...]] = (", S.Pd", ", S.E.", ", M.Si", " S.Pd.I", " SE", ", A.Md", "")

_MONTHS: Final[tuple[str, ...]] = (
    "Januari", "Feb", "Maret", "Apr", "Mei", "Juni", "Juli", "Agt", "Sept", "Okt", "Nop", "Des",
)  # fmt: skip


def any_text() -> st.SearchStrategy[str]:
    """Arbitrary short text, biased towards characters that break parsers."""
    return st.one_of(
        st.text(alphabet=st.sampled_from(_HOSTILE), max_size=20),
        st.text(max_size=20),
        st.text(alphabet="0123456789.eE+-' ", max_size=22),
    )


def missing_values() -> st.SearchStrategy[str | None]:
    """The ways agencies write 'no value'."""
    return st.sampled_from([None, "", " ", "-", "--", "0", "000", "NULL", "belum ada", "Tidak Ada"])


@st.composite
def identity_numbers(draw: st.DrawFn) -> str:
    """A NIK/KK-like number: valid, damaged by a spreadsheet, or with a typo, in written form."""
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    regency = f"{draw(st.integers(1, 99)):02d}"
    district = f"{draw(st.integers(1, 40)):02d}"
    born = draw(st.dates(dt.date(1925, 1, 1), dt.date(2024, 12, 31)))
    day = born.day + (40 if draw(st.booleans()) else 0)
    serial = f"{draw(st.integers(0, 9999)):04d}"
    digits = f"{province}{regency}{district}{day:02d}{born.month:02d}{born.year % 100:02d}{serial}"
    form = draw(st.integers(0, 7))
    if form == 0:
        return f"{digits[:4]} {digits[4:8]} {digits[8:12]} {digits[12:]}"
    if form == 1:
        return f"'{digits}"
    if form == 2:
        return f"{digits}.0"
    if form == 3:
        return f"{digits[0]}.{digits[1 : draw(st.integers(2, 15))]}E+15"
    if form == 4:
        return digits[: draw(st.integers(10, 15))]
    if form == 5:
        return digits.replace(digits[draw(st.integers(0, 15))], "O", 1)
    return digits


@st.composite
def person_names(draw: st.DrawFn) -> str:
    """An Indonesian name as written in a list: titles, old spellings, degrees, patronym, case."""
    words = draw(st.lists(st.sampled_from(GIVEN_NAMES), min_size=1, max_size=3))
    name = " ".join(words)
    if draw(st.booleans()):
        name = f"{draw(st.sampled_from(TITLES))} {name}"
    name += draw(st.sampled_from(DEGREES))
    if draw(st.integers(0, 5)) == 0:
        name += f" {draw(st.sampled_from(['bin', 'binti']))} {draw(st.sampled_from(GIVEN_NAMES))}"
    return draw(st.sampled_from([name, name.upper(), name.lower(), f"  {name}  "]))


@st.composite
def birth_dates(draw: st.DrawFn) -> str:
    """A date of birth in one of the written forms (some impossible or implausible)."""
    d = draw(st.dates(dt.date(1890, 1, 1), dt.date(2035, 12, 31)))
    form = draw(st.integers(0, 9))
    if form == 0:
        return d.isoformat()
    if form == 1:
        return f"{d.day:02d}-{d.month:02d}-{d.year}"
    if form == 2:
        return f"{d.day}/{d.month}/{d.year % 100:02d}"
    if form == 3:
        return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
    if form == 4:
        return f"{d.year}{d.month:02d}{d.day:02d}"
    if form == 5:
        return str((d - dt.date(1899, 12, 30)).days)
    if form == 6:
        return f"SEMARANG, {d.day:02d}-{d.month:02d}-{d.year}"
    if form == 7:
        return f"{draw(st.integers(0, 40)):02d}-{draw(st.integers(0, 14)):02d}-{d.year}"
    if form == 8:
        return str(d.year)
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def sexes() -> st.SearchStrategy[str]:
    """Sex as agencies write it, including unknown codes."""
    return st.sampled_from(
        ["L", "P", "1", "2", "Laki-laki", "PEREMPUAN", "Pria", "wanita", "M", "F", "LK", "X", "3"]
    )


def relationships() -> st.SearchStrategy[str]:
    """Relationship to the household head as written (and BDT codes)."""
    return st.sampled_from(
        ["Kepala Keluarga", "KRT", "1", "Istri", "Suami", "2", "Anak", "3", "Menantu", "Cucu",
         "Orang Tua", "Mertua", "Famili Lain", "Lainnya", "7", "Kos"]
    )  # fmt: skip


@st.composite
def rt_rw_values(draw: st.DrawFn) -> str:
    """An RT (or combined RT/RW) value in one of the written layouts."""
    rt, rw = draw(st.integers(0, 1200)), draw(st.integers(0, 30))
    return draw(
        st.sampled_from(
            [str(rt), f"{rt:03d}", f"RT.{rt:02d}", f"{rt:03d}/{rw:03d}", f"RT.{rt}/RW.{rw}", "RT"]
        )
    )


@st.composite
def kelurahan_names(draw: st.DrawFn) -> str:
    """A Semarang kelurahan or kecamatan name with the variations of real lists."""
    row = draw(st.sampled_from(load_regions().rows))
    name = draw(st.sampled_from([row.kelurahan_name, row.kecamatan_name, row.kelurahan_code]))
    variant = draw(st.integers(0, 4))
    if variant == 1:
        name = name.upper()
    elif variant == 2:
        name = f"Kel. {name}"
    elif variant == 3 and len(name) > 4:
        i = draw(st.integers(1, len(name) - 2))
        name = name[:i] + name[i + 1 :]
    elif variant == 4:
        name = name.replace(" ", "")
    return name


@st.composite
def addresses(draw: st.DrawFn) -> str:
    """Street address text, sometimes with RT/RW and KEL./KEC. inside."""
    street = draw(
        st.sampled_from(["Jl. Pemuda No. 5", "Gg. Mawar 3", "JLN KAUMAN", "Dusun Krajan"])
    )
    rt, rw = draw(st.integers(1, 20)), draw(st.integers(1, 15))
    tail = draw(
        st.sampled_from(
            ["", f" RT {rt:03d} RW {rw:03d}", f" RT.{rt}/RW.{rw}", f" RT/RW {rt:03d}/{rw:03d}"]
        )
    )
    place = draw(st.sampled_from(["", ", Kel. Sekayu, Kec. Semarang Tengah", " kel kauman"]))
    return street + tail + place


_FIELD_STRATEGIES: Final[dict[str, st.SearchStrategy[str | None]]] = {
    "nik": identity_numbers(),
    "kk_number": identity_numbers(),
    "full_name": person_names(),
    "birth_date": birth_dates(),
    "birth_place": st.sampled_from(["Semarang", "KOTA SEMARANG", "Kab. Demak", "Kendal, 1980"]),
    "sex": sexes(),
    "mother_name": person_names(),
    "relationship": relationships(),
    "address": addresses(),
    "rt": rt_rw_values(),
    "rw": st.integers(0, 40).map(str),
    "kelurahan": kelurahan_names(),
    "kecamatan": kelurahan_names(),
    "city": st.sampled_from(["Kota Semarang", "SEMARANG", "Kab. Semarang"]),
    "household_key": st.integers(1, 10**9).map(lambda n: f"{n}.0"),
    "phone": st.sampled_from(["0812-3456-7890", "+62 81234567890", "024 354123", "812345678"]),
}
assert set(_FIELD_STRATEGIES) == set(CANONICAL_FIELDS)


def raw_records(*, hostile: bool = True) -> st.SearchStrategy[dict[str, str | None]]:
    """A raw record: any subset of the canonical fields, realistic, missing or (if hostile) junk."""
    values = {
        field: st.one_of(strategy, missing_values(), any_text()) if hostile else strategy
        for field, strategy in _FIELD_STRATEGIES.items()
    }
    return st.fixed_dictionaries({}, optional=values)
