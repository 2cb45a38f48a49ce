"""Training the linkage model: the prior, u and m, learned from *level patterns* of sampled pairs.

A pair of records is described to the model only by its comparison vector (the level each
comparison reaches), so a sample of millions of pairs compresses to a few thousand distinct
vectors with their counts. Training computes those vectors once, in the engine, for two samples:

* random pairs (every pair of a seeded sample of records): how often each level occurs among
  non-matches, the **u** probabilities;
* pairs that agree on a training rule (the exact name, say), sampled to a budget: expectation
  maximisation (EM) on them learns how often each level occurs among matches, the **m**
  probabilities, of the comparisons that do not read the rule's columns.

EM then runs on the compressed vectors in memory, in log space, in milliseconds per iteration
(where running each iteration as SQL over every pair would take seconds). The random sample holds
true matches too, a share λ (the prior); once m and λ are known, each random pattern counts as
a non-match only by the probability the model gives it of being one, and EM is run once more
with the corrected u. The prior itself is counted from deterministic rules without a join.

No frequency is taken as smaller than one pair of the sample it was measured on: a level never
seen among the sampled matches (or non-matches) is rare, not impossible.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Final

import numpy as np

from povlink.engine import Engine, quote_identifier
from povlink.linkage.blocking import BlockingRule, count_pairs

__all__ = [
    "Patterns",
    "PriorCount",
    "blocked_pair_patterns",
    "count_pairs_of_any",
    "deterministic_recall",
    "estimate_m",
    "estimate_u",
    "field_presence",
    "floor_partial_agreement",
    "gamma_sql",
    "neutralise_unseen_levels",
    "random_pair_patterns",
    "set_m",
]

_SAMPLE: Final = "__povlink_training_sample"
_MODULUS: Final = 1_000_000_000

#: EM stops when no m probability moves by more than this, or after this many iterations.
EM_CONVERGENCE: Final = 1e-4
EM_MAX_ITERATIONS: Final = 25

#: u without the random sample's matches is a fixed point, reached in a few rounds.
_U_ITERATIONS: Final = 20


@dataclass(frozen=True)
class Patterns:
    """Distinct comparison vectors of a sample of pairs and how many pairs have each.

    ``gammas`` holds one column per comparison (Splink's comparison vector values: -1 for the
    null level, then the levels numbered down to 0 for the else level); ``counts`` one count
    per row.
    """

    names: tuple[str, ...]
    gammas: np.ndarray[Any, np.dtype[np.int64]]
    counts: np.ndarray[Any, np.dtype[np.float64]]

    @property
    def pairs(self) -> float:
        """How many pairs the sample holds."""
        return float(self.counts.sum())

    def column(self, name: str) -> np.ndarray[Any, np.dtype[np.int64]]:
        return self.gammas[:, self.names.index(name)]


def gamma_sql(comparison: dict[str, Any]) -> str:
    """A comparison's vector value as a SQL ``CASE`` expression, numbered as Splink numbers it.

    ``comparison`` is one entry of Splink's settings ``comparisons`` (levels in order, each with
    its ``sql_condition``; the null level gives -1, the others count down to 0).
    """
    levels = comparison["comparison_levels"]
    value = sum(1 for level in levels if not level.get("is_null_level"))
    whens = []
    for level in levels:
        condition = str(level["sql_condition"])
        if level.get("is_null_level"):
            whens.append(f"WHEN {condition} THEN -1")
            continue
        value -= 1
        if condition.strip().upper() == "ELSE":
            whens.append(f"ELSE {value}")
        else:
            whens.append(f"WHEN {condition} THEN {value}")
    return f"CASE {' '.join(whens)} END"


def _levels_by_value(comparison: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The non-null levels of a comparison by their comparison vector value."""
    ranked = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
    return {len(ranked) - 1 - i: level for i, level in enumerate(ranked)}


def _sample_sql(link_input: str, share: float, seed: int) -> str:
    """Records of ``link_input`` kept by a seeded hash of their id: the same ones on every run."""
    if share >= 1.0:
        return f"SELECT * FROM {link_input}"
    threshold = max(1, round(share * _MODULUS))
    return (
        f"SELECT * FROM {link_input} "
        f"WHERE hash(unique_id || '_{int(seed)}') % {_MODULUS} < {threshold}"
    )


