"""The linkage model: a Fellegi-Sunter model on Splink, designed for Indonesian registry data.

:class:`LinkageModel` follows scikit-learn's estimator contract: ``__init__`` only stores its
keyword arguments, :meth:`~LinkageModel.fit` learns from a table and returns the model, learned
attributes end in ``_``, and using an unfitted model raises
:class:`~povlink.exceptions.NotFittedError`.

Training (see :mod:`~povlink.linkage.training`): u, how often each level occurs among non-matches,
from random pairs drawn with a fixed seed; m, how often each level occurs among matches, by
expectation maximisation over the pairs of several training rules (or from labelled pairs when the
user has them); the prior, the probability that two random records match, from deterministic
rules whose recall is read off m. The random pairs hold some matches too: once m and the prior are
known they are taken out of u, and m and the prior are learned once more.

The trained model is Splink's JSON settings (:meth:`~LinkageModel.to_json`), so users can inspect
it, load it in plain Splink, or bring a model of their own (:meth:`~LinkageModel.from_json`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import weakref
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, Self

import pandas as pd
from splink import SettingsCreator

from povlink.engine import Engine, quote_identifier
from povlink.exceptions import LinkageError, NotFittedError
from povlink.linkage.blocking import (
    DETERMINISTIC_RULES,
    PREDICTION_RULES,
    TRAINING_RULES,
    BlockingRule,
    choose_loose_rules,
    link_input_sources,
    link_input_sql,
)
from povlink.linkage.comparisons import COMPARISONS, ComparisonSpec
from povlink.linkage.training import (
    Patterns,
    PriorCount,
    blocked_pair_patterns,
    deterministic_recall,
    estimate_m,
    estimate_u,
    field_presence,
    floor_partial_agreement,
    neutralise_unseen_levels,
    random_pair_patterns,
    set_m,
)

if TYPE_CHECKING:
    from splink import Linker

__all__ = ["DEFAULT_THRESHOLD", "PAIR_COLUMNS", "LinkageModel"]

#: Match probability at or above which two records are the same person. Chosen from the accuracy
#: benchmark (``benchmarks/accuracy.py``): the best F1 on the synthetic city and FEBRL4 together.
#: The model's probabilities are calibrated (its u without the matches among random pairs, its
#: prior from counted pairs), so "more likely than not" is also the decision that F1 favours.
DEFAULT_THRESHOLD: Final[float] = 0.5

#: Columns of the pair table written by :meth:`LinkageModel.predict`.
PAIR_COLUMNS: Final[tuple[str, ...]] = (
    "unique_id_l",
    "unique_id_r",
    "match_weight",
    "match_probability",
    "match_key",
)

#: Without at least one of these, no pair of records can be told apart.
_LINKING_FIELDS: Final[tuple[str, ...]] = ("nik", "nik_partial", "full_name", "birth_year")

_LINK_INPUT: Final = "__povlink_link_input"
_LABELS: Final = "__povlink_labels"

#: The link input an engine keeps from training for the scoring that follows (see
#: :func:`kept_link_input`), and the fingerprint of the records it was built from.
_KEPT_INPUT: Final = "__povlink_kept_link_input"
_kept_fingerprints: weakref.WeakKeyDictionary[Engine, tuple[object, ...]] = (
    weakref.WeakKeyDictionary()
)

logger = logging.getLogger(__name__)


class LinkageModel:
    """Decides which records are the same person, and how sure it is.

    Args:
        threshold: match probability at or above which a pair links (used by clustering).
        seed: seed for the random pairs that estimate the u probabilities.
        max_pairs_for_u: how many random pairs estimate the u probabilities.
        max_pairs_for_em: at most this many pairs per EM training rule (records sampled by a
            seeded hash of their id, so the same ones every time).
        prior_recall: the share of true matches the deterministic rules find; ``None`` (the
            default) reads it off the trained m probabilities (see
            :func:`~povlink.linkage.training.deterministic_recall`).
        loose_pairs_per_record: budget of pairs, per record, for the looser blocking rules
            (:data:`~povlink.linkage.blocking.LOOSE_RULES`), which are chosen at fit time;
            never less than ``min_pairs_for_loose_blocking`` (cheap on any machine) nor more
            than ``max_pairs_for_loose_blocking``. On the synthetic city of 947,187 records, a
            budget of 2 per record added ``mother_name`` with ``birth_year``: 753,004 more
            pairs to score (18% of all) for 6 of 365,475 true pairs that no other rule found;
            1 per record leaves it out.
        blocking_rules: SQL blocking rules (``l.x = r.x ...``) replacing povlink's own
            prediction rules; ``None`` uses :data:`~povlink.linkage.blocking.PREDICTION_RULES`.

    >>> LinkageModel(seed=7).seed
    7
    """

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        seed: int = 42,
        max_pairs_for_u: float = 1e6,
        max_pairs_for_em: float = 1e6,
        prior_recall: float | None = None,
        loose_pairs_per_record: float = 1,
        min_pairs_for_loose_blocking: float = 5e5,
        max_pairs_for_loose_blocking: float = 1e7,
        blocking_rules: Sequence[str] | None = None,
    ) -> None:
        self.threshold = threshold
        self.seed = seed
        self.max_pairs_for_u = max_pairs_for_u
        self.max_pairs_for_em = max_pairs_for_em
        self.prior_recall = prior_recall
        self.loose_pairs_per_record = loose_pairs_per_record
        self.min_pairs_for_loose_blocking = min_pairs_for_loose_blocking
        self.max_pairs_for_loose_blocking = max_pairs_for_loose_blocking
        self.blocking_rules = blocking_rules

    def __repr__(self) -> str:
        fitted = "fitted" if hasattr(self, "settings_json_") else "not fitted"
        return f"LinkageModel(threshold={self.threshold}, seed={self.seed}, {fitted})"

    # -- training ----------------------------------------------------------------------------
    def fit(
        self,
        engine: Engine,
        table: str = "standardised",
        *,
        labels: pd.DataFrame | None = None,
    ) -> Self:
        """Learn the model's parameters from the records of ``table``.

        ``labels`` (columns ``record_id_l``, ``record_id_r``: pairs known to be the same person)
        replaces EM: the m probabilities are then counted from the labelled pairs.

        The link input built from ``table`` is kept in ``engine`` (see :func:`kept_link_input`):
        scoring the same records next reuses it instead of building it again.

        Raises:
            LinkageError: the table has no field that can link records.
        """
        if not engine.has_table(table):
            raise LinkageError(f"table {table!r} does not exist: standardise the records first.")
        link_input = kept_link_input(engine, table)
        try:
            return self._fit(engine, table, link_input, labels)
        except BaseException:
            release_link_input(engine)
            raise

    def _fit(
        self, engine: Engine, table: str, link_input: str, labels: pd.DataFrame | None
    ) -> Self:
        n = engine.count(link_input)
        available, varied = _profile_link_input(engine, link_input)
        comparisons = [c for c in COMPARISONS if set(c.needs_any) & varied]
        if not set(_LINKING_FIELDS) & available:
            raise LinkageError(
                f"table {table!r} has no field that can link records: every value of nik, "
                "full_name and birth_date is missing. Map at least a NIK, or a name and a "
                "birth date, in each source."
            )
        prediction_rules = _usable(self._prediction_rules(), available)
        if self.blocking_rules is None:
            budget = min(
                max(self.loose_pairs_per_record * n, self.min_pairs_for_loose_blocking),
                self.max_pairs_for_loose_blocking,
            )
            prediction_rules += choose_loose_rules(engine, link_input, available, budget)
        settings: dict[str, Any] = (
            SettingsCreator(
                link_type="dedupe_only",
                unique_id_column_name="unique_id",
                probability_two_random_records_match=1e-4,
                comparisons=[c.build() for c in comparisons],
                blocking_rules_to_generate_predictions=[
                    _as_splink_rule(r.sql) for r in prediction_rules
                ],
                retain_matching_columns=False,
                retain_intermediate_calculation_columns=False,
            )
            .get_settings("duckdb")
            .as_dict()  # type: ignore[no-untyped-call]
        )
        trained = self._train(engine, link_input, settings, comparisons, available, labels)
        floor_partial_agreement(trained)
        # A random id Splink gives each linker: dropped so the same data gives the same JSON.
        trained.pop("linker_uid", None)
        self.settings_json_: str = json.dumps(trained, indent=2, sort_keys=True)
        self.comparisons_: list[str] = [c.name for c in comparisons]
        self.blocking_rules_: list[str] = [r.sql for r in prediction_rules]
        self.probability_two_random_records_match_: float = float(
            trained["probability_two_random_records_match"]
        )
        return self

    def _train(
        self,
        engine: Engine,
        link_input: str,
        settings: dict[str, Any],
        comparisons: list[ComparisonSpec],
        available: set[str],
        labels: pd.DataFrame | None,
    ) -> dict[str, Any]:
        """The settings with the prior, u and m learned from the link input.

        u from random pairs; m by EM on the pairs of the training rules (or from ``labels``);
        the prior from the deterministic rules, whose recall is read off m; then u again without
        the matches the random pairs held, and once more m and the prior with that u.
        """
        deterministic = _usable(DETERMINISTIC_RULES, available)
        prior = PriorCount.of(engine, link_input, deterministic)
        presence = field_presence(engine, link_input, {c for r in deterministic for c in r.needs})
        if deterministic:
            # A provisional prior for EM to start from; re-estimated once m is known.
            settings["probability_two_random_records_match"] = prior.probability(
                self.prior_recall if self.prior_recall is not None else 0.7
            )
        levels = settings["comparisons"]
        random_pairs = random_pair_patterns(
            engine, link_input, levels, max_pairs=self.max_pairs_for_u, seed=self.seed
        )
        estimate_u(levels, random_pairs)
        sessions = (
            []
            if labels is not None
            else self._training_pairs(engine, link_input, levels, comparisons, available)
        )
        for _ in range(1 if labels is not None else 2):
            if labels is not None:
                settings = _m_from_labels(engine, link_input, settings, labels)
                levels = settings["comparisons"]
            else:
                start = float(settings["probability_two_random_records_match"])
                set_m(levels, [estimate_m(levels, p, t, prior=start) for p, t in sessions])
            if deterministic and self.prior_recall is None:
                recall = deterministic_recall(settings, deterministic, presence)
                settings["probability_two_random_records_match"] = prior.probability(recall)
            estimate_u(
                levels, random_pairs, prior=float(settings["probability_two_random_records_match"])
            )
        if labels is None:
            neutralise_unseen_levels(levels, [random_pairs, *(p for p, _ in sessions)])
        return settings

    def _training_pairs(
        self,
        engine: Engine,
        link_input: str,
        levels: list[dict[str, Any]],
        comparisons: list[ComparisonSpec],
        available: set[str],
    ) -> list[tuple[Patterns, set[str]]]:
        """Pairs of each usable training rule, as patterns, with the comparisons they train.

        A comparison reading a column of the rule cannot be trained on its pairs; a rule whose
        comparisons were all trained on cleaner pairs (an earlier rule) is not used.
        """
        untrained = {c.name for c in comparisons}
        sessions = []
        for slot in TRAINING_RULES:
            usable = _usable(slot, available)
            if not usable:
                continue
            trains = {c.name for c in comparisons if not set(c.reads) & set(usable[0].needs)}
            if not trains & untrained:
                continue
            patterns = blocked_pair_patterns(
                engine,
                link_input,
                levels,
                usable[0],
                max_pairs=self.max_pairs_for_em,
                seed=self.seed,
            )
            sessions.append((patterns, trains))
            untrained -= trains
        return sessions

    def _prediction_rules(self) -> tuple[BlockingRule, ...]:
        if self.blocking_rules is None:
            return PREDICTION_RULES
        return tuple(BlockingRule(sql, ()) for sql in self.blocking_rules)

    # -- using the trained model --------------------------------------------------------------
    def check_is_fitted(self) -> None:
        """Raise :class:`NotFittedError` unless the model was trained or loaded."""
        if not hasattr(self, "settings_json_"):
            raise NotFittedError(
                "this LinkageModel is not fitted yet: call model.fit(engine, table) first, "
                "or load a trained model with LinkageModel.from_json(text)."
            )

    @property
    def settings_(self) -> dict[str, Any]:
        """The trained Splink settings as a dictionary (a fresh copy each time)."""
        self.check_is_fitted()
        settings: dict[str, Any] = json.loads(self.settings_json_)
        return settings

    def predict(
        self,
        engine: Engine,
        table: str = "standardised",
        output: str = "pairwise_predictions",
    ) -> None:
        """Score every candidate pair of ``table`` and write them to the table ``output``.

        ``output`` has Splink's columns (:data:`PAIR_COLUMNS`; ``unique_id_l < unique_id_r`` are
        record ids), one row per pair in no set order (the same pairs and scores on every run;
        sorting millions of rows nobody reads in order would only cost time).
        :func:`~povlink.linkage.explain_pair` says why a pair scored as it did. The link input
        kept from training on the same records is used, then released.
        """
        self.check_is_fitted()
        link_input = kept_link_input(engine, table)
        try:
            with splink_linker(engine, self.settings_, link_input, keep_input=True) as linker:
                scored = linker.inference.predict(warning_mode="never")
                columns = ", ".join(PAIR_COLUMNS)
                engine.create_table(
                    output,
                    f"SELECT {columns} FROM {scored.physical_name}",
                )
        finally:
            release_link_input(engine)

    # -- import and export --------------------------------------------------------------------
    def to_json(self) -> str:
        """The trained model as Splink's JSON settings (loadable by ``splink.Linker``)."""
        self.check_is_fitted()
        return self.settings_json_

    @classmethod
    def from_json(cls, text: str, **params: Any) -> LinkageModel:
        """A fitted model from Splink JSON settings (as written by :meth:`to_json`).

        The settings must read povlink's link input columns (see
        :data:`~povlink.linkage.blocking.LINK_INPUT_COLUMNS`) with ``unique_id`` as the id.
        """
        try:
            settings = json.loads(text)
        except json.JSONDecodeError as err:
            raise LinkageError(f"the model is not valid JSON: {err}") from err
        if not isinstance(settings, dict) or "comparisons" not in settings:
            raise LinkageError(
                "the model JSON is not Splink settings: it has no 'comparisons'. Export a model "
                "with LinkageModel.to_json() or Splink's linker.misc.save_model_to_json()."
            )
        model = cls(**params)
        model.settings_json_ = json.dumps(settings, indent=2, sort_keys=True)
        model.comparisons_ = [c["output_column_name"] for c in settings["comparisons"]]
        model.blocking_rules_ = [
            r if isinstance(r, str) else r.get("blocking_rule", "")
            for r in settings.get("blocking_rules_to_generate_predictions", [])
        ]
        model.probability_two_random_records_match_ = float(
            settings.get("probability_two_random_records_match", 0.0)
        )
        return model


