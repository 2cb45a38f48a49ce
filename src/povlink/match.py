"""One-record matching: the most likely persons for one applicant, without changing the registry.

A service opens a :class:`Matcher` once and then matches many records quickly (it may share it
between threads); :meth:`povlink.Project.match` opens one for a single call.

A match runs the same rules as a resolve, in four stages:

1. *standardise*: :func:`~povlink.standardise.standardise_record`, the rules that standardise
   whole tables;
2. *search*: the candidates are the registry records that one of the stored model's blocking
   rules pairs with the record. Opening the matcher keeps every record's link input (with its
   term frequencies, person and household) in memory as an Arrow table and, for each equality
   rule, every record's key hash in sorted order; a match finds its keys by binary search;
3. *score*: Splink's SQL for the stored model (the statements of Splink's ``compare_records``)
   compares the record with the candidates, joined on the blocking rules themselves, with the
   term frequencies stored beside the model, as a resolve scores pairs;
4. *group*: the best pair of each person, most likely first.

Planning Splink's SQL takes DuckDB far longer than running it on a few rows, so the matcher
prepares its two statements (the record's link input and keys; the scores) once, and each match
only executes them. DuckDB 2.0 plans a prepared statement again at every execution when it reads
a table or when an argument's type differs from its parameter's, and binding many arguments
costs about as much as planning: so each statement reads only its parameters, JSON texts (the
record; the candidates, a list a column) that it casts back to the columns' types.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

import numpy as np
import pandas as pd
import pyarrow as pa

from povlink.engine import Engine, quote_identifier, quote_literal
from povlink.exceptions import ConfigError, RegistryError
from povlink.schema import CANONICAL_FIELDS, StandardisedRecord, sql_columns

if TYPE_CHECKING:
    from povlink.project import Project

__all__ = ["Matcher"]

_QUERY_ID: Final = "query:1"
_EQUALITY: Final = re.compile(r"^\s*l\.(\w+)\s*=\s*r\.(\w+)\s*$")
_RESULT_COLUMNS: Final = ("person_id", "household_id", "match_probability", "match_weight")

# Names in the matcher's engine.
_BASE: Final = "__povlink_match_base"  # every registry record (Arrow, registered once)
_RECORD: Final = "__povlink_match_record"  # the standardised record (parameters)
_QUERY: Final = "__povlink_match_query"  # its link input with term frequencies (parameters)
_CANDIDATES: Final = "__povlink_match_candidates"  # the candidates (one list parameter a column)
_LINK: Final = "__povlink_match_link"  # statement: the record's link input, keys, tf values
_SCORES: Final = "__povlink_match_scores"  # statement: Splink's scores of the record's pairs
_ROW: Final = "__row"  # position of a record in _BASE

_Index = list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]


@dataclass(frozen=True)
class _Rule:
    """A blocking rule as Splink SQL and, for an equality rule, its (record, registry) columns."""

    sql: str
    pairs: tuple[tuple[str, str], ...] | None


def _parse_rule(sql: str) -> _Rule:
    """``l.a = r.b AND l.c = r.d`` with its equalities; other forms of rule without."""
    pairs = []
    for part in re.split(r"\s+AND\s+", sql.strip(), flags=re.IGNORECASE):
        found = _EQUALITY.match(part.strip("() "))
        if found is None:
            return _Rule(sql, None)
        pairs.append((found.group(1), found.group(2)))
    return _Rule(sql, tuple(pairs))


def _key_sql(columns: Sequence[str]) -> str:
    """The hash of a blocking key, NULL when one of its columns is (such a rule pairs nothing)."""
    present = " AND ".join(f"{quote_identifier(c)} IS NOT NULL" for c in columns)
    values = ", ".join(quote_identifier(c) for c in columns)
    return f"CASE WHEN {present} THEN hash({values}) END"


def _as_text(value: object) -> object:
    """``value`` for a JSON parameter: lists stay lists, every other value becomes the text that
    a cast to its column's type reads back exactly (a float by ``repr``, a date in ISO form).

    >>> _as_text([["siti", "aminah"], None]), _as_text(0.1), _as_text(dt.date(1945, 8, 17))
    ([['siti', 'aminah'], None], '0.1', '1945-08-17')
    """
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [_as_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _json_text(values: Mapping[str, object]) -> str:
    """``values`` (a value, or a list of values, for each column) as the JSON a parameter reads."""
    return json.dumps({c: _as_text(v) for c, v in values.items()})


def _json_sql(values: Mapping[str, object]) -> str:
    """:func:`_json_text` as an SQL constant of the parameter's type (VARCHAR)."""
    return f"CAST({quote_literal(_json_text(values))} AS VARCHAR)"


