"""Addresses: RT and RW numbers, kelurahan and kecamatan resolved to official codes, the city.

**RT/RW** come from their own columns (``3``, ``003``, ``RT.03``), from a combined form in the RT
column (``003/005``, ``RT.3/RW.5``) or from the address text (``RT 003 RW 005``, ``RT.03/RW.05``,
``RT/RW 003/005``, ``RT 3/5``). The column wins over the text; a disagreement is flagged.

**Kelurahan and kecamatan** come from their columns (names or codes, ``KEL. KAUMAN``) or, when a
column is empty, from ``KEL.``/``KEC.`` inside the address text. Names are matched on a key that
ignores spaces, punctuation, doubled letters, oe/u, dh/d, e/i and o/u (Gajah Mungkur, Gajahmungkur;
Sumurrejo, Sumurejo; Bendan Duwur, Bendan Dhuwur; Pendrikan, Pindrikan), first exactly, then by
Jaro-Winkler similarity of at least :data:`FUZZY_THRESHOLD` (:data:`FUZZY_THRESHOLD_IN_KECAMATAN`
among the kelurahan of a known kecamatan). A kelurahan is looked for within its kecamatan when that
is known; found only in another kecamatan, it wins and is flagged. Two Semarang names exist in two
kecamatan (Purwosari, Mangunharjo): without a kecamatan such a name stays unresolved with the flag
``kelurahan_ambiguous``. Ties between equally good candidates are never broken by chance: they stay
unresolved; otherwise the best score wins, then the smaller code.

The resolution runs inside the engine over the *distinct* written names (a few thousand at city
scale) joined to the region table, then joins back to the records.

>>> region_key_sql("x").count("replace") > 20
True
"""

from __future__ import annotations

from typing import Final

from povlink.standardise.missing import fold_text_sql, replace_words_sql

__all__ = [
    "FUZZY_MARGIN",
    "FUZZY_THRESHOLD",
    "FUZZY_THRESHOLD_IN_KECAMATAN",
    "address_flag_conditions",
    "address_joined_columns",
    "address_stages",
    "city_sql",
    "region_column_sql",
    "region_key_sql",
    "region_keys_sql",
    "region_resolution_sql",
    "rt_rw_flag_conditions",
    "rt_rw_stages",
]

#: Minimum Jaro-Winkler similarity of the name keys for a fuzzy kelurahan or kecamatan match.
FUZZY_THRESHOLD: Final[float] = 0.9

#: The same within a known kecamatan, where a dozen candidates leave room for an inserted vowel
#: (Beringin for Bringin scores 0.877).
FUZZY_THRESHOLD_IN_KECAMATAN: Final[float] = 0.85

#: A fuzzy match must beat the runner-up by this much, else the name is ambiguous: "Pedurungan"
#: is as near to Pedurungan Lor (0.954) as to Pedurungan Kidul (0.933).
FUZZY_MARGIN: Final[float] = 0.03

_RT_RW_COMBINED: Final[str] = "^(?:rt)?[ .:]*0*([0-9]{1,3}) *[/-] *(?:rw)?[ .:]*0*([0-9]{1,3})$"
_RT_ALONE: Final[str] = "^(?:rt)?[ .:]*([0-9]{1,4})$"
_RW_ALONE: Final[str] = "^(?:rw)?[ .:]*([0-9]{1,4})$"
_ADDR_RTRW_PAIR: Final[str] = "rt *[/.]? *rw[ .:]*([0-9]{1,3}) *[/-] *([0-9]{1,3})"
_ADDR_RT: Final[str] = "(?:^|[^a-z])rt[ .:]*([0-9]{1,3})"
_ADDR_RW: Final[str] = "(?:^|[^a-z])rw[ .:]*([0-9]{1,3})"
_ADDR_RT_SLASH_RW: Final[str] = "(?:^|[^a-z])rt[ .:]*[0-9]{1,3} *[/] *([0-9]{1,3})"
_STOP: Final[str] = (
    " *(?:,|;|$|kec[ .:]|kecamatan|kel[ .:]|kelurahan|kota|kab[ .:]|kabupaten|rt[ .:0-9]"
    "|rw[ .:0-9])"
)
_ADDR_KEL: Final[str] = "(?:^|[^a-z])(?:kel|kelurahan|desa|ds)[ .:]+([a-z][a-z .]*?)" + _STOP
_ADDR_KEC: Final[str] = "(?:^|[^a-z])(?:kec|kecamatan)[ .:]+([a-z][a-z .]*?)" + _STOP
_CODE_LIKE: Final[str] = "^[0-9][0-9 .]*$"


