"""Personal names: one comparable form, the titles and patronym set aside, a phonetic key.

The steps, each an SQL expression over the previous one:

1. Lower-case ASCII, accents folded, apostrophes dropped (``Ma'ruf`` -> ``maruf``); a dot is
   followed by a space so that glued prefixes split (``H.M.RIZKI`` -> ``h. m. rizki``).
2. Everything after the first comma is degrees (``SITI AMINAH, S.Pd, M.Si``); a leading run of
   titles and honorifics (:data:`PREFIX_TITLES`: ``Hj.``, ``Drs.``, ``Bpk.``, ``Ibu``...) and a
   trailing run of degrees (``S.Pd``, ``SE``, ``A.Md``...) move to ``name_titles``.
3. ``bin``/``binti``/``bt`` and what follows move to ``name_patronym``.
4. Punctuation and digits become spaces; spaces collapse.
5. Old spellings forward: ``oe`` -> ``u``, ``ch`` -> ``kh`` always; when the name shows an old
   spelling (``oe``, ``dj``, ``tj``, ``sj`` or a word-initial ``nj``) also ``dj`` -> ``j``,
   ``tj`` -> ``c``, ``sj`` -> ``sy``, ``nj`` -> ``ny`` and the old ``j`` -> ``y`` (``Tjahjono`` ->
   ``cahyono``). A modern name such as ``Panji`` is left alone, which also makes the rule
   idempotent.
6. Muhammad variants (``M.`` first, ``Muh.``, ``Moh.``, ``Moch.``, ``Mochammad``, ``Mohamad``...)
   become ``muhammad``; ``Abd.`` becomes ``abdul``; a first ``St.`` becomes ``siti``.

The phonetic key (:func:`phonetic_key_stages`) folds what Indonesian spelling varies on:
``kh``/``h``, ``sy``/``s``, ``j``/``y``/``z``, ``f``/``p``/``v``, ``q``/``k``, ``e``/``i``,
``o``/``u``, silent ``h``, glides (``iy``, ``uw``) and doubled letters: Suharto/Soeharto ->
``suartu``, Joko/Djoko -> ``yuku``, Yusuf/Jusuf -> ``yusup``, Khotijah/Chotidjah -> ``utia``.

>>> "hj" in PREFIX_TITLES and "ibu" in PREFIX_TITLES
True
"""

from __future__ import annotations

from typing import Final

from povlink.standardise.missing import fold_text_sql, replace_words_sql

__all__ = [
    "DEGREES",
    "MUHAMMAD_VARIANTS",
    "PREFIX_TITLES",
    "name_flag_conditions",
    "name_stages",
    "phonetic_key_stages",
    "single_letters_sql",
]

#: Titles and honorifics that precede a name (the dot is optional).
PREFIX_TITLES: Final[tuple[str, ...]] = (
    "hj", "hjh", "hajjah", "hajah", "haji", "h", "kh", "kyai", "kiai", "dr", "drs", "dra", "drg",
    "ir", "prof", "bpk", "bapak", "pak", "ibu", "bu", "ny", "nyonya", "nn", "nona", "tn", "tuan",
    "sdr", "sdri", "saudara", "saudari", "mas", "mbak", "mbok", "raden", "alm", "almh",
    "almarhum", "almarhumah", "ust", "ustad", "ustadz", "ustadzah", "ustazah",
)  # fmt: skip

#: Short noble titles that count only with their dot (``R.`` Raden, ``R.A.`` Raden Ajeng, ``R.M.``
#: Raden Mas; a bare ``R`` may be an initial), as patterns over the dot-spaced text.
_DOTTED_PREFIX_TITLES: Final[tuple[str, ...]] = (
    "r[.] ?a[.] ?y", "r[.] ?a", "r[.] ?m", "r[.] ?r", "r[.] ?p", "ray", "ra", "rm", "rr", "rp", "r",
)  # fmt: skip

#: Degree abbreviations after a name, written with dots (``S.Pd``, ``M.Si``, ``A.Md``, ``S.Pd.I``).
_DOTTED_DEGREE: Final[str] = (
    "(?:s|m|a|d|b|ir)[.] ?"
    "(?:pd[.] ?i|i[.] ?kom|e[.] ?i|pdi|pd|kom|sos|si|ag|kes|md|hum|ked|farm|ip|ap|sy|psi|ak|kep"
    "|ns|sn|sc|hi|th|gz|tp|pt|stat|fil|ds|li|ars|ba|kg|ft|mb|kh|ab|tr|e|h|t|m|i|p)[.]?"
)