def _parameter_relation(number: int, columns: Sequence[tuple[str, str]], *, rows: bool) -> str:
    """SQL reading ``columns`` (name, SQL type) from the JSON text of parameter ``number``.

    The text holds a value a column (one row) or, with ``rows``, a list a column (a row per
    element). Every value is read as text and cast to its column's type.
    """

    def spec(sql_type: str) -> object:
        depth = sql_type.count("[]")
        out: object = "VARCHAR"
        for _ in range(depth):
            out = [out]
        return out

    suffix = "[]" if rows else ""
    structure = json.dumps({c: spec(t + suffix) for c, t in columns})
    reads = ", ".join(
        (
            f"unnest(CAST(p.{quote_identifier(c)} AS {t}[]))"
            if rows
            else f"CAST(p.{quote_identifier(c)} AS {t})"
        )
        + f" AS {quote_identifier(c)}"
        for c, t in columns
    )
    return (
        f"SELECT {reads} FROM (SELECT json_transform(CAST(${number} AS VARCHAR), "
        f"{quote_literal(structure)}) AS p) AS parameter"
    )


class Matcher:
    """Match single records against a resolved registry, read-only and safe to share by threads.

    >>> with project.matcher() as matcher:          # doctest: +SKIP
    ...     matcher.match({"nik": "3374014101850001", "full_name": "Siti Aminah"})
    """

    def __init__(self, project: Project) -> None:
        from povlink.linkage import LinkageModel
        from povlink.resolve import stored_model_json
        from povlink.scoring import term_frequency_columns
        from povlink.standardise import load_regions

        self._regions = load_regions(project.config.regions)
        self._lock = threading.Lock()
        with project.open_registry(read_only=True) as registry:
            if not registry.has_table("persons"):
                raise RegistryError("the registry has no persons yet; run `povlink resolve` first")
            text = stored_model_json(registry)
            if text is None:
                raise RegistryError("the registry holds no trained model; run `povlink resolve`")
            self.model = LinkageModel.from_json(text)
            settings: dict[str, Any] = self.model.settings_
            self._tf_columns = term_frequency_columns(self.model)
            rules = [
                _parse_rule(r if isinstance(r, str) else r["blocking_rule"])
                for r in settings.get("blocking_rules_to_generate_predictions", [])
            ]
            self._base, self._index = self._load_base(registry.engine, rules)
        self._work = Engine(threads=1)
        try:
            self._prepare(settings, [r.sql for r in rules])
        except BaseException:
            self._work.close()
            raise
        self._levels = {c["output_column_name"]: _level_labels(c) for c in settings["comparisons"]}

    # -- opening -------------------------------------------------------------------------------
    def _load_base(self, registry: Engine, rules: list[_Rule]) -> tuple[pa.Table, _Index]:
        """Every record's link input, person, household and term frequencies; the key index.

        One pass over the registry. The index holds, for each rule that ``_hashed`` keeps,
        every record's key hash in sorted order beside the record's row.
        """
        from povlink.linkage.blocking import link_input_sql

        link_input = link_input_sql("standardised", set(registry.columns("standardised")))
        types = dict(registry.rows(f"SELECT column_name, column_type FROM (DESCRIBE {link_input})"))
        # The record's link input (and, per candidate, a list of it): every column with its type.
        self._query_types = [*types.items(), *((f"tf_{c}", "DOUBLE") for c in self._tf_columns)]
        # A hash finds a key only among values of the same type; other rules join in the engine.
        self._hashed = [
            rule
            for rule in rules
            if rule.pairs is not None
            and all(types.get(a, "?") == types.get(b, "!") for a, b in rule.pairs)
        ]
        self._joined = [rule.sql for rule in rules if rule not in self._hashed]
        if registry.has_table("term_frequencies"):
            frequencies = "SELECT column_name, value, tf FROM term_frequencies"
        else:  # a model stored before models carried their term frequencies: today's records
            frequencies = " UNION ALL ".join(
                [
                    f"SELECT {quote_literal(c)}, CAST({quote_identifier(c)} AS VARCHAR), "
                    f"CAST(count(*) AS DOUBLE) / sum(count(*)) OVER () FROM li "
                    f"WHERE {quote_identifier(c)} IS NOT NULL GROUP BY 1, 2"
                    for c in self._tf_columns
                ]
                + ["SELECT '' AS column_name, '' AS value, CAST(0 AS DOUBLE) AS tf WHERE false"]
            )
        ctes = f"WITH li AS ({link_input}), frequencies AS ({frequencies}) "
        self._tf: dict[str, dict[str, float]] = {c: {} for c in self._tf_columns}
        for column, value, tf in registry.rows(
            f"{ctes}SELECT column_name, value, tf FROM frequencies"
        ):
            if column in self._tf:
                self._tf[column][value] = tf
        select = ["li.*", "p.person_id", "p.household_id"]
        joins = []
        for i, c in enumerate(self._tf_columns):
            select.append(f"t{i}.tf AS {quote_identifier('tf_' + c)}")
            joins.append(
                f"LEFT JOIN (SELECT value, tf FROM frequencies WHERE column_name = "
                f"{quote_literal(c)}) AS t{i} "
                f"ON t{i}.value = CAST(li.{quote_identifier(c)} AS VARCHAR)"
            )
        select += [
            f"{_key_sql([b for _, b in rule.pairs or ()])} AS __k{i}"
            for i, rule in enumerate(self._hashed)
        ]
        table = registry.arrow(
            f"{ctes}SELECT {', '.join(select)} FROM li "
            f"JOIN persons AS p ON p.record_id = li.unique_id {' '.join(joins)}"
        ).combine_chunks()  # one chunk: taking rows from many is slow
        index = []
        for i in range(len(self._hashed)):
            keys = table.column(f"__k{i}")
            rows = np.flatnonzero(keys.is_valid().to_numpy(zero_copy_only=False))
            values = keys.drop_null().to_numpy().astype(np.uint64, copy=False)
            order = np.argsort(values)
            index.append((values[order], rows[order]))
        base = table.drop_columns([f"__k{i}" for i in range(len(self._hashed))])
        return base.append_column(_ROW, pa.array(np.arange(base.num_rows, dtype=np.int64))), index

    def _prepare(self, settings: Mapping[str, Any], rules: Sequence[str]) -> None:
        """Prepare the statement of the record's link input and keys, and that of its scores."""
        from povlink.linkage.blocking import link_input_sql

        w = self._work
        w.register(_BASE, self._base)  # for rules other than equalities only
        self._record_types = [
            ("record_id", "VARCHAR"),
            ("source", "VARCHAR"),
            *sql_columns(StandardisedRecord).items(),
        ]
        link_input = link_input_sql(_RECORD, {c for c, _ in self._record_types})
        values = "".join(
            f", CAST({quote_identifier(c)} AS VARCHAR) AS __v{i}"
            for i, c in enumerate(self._tf_columns)
        )
        keys = "".join(
            f", {_key_sql([a for a, _ in rule.pairs or ()])} AS __k{i}"
            for i, rule in enumerate(self._hashed)
        )
        w.execute(
            f"PREPARE {_LINK} AS WITH {_RECORD} AS "
            f"({_parameter_relation(1, self._record_types, rows=False)}) "
            f"SELECT *{values}{keys} FROM ({link_input})"
        )
        gammas = "".join(f", gamma_{c['output_column_name']}" for c in settings["comparisons"])
        w.execute(
            f"PREPARE {_SCORES} AS SELECT unique_id_r, match_probability, match_weight{gammas} "
            f"FROM ({_scoring_sql(settings, rules, self._query_types)}) AS scored"
        )

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

    # -- matching ------------------------------------------------------------------------------
    def match(self, record: Mapping[str, object], *, top: int = 5) -> pd.DataFrame:
        """The ``top`` most likely persons for ``record`` (canonical raw field names).

        One row per person, most likely first: ``person_id``, ``household_id``,
        ``match_probability``, ``match_weight``, ``record_id`` (the registry record that matched
        best) and, for that pair, the level of each comparison (``level_<comparison>``).
        """
        standardised = self._standardise(record)
        with self._lock:
            query, candidates = self._search(standardised)
            scored = self._score(query, candidates)
        return self._group(scored, candidates, top=top)

    def score_candidates(self, record: Mapping[str, object]) -> pd.DataFrame:
        """Every registry record that a blocking rule pairs with ``record``, with its score.

        One row per registry record, most likely first (ties: the smaller ``record_id``), with
        the columns of :meth:`match`; the scores a resolve would give the same pairs.
        """
        standardised = self._standardise(record)
        with self._lock:
            query, candidates = self._search(standardised)
            scored = self._score(query, candidates)
        return self._group(scored, candidates, top=None)

    # The four stages of a match; the benchmark times them one by one.
    def _standardise(self, record: Mapping[str, object]) -> list[object]:
        """The record standardised: a value for each of ``_record_types``."""
        from povlink.standardise import standardise_record

        unknown = sorted(set(record) - set(CANONICAL_FIELDS))
        if unknown:
            raise ConfigError(
                f"unknown field(s) {', '.join(unknown)}; a record uses the canonical fields: "
                f"{', '.join(CANONICAL_FIELDS)}"
            )
        text = {f: None if record.get(f) is None else str(record.get(f)) for f in CANONICAL_FIELDS}
        values = standardise_record(text, regions=self._regions)
        return [_QUERY_ID, "query", *(values[c] for c, _ in self._record_types[2:])]

    def _search(self, standardised: list[object]) -> tuple[list[object], pa.Table]:
        """The record's link input (a value for each of ``_query_types``) and the registry
        records that a blocking rule pairs with it (call under the lock)."""
        w = self._work
        record = dict(zip((c for c, _ in self._record_types), standardised, strict=True))
        row = w.rows(f"EXECUTE {_LINK}({_json_sql(record)})")[0]
        n, m = len(self._query_types) - len(self._tf_columns), len(self._tf_columns)
        values = zip(self._tf_columns, row[n : n + m], strict=True)
        query = [*row[:n], *(self._tf[column].get(value) for column, value in values)]
        found = []
        for (hashes, rows), key in zip(self._index, row[n + m :], strict=True):
            if key is not None:
                h = np.uint64(key)
                found.append(rows[np.searchsorted(hashes, h) : np.searchsorted(hashes, h, "right")])
        if self._joined:  # any other form of rule: a join over every record
            names = [c for c, _ in self._query_types]
            left = _parameter_relation(1, self._query_types, rows=False)
            on = " OR ".join(f"({sql})" for sql in self._joined)
            joined = w.rows(
                f"SELECT r.{_ROW} FROM ({left}) AS l JOIN {_BASE} AS r ON {on}",
                [_json_text(dict(zip(names, query, strict=True)))],
            )
            found.append(np.array([r for (r,) in joined], dtype=np.int64))
        if not found:
            return query, self._base.slice(0, 0)
        return query, self._base.take(pa.array(np.unique(np.concatenate(found))))

    def _score(self, query: list[object], candidates: pa.Table) -> list[tuple[Any, ...]]:
        """Splink's scores of the record with each candidate (call under the lock)."""
        if not candidates.num_rows:
            return []
        names = [c for c, _ in self._query_types]
        record = _json_sql(dict(zip(names, query, strict=True)))
        columns = _json_sql({c: candidates.column(c).to_pylist() for c in names})
        return self._work.rows(f"EXECUTE {_SCORES}({record}, {columns})")

    def _group(
        self, scored: list[tuple[Any, ...]], candidates: pa.Table, *, top: int | None
    ) -> pd.DataFrame:
        """The pairs most likely first (ties: the smaller record id); with ``top``, only the
        best pair of each person, for the ``top`` most likely persons."""
        people = dict(
            zip(
                candidates.column("unique_id").to_pylist(),
                zip(
                    candidates.column("person_id").to_pylist(),
                    candidates.column("household_id").to_pylist(),
                    strict=True,
                ),
                strict=True,
            )
        )
        pairs = sorted(scored, key=lambda r: (-r[1], r[0]))
        if top is not None:
            best: dict[str, tuple[Any, ...]] = {}
            for pair in pairs:
                best.setdefault(people[pair[0]][0], pair)
            pairs = list(best.values())[: max(top, 0)]
        if not pairs:
            return _empty_result(list(self._levels))
        out: dict[str, list[Any]] = {
            "person_id": [people[p[0]][0] for p in pairs],
            "household_id": [people[p[0]][1] for p in pairs],
            "match_probability": [p[1] for p in pairs],
            "match_weight": [p[2] for p in pairs],
            "record_id": [p[0] for p in pairs],
        }
        for i, (name, labels) in enumerate(self._levels.items(), start=3):
            out[f"level_{name}"] = [labels.get(int(p[i]), str(p[i])) for p in pairs]
        return pd.DataFrame(out)