def _words_sql(expression: str) -> str:
    """SQL: lower-case letters and digits of ``expression`` as single-spaced words."""
    return (
        f"trim(regexp_replace(regexp_replace({fold_text_sql(expression)}, '[^a-z0-9]', ' ', 'g'),"
        " ' +', ' ', 'g'))"
    )


def region_key_sql(expression: str) -> str:
    """SQL: the matching key of a region name: letters only, oe->u, dh->d, e->i, o->u, no doubles.

    Used for the region table's names and for the written names alike; the vowel folds cover the
    variants of official lists (Pindrikan/Pendrikan, Pongangan/Pungangan). No two Semarang
    kelurahan of one kecamatan share a key.
    """
    key = f"regexp_replace({fold_text_sql(expression)}, '[^a-z]', '', 'g')"
    key = f"translate(replace(replace({key}, 'oe', 'u'), 'dh', 'd'), 'eo', 'iu')"
    for letter in "abcdefghijklmnopqrstuvwxyz":
        key = f"replace({key}, '{letter}{letter}', '{letter}')"
    return key


def _region_name_sql(expression: str, prefixes: str) -> str:
    """SQL: a written region name without its ``kel.``/``kec.`` prefix or anything after a comma."""
    head = f"split_part({fold_text_sql(expression)}, ',', 1)"
    words = _words_sql(head)
    return f"nullif(regexp_replace({words}, '^(?:{prefixes}) ', ''), '')"


def _code_or_name_sql(text: str, prefixes: str, digits: int) -> str:
    """SQL: a dotted code when the column holds ``digits`` digits, else the normalised name."""
    plain = f"regexp_replace({text}, '[^0-9]', '', 'g')"
    dotted = (
        f"substr({plain}, 1, 2) || '.' || substr({plain}, 3, 2) || '.' || substr({plain}, 5, 2)"
        + (f" || '.' || substr({plain}, 7, 4)" if digits == 10 else "")
    )
    return (
        f"CASE WHEN {text} IS NULL THEN NULL "
        f"WHEN regexp_matches({text}, '{_CODE_LIKE}') THEN "
        f"CASE WHEN length({plain}) = {digits} THEN {dotted} ELSE {plain} END "
        f"ELSE {_region_name_sql(text, prefixes)} END"
    )


def _from_address_sql(pattern: str, prefixes: str) -> str:
    """SQL: the text after ``KEL.``/``KEC.`` (``prefixes``) in the folded address ``_ad_t``.

    A strpos guard per prefix skips the regular expression for addresses without any.
    """
    guard = " OR ".join(f"strpos(_ad_t, '{p}') > 0" for p in prefixes.split("|"))
    return f"CASE WHEN {guard} THEN nullif(regexp_extract(_ad_t, '{pattern}', 1), '') END"


_KEL_PREFIXES: Final[str] = "kel|kelurahan|desa|ds"
_KEC_PREFIXES: Final[str] = "kec|kecamatan"


def _int_or_null(expression: str) -> str:
    return f"TRY_CAST(nullif({expression}, '') AS INTEGER)"


def _in_range(column: str) -> str:
    return f"CASE WHEN {column} BETWEEN 1 AND 999 THEN {column} END"


