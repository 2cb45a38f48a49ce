"""The canonical schema and the table layout derived from it."""

from povlink.schema import (
    CANONICAL_FIELDS,
    RawRecord,
    StandardisedRecord,
    describe_fields,
    sql_columns,
)


def test_canonical_fields_follow_the_architecture_contract() -> None:
    """The raw fields are exactly those architecture.md lists, in its order."""
    assert CANONICAL_FIELDS == (
        "nik", "kk_number", "full_name", "birth_date", "birth_place", "sex", "mother_name",
        "relationship", "address", "rt", "rw", "kelurahan", "kecamatan", "city",
        "household_key", "phone",
    )  # fmt: skip


def test_raw_columns_are_all_text() -> None:
    """Every raw field is stored as text so that a NIK never passes through a float."""
    assert set(sql_columns(RawRecord).values()) == {"VARCHAR"}


def test_standardised_types_are_derived_from_annotations() -> None:
    """Dates, integers and lists get their own SQL types."""
    cols = sql_columns(StandardisedRecord)
    assert cols["birth_date"] == "DATE"
    assert cols["rt"] == "BIGINT"
    assert cols["quality_flags"] == "VARCHAR[]"


def test_every_field_has_a_meaning() -> None:
    """Each field documents itself in one line."""
    for model in (RawRecord, StandardisedRecord):
        assert all(describe_fields(model).values())