#: Degree abbreviations written without dots, recognised only at the end of a name.
DEGREES: Final[tuple[str, ...]] = (
    "spd", "spdi", "skom", "ssos", "ssi", "sag", "skm", "skep", "sked", "ssit", "sh", "se", "st",
    "mpd", "msi", "mkes", "mm", "mh", "mt", "mag", "mba", "amd", "phd", "bsc", "ners",
)  # fmt: skip

#: Spellings of Muhammad after the old-spelling step (``ch`` already ``kh``).
MUHAMMAD_VARIANTS: Final[tuple[str, ...]] = (
    "muh", "moh", "mohd", "mhd", "mukh", "mokh", "muhamad", "muhammad", "muhamat", "muhammat",
    "mohamad", "mohammad", "mohamed", "mohammed", "muhamed", "muhammed", "mukhamad", "mukhammad",
    "mokhamad", "mokhammad", "mukhamat", "mokhamat", "mokhammat", "muhammadh",
)  # fmt: skip

_PATRONYM_MARKERS: Final[str] = "(?:bin|binti|bt)"

_PREFIX_PATTERN: Final[str] = (
    "^((?:(?:"
    + "|".join(PREFIX_TITLES)
    + ")[.]? +|(?:"
    + "|".join(_DOTTED_PREFIX_TITLES)
    + ")[.] +)+)"
)
_TRAIL_PATTERN: Final[str] = "((?: +(?:" + _DOTTED_DEGREE + "|" + "|".join(DEGREES) + "))+)$"


def _collapse_sql(expression: str) -> str:
    """SQL: ``expression`` with runs of spaces collapsed and the ends trimmed."""
    return f"trim(regexp_replace({expression}, ' +', ' ', 'g'))"


def _modernise_sql(expression: str) -> str:
    """SQL: old spellings forward (step 5 of the module docstring) on a lower-case name."""
    old = expression
    for a, b in (("oe", "u"), ("dj", "D"), ("tj", "C"), ("sj", "S"), ("nj", "N"), ("j", "y")):
        old = f"replace({old}, '{a}', '{b}')"
    for a, b in (("D", "j"), ("C", "c"), ("S", "sy"), ("N", "ny")):
        old = f"replace({old}, '{a}', '{b}')"
    marked = f"regexp_matches({expression}, 'oe|dj|tj|sj|(^| )nj')"
    return f"replace(CASE WHEN {marked} THEN {old} ELSE {expression} END, 'ch', 'kh')"


def _first_token_sql(expression: str) -> str:
    """SQL: a first ``m`` spelled ``muhammad`` and a first ``st`` spelled ``siti``."""
    return (
        f"CASE WHEN starts_with({expression}, 'm ') THEN 'muhammad ' || substr({expression}, 3) "
        f"WHEN starts_with({expression}, 'st ') THEN 'siti ' || substr({expression}, 4) "
        f"ELSE {expression} END"
    )


def _canonical_name_sql(expression: str) -> str:
    """SQL: the words of ``expression`` with Muhammad and Abdul spelled out, or NULL if empty."""
    words = replace_words_sql(expression, {"muhammad": MUHAMMAD_VARIANTS, "abdul": ("abd", "abdl")})
    return f"nullif({words}, '')"


def _standard_name_stages(source: str, target: str) -> list[list[tuple[str, str]]]:
    """SQL stages for steps 4-6 on column ``source`` (no titles left) into column ``target``.

    Each step reads the previous step's column, so no expression is written out twice.
    """
    # Most names have no patronym: an empty source skips every step.
    letters = _collapse_sql(f"regexp_replace({source}, '[^a-z ]', ' ', 'g')")
    plain = f"CASE WHEN {source} = '' THEN NULL ELSE {letters} END"
    return [
        [(f"{target}_plain", plain)],
        [(f"{target}_modern", _modernise_sql(f"{target}_plain"))],
        [(f"{target}_first", _first_token_sql(f"{target}_modern"))],
        [(target, _canonical_name_sql(f"{target}_first"))],
    ]


def single_letters_sql(expression: str, letters: str) -> str:
    """SQL: doubled ``letters`` in ``expression`` written once (``mm`` -> ``m``).

    One pattern test first, so that text without doubled letters skips the replacements. The text
    is written out twice; pass a column or a cheap expression.
    """
    single = expression
    for letter in letters:
        single = f"replace({single}, '{letter}{letter}', '{letter}')"
    doubled = "|".join(letter * 2 for letter in letters)
    return (
        f"CASE WHEN regexp_matches({expression}, '{doubled}') THEN {single} ELSE {expression} END"
    )