def address_stages(address: str) -> list[list[tuple[str, str]]]:
    """SQL stages over the present address text ``address`` (one run per distinct address).

    Adds ``address`` (normalised text), the RT and RW written in it (``_rt_addr_ok``,
    ``_rw_addr_ok``) and the kelurahan and kecamatan after ``KEL.``/``KEC.`` (``_kel_addr``,
    ``_kec_addr``); :func:`address_joined_columns` combines them with the columns.

    >>> [c for c, _ in address_stages("a")[-1]]
    ['address']
    """
    # strpos guards skip the regular expressions for the many addresses without RT or RW.
    rt_addr = (
        "CASE WHEN strpos(_ad_t, 'rt') > 0 THEN "
        f"coalesce(nullif(regexp_extract(_ad_t, '{_ADDR_RTRW_PAIR}', 1), ''), "
        f"regexp_extract(_ad_t, '{_ADDR_RT}', 1)) END"
    )
    rw_addr = (
        "CASE WHEN strpos(_ad_t, 'rw') > 0 OR strpos(_ad_t, 'rt') > 0 THEN "
        f"coalesce(nullif(regexp_extract(_ad_t, '{_ADDR_RTRW_PAIR}', 2), ''), "
        f"nullif(regexp_extract(_ad_t, '{_ADDR_RW}', 1), ''), "
        f"regexp_extract(_ad_t, '{_ADDR_RT_SLASH_RW}', 1)) END"
    )
    return [
        [("_ad_t", fold_text_sql(address))],
        [
            ("_rt_addr", _int_or_null(rt_addr)),
            ("_rw_addr", _int_or_null(rw_addr)),
            ("_ad_words", _words_of_folded_sql("_ad_t")),
            ("_kel_addr_text", _from_address_sql(_ADDR_KEL, _KEL_PREFIXES)),
            ("_kec_addr_text", _from_address_sql(_ADDR_KEC, _KEC_PREFIXES)),
        ],
        [
            ("_ad_plain", _without_rt_rw_sql("_ad_t", "_ad_words")),
            ("_kel_addr", _region_name_sql("_kel_addr_text", _KEL_PREFIXES)),
            ("_kec_addr", _region_name_sql("_kec_addr_text", _KEC_PREFIXES)),
            ("_rt_addr_ok", _in_range("_rt_addr")),
            ("_rw_addr_ok", _in_range("_rw_addr")),
        ],
        [("address", _address_words_sql("_ad_plain"))],
    ]


def rt_rw_stages(rt: str, rw: str) -> list[list[tuple[str, str]]]:
    """SQL stages over the present RT and RW columns (one run per distinct pair).

    The RT column may hold both numbers (``003/005``, ``RT.3/RW.5``); adds ``_rt_col_ok`` and
    ``_rw_col_ok`` (1-999 or NULL) and the lower-cased texts ``_rt_t``/``_rw_t`` for the flags.
    """
    rt_col = (
        f"CASE WHEN regexp_matches(_rt_t, '{_RT_RW_COMBINED}') "
        f"THEN regexp_extract(_rt_t, '{_RT_RW_COMBINED}', 1) "
        f"ELSE regexp_extract(_rt_t, '{_RT_ALONE}', 1) END"
    )
    rw_col = (
        f"CASE WHEN regexp_matches(_rw_t, '{_RW_ALONE}') "
        f"THEN regexp_extract(_rw_t, '{_RW_ALONE}', 1)"
        f" WHEN regexp_matches(_rw_t, '{_RT_RW_COMBINED}') "
        f"THEN regexp_extract(_rw_t, '{_RT_RW_COMBINED}', 2)"
        f" WHEN _rw_t IS NULL THEN regexp_extract(_rt_t, '{_RT_RW_COMBINED}', 2) END"
    )
    return [
        [("_rt_t", f"lower({rt})"), ("_rw_t", f"lower({rw})")],
        [("_rt_col", _int_or_null(rt_col)), ("_rw_col", _int_or_null(rw_col))],
        [("_rt_col_ok", _in_range("_rt_col")), ("_rw_col_ok", _in_range("_rw_col"))],
    ]


