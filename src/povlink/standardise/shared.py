"""The table-level flag ``nik_shared``: one NIK used in one source by different people.

For every (source, NIK) group, the records whose NIK is valid and whose name is known are
compared: the group is *shared* when they hold different names and not one common birth date (the
household head's NIK copied to the members). Every record of a shared group carries the flag,
including records whose NIK was kept out of ``nik`` (equal to the KK number, or rounded by a
float) while their cleaned digits are the group's.

Here it is a pass of its own over a standardised table, after the per-record rules: it reads
only the standardised table (a record whose NIK was kept out of ``nik`` has the digits in
``nik_kept_out``) and changes only the records whose flag is wrong. An incremental
refresh runs it over the groups it touched; the single-record path never (one record shares a NIK
with nobody). A whole-table standardisation applies the same rule inside its last statement
(:func:`povlink.standardise.pipeline.table_steps` with ``shared_flags``): an UPDATE of a table
just written to the registry file would make DuckDB rewrite the whole table at commit.
``nik_shared`` is the last flag of :data:`~povlink.standardise.QUALITY_FLAGS`, so adding it at the
end of ``quality_flags`` keeps their order.

>>> "UPDATE" in shared_nik_update_sql("std")
True
"""

from __future__ import annotations

__all__ = ["nik_group_members_sql", "nik_groups_sql", "shared_nik_update_sql"]

_FLAG = "nik_shared"


def _in_scope(scope: str | None, alias: str, nik: str) -> str:
    """SQL condition: the (source, NIK) of ``alias`` (its NIK in column ``nik``) is one of the
    groups of ``scope``."""
    if scope is None:
        return "true"
    return (
        f"EXISTS (SELECT 1 FROM {scope} AS s WHERE s.source = {alias}.source "
        f"AND s.nik = {alias}.{nik})"
    )


def _members_sql(table: str, *, where: str = "true", scope: str | None = None) -> str:
    """The CTE ``members``: ``_row`` (rowid), ``source``, ``nik`` (the group's digits) and
    ``_flagged`` of every record of ``table`` (satisfying ``where``) that belongs to a (source,
    NIK) group of ``scope`` (every group when None)."""
    flagged = f"list_contains(quality_flags, '{_FLAG}')"
    # Two branches, each comparing a plain column with the scope (a semi join the scan filters
    # on): a join on coalesce(nik, nik_kept_out) took twice the CPU at 1M records.
    return (
        f"members AS (SELECT rowid AS _row, source, nik, {flagged} AS _flagged FROM {table} AS t "
        f"WHERE nik IS NOT NULL AND {where} AND {_in_scope(scope, 't', 'nik')} "
        f"UNION ALL SELECT rowid, source, nik_kept_out, {flagged} FROM {table} AS t "
        f"WHERE nik_kept_out IS NOT NULL AND {where} AND {_in_scope(scope, 't', 'nik_kept_out')})"
    )


def nik_groups_sql(table: str, *, where: str) -> str:
    """SQL: the distinct (``source``, ``nik``) groups the records of ``table`` satisfying
    ``where`` belong to (a record without ``nik`` may still belong to its digits' group)."""
    return f"WITH {_members_sql(table, where=where)} SELECT DISTINCT source, nik FROM members"


def nik_group_members_sql(table: str, *, scope: str) -> str:
    """SQL: the ``rowid`` of every record of ``table`` in a (source, NIK) group of ``scope``
    (a relation with columns ``source`` and ``nik``), including records whose NIK digits were
    kept out of ``nik``: the records whose ``nik_shared`` flag a pass over ``scope`` decides."""
    return f"WITH {_members_sql(table, scope=scope)} SELECT _row FROM members"


def shared_nik_update_sql(table: str, *, scope: str | None = None) -> str:
    """SQL: the UPDATE giving ``nik_shared`` to exactly the records of ``table`` in shared groups.

    ``table`` is a standardised table (quoted name). ``scope``, a relation with columns
    ``source`` and ``nik``, restricts the pass to those groups (the others must already be
    right). Only records whose flag is wrong change, so running it twice changes nothing; the
    statement returns how many changed.
    """
    return (
        f"UPDATE {table} SET quality_flags = CASE WHEN list_contains(quality_flags, '{_FLAG}') "
        f"THEN list_filter(quality_flags, lambda f: f <> '{_FLAG}') "
        f"ELSE list_append(quality_flags, '{_FLAG}') END "
        "WHERE rowid IN (WITH "
        # The groups: records with a valid NIK and a name, compared.
        f"shared AS (SELECT source, nik FROM {table} AS t WHERE nik IS NOT NULL "
        f"AND full_name IS NOT NULL AND {_in_scope(scope, 't', 'nik')} GROUP BY source, nik "
        "HAVING min(full_name) <> max(full_name) AND NOT coalesce("
        "min(birth_date) = max(birth_date) AND count(birth_date) = count(*), false)), "
        # The members: records with a valid NIK, and records whose NIK digits were kept out.
        f"{_members_sql(table, scope=scope)} "
        "SELECT m._row FROM members m LEFT JOIN shared s ON s.source = m.source AND s.nik = m.nik "
        "WHERE m._flagged <> (s.nik IS NOT NULL))"
    )