def _profile_link_input(engine: Engine, link_input: str) -> tuple[set[str], set[str]]:
    """Columns of the link input with at least one value, and those with at least two values.

    One scan. A comparison needs variation to learn anything (a city column holding only
    "semarang" would be all agreement); a blocking rule only needs values.
    """
    columns = engine.columns(link_input)
    parts = []
    for c in columns:
        q = quote_identifier(c)
        parts += [f"count({q}) > 0", f"coalesce(min({q}) <> max({q}), false)"]
    row = engine.rows(f"SELECT {', '.join(parts)} FROM {link_input}")[0]
    present = {c for c, has in zip(columns, row[0::2], strict=True) if has}
    varied = {c for c, has in zip(columns, row[1::2], strict=True) if has}
    return present, varied


def _as_splink_rule(sql: str) -> dict[str, Any]:
    return {"blocking_rule": sql, "sql_dialect": "duckdb"}


def _usable(rules: Sequence[BlockingRule], available: set[str]) -> list[BlockingRule]:
    return [r for r in rules if set(r.needs) <= available]


def build_link_input(engine: Engine, table: str, name: str = _LINK_INPUT) -> None:
    """Write the link input of ``table`` (see :func:`link_input_sql`) to the temporary table
    ``name``, in no set order (every step that reads it is independent of the order)."""
    engine.create_table(
        name,
        link_input_sql(table, set(engine.columns(table))),
        temporary=True,
    )