def region_column_sql(text: str, *, kind: str) -> str:
    """SQL: the written kelurahan (``kind="kelurahan"``) or kecamatan of a present-text column.

    A dotted code when the column holds a code (``3374011010`` -> ``33.74.01.1010``), else the
    name without its ``KEL.``/``KEC.`` prefix, as words.
    """
    if kind == "kelurahan":
        return _code_or_name_sql(text, _KEL_PREFIXES, 10)
    return _code_or_name_sql(text, _KEC_PREFIXES, 6)


def address_joined_columns(
    *,
    kelurahan: str,
    kecamatan: str,
    kelurahan_in_address: str = "_kel_addr",
    kecamatan_in_address: str = "_kec_addr",
) -> list[tuple[str, str]]:
    """SQL columns ``rt``, ``rw``, ``_kel_in``, ``_kec_in`` once the address parts are joined.

    The columns win over the address text; ``kelurahan``/``kecamatan`` are the columns' written
    values (NULL when the column is empty, then the address text's, ``kelurahan_in_address`` and
    ``kecamatan_in_address``, are used).
    """
    return [
        ("rt", "coalesce(_rt_col_ok, _rt_addr_ok)"),
        ("rw", "coalesce(_rw_col_ok, _rw_addr_ok)"),
        (
            "_kel_in",
            f"CASE WHEN {kelurahan} IS NULL THEN {kelurahan_in_address} ELSE {kelurahan} END",
        ),
        (
            "_kec_in",
            f"CASE WHEN {kecamatan} IS NULL THEN {kecamatan_in_address} ELSE {kecamatan} END",
        ),
    ]


def _words_of_folded_sql(folded: str) -> str:
    """SQL: the letters and digits of lower-case ASCII ``folded`` as single-spaced words."""
    return f"trim(regexp_replace(regexp_replace({folded}, '[^a-z0-9]', ' ', 'g'), ' +', ' ', 'g'))"


def _without_rt_rw_sql(folded: str, words: str) -> str:
    """SQL: the address words (column ``words`` of the folded text ``folded``) without RT/RW.

    RT and RW have their own columns; without them two writings of one address compare equal.
    """
    return (
        f"trim(CASE WHEN strpos({folded}, 'rt') > 0 OR strpos({folded}, 'rw') > 0 "
        f"THEN regexp_replace({words}, '(^| )(rt|rw|rt rw)( [0-9]+)+', ' ', 'g') "
        f"ELSE {words} END)"
    )


def _address_words_sql(plain: str) -> str:
    """SQL: the address words of column ``plain`` with ``jl``/``jln`` -> ``jalan``, ``gg`` ->
    ``gang``, ``kel`` -> ``kelurahan``..., or NULL when nothing is left."""
    words = replace_words_sql(
        plain,
        {
            "jalan": ("jl", "jln"),
            "gang": ("gg",),
            "kelurahan": ("kel",),
            "kecamatan": ("kec",),
            "desa": ("ds",),
            "no": ("nomor", "nmr"),
        },
    )
    return f"nullif({words}, '')"


def city_sql(text: str) -> str:
    """SQL: the city as words, ``kodya``/``kotamadya`` -> ``kota``, ``kab`` -> ``kabupaten``.

    ``Kota Semarang`` and ``Kab. Semarang`` are different places and stay different.
    """
    words = _words_sql(text)
    kota = f"regexp_replace({words}, '^(kodya|kotamadya|kota madya|kotif) ', 'kota ')"
    return f"nullif(regexp_replace({kota}, '^kab ', 'kabupaten '), '')"


def rt_rw_flag_conditions() -> list[tuple[str, str]]:
    """(flag, SQL condition): an RT or RW column that holds no number from 1 to 999."""
    return [
        ("rt_invalid", "(_rt_t IS NOT NULL AND _rt_col_ok IS NULL)"),
        (
            "rw_invalid",
            "((_rw_t IS NOT NULL OR regexp_matches(coalesce(_rt_t, ''), '[/-]')) "
            "AND _rw_col_ok IS NULL)",
        ),
    ]