@contextlib.contextmanager
def _sample(engine: Engine, link_input: str, share: float, seed: int) -> Iterator[None]:
    """The sample table (see :func:`_sample_sql`) while the block runs.

    Every record (``share`` of 1) is a view of ``link_input``, not a copy of it.
    """
    whole = share >= 1.0
    if whole:
        engine.execute(f"CREATE OR REPLACE TEMP VIEW {_SAMPLE} AS SELECT * FROM {link_input}")
    else:
        engine.create_table(_SAMPLE, _sample_sql(link_input, share, seed), temporary=True)
    try:
        yield
    finally:
        if whole:
            engine.execute(f"DROP VIEW IF EXISTS {_SAMPLE}")
        else:
            engine.drop_table(_SAMPLE)


def _patterns(
    engine: Engine, comparisons: Sequence[dict[str, Any]], join_condition: str
) -> Patterns:
    """Comparison vectors of the pairs of the sample table that satisfy ``join_condition``."""
    names = tuple(str(c["output_column_name"]) for c in comparisons)
    if not names:
        return Patterns(names, np.zeros((0, 0), dtype=np.int64), np.zeros(0))
    columns = engine.columns(_SAMPLE)
    sides = ", ".join(
        f"{side}.{quote_identifier(c)} AS {quote_identifier(f'{c}_{side}')}"
        for c in columns
        for side in ("l", "r")
    )
    cases = ", ".join(
        f"{gamma_sql(c)} AS {quote_identifier('gamma_' + n)}"
        for c, n in zip(comparisons, names, strict=True)
    )
    gammas = ", ".join(quote_identifier("gamma_" + n) for n in names)
    parts = _parallel_parts(engine)
    pairs = " UNION ALL ".join(
        f"SELECT {cases} FROM (SELECT {sides} FROM {left} AS l JOIN {_SAMPLE} AS r "
        f"ON ({join_condition}) AND l.unique_id < r.unique_id) AS pairs"
        for left in (
            [_SAMPLE]
            if parts == 1
            else [
                f"(SELECT * FROM {_SAMPLE} WHERE hash(unique_id) % {parts} = {k})"
                for k in range(parts)
            ]
        )
    )
    rows = engine.rows(
        f"SELECT {gammas}, count(*) FROM ({pairs}) AS vectors GROUP BY ALL ORDER BY ALL"
    )
    if not rows:
        return Patterns(names, np.zeros((0, len(names)), dtype=np.int64), np.zeros(0))
    table = np.array(rows, dtype=np.int64)
    return Patterns(names, table[:, :-1], table[:, -1].astype(np.float64))


#: DuckDB splits a scan into tasks of one row group each (122,880 rows).
_ROW_GROUP: Final = 122_880


def _parallel_parts(engine: Engine) -> int:
    """In how many parts to split the left side of the sample's pairs.

    The engine runs a join on as many threads as its probe side has row groups: a sample
    smaller than one (the random sample holds 1,500 records, a sampled block 50,000) had its
    millions of pairs compared on one core, 3.4 of the 7.9 s of training at a million records.
    One branch per thread, each scanning its share of the left records, keeps every core busy.
    A larger sample is already parallel, and is not split (each branch would build the join
    again).
    """
    if engine.count(_SAMPLE) >= _ROW_GROUP:
        return 1
    return max(1, int(engine.scalar("SELECT current_setting('threads')")))


def random_pair_patterns(
    engine: Engine,
    link_input: str,
    comparisons: Sequence[dict[str, Any]],
    *,
    max_pairs: float,
    seed: int,
) -> Patterns:
    """Comparison vectors of about ``max_pairs`` random pairs: all pairs of a record sample."""
    total = int(engine.rows(f"SELECT count(*) FROM {link_input}")[0][0])
    wanted = (1 + math.sqrt(1 + 8 * max_pairs)) / 2  # records whose pairs number max_pairs
    with _sample(engine, link_input, wanted / max(total, 1), seed):
        return _patterns(engine, comparisons, "true")