def kept_link_input(engine: Engine, table: str) -> str:
    """The name of a temporary table of ``engine`` holding the link input of ``table``.

    The engine keeps one link input: training builds it and the scoring that follows reuses it,
    as long as it was built from the same records. "The same" is checked, not assumed: the
    fingerprint of ``table`` (every column the link input reads, its type, and a hash over all
    of their values; see :func:`link_input_fingerprint`) must equal the one it was built from,
    so a table replaced or changed in place in between gets a fresh link input. The check is
    one scan, a fifth of the cost of building. :func:`release_link_input` frees it.
    """
    fingerprint = link_input_fingerprint(engine, table)
    if _kept_fingerprints.get(engine) != fingerprint or not engine.has_table(_KEPT_INPUT):
        _kept_fingerprints.pop(engine, None)
        build_link_input(engine, table, _KEPT_INPUT)
        _kept_fingerprints[engine] = fingerprint
    return _KEPT_INPUT


def release_link_input(engine: Engine) -> None:
    """Drop the link input ``engine`` keeps (see :func:`kept_link_input`), if any."""
    _kept_fingerprints.pop(engine, None)
    engine.drop_table(_KEPT_INPUT)


def link_input_fingerprint(engine: Engine, table: str) -> tuple[object, ...]:
    """What the link input of ``table`` depends on: the columns it reads with their types, the
    number of records and a sum of per-record hashes of those columns' values (in the engine,
    one scan; a changed value changes the sum but for a 2⁻⁶⁴ chance)."""
    described = engine.rows(f"DESCRIBE SELECT * FROM {quote_identifier(table)}")
    types = {str(name): str(kind) for name, kind, *_ in described}
    read = link_input_sources(types)
    values = ", ".join(quote_identifier(c) for c in read) or "NULL"
    count, digest = engine.rows(
        f"SELECT count(*), sum(CAST(hash({values}) AS HUGEINT)) FROM {quote_identifier(table)}"
    )[0]
    return (tuple((c, types[c]) for c in read), count, digest)


