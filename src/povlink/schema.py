"""The canonical person record: the fields every agency list is mapped onto.

Two layers, both declared once here and used everywhere else:

* :class:`RawRecord` – the canonical fields as the agency wrote them (always text). Ingestion
  maps a source's columns onto these; the registry stores one ``VARCHAR`` column per field.
* :class:`StandardisedRecord` – the comparable form produced by :mod:`povlink.standardise`; the
  engine's ``standardised`` table layout (names and SQL types) is derived from this model.

Indonesian terms are explained once, in brackets, in each field's description.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Final

from pydantic import BaseModel, ConfigDict, Field


class RawRecord(BaseModel):
    """One agency record in canonical field names, values exactly as written (text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nik: str | None = Field(None, description="National identity number [NIK], 16 digits")
    kk_number: str | None = Field(None, description="Family card number [nomor KK], 16 digits")
    full_name: str | None = Field(None, description="Person's full name [nama lengkap]")
    birth_date: str | None = Field(None, description="Date of birth [tanggal lahir], any format")
    birth_place: str | None = Field(None, description="Place of birth [tempat lahir]")
    sex: str | None = Field(None, description="Sex [jenis kelamin], e.g. L/P, 1/2, LAKI-LAKI")
    mother_name: str | None = Field(None, description="Mother's maiden name [nama ibu kandung]")
    relationship: str | None = Field(
        None, description="Relationship to the household head [hubungan keluarga]"
    )
    address: str | None = Field(None, description="Street address, free text [alamat]")
    rt: str | None = Field(None, description="Neighbourhood unit [RT, rukun tetangga]")
    rw: str | None = Field(None, description="Community unit [RW, rukun warga]")
    kelurahan: str | None = Field(None, description="Urban village [kelurahan/desa], name or code")
    kecamatan: str | None = Field(None, description="District [kecamatan], name or code")
    city: str | None = Field(None, description="City or regency [kota/kabupaten]")
    household_key: str | None = Field(
        None, description="The agency's own household or family ID [e.g. IDBDT]"
    )
    phone: str | None = Field(None, description="Telephone number [nomor HP]")


class StandardisedRecord(BaseModel):
    """One record after standardisation: comparable values plus what was wrong with them.

    A value that cannot be trusted is ``None`` and ``quality_flags`` says why.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    nik: str | None = Field(None, description="Valid 16-digit NIK [NIK]")
    nik_partial: str | None = Field(
        None,
        description="The digits that survive Excel's scientific notation (first 15), for blocking",
    )
    nik_birth_date: dt.date | None = Field(None, description="Birth date encoded in the NIK")
    nik_sex: str | None = Field(None, description="Sex encoded in the NIK (M/F, women's day+40)")
    nik_region: str | None = Field(
        None,
        description="First six NIK digits: province, regency, kecamatan of registration (also "
        "from Excel-damaged NIKs)",
    )
    kk_number: str | None = Field(None, description="Valid 16-digit family card number [nomor KK]")
    full_name: str | None = Field(None, description="Name without titles, patronym; old spellings")
    name_titles: str | None = Field(None, description="Titles and honorifics removed from the name")
    name_patronym: str | None = Field(None, description="Father's name after bin/binti")
    name_tokens: list[str] | None = Field(None, description="Tokens of full_name")
    name_phonetic: str | None = Field(None, description="Indonesian phonetic key of full_name")
    mother_name: str | None = Field(None, description="Standardised mother's name [ibu kandung]")
    mother_name_phonetic: str | None = Field(None, description="Phonetic key of mother_name")
    birth_date: dt.date | None = Field(None, description="Stated date of birth [tanggal lahir]")
    birth_year: int | None = Field(None, description="Year of birth_date (kept for placeholders)")
    birth_date_is_placeholder: bool | None = Field(
        None, description="birth_date is 1 Jan, 1 Jul or 31 Dec: trust its year only"
    )
    birth_place: str | None = Field(None, description="Standardised place of birth")
    sex: str | None = Field(None, description="M or F [L/P]")
    relationship: str | None = Field(
        None, description="head, spouse, child, parent, grandchild, in_law, other"
    )
    address: str | None = Field(None, description="Normalised street address text [alamat]")
    rt: int | None = Field(None, description="Neighbourhood unit number [RT]")
    rw: int | None = Field(None, description="Community unit number [RW]")
    kelurahan_code: str | None = Field(None, description="Kemendagri code, e.g. 33.74.01.1010")
    kecamatan_code: str | None = Field(None, description="Kemendagri code, e.g. 33.74.01")
    kelurahan_name: str | None = Field(
        None, description="Official kelurahan name (lower case) when resolved, else as written"
    )
    kecamatan_name: str | None = Field(
        None, description="Official kecamatan name (lower case) when resolved, else as written"
    )
    city: str | None = Field(None, description="Normalised city name [kota]")
    household_key: str | None = Field(None, description="Agency household key, trimmed")
    phone: str | None = Field(None, description="Phone digits in 08... form")
    quality_flags: list[str] = Field(
        default_factory=list, description="Codes of what was wrong (see standardise.flags)"
    )


#: Canonical raw field names, in declaration order.
CANONICAL_FIELDS: Final[tuple[str, ...]] = tuple(RawRecord.model_fields)

#: Standardised field names, in declaration order.
STANDARDISED_FIELDS: Final[tuple[str, ...]] = tuple(StandardisedRecord.model_fields)

_SQL_TYPES: Final[dict[object, str]] = {
    str: "VARCHAR",
    int: "BIGINT",
    bool: "BOOLEAN",
    float: "DOUBLE",
    dt.date: "DATE",
}


def _sql_type(annotation: object) -> str:
    """The portable SQL type of a model field's annotation (``X | None`` is nullable ``X``)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        (inner,) = (a for a in typing.get_args(annotation) if a is not type(None))
        return _sql_type(inner)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return f"{_sql_type(item)}[]"
    try:
        return _SQL_TYPES[annotation]
    except KeyError:
        raise TypeError(f"no SQL type for annotation {annotation!r}") from None


def sql_columns(model: type[BaseModel]) -> dict[str, str]:
    """Column name to SQL type for every field of ``model``, in declaration order.

    >>> sql_columns(RawRecord)["nik"]
    'VARCHAR'
    >>> sql_columns(StandardisedRecord)["name_tokens"]
    'VARCHAR[]'
    """
    return {name: _sql_type(f.annotation) for name, f in model.model_fields.items()}


def describe_fields(model: type[BaseModel]) -> dict[str, str]:
    """Field name to its one-line meaning, for documentation and error messages."""
    return {name: f.description or "" for name, f in model.model_fields.items()}
