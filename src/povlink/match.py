"""One-record matching: the most likely persons for one applicant, without changing the registry.

A service opens a :class:`Matcher` once (it loads the model and indexes the registry's records)
and then matches many records quickly; :meth:`povlink.Project.match` opens one for a single call.

The same rules serve one record as the bulk path: the record is standardised by
:func:`~povlink.standardise.standardise_table` on a one-row table, candidates are the registry
records that the stored model's blocking rules would pair with it, and the pairs are scored by
Splink's own comparison SQL with the stored model (term frequencies from the whole registry).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import pandas as pd

from povlink.engine import Engine, quote_identifier
from povlink.exceptions import ConfigError, RegistryError
from povlink.schema import CANONICAL_FIELDS, StandardisedRecord, sql_columns

if TYPE_CHECKING:
    from povlink.project import Project

__all__ = ["Matcher"]

_QUERY_ID: Final = "query:1"
_QUERY_COLUMNS: Final = {
    "record_id": "VARCHAR",
    "source": "VARCHAR",
    **sql_columns(StandardisedRecord),
}
_EQUALITY = re.compile(r"^\s*l\.(\w+)\s*=\s*r\.(\w+)\s*$")


@dataclass(frozen=True)
class _Rule:
    """A blocking rule as (query column, registry column) equalities."""

    pairs: tuple[tuple[str, str], ...]


def _parse_rule(sql: str) -> _Rule | None:
    """``l.a = r.b AND l.c = r.d`` as equalities; None for any other form of rule."""
    pairs = []
    for part in re.split(r"\s+AND\s+", sql.strip(), flags=re.IGNORECASE):
        found = _EQUALITY.match(part.strip("() "))
        if found is None:
            return None
        pairs.append((found.group(1), found.group(2)))
    return _Rule(tuple(pairs))


class Matcher:
    """Match single records against a resolved registry, read-only.

    >>> with project.matcher() as matcher:          # doctest: +SKIP
    ...     matcher.match({"nik": "3374014101850001", "full_name": "Siti Aminah"})
    """

    def __init__(self, project: Project) -> None:
        from povlink.linkage import LinkageModel
        from povlink.linkage.blocking import link_input_sql
        from povlink.resolve import stored_model_json
        from povlink.standardise import load_regions

        self._config = project.config
        self._regions = load_regions(project.config.regions)
        with project.open_registry(read_only=True) as registry:
            if not registry.has_table("persons"):
                raise RegistryError("the registry has no persons yet; run `povlink resolve` first")
            text = stored_model_json(registry)
            if text is None:
                raise RegistryError("the registry holds no trained model; run `povlink resolve`")
            self.model = LinkageModel.from_json(text)
            self._settings: dict[str, Any] = self.model.settings_
            self._work = Engine(threads=project.config.engine.threads)
            e = registry.engine
            available = set(e.columns("standardised"))
            self._available = available
            link_input = link_input_sql("standardised", available)
            self._work.copy_table(
                e,
                f"SELECT i.*, p.person_id, p.household_id FROM ({link_input}) AS i "
                "JOIN persons AS p ON p.record_id = i.unique_id",
                "__base",
            )
        self._tf_columns = sorted(
            {
                level["tf_adjustment_column"]
                for c in self._settings["comparisons"]
                for level in c["comparison_levels"]
                if level.get("tf_adjustment_column")
            }
        )
        self._prepare_term_frequencies()
        rules = [
            r if isinstance(r, str) else r["blocking_rule"]
            for r in self._settings.get("blocking_rules_to_generate_predictions", [])
        ]
        self._rules = [rule for rule in map(_parse_rule, rules) if rule is not None]
        self._joins = [
            sql for sql, rule in zip(rules, map(_parse_rule, rules), strict=True) if rule is None
        ]
        for column in sorted({rule.pairs[0][1] for rule in self._rules}):
            index = quote_identifier(f"__idx_{column}")
            self._work.execute(f"CREATE INDEX {index} ON __base ({quote_identifier(column)})")
        self._levels = {
            c["output_column_name"]: _level_labels(c) for c in self._settings["comparisons"]
        }
        self._cache_key = f"povlink-match-{id(self)}"
        self._db_api = self._work.splink_api()  # built once: its constructor costs ~40 ms

    # -- lifecycle -----------------------------------------------------------------------------
    def close(self) -> None:
        self._work.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _prepare_term_frequencies(self) -> None:
        """``tf_<column>`` beside each value, from the whole registry (as Splink computes them)."""
        for column in self._tf_columns:
            c = quote_identifier(column)
            self._work.create_table(
                f"__tf_{column}",
                f"SELECT {c}, CAST(count(*) AS DOUBLE) / (SELECT count({c}) FROM __base) "
                f"AS tf_{column} FROM __base WHERE {c} IS NOT NULL GROUP BY {c}",
            )
        select = ["b.*"] + [f"t_{c}.tf_{c}" for c in self._tf_columns]
        joins = " ".join(
            f"LEFT JOIN __tf_{c} AS t_{c} ON t_{c}.{quote_identifier(c)} = b.{quote_identifier(c)}"
            for c in self._tf_columns
        )
        if self._tf_columns:
            self._work.create_table(
                "__base", f"SELECT {', '.join(select)} FROM __base AS b {joins}"
            )

    # -- matching ------------------------------------------------------------------------------
    def match(self, record: Mapping[str, object], *, top: int = 5) -> pd.DataFrame:
        """The ``top`` most likely persons for ``record`` (canonical raw field names).

        One row per person, most likely first: ``person_id``, ``household_id``,
        ``match_probability``, ``match_weight``, ``record_id`` (the registry record that matched
        best) and, for that pair, the level of each comparison (``level_<comparison>``).
        """
        unknown = sorted(set(record) - set(CANONICAL_FIELDS))
        if unknown:
            raise ConfigError(
                f"unknown field(s) {', '.join(unknown)}; a record uses the canonical fields: "
                f"{', '.join(CANONICAL_FIELDS)}"
            )
        self._load_query(record)
        candidates = self._candidates()
        if candidates == 0:
            return _empty_result(list(self._levels))
        scored = self._score()
        return self._by_person(scored, top)

    def _load_query(self, record: Mapping[str, object]) -> None:
        from povlink.linkage.blocking import link_input_sql
        from povlink.standardise import standardise_table

        values = {
            f: (None if record.get(f) is None else str(record.get(f))) for f in CANONICAL_FIELDS
        }
        frame = pd.DataFrame(
            [{"record_id": _QUERY_ID, "source": "query", **values}], dtype="string"
        )
        w = self._work
        w.register("__query_frame", frame)
        try:
            w.create_table("__query_raw", "SELECT * FROM __query_frame")
        finally:
            w.unregister("__query_frame")
        standardise_table(w, "__query_raw", "__query_std", regions=self._regions)
        joins = " ".join(
            f"LEFT JOIN __tf_{c} AS t_{c} ON t_{c}.{quote_identifier(c)} = q.{quote_identifier(c)}"
            for c in self._tf_columns
        )
        tf = "".join(f", t_{c}.tf_{c}" for c in self._tf_columns)
        link_input = link_input_sql("__query_std", set(_QUERY_COLUMNS))
        w.create_table("__query", f"SELECT q.*{tf} FROM ({link_input}) AS q {joins}")

    def _candidates(self) -> int:
        """Registry records that a blocking rule pairs with the query; returns how many."""
        query = self._work.rows("SELECT * FROM __query")[0]
        names = self._work.columns("__query")
        values = dict(zip(names, query, strict=True))
        parts: list[str] = []
        params: list[object] = []
        for rule in self._rules:
            if any(values.get(q) is None for q, _ in rule.pairs):
                continue
            where = " AND ".join(f"{quote_identifier(b)} = ?" for _, b in rule.pairs)
            parts.append(f"SELECT rowid AS rid FROM __base WHERE {where}")
            params.extend(values[q] for q, _ in rule.pairs)
        for sql in self._joins:
            parts.append(f"SELECT r.rowid AS rid FROM __query AS l JOIN __base AS r ON {sql}")
        if not parts:
            self._work.create_table("__candidates", "SELECT * FROM __base WHERE false")
            return 0
        self._work.execute(
            "CREATE OR REPLACE TABLE __candidates AS SELECT * FROM __base WHERE rowid IN "
            f"({' UNION '.join(parts)})",
            params,
        )
        return self._work.count("__candidates")

    def _score(self) -> pd.DataFrame:
        from splink.internals.realtime import compare_records

        db_api = self._db_api
        result = compare_records(
            "__query", "__candidates", self._settings, db_api, sql_cache_key=self._cache_key
        )
        frame: pd.DataFrame = result.as_pandas_dataframe()  # type: ignore[no-untyped-call]
        result.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
        return frame

    def _by_person(self, scored: pd.DataFrame, top: int) -> pd.DataFrame:
        people = self._work.query(
            "SELECT unique_id, person_id, household_id FROM __candidates"
        ).rename(columns={"unique_id": "unique_id_r"})
        scored = scored.merge(people, on="unique_id_r")
        scored = scored.sort_values(
            ["match_probability", "unique_id_r"], ascending=[False, True], kind="stable"
        )
        best = scored.drop_duplicates("person_id").head(top)
        out = pd.DataFrame(
            {
                "person_id": best["person_id"].to_numpy(),
                "household_id": best["household_id"].to_numpy(),
                "match_probability": best["match_probability"].to_numpy(),
                "match_weight": best["match_weight"].to_numpy(),
                "record_id": best["unique_id_r"].to_numpy(),
            }
        )
        for name, labels in self._levels.items():
            gamma = f"gamma_{name}"
            if gamma in best.columns:
                out[f"level_{name}"] = [labels.get(int(g), str(g)) for g in best[gamma]]
        return out.reset_index(drop=True)


def _level_labels(comparison: Mapping[str, Any]) -> dict[int, str]:
    """Comparison vector value to level label, numbered as Splink numbers them.

    The null level is -1; the other levels count down from the most similar to 0 (the else level).
    """
    levels = comparison["comparison_levels"]
    labels = {-1: "missing"}
    ranked = [level for level in levels if not level.get("is_null_level")]
    for value, level in zip(range(len(ranked) - 1, -1, -1), ranked, strict=True):
        labels[value] = str(level.get("label_for_charts", value))
    for level in levels:
        if level.get("is_null_level"):
            labels[-1] = str(level.get("label_for_charts", "missing"))
    return labels


def _empty_result(comparisons: list[str]) -> pd.DataFrame:
    columns = ["person_id", "household_id", "match_probability", "match_weight", "record_id"]
    return pd.DataFrame(columns=columns + [f"level_{c}" for c in comparisons])


def describe_match(frame: pd.DataFrame) -> str:
    """A short text table of a match result, for the command line."""
    if frame.empty:
        return "no candidate person: no registry record shares a blocking key with this record"
    return frame.to_string(index=False, float_format=lambda v: f"{v:.4f}")


def match_to_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A match result as a list of dictionaries (JSON-ready)."""
    return list(json.loads(frame.to_json(orient="records")))