def phonetic_key_stages(expression: str, target: str) -> list[list[tuple[str, str]]]:
    """SQL stages: the Indonesian phonetic key of a standardised name into column ``target``.

    ``kh`` -> ``h`` and ``sy`` -> ``s``; then ``q`` -> ``k``, ``v``/``f`` -> ``p``, ``z``/``j`` ->
    ``y``, ``x`` -> ``s``, ``e`` -> ``i``, ``o`` -> ``u``; ``iy`` -> ``i``, ``uw`` -> ``u``; every
    ``h`` dropped; doubled letters single. Tokens stay apart by spaces.
    """
    key = f"replace(replace({expression}, 'kh', 'h'), 'sy', 's')"
    key = f"translate({key}, 'qvfzjxeo', 'kppyysiu')"
    key = f"replace(replace(replace({key}, 'iy', 'i'), 'uw', 'u'), 'h', '')"
    folded = single_letters_sql(f"_{target}_folded", "abcdgiklmnprstuwy")
    return [[(f"_{target}_folded", key)], [(target, f"nullif(trim({folded}), '')")]]


def name_stages(
    prefix: str, text: str, *, output: str, phonetic: str
) -> list[list[tuple[str, str]]]:
    """SQL stages standardising the name in column ``text`` into column ``output``.

    Internal columns start with ``_<prefix>_``; the stages add ``output``, ``<prefix>_titles``,
    ``<prefix>_patronym``, ``<prefix>_tokens`` and, last, the phonetic key ``phonetic``.

    >>> [c for c, _ in name_stages("name", "t", output="full_name", phonetic="k")[-1]]
    ['k']
    """
    p = f"_{prefix}"
    spaced = f"regexp_replace({fold_text_sql(text)}, '[.]', '. ', 'g')"
    comma = f"strpos({p}_s, ',')"
    main = f"CASE WHEN {comma} > 0 THEN substr({p}_s, 1, {comma} - 1) ELSE {p}_s END"
    suffix = f"CASE WHEN {comma} > 0 THEN substr({p}_s, {comma} + 1) ELSE '' END"
    stage1 = [(f"{p}_s", spaced)]
    stage2 = [
        (f"{p}_main", _collapse_sql(f"regexp_replace({main}, '[^a-z. ]', ' ', 'g')") + " || ' '"),
        (f"{p}_suffix", suffix),
    ]
    stage3 = [(f"{p}_prefix", f"regexp_extract({p}_main, '{_PREFIX_PATTERN}', 1)")]
    stage4 = [(f"{p}_rest", f"' ' || trim(substr({p}_main, length({p}_prefix) + 1))")]
    stage5 = [(f"{p}_trail", f"regexp_extract({p}_rest, '{_TRAIL_PATTERN}', 1)")]
    core = f"trim(substr({p}_rest, 1, length({p}_rest) - length({p}_trail)))"
    stage6 = [(f"{p}_core", core)]
    patronym = f"regexp_extract({p}_core, ' +{_PATRONYM_MARKERS} +(.+)$', 1)"
    given = (
        f"CASE WHEN {patronym} <> '' "
        f"THEN regexp_extract({p}_core, '^(.+?) +{_PATRONYM_MARKERS} +', 1) ELSE {p}_core END"
    )
    stage7 = [(f"{p}_given", given), (f"{p}_patronym_text", patronym)]
    titles_text = f"{p}_prefix || ' ' || replace({p}_trail || ' ' || {p}_suffix, '. ', '.')"
    titles = (
        "nullif(" + _collapse_sql(f"regexp_replace({titles_text}, '[^a-z ]', '', 'g')") + ", '')"
    )
    stage8 = [(f"{prefix}_titles", titles)]
    standard = [
        a + b
        for a, b in zip(
            _standard_name_stages(f"{p}_given", output),
            _standard_name_stages(f"{p}_patronym_text", f"{prefix}_patronym"),
            strict=True,
        )
    ]
    tokens = (
        f"{prefix}_tokens",
        f"CASE WHEN {output} IS NOT NULL THEN string_split({output}, ' ') END",
    )
    key = phonetic_key_stages(output, phonetic)
    return [
        stage1, stage2, stage3, stage4, stage5, stage6, stage7 + stage8, *standard,
        [tokens, *key[0]], key[1],
    ]  # fmt: skip


def name_flag_conditions(text: str, output: str) -> list[tuple[str, str]]:
    """(flag, SQL condition): a name was given but nothing of it is a name."""
    return [(f"{output}_empty", f"({text} IS NOT NULL AND {output} IS NULL)")]