def blocked_pair_patterns(
    engine: Engine,
    link_input: str,
    comparisons: Sequence[dict[str, Any]],
    rule: BlockingRule,
    *,
    max_pairs: float,
    seed: int,
) -> Patterns:
    """Comparison vectors of the pairs ``rule`` admits, about ``max_pairs`` of them at most.

    Beyond the budget, records are sampled (by a seeded hash of their id) at the rate that
    leaves about ``max_pairs`` of the rule's pairs among them.
    """
    n = count_pairs(engine, link_input, rule)
    share = 1.0 if n <= max_pairs else math.sqrt(max_pairs / n)
    with _sample(engine, link_input, share, seed):
        return _patterns(engine, comparisons, rule.sql)


def count_pairs_of_any(engine: Engine, table: str, rules: Sequence[BlockingRule]) -> int:
    """How many pairs at least one of the equality ``rules`` admits (no join: inclusion-exclusion
    over the block sizes of every combination of rules)."""
    total = 0
    for k in range(1, len(rules) + 1):
        for subset in combinations(rules, k):
            columns = tuple(dict.fromkeys(c for rule in subset for c in _columns(rule)))
            total += (-1) ** (k + 1) * count_pairs(engine, table, BlockingRule.on(*columns))
    return total


def _columns(rule: BlockingRule) -> tuple[str, ...]:
    expected = BlockingRule.on(*rule.needs).sql
    if rule.sql != expected:
        raise ValueError(f"only rules of equal columns can be counted; got {rule.sql!r}")
    return rule.needs