def _scoring_sql(
    settings: Mapping[str, Any], rules: Sequence[str], columns: Sequence[tuple[str, str]]
) -> str:
    """Splink's SQL scoring the pairs of the record (``l``) with the candidates (``r``).

    The statements of Splink's ``compare_records``, reading the record from the first
    parameters (one a column of ``columns``) and the candidates from the next (a list a column),
    with the candidates joined on the blocking rules (so that a hash found by coincidence adds
    no pair).
    """
    from splink.internals.pipeline import CTEPipeline
    from splink.internals.predict import predict_from_comparison_vectors_sqls_using_settings
    from splink.internals.settings_creator import SettingsCreator

    s = SettingsCreator.from_path_or_dict(dict(settings)).get_settings("duckdb")
    s._retain_matching_columns = True
    s._retain_intermediate_calculation_columns = True
    pipeline = CTEPipeline()
    pipeline.enqueue_sql(_parameter_relation(1, columns, rows=False), _QUERY)
    pipeline.enqueue_sql(_parameter_relation(2, columns, rows=True), _CANDIDATES)
    on = " OR ".join(f"({rule})" for rule in rules) or "false"
    pipeline.enqueue_sql(
        f"SELECT {', '.join(s._columns_to_select_for_blocking)}, 0 AS match_key "
        f"FROM {_QUERY} AS l JOIN {_CANDIDATES} AS r ON {on}",
        "__splink__compare_two_records_blocked",
    )
    pipeline.enqueue_sql(
        f"SELECT {', '.join(s._columns_to_select_for_comparison_vector_values)} "
        "FROM __splink__compare_two_records_blocked",
        "__splink__df_comparison_vectors",
    )
    pipeline.enqueue_list_of_sqls(predict_from_comparison_vectors_sqls_using_settings(s))
    return str(pipeline.generate_cte_pipeline_sql())


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
    columns = [*_RESULT_COLUMNS, "record_id"]
    return pd.DataFrame(columns=columns + [f"level_{c}" for c in comparisons])


def describe_match(frame: pd.DataFrame) -> str:
    """A short text table of a match result, for the command line."""
    if frame.empty:
        return "no candidate person: no registry record shares a blocking key with this record"
    return frame.to_string(index=False, float_format=lambda v: f"{v:.4f}")


def match_to_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A match result as a list of dictionaries (JSON-ready)."""
    return list(json.loads(frame.to_json(orient="records")))