def address_flag_conditions() -> list[tuple[str, str]]:
    """(flag, SQL condition): the RT/RW columns and the address text disagree (the column wins)."""
    return [
        (
            "rt_conflict",
            "(_rt_col_ok IS NOT NULL AND _rt_addr_ok IS NOT NULL AND _rt_col_ok <> _rt_addr_ok)",
        ),
        (
            "rw_conflict",
            "(_rw_col_ok IS NOT NULL AND _rw_addr_ok IS NOT NULL AND _rw_col_ok <> _rw_addr_ok)",
        ),
    ]


def region_keys_sql(regions: str) -> str:
    """SQL: the region table ``regions`` (the region csv's columns) with its matching keys.

    Columns ``kec_code``, ``kec_official``, ``kel_code``, ``kel_official``, ``kec_key`` and
    ``kel_key`` (:func:`region_key_sql`); :func:`region_resolution_sql` reads this relation, so
    that a caller resolving many times computes the keys once.
    """
    return f"""SELECT kode_kecamatan AS kec_code, nama_kecamatan AS kec_official,
       kode_kelurahan AS kel_code, nama_kelurahan AS kel_official,
       {region_key_sql("nama_kecamatan")} AS kec_key,
       {region_key_sql("nama_kelurahan")} AS kel_key
FROM {regions}"""


