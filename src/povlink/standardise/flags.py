"""Every quality flag povlink's standardisation can raise, with its meaning, in one place.

A flag code begins with the field it concerns and says what is wrong with it. Flags are written to
the ``quality_flags`` column (``VARCHAR[]``) of the ``standardised`` table in the order of
:data:`QUALITY_FLAGS` (the region flags, resolved over the distinct names, and the table-level
flags, which compare records, last), so they are queryable per record::

    SELECT record_id FROM standardised WHERE list_contains(quality_flags, 'nik_excel_notation')

>>> QUALITY_FLAGS["nik_excel_notation"]
'NIK written in scientific notation by Excel (3.37401E+15); digits lost, NIK set to null'
>>> all(code.split("_")[0] in FLAG_FIELDS for code in QUALITY_FLAGS)
True
"""

from __future__ import annotations

from typing import Final

__all__ = ["FLAG_FIELDS", "QUALITY_FLAGS", "TABLE_LEVEL_FLAGS"]

#: Field prefixes a flag code may begin with (``birth`` stands for ``birth_date``/``birth_place``).
FLAG_FIELDS: Final[frozenset[str]] = frozenset(
    {"nik", "kk", "full", "mother", "birth", "sex", "relationship", "rt", "rw", "kelurahan"}
    | {"kecamatan", "phone"}
)

#: Flag code -> what it means. The order is the order of codes inside ``quality_flags``.
QUALITY_FLAGS: Final[dict[str, str]] = {
    # -- NIK (national identity number) ----------------------------------------------------------
    "nik_excel_notation": (
        "NIK written in scientific notation by Excel (3.37401E+15); digits lost, NIK set to null"
    ),
    "nik_float_rounded": (
        "NIK passed through a float ('.0' suffix) and exceeds 2^53, so its last digit may be "
        "wrong; NIK set to null, first 15 digits kept in nik_partial"
    ),
    "nik_not_digits": "NIK contains characters other than digits after cleaning; set to null",
    "nik_wrong_length": "NIK does not have exactly 16 digits after cleaning; set to null",
    "nik_province_invalid": "NIK digits 1-2 are not one of the 38 province codes; set to null",
    "nik_region_invalid": "NIK regency (digits 3-4) or kecamatan (5-6) code is 00 or 70",
    "nik_date_invalid": "NIK digits 7-12 are not a date (women's day+40 rule); set to null",
    "nik_serial_zero": "NIK serial (digits 13-16) is 0000; set to null",
    "nik_equals_kk": "NIK equals the record's KK number (family card number in the NIK field)",
    "nik_birth_date_mismatch": "birth date encoded in the NIK disagrees with the stated one",
    "nik_sex_mismatch": "sex encoded in the NIK (women's day+40) disagrees with the stated sex",
    # -- KK (family card number) -----------------------------------------------------------------
    "kk_excel_notation": "KK number in scientific notation by Excel; set to null",
    "kk_float_rounded": "KK number passed through a float and exceeds 2^53; set to null",
    "kk_not_digits": "KK number contains characters other than digits; set to null",
    "kk_wrong_length": "KK number does not have exactly 16 digits; set to null",
    "kk_province_invalid": "KK number digits 1-2 are not a province code; set to null",
    "kk_region_invalid": "KK number regency or kecamatan code is 00 or 70; set to null",
    "kk_date_invalid": "KK number digits 7-12 are not an issue date (DDMMYY); set to null",
    "kk_serial_zero": "KK number serial (digits 13-16) is 0000; set to null",
    # -- names -----------------------------------------------------------------------------------
    "full_name_empty": "the name holds only titles, punctuation or digits; set to null",
    "mother_name_empty": "the mother's name holds only titles, punctuation or digits; null",
    # -- birth date and place --------------------------------------------------------------------
    "birth_date_invalid": "birth date cannot be read or does not exist (31-02-1985); set to null",
    "birth_date_future": "birth date lies after today; set to null",
    "birth_date_too_old": "birth date is more than 120 years ago; set to null",
    "birth_date_year_only": "only the year is known (1985, 00-00-1985); birth_year kept",
    "birth_date_two_digit_year": "the year was written with two digits; century inferred",
    "birth_date_day_month_swapped": (
        "day and month were only valid in the other order than the source's date_order"
    ),
    "birth_date_excel_serial": "birth date was an Excel serial day number (31386)",
    "birth_date_placeholder": "birth date is 1 Jan, 1 Jul or 31 Dec: trust its year only",
    # -- sex, relationship -----------------------------------------------------------------------
    "sex_invalid": "sex is not a known code (L/P, 1/2, M/F, Laki-laki/Perempuan...); null",
    "relationship_invalid": "relationship to the household head is not a known value; null",
    # -- address ---------------------------------------------------------------------------------
    "rt_invalid": "RT is present but is not a number from 1 to 999; set to null",
    "rt_conflict": "the RT column and the RT in the address text disagree; the column wins",
    "rw_invalid": "RW is present but is not a number from 1 to 999; set to null",
    "rw_conflict": "the RW column and the RW in the address text disagree; the column wins",
    # -- phone -----------------------------------------------------------------------------------
    "phone_invalid": "phone number is not an Indonesian mobile number (08..., 10-13 digits)",
    # -- region resolution (against the region table, over the distinct written names) ---------
    "kecamatan_unknown": "kecamatan name or code not found in the region table; code null",
    "kecamatan_fuzzy": "kecamatan resolved by a fuzzy (not exact) name match",
    "kelurahan_unknown": "kelurahan name or code not found in the region table; code null",
    "kelurahan_ambiguous": (
        "kelurahan name matches several kelurahan (e.g. Purwosari) and no kecamatan settles it"
    ),
    "kelurahan_fuzzy": "kelurahan resolved by a fuzzy (not exact) name match",
    "kelurahan_kecamatan_mismatch": (
        "the kelurahan lies in another kecamatan than the one stated; the kelurahan wins"
    ),
    # -- table-level flags (they compare records, so they come last) ----------------------------
    "nik_shared": (
        "the same NIK is used in one source by records with different names and birth dates "
        "(e.g. the household head's NIK copied to members); kept, but weak evidence"
    ),
}

#: Flags that depend on other records of the table, so the single-record path never raises them.
TABLE_LEVEL_FLAGS: Final[frozenset[str]] = frozenset({"nik_shared"})