def _log_bayes_factors(
    comparison: dict[str, Any], gammas: np.ndarray[Any, np.dtype[np.int64]]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """log2(m/u) of each pattern's level of ``comparison`` (0 for null and untrained levels)."""
    out = np.zeros(len(gammas))
    for value, level in _levels_by_value(comparison).items():
        m, u = level.get("m_probability"), level.get("u_probability")
        if isinstance(m, float) and isinstance(u, float) and m > 0 and u > 0:
            out[gammas == value] = math.log2(m / u)
    return out


def _match_probability(
    comparisons: Sequence[dict[str, Any]], patterns: Patterns, prior: float
) -> np.ndarray[Any, np.dtype[np.float64]]:
    log_odds = np.full(len(patterns.counts), math.log2(prior / (1 - prior)))
    for comparison in comparisons:
        log_odds += _log_bayes_factors(
            comparison, patterns.column(str(comparison["output_column_name"]))
        )
    probability: np.ndarray[Any, np.dtype[np.float64]] = 1.0 / (
        1.0 + np.exp2(-np.clip(log_odds, -1000, 1000))
    )
    return probability


def _frequencies(
    gammas: np.ndarray[Any, np.dtype[np.int64]],
    weights: np.ndarray[Any, np.dtype[np.float64]],
    values: Sequence[int],
    floor: float,
) -> dict[int, float] | None:
    """Weighted share of each level among compared pairs, none below ``floor`` pairs' worth."""
    compared = gammas >= 0
    total = float(weights[compared].sum())
    if total <= 0:
        return None
    return {v: max(float(weights[gammas == v].sum()), floor) / total for v in values}


def estimate_u(
    comparisons: Sequence[dict[str, Any]],
    patterns: Patterns,
    *,
    prior: float | None = None,
) -> None:
    """Set the u probability of every level from random pairs (in place).

    With ``prior`` (and m probabilities trained), a pattern counts as a non-match only by the
    probability the model gives it of not being a match; that probability depends on u itself,
    so the two are updated in turn until u settles.
    """
    for _ in range(_U_ITERATIONS if prior is not None else 1):
        weights = patterns.counts.copy()
        if prior is not None:
            weights *= 1.0 - _match_probability(comparisons, patterns, prior)
        change = 0.0
        for comparison in comparisons:
            levels = _levels_by_value(comparison)
            gammas = patterns.column(str(comparison["output_column_name"]))
            u = _frequencies(gammas, weights, list(levels), floor=1.0)
            if u is None:
                continue
            for value, level in levels.items():
                old = level.get("u_probability")
                if isinstance(old, float) and old > 0:
                    change = max(change, abs(math.log(u[value] / old)))
                level["u_probability"] = u[value]
        if change < 1e-4:
            break


def estimate_m(
    comparisons: Sequence[dict[str, Any]],
    patterns: Patterns,
    trains: set[str],
    *,
    prior: float,
) -> dict[str, dict[int, float]]:
    """m probabilities of the comparisons named in ``trains``, by EM on blocked pairs.

    The other comparisons read a column the pairs were blocked on (they agree by construction)
    and are left out. EM starts from Splink's default m (0.95 on the top level) and the prior,
    learns the share of matches among these pairs as it goes, and stops at convergence. Returns
    the m of each trained comparison by level value; ``comparisons`` are not changed.
    """
    trained = [c for c in comparisons if c["output_column_name"] in trains]
    if not trained or patterns.pairs == 0:
        return {}
    columns = [patterns.column(str(c["output_column_name"])) for c in trained]
    levels = [sorted(_levels_by_value(c)) for c in trained]
    log_u = []
    for c, values in zip(trained, levels, strict=True):
        by_value = _levels_by_value(c)
        u = [by_value[v].get("u_probability") for v in values]
        log_u.append(np.log2([x if isinstance(x, float) and x > 0 else 1.0 for x in u]))
    m = [_default_m(len(values)) for values in levels]
    share = prior
    for _ in range(EM_MAX_ITERATIONS):
        log_odds = np.full(len(patterns.counts), math.log2(share / (1 - share)))
        for gammas, lm, lu in zip(columns, m, log_u, strict=True):
            compared = gammas >= 0
            log_odds[compared] += (np.log2(lm) - lu)[gammas[compared]]
        p = 1.0 / (1.0 + np.exp2(-np.clip(log_odds, -1000, 1000)))
        weights = patterns.counts * p
        matches = float(weights.sum())
        share = min(max(matches / patterns.pairs, 1e-12), 1 - 1e-12)
        floor = 1.0 if matches >= 1 else matches
        change = 0.0
        for i, (gammas, values) in enumerate(zip(columns, levels, strict=True)):
            new = _frequencies(gammas, weights, values, floor=floor)
            if new is None:
                continue
            updated = np.array([new[v] for v in values])
            change = max(change, float(np.abs(updated - m[i]).max()))
            m[i] = updated
        if change < EM_CONVERGENCE:
            break
    return {
        str(c["output_column_name"]): dict(zip(values, map(float, mi), strict=True))
        for c, values, mi in zip(trained, levels, m, strict=True)
    }


def _default_m(levels: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Splink's starting m: 0.95 on the top level (the last value), the rest shared evenly."""
    if levels == 1:
        return np.ones(1)
    m = np.full(levels, 0.05 / (levels - 1))
    m[-1] = 0.95
    return m


def set_m(
    comparisons: Sequence[dict[str, Any]],
    sessions: Sequence[dict[str, dict[int, float]]],
) -> None:
    """Each comparison's m: the mean over the EM sessions that trained it (in place)."""
    for comparison in comparisons:
        name = str(comparison["output_column_name"])
        trained = [s[name] for s in sessions if name in s]
        if not trained:
            continue
        for value, level in _levels_by_value(comparison).items():
            level["m_probability"] = float(np.mean([t[value] for t in trained]))


def neutralise_unseen_levels(
    comparisons: Sequence[dict[str, Any]], samples: Sequence[Patterns]
) -> None:
    """A level no sampled pair reached weighs nothing: its m is set to its u (in place).

    Its m and u are then both only the floor of one pair, and their ratio would be an artefact
    of the two samples' sizes, not evidence.
    """
    for comparison in comparisons:
        name = str(comparison["output_column_name"])
        seen: set[int] = set()
        for patterns in samples:
            if name in patterns.names:
                seen.update(int(v) for v in np.unique(patterns.column(name)))
        for value, level in _levels_by_value(comparison).items():
            if value not in seen and isinstance(level.get("u_probability"), float):
                level["m_probability"] = level["u_probability"]


# -- the prior --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PriorCount:
    """The pairs deterministic rules find among all pairs of a table, for the prior."""

    found: int
    pairs: float

    @classmethod
    def of(cls, engine: Engine, table: str, rules: Sequence[BlockingRule]) -> PriorCount:
        n = int(engine.rows(f"SELECT count(*) FROM {table}")[0][0])
        return cls(count_pairs_of_any(engine, table, rules) if rules else 0, n * (n - 1) / 2)

    def probability(self, recall: float) -> float:
        """The probability that two random records match, if the rules find ``recall`` of the
        true pairs.

        Never zero (half a pair when the rules find none). On a tiny table the rules can find
        more pairs than that recall allows (five records, four of them one person); the pairs
        found are then taken as all there are. Never one either: some pair may not match.
        """
        if self.pairs <= 0:
            return 0.5
        matches = max(self.found, 0.5) / recall
        if matches > self.pairs:
            matches = max(self.found, 0.5)
        return min(matches / self.pairs, 1 - 1e-6)


#: The comparison and level whose m is the chance that a true pair agrees exactly on a field.
_EXACT_LEVELS: Final[dict[str, tuple[str, str]]] = {
    "nik": ("nik", "same NIK"),
    "full_name": ("full_name", "same name"),
    "birth_date": ("birth_date", "same date"),
}


def field_presence(engine: Engine, table: str, columns: set[str]) -> dict[str, float]:
    """The share of records of ``table`` with a value in each of ``columns`` (those that have an
    exact level, see :func:`deterministic_recall`)."""
    names = sorted(columns & set(_EXACT_LEVELS))
    if not names:
        return {}
    row = engine.rows(
        "SELECT count(*), "
        + ", ".join(f"count({quote_identifier(c)})" for c in names)
        + f" FROM {table}"
    )[0]
    total = max(int(row[0]), 1)
    return {c: int(n) / total for c, n in zip(names, row[1:], strict=True)}


def deterministic_recall(
    settings: dict[str, Any], rules: Sequence[BlockingRule], presence: dict[str, float]
) -> float:
    """The share of true pairs the deterministic rules find, read off the trained model.

    A true pair passes a rule when both records have each field and agree exactly on it: for
    each field, (share of records with it)² × m(exact agreement). Rules are taken as independent
    ways to find a pair. Guessing this share instead (Splink's usual approach) shifts every match
    probability by the error of the guess; clean data and damaged data need different shares.
    """
    m: dict[str, float] = {}
    for comparison in settings["comparisons"]:
        for field, (name, label) in _EXACT_LEVELS.items():
            if comparison["output_column_name"] != name:
                continue
            for level in comparison["comparison_levels"]:
                if level.get("label_for_charts") == label and level.get("m_probability"):
                    m[field] = float(level["m_probability"])
    missed = 1.0
    for rule in rules:
        fields = [c for c in rule.needs if c in _EXACT_LEVELS]
        if not fields or any(f not in m or f not in presence for f in fields):
            continue
        found = 1.0
        for f in fields:
            found *= presence[f] ** 2 * m[f]
        missed *= 1.0 - found
    return min(max(1.0 - missed, 0.05), 0.99)


def floor_partial_agreement(settings: dict[str, Any]) -> None:
    """No level of a comparison may weigh less than its total disagreement (in place).

    EM can drive the m of a rarely seen level (say, a KK number with one typo) towards zero,
    which would make a near-agreement far stronger evidence against a match than a plain
    disagreement. Such a level is raised to the weight of the comparison's last (else) level.
    """
    for comparison in settings["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        last = levels[-1]
        m_else, u_else = last.get("m_probability"), last.get("u_probability")
        if not m_else or not u_else:
            continue
        bayes_else = m_else / u_else
        for level in levels[:-1]:
            m, u = level.get("m_probability"), level.get("u_probability")
            if m is not None and u and m / u < bayes_else:
                level["m_probability"] = u * bayes_else
