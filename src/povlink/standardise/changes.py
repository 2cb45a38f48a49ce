"""Incremental standardisation: refresh a standardised table for the records that changed.

:func:`standardise_changed` writes what :func:`~povlink.standardise.standardise_table` would write
for the current records, but runs the per-record rules only for records that are new or whose raw
values changed; every other row is taken from the previous output. The table-level flag
``nik_shared`` is then recomputed for every (source, NIK) group that an added, changed or removed
record belonged to (:mod:`povlink.standardise.shared`); the other groups kept their members, so
their flags stand.

A record is *the same* when the previous table has a row with its ``record_id``, its ``source``
and, for every canonical field, the same raw text (NULL equal to NULL): the standardised values
depend on nothing else but the options and today's date. The previous table keeps no copy of the
raw text, only its hash (``raw_hash``, :func:`~povlink.standardise.pipeline.raw_hash_sql`), so
the records are compared by hash: a changed record passes for the same only by a collision, at
odds of about one in 2^64.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from povlink.engine import Engine, quote_identifier, quote_literal
from povlink.schema import STANDARDISED_FIELDS, StandardisedRecord, sql_columns
from povlink.standardise.pipeline import (
    check_date_order,
    raw_hash_sql,
    source_sql,
    stored_extra_columns,
)
from povlink.standardise.regions import RegionTable, load_regions
from povlink.standardise.shared import (
    nik_group_members_sql,
    nik_groups_sql,
    shared_nik_update_sql,
)
from povlink.standardise.table import run_table_steps, source_columns, standardise_table

__all__ = ["StandardiseChanges", "standardise_changed"]


def _layout() -> list[tuple[str, str]]:
    """The columns of a standardised table and their types, in order."""
    types = sql_columns(StandardisedRecord)
    return [
        ("record_id", "VARCHAR"),
        ("source", "VARCHAR"),
        *((f, types[f]) for f in STANDARDISED_FIELDS),
        *stored_extra_columns(),
    ]


@dataclass(frozen=True, slots=True)
class StandardiseChanges:
    """What :func:`standardise_changed` did.

    ``added`` records are new, ``changed`` ones have another raw value (or source) than before,
    ``removed`` ones are gone; ``restandardised`` = ``added`` + ``changed`` ran through the
    per-record rules and ``flags_changed`` rows gained or lost ``nik_shared``. ``full`` is true
    when the refresh fell back to a whole-table standardisation (the previous table has another
    layout, or a ``record_id`` repeats): every previous row then counts as removed and every
    current record as added.
    """

    added: int
    changed: int
    removed: int
    flags_changed: int
    full: bool = False

    @property
    def restandardised(self) -> int:
        return self.added + self.changed


def _repeats(engine: Engine, relation: str) -> bool:
    """Whether a ``record_id`` occurs more than once in ``relation``."""
    return bool(engine.scalar(f"SELECT count(*) <> count(DISTINCT record_id) FROM {relation} AS r"))


def standardise_changed(
    engine: Engine,
    source_table: str,
    previous_table: str,
    target_table: str,
    *,
    regions: RegionTable | None = None,
    date_order: str | Mapping[str, str] = "dmy",
    changes_output: str | None = None,
    previous_rows_output: str | None = None,
    sources: Sequence[str] | None = None,
    unique_ids: bool = False,
    candidates: str | None = None,
) -> StandardiseChanges:
    """Write to ``target_table`` what :func:`~povlink.standardise.standardise_table` would write
    for ``source_table``, restandardising only the records that changed since ``previous_table``.

    ``source_table`` is the current raw records (the input of ``standardise_table``: ``record_id``,
    ``source`` and any canonical fields). ``previous_table`` is an earlier output of
    ``standardise_table`` (or of this function) with the same ``regions`` and ``date_order``, for
    any set of records. When ``target_table`` is ``previous_table`` the table is updated in place:
    rows of removed and changed records are deleted, the new and changed records inserted and the
    flags of the touched NIK groups corrected, so only what changed is written. Otherwise
    ``previous_table`` is left as it is and ``target_table`` is created (every row written once).

    The result has the same rows, values and columns as ``standardise_table``'s, whose rows are in
    no set order. Records are matched on ``record_id``; if one repeats in either table, or the
    previous table has another layout (another version of povlink wrote it), the whole table is
    standardised instead. The rules reading today's date (a birth date in the future or over 120
    years ago, the century of a two-digit year) are not re-evaluated for unchanged records: refresh
    across a change of date only when that may not matter, or standardise the whole table.

    ``changes_output`` names a temporary table to write with ``record_id`` and ``change``: one
    row for each record ``added``, ``changed`` or ``removed``, and for each other current record
    of a touched NIK group (``flags``: its ``nik_shared`` flag was evaluated again, whether or not
    it changed). Every current record missing there has the row it had in ``previous_table``.
    (After a fall-back to the whole table, every previous record is listed ``removed`` and every
    current one ``added``.) ``previous_rows_output`` names a temporary table to write with the
    previous rows of the changed, removed and ``flags`` records, as they were before the
    refresh: with the unchanged rows of the result they make up ``previous_table`` again, after
    an update in place too.

    ``sources``, when given, names the only sources whose records may have changed: the rows
    of every other source are kept without comparing them or looking for repeats among them
    (a refresh of one list reads that list's records only). A record must then keep its
    source, as the registry's do (their ``record_id`` starts with it). A fall-back to the whole
    table still reads every record. ``unique_ids``: the caller guarantees that no record_id
    repeats in either table (the registry refuses a list that repeats one), so none is looked
    for. ``candidates``, SQL yielding a ``record_id`` column, narrows the comparison further to
    those records (the registry's list of records ingested as added, changed or withdrawn
    since): every other record keeps its row without being compared. A candidate whose raw
    values are the same is found unchanged.

    Raises what ``standardise_table`` raises, for the same reasons.
    """
    columns = source_columns(engine, source_table)
    check_date_order(date_order)
    table = regions if regions is not None else load_regions()
    source = quote_identifier(source_table)
    previous = quote_identifier(previous_table)
    target = quote_identifier(target_table)
    in_place = previous_table == target_table
    compared = "TRUE"
    if sources is not None:
        listed = ", ".join(quote_literal(s) for s in sources) or "NULL"
        compared = f"source IN ({listed})"
    with engine.transaction():
        layout = [(name, kind) for name, kind, *_ in engine.rows(f"DESCRIBE {previous}")]
        # Repeats are looked for where records are compared: among the listed sources' alone.
        if layout != _layout() or (
            not unique_ids
            and any(
                _repeats(engine, f"(SELECT record_id FROM {t} WHERE {compared})")
                for t in (previous, source)
            )
        ):
            n_previous = engine.count(previous_table)
            if previous_rows_output is not None:
                engine.create_table(
                    previous_rows_output, f"SELECT * FROM {previous}", temporary=True
                )
            if changes_output is not None:
                engine.create_table(
                    changes_output,
                    f"SELECT DISTINCT record_id, 'removed' AS change FROM {previous}",
                    temporary=True,
                )
            standardise_table(
                engine, source_table, target_table, regions=table, date_order=date_order
            )
            if changes_output is not None:
                engine.execute(
                    f"INSERT INTO {quote_identifier(changes_output)} "
                    f"SELECT DISTINCT record_id, 'added' FROM {target}"
                )
            return StandardiseChanges(
                added=engine.count(target_table),
                changed=0,
                removed=n_previous,
                flags_changed=0,
                full=True,
            )
        prefix = f"_povlink_chg_{uuid.uuid4().hex[:12]}_"
        helpers = [f"{prefix}{n}" for n in ("diff", "changed", "fresh", "touched")]
        diff, changed, fresh, touched = (quote_identifier(h) for h in helpers)
        try:
            # Records without an identical previous row, and previous rows without an identical
            # current record: a changed record is both. Joined on record_id, each side carrying
            # only the hash of its raw values (the previous rows store theirs): the join's hash
            # table then holds two columns, not seventeen.
            narrowed = compared
            if candidates is not None:
                narrowed += f" AND record_id IN (SELECT record_id FROM ({candidates}) AS c)"
            current = source_sql(f"(SELECT * FROM {source} WHERE {narrowed})", columns, date_order)
            engine.create_table(
                f"{prefix}diff",
                f"SELECT s.record_id AS s_id, p.record_id AS p_id, p._row AS p_row "
                f"FROM (SELECT record_id, {raw_hash_sql()} AS _h FROM {current}) AS s "
                f"FULL OUTER JOIN (SELECT rowid AS _row, record_id, raw_hash AS _h "
                f"FROM {previous} WHERE {narrowed}) AS p ON p.record_id = s.record_id "
                "WHERE s.record_id IS NULL OR p.record_id IS NULL OR p._h <> s._h",
                temporary=True,
            )
            engine.create_table(
                f"{prefix}changed",
                f"SELECT * FROM {source} WHERE {compared} AND record_id IN "
                f"(SELECT s_id FROM {diff} WHERE s_id IS NOT NULL)",
                temporary=True,
            )
            run_table_steps(
                engine,
                changed,
                columns,
                f"{prefix}fresh",
                regions=table,
                date_order=date_order,
                temporary=True,
            )
            gone = f"rowid IN (SELECT p_row FROM {diff} WHERE p_row IS NOT NULL)"
            engine.create_table(
                f"{prefix}touched",
                f"SELECT * FROM ({nik_groups_sql(previous, where=gone)}) "
                f"UNION SELECT * FROM ({nik_groups_sql(fresh, where='true')})",
                temporary=True,
            )
            if previous_rows_output is not None:
                # One IN over both sets of rows: a semi join the scan filters on, so only the
                # wanted rows are read whole (with OR of two INs every row was read whole).
                engine.create_table(
                    previous_rows_output,
                    # (A NIK group lies in one source: its members are among those compared.)
                    f"SELECT * FROM {previous} WHERE {compared} AND rowid IN "
                    f"(SELECT p_row FROM {diff} WHERE p_row IS NOT NULL "
                    f"UNION ALL SELECT * FROM ({nik_group_members_sql(previous, scope=touched)}))",
                    temporary=True,
                )
            if in_place:
                engine.execute(f"DELETE FROM {previous} WHERE {gone}")
                engine.execute(f"INSERT INTO {target} SELECT * FROM {fresh}")
            else:
                engine.create_table(
                    target_table,
                    f"SELECT * FROM {previous} WHERE NOT ({gone}) UNION ALL SELECT * FROM {fresh}",
                )
            flags = engine.rows(shared_nik_update_sql(target, scope=touched))
            if changes_output is not None:
                engine.create_table(
                    changes_output,
                    f"""
                    SELECT s_id AS record_id, CASE WHEN p_id IS NULL THEN 'added'
                           ELSE 'changed' END AS change
                    FROM {diff} WHERE s_id IS NOT NULL
                    UNION ALL
                    SELECT p_id, 'removed' FROM {diff} WHERE p_id IS NOT NULL
                      AND p_id NOT IN (SELECT s_id FROM {diff} WHERE s_id IS NOT NULL)
                    UNION ALL
                    (SELECT record_id, 'flags' FROM {target}
                     WHERE rowid IN ({nik_group_members_sql(target, scope=touched)})
                     EXCEPT SELECT s_id, 'flags' FROM {diff} WHERE s_id IS NOT NULL)
                    """,
                    temporary=True,
                )
            counts = engine.rows(
                f"SELECT count(*) FILTER (WHERE s_id IS NOT NULL AND s_id NOT IN "
                f"(SELECT p_id FROM {diff} WHERE p_id IS NOT NULL)), "
                f"count(*) FILTER (WHERE s_id IS NOT NULL AND s_id IN "
                f"(SELECT p_id FROM {diff} WHERE p_id IS NOT NULL)), "
                f"count(*) FILTER (WHERE p_id IS NOT NULL AND p_id NOT IN "
                f"(SELECT s_id FROM {diff} WHERE s_id IS NOT NULL)) FROM {diff}"
            )[0]
        finally:
            for helper in helpers:
                engine.drop_table(helper)
    return StandardiseChanges(
        added=int(counts[0]),
        changed=int(counts[1]),
        removed=int(counts[2]),
        flags_changed=int(flags[0][0]) if flags else 0,
    )
