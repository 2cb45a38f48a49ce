"""Names: titles, patronyms, Muhammad and Abdul, old spellings, and the phonetic key."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import standardise_cases

# written name -> (full_name, name_titles, name_patronym)
NAMES: dict[str, tuple[str | None, str | None, str | None]] = {
    # the examples
    "Hj. SITI  AMINAH, S.Pd": ("siti aminah", "hj spd", None),
    "DJOKO TJAHJONO": ("joko cahyono", None, None),
    "M. Rizki": ("muhammad rizki", None, None),
    # Muhammad and Abdul variants
    "M.RIZKI": ("muhammad rizki", None, None),
    "Muh. Rizki": ("muhammad rizki", None, None),
    "Moh Rizki": ("muhammad rizki", None, None),
    "Moch. Rizki": ("muhammad rizki", None, None),
    "Mochammad Rizki": ("muhammad rizki", None, None),
    "Mohamad Rizki": ("muhammad rizki", None, None),
    "MUHAMAD RIZKI": ("muhammad rizki", None, None),
    "H.M.RIZKI": ("muhammad rizki", "h", None),
    "Abd. Rahman": ("abdul rahman", None, None),
    "ABD RAHMAN": ("abdul rahman", None, None),
    "st. aminah": ("siti aminah", None, None),
    # old spellings forward
    "Soeharto": ("suharto", None, None),
    "Soedjatmoko": ("sujatmoko", None, None),
    "Chotidjah": ("khotijah", None, None),
    "Njoman": ("nyoman", None, None),
    "Achmad Sjarif": ("akhmad syarif", None, None),
    "Panji Asmoro": ("panji asmoro", None, None),  # modern nj and j stay
    "Jusuf": ("jusuf", None, None),  # no old-spelling marker: the j stays (the key folds it)
    # titles and honorifics before the name
    "Drs. H. Ahmad Dahlan, M.M.": ("ahmad dahlan", "drs h mm", None),
    "Ir. Budi Santoso": ("budi santoso", "ir", None),
    "dr. Ratna Sari": ("ratna sari", "dr", None),
    "Bpk. Slamet": ("slamet", "bpk", None),
    "Ibu Sumarni": ("sumarni", "ibu", None),
    "Ny. Wagiyem": ("wagiyem", "ny", None),
    "KH. Ahmad Dahlan": ("ahmad dahlan", "kh", None),
    "Prof. Dr. Ir. Siti Nurhayati": ("siti nurhayati", "prof dr ir", None),
    "R. Soeprapto": ("suprapto", "r", None),
    "R.A. Kartini": ("kartini", "r a", None),
    # degrees after the name, with or without a comma
    "Budi Santoso SE": ("budi santoso", "se", None),
    "Siti Aminah A.Md": ("siti aminah", "amd", None),
    "Agus Salim S.Pd.I": ("agus salim", "spdi", None),
    "Sri Wahyuni, S.Kom, M.Si": ("sri wahyuni", "skom msi", None),
    # patronyms
    "Ahmad bin Sulaiman": ("ahmad", None, "sulaiman"),
    "Siti Aisyah binti Abdullah": ("siti aisyah", None, "abdullah"),
    "Nurhayati BT Moch. Sjukur": ("nurhayati", None, "muhammad syukur"),
    # punctuation, accents, digits, spacing
    "Nur'aini": ("nuraini", None, None),
    "Ma'ruf Amin": ("maruf amin", None, None),
    "José Émile": ("jose emile", None, None),
    "SRI  WAHYUNI": ("sri wahyuni", None, None),
    "Sutrisno 2": ("sutrisno", None, None),
    "Siti-Aminah": ("siti aminah", None, None),
    # initials that are not titles
    "Budi M. Ali": ("budi m ali", None, None),
    "Agus R": ("agus r", None, None),
}


@pytest.fixture(scope="module")
def out() -> dict[str, dict[str, Any]]:
    """Every written name of this module as full_name and mother_name, in one table."""
    cases = {f"n{i}": {"full_name": n, "mother_name": n} for i, n in enumerate(NAMES)}
    cases |= {f"p{i}": {"full_name": a} for i, a in enumerate(_PHONETIC_WORDS)}
    cases["only_title"] = {"full_name": "Hj.", "mother_name": "Ibu"}
    return standardise_cases(cases)


@pytest.mark.parametrize(("index", "written"), list(enumerate(NAMES)), ids=list(NAMES))
def test_name_standardisation(out: dict[str, dict[str, Any]], index: int, written: str) -> None:
    """The standard name, the titles moved aside and the patronym, exactly."""
    row = out[f"n{index}"]
    assert (row["full_name"], row["name_titles"], row["name_patronym"]) == NAMES[written]
    assert row["quality_flags"] == []


@pytest.mark.parametrize(("index", "written"), list(enumerate(NAMES)), ids=list(NAMES))
def test_mother_name_follows_the_same_rules(
    out: dict[str, dict[str, Any]], index: int, written: str
) -> None:
    """The mother's name is standardised like the person's own, with its own phonetic key."""
    row = out[f"n{index}"]
    assert row["mother_name"] == row["full_name"]
    assert row["mother_name_phonetic"] == row["name_phonetic"]


def test_name_tokens_split_the_standard_name(out: dict[str, dict[str, Any]]) -> None:
    """Tokens are the words of full_name, in order."""
    row = out[f"n{list(NAMES).index('Prof. Dr. Ir. Siti Nurhayati')}"]
    assert row["name_tokens"] == ["siti", "nurhayati"]


def test_a_name_of_titles_only_is_null_and_flagged(out: dict[str, dict[str, Any]]) -> None:
    """'Hj.' alone names nobody."""
    row = out["only_title"]
    assert (row["full_name"], row["name_tokens"], row["name_phonetic"]) == (None, None, None)
    assert (row["name_titles"], row["mother_name"]) == ("hj", None)
    assert row["quality_flags"] == ["full_name_empty", "mother_name_empty"]


# Pairs of real variants that must share a phonetic key, and pairs that must not.
SAME_KEY = [
    ("Suharto", "Soeharto", "suartu"),
    ("Joko", "Djoko", "yuku"),
    ("Yusuf", "Jusuf", "yusup"),
    ("Khotijah", "Chotidjah", "utia"),
    ("Ahmad", "Achmad", "amad"),
    ("Rahmat", "Rachmat", "ramat"),
    ("Zainal", "Zaenal", "yainal"),
    ("Syarifah", "Sjarifah", "saripa"),
    ("Supriyanto", "Suprianto", "supriantu"),
    ("Nurhayati", "Nurhajati", "nurayati"),
    ("Wagiyem", "Wagiem", "wagim"),
    ("Arif", "Arip", "arip"),
    ("Mustofa", "Musthofa", "mustupa"),
    ("Sumurrejo", "Sumurejo", "sumuriu"),
]
DIFFERENT_KEY = [("Suharto", "Suharti"), ("Slamet", "Sumarni"), ("Budi", "Bayu")]
_PHONETIC_WORDS = sorted(
    {w for pair in SAME_KEY for w in pair[:2]} | {w for p in DIFFERENT_KEY for w in p}
)


def _key(out: dict[str, dict[str, Any]], word: str) -> str:
    return str(out[f"p{_PHONETIC_WORDS.index(word)}"]["name_phonetic"])


@pytest.mark.parametrize(("a", "b", "key"), SAME_KEY, ids=[f"{a}/{b}" for a, b, _ in SAME_KEY])
def test_spelling_variants_share_a_phonetic_key(
    out: dict[str, dict[str, Any]], a: str, b: str, key: str
) -> None:
    """j/y, doubled letters, silent h, oe/u, ch/kh, f/p, e/i, o/u fold together."""
    assert (_key(out, a), _key(out, b)) == (key, key)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_KEY)
def test_different_names_keep_different_keys(
    out: dict[str, dict[str, Any]], a: str, b: str
) -> None:
    """The key does not fold the -o/-i of male and female names or unrelated names together."""
    assert _key(out, a) != _key(out, b)