def region_resolution_sql(names: str, keyed_regions: str) -> str:
    """SQL: one row per distinct (``_kel_in``, ``_kec_in``) of ``names``, resolved on the regions.

    Both arguments are SQL relations (a quoted table name or a parenthesised query);
    ``keyed_regions`` has the columns of :func:`region_keys_sql`. Output columns: ``_kel_in``,
    ``_kec_in``, ``kelurahan_code``, ``kecamatan_code``, ``kelurahan_name``, ``kecamatan_name``
    and a boolean per region flag (``kelurahan_unknown``, ``kelurahan_ambiguous``,
    ``kelurahan_fuzzy``, ``kelurahan_kecamatan_mismatch``, ``kecamatan_unknown``,
    ``kecamatan_fuzzy``).
    """
    t, t_in, margin = FUZZY_THRESHOLD, FUZZY_THRESHOLD_IN_KECAMATAN, FUZZY_MARGIN
    n, r = names, keyed_regions
    near = f"(next_score = score OR (tier = 2 AND next_score > score - {margin}))"
    return f"""
WITH d AS (SELECT DISTINCT _kel_in, _kec_in FROM {n}),
reg AS (SELECT * FROM {r}),
kec AS (SELECT DISTINCT kec_code, kec_official, kec_key FROM reg),
kec_in AS (
  SELECT DISTINCT _kec_in, {region_key_sql("_kec_in")} AS k,
         regexp_matches(_kec_in, '^[0-9]') AS is_code
  FROM d WHERE _kec_in IS NOT NULL
),
kec_scored AS (
  SELECT q._kec_in, c.kec_code,
         CASE WHEN q.is_code THEN CASE WHEN q._kec_in = c.kec_code THEN 1.0 ELSE 0.0 END
              WHEN q.k = c.kec_key THEN 1.0
              WHEN q.k = '' THEN 0.0
              ELSE jaro_winkler_similarity(q.k, c.kec_key) END AS score
  FROM kec_in q CROSS JOIN kec c
),
kec_ranked AS (
  SELECT _kec_in, kec_code, score,
         row_number() OVER (PARTITION BY _kec_in ORDER BY score DESC, kec_code) AS rn,
         lead(score) OVER (PARTITION BY _kec_in ORDER BY score DESC, kec_code) AS next_score
  FROM kec_scored
),
kec_res AS (
  SELECT _kec_in,
         CASE WHEN score >= {t} AND (next_score IS NULL OR next_score < score)
                   AND (score = 1.0 OR next_score IS NULL OR next_score <= score - {margin})
              THEN kec_code END AS kec_code,
         score
  FROM kec_ranked WHERE rn = 1
),
kel_in AS (
  SELECT d._kel_in, d._kec_in, kr.kec_code AS kec_known, {region_key_sql("d._kel_in")} AS k,
         regexp_matches(d._kel_in, '^[0-9]') AS is_code
  FROM d LEFT JOIN kec_res kr ON kr._kec_in = d._kec_in
  WHERE d._kel_in IS NOT NULL
),
kel_scored AS (
  SELECT q._kel_in, q._kec_in, g.kel_code, g.kec_code,
         CASE WHEN q.is_code THEN CASE WHEN q._kel_in = g.kel_code THEN 1.0 ELSE 0.0 END
              WHEN q.k = g.kel_key THEN 1.0
              WHEN q.k = '' THEN 0.0
              ELSE jaro_winkler_similarity(q.k, g.kel_key) END AS score,
         (q.kec_known IS NULL OR q.kec_known = g.kec_code) AS in_kec,
         CASE WHEN q.kec_known IS NULL THEN {t} ELSE {t_in} END AS threshold
  FROM kel_in q CROSS JOIN reg g
),
kel_tiered AS (
  SELECT *, CASE WHEN in_kec AND score = 1.0 THEN 3 WHEN in_kec AND score >= threshold THEN 2
                 WHEN score = 1.0 THEN 1 ELSE 0 END AS tier
  FROM kel_scored
),
kel_ranked AS (
  SELECT _kel_in, _kec_in, kel_code, kec_code, score, tier,
         row_number() OVER w AS rn,
         lead(tier) OVER w AS next_tier,
         lead(score) OVER w AS next_score
  FROM kel_tiered
  WINDOW w AS (PARTITION BY _kel_in, _kec_in ORDER BY tier DESC, score DESC, kel_code)
),
kel_res AS (
  SELECT _kel_in, _kec_in, tier, score,
         coalesce(tier > 0 AND next_tier = tier AND {near}, false) AS tied,
         CASE WHEN tier > 0 AND NOT coalesce(next_tier = tier AND {near}, false)
              THEN kel_code END AS kel_code
  FROM kel_ranked WHERE rn = 1
)
SELECT d._kel_in, d._kec_in,
       kl.kel_code AS kelurahan_code,
       coalesce(gk.kec_code, kr.kec_code) AS kecamatan_code,
       coalesce(lower(gk.kel_official),
                CASE WHEN regexp_matches(d._kel_in, '^[0-9]') THEN NULL ELSE d._kel_in END)
         AS kelurahan_name,
       coalesce(lower(kc.kec_official),
                CASE WHEN regexp_matches(d._kec_in, '^[0-9]') THEN NULL ELSE d._kec_in END)
         AS kecamatan_name,
       (d._kel_in IS NOT NULL AND kl.kel_code IS NULL AND NOT coalesce(kl.tied, false))
         AS kelurahan_unknown,
       coalesce(kl.tied, false) AS kelurahan_ambiguous,
       coalesce(kl.kel_code IS NOT NULL AND kl.tier = 2 AND kl.score < 1.0, false)
         AS kelurahan_fuzzy,
       coalesce(kl.kel_code IS NOT NULL AND kl.tier = 1, false) AS kelurahan_kecamatan_mismatch,
       (d._kec_in IS NOT NULL AND kr.kec_code IS NULL) AS kecamatan_unknown,
       coalesce(kr.kec_code IS NOT NULL AND kr.score < 1.0, false) AS kecamatan_fuzzy
FROM d
LEFT JOIN kec_res kr ON kr._kec_in = d._kec_in
LEFT JOIN kel_res kl
  ON kl._kel_in = d._kel_in AND coalesce(kl._kec_in, '') = coalesce(d._kec_in, '')
LEFT JOIN reg gk ON gk.kel_code = kl.kel_code
LEFT JOIN kec kc ON kc.kec_code = coalesce(gk.kec_code, kr.kec_code)
"""


#: The region flags :func:`region_resolution_sql` computes, in flag order.
REGION_FLAGS: Final[tuple[str, ...]] = (
    "kecamatan_unknown",
    "kecamatan_fuzzy",
    "kelurahan_unknown",
    "kelurahan_ambiguous",
    "kelurahan_fuzzy",
    "kelurahan_kecamatan_mismatch",
)