@contextlib.contextmanager
def splink_linker(
    engine: Engine,
    settings: dict[str, Any],
    link_input: str = _LINK_INPUT,
    *,
    validate: bool = True,
    keep_input: bool = False,
) -> Iterator[Linker]:
    """A Splink linker over the link input table ``link_input`` (see :func:`build_link_input`).

    ``validate=False`` skips Splink's check of the settings against the input's columns (about
    a second of SQL parsing), for a trained model scoring the link input it was built for.
    Splink's working tables are dropped afterwards, and the link input too unless
    ``keep_input``.
    """
    from splink import Linker

    finish_pending_results(engine)
    db_api = engine.splink_api()
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    if not splink_logger.handlers:
        # Unconfigured, Splink's progress and training notes would go to stderr through
        # logging's last resort; povlink reports its own progress. Errors still show.
        splink_logger.setLevel(logging.ERROR)
    try:
        records = db_api.register(link_input)
        linker = Linker(records, settings, log_level=None, validate_settings=validate)
        yield linker
    finally:
        splink_logger.setLevel(level)
        db_api.delete_tables_created_by_splink_from_db()  # type: ignore[no-untyped-call]
        if not keep_input:
            engine.drop_table(link_input)


def finish_pending_results(engine: Engine) -> None:
    """Leave no half-read result on the connection before Splink uses it.

    DuckDB 2 refuses relation queries (which Splink uses) while an earlier result on the same
    connection is unread, and ``Engine.scalar`` reads only one row; a fully read query clears it.
    """
    engine.rows("SELECT 1")


def _m_from_labels(
    engine: Engine, link_input: str, settings: dict[str, Any], labels: pd.DataFrame
) -> dict[str, Any]:
    """The settings with m counted from pairs the user knows to be the same person."""
    missing = {"record_id_l", "record_id_r"} - set(labels.columns)
    if missing:
        raise LinkageError(
            f"labels need the columns record_id_l and record_id_r; missing {sorted(missing)}"
        )
    pairs = labels[["record_id_l", "record_id_r"]].astype(str)
    engine.register(f"{_LABELS}_df", pairs)
    try:
        engine.create_table(
            _LABELS,
            f"SELECT record_id_l AS unique_id_l, record_id_r AS unique_id_r FROM {_LABELS}_df",
            temporary=True,
        )
        with splink_linker(engine, settings, link_input, keep_input=True) as linker:
            linker.training.estimate_m_from_pairwise_labels(_LABELS)  # type: ignore[no-untyped-call]
            trained: dict[str, Any] = linker.misc.save_model_to_json()
        return trained
    finally:
        engine.unregister(f"{_LABELS}_df")
        engine.drop_table(_LABELS)
