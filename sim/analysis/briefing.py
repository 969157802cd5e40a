"""What a run's briefing says: its main outcomes, how they split by hypothesis and by the main
branch, which parameters drive them, and which knowledge would move them most (docs/reports.md#the-briefing).

Drivers are first-order variance shares computed from the replications the run already has
(given data, no new design): RBD-FAST (SALib's estimator, Plischke's ordering) for a numeric
parameter, the bias-adjusted correlation ratio (epsilon squared) for a categorical one; both
estimate Var(E[Y | X]) / Var(Y), so they rank on one scale. The hypothesis gets its own
correlation ratio; every parameter is measured beyond it, on Y - E[Y | hypothesis] (as a share
of Var(Y)), since a parameter drawn differently under each hypothesis would otherwise be named
for the hypothesis's effect. A share is named only when it beats every one of NULL_PERMUTATIONS
shuffled copies of its input and MIN_SHARE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze.rbd_fast import permute_outputs, unskew_S1

from sim.analysis.summary import PARAMETER_PREFIX
from sim.statistics import wilson_interval

HARMONICS = 10  # SALib's default M: the harmonics summed by RBD-FAST
NULL_PERMUTATIONS = 199  # a shuffled parameter beats all of them 1 time in 200
MIN_SHARE = 0.02  # a parameter explaining under 2% of an outcome's variance is not worth briefing
MAX_DRIVERS = 3
CATEGORY_LIMIT = 12  # a parameter with at most this many distinct values is treated as a category
BRIEFING_SEED = 20250815
DRIVER_ROWS = 10_000  # the leading replications drivers are read from: noise in a share there is about 0.001


@dataclass(frozen=True)
class Driver:
    parameter: str  # `param.NAME`, or `hypothesis`
    share: float  # estimated first-order share of the outcome's variance
    null_max: float  # the largest share any shuffled copy got
    measure: str  # "RBD-FAST" or "correlation ratio"


@dataclass(frozen=True)
class Split:
    value: str
    share: float  # of the replications
    probability: float  # of the outcome within them


@dataclass(frozen=True)
class OutcomeBrief:
    outcome: str
    probability: float
    ci_low: float  # 95% Wilson interval: simulation error only
    ci_high: float
    by_hypothesis: list[Split]
    by_branch: list[Split]
    hypothesis: Driver | None  # the hypothesis's own share, when above noise
    drivers: list[Driver]  # parameters, by their share beyond the hypothesis

    def spread(self, splits: list[Split]) -> tuple[Split, Split] | None:
        """The lowest and highest conditional probability among `splits` (None with fewer than two)."""
        if len(splits) < 2:
            return None
        ordered = sorted(splits, key=lambda split: split.probability)
        return ordered[0], ordered[-1]


@dataclass(frozen=True)
class Observation:
    """Knowing `column`'s value moves `outcome` by `shift` (expected absolute change of its probability)."""

    column: str
    outcome: str
    shift: float
    low: Split
    high: Split


@dataclass(frozen=True)
class Briefing:
    replications: int
    driver_rows: int  # replications the drivers are computed from
    branch: str | None
    outcomes: list[OutcomeBrief] = field(default_factory=list)
    observation: Observation | None = None

    def widest(self, kind: str) -> OutcomeBrief | None:
        """The outcome whose probability differs most across the hypotheses ("hypothesis") or the branch,
        leaving out those the branch decides (see `decided`)."""
        if kind == "hypothesis":
            ranked = [(o, o.spread(o.by_hypothesis)) for o in self.outcomes]
        else:
            ranked = [(o, o.spread(o.by_branch)) for o in self.outcomes if not decided(o.by_branch)]
        ranked = [(o, s) for o, s in ranked if s is not None]
        if not ranked:
            return None
        return max(ranked, key=lambda pair: pair[1][1].probability - pair[1][0].probability)[0]


def build_briefing(
    table: pd.DataFrame, sample: pd.DataFrame, outcomes: list[str], branch: str | None = None
) -> Briefing:
    """The briefing of `outcomes` (yes/no columns): only those that vary across `table`'s replications.

    `sample` holds the drawn parameters (`param.NAME`) beside the outcomes, for the drivers;
    `branch`, a category outcome to split by beside the hypothesis (the scenario's first other group)."""
    varying = [name for name in outcomes if name in table and 0 < int(table[name].sum()) < int(table[name].count())]
    sample = sample.iloc[:DRIVER_ROWS]
    inputs = Inputs.of(sample[[c for c in sample.columns if c.startswith(PARAMETER_PREFIX) or c == "hypothesis"]])
    briefs = []
    for name in varying:
        successes, trials = int(table[name].sum()), int(table[name].count())
        low, high = wilson_interval(successes, trials)
        briefs.append(
            OutcomeBrief(
                outcome=name,
                probability=successes / trials,
                ci_low=low,
                ci_high=high,
                by_hypothesis=splits(table, "hypothesis", name),
                by_branch=splits(table, branch, name) if branch else [],
                **inputs.drivers(sample[name].to_numpy(dtype=float)),
            )
        )
    columns = ["hypothesis", *([branch] if branch else [])]
    return Briefing(
        replications=len(table),
        driver_rows=len(sample),
        branch=branch,
        outcomes=briefs,
        observation=most_informative(columns, briefs),
    )


def splits(table: pd.DataFrame, column: str, outcome: str) -> list[Split]:
    """P(outcome | column = value) for each value, with the value's share; most common value first."""
    if column not in table:
        return []
    known = table[table[column].notna()]
    rows = [
        Split(str(value), len(part) / len(known), float(part[outcome].mean()))
        for value, part in known.groupby(column, observed=True)
    ]
    return sorted(rows, key=lambda split: -split.share)


def decided(splits: list[Split]) -> bool:
    """Whether some value of the branch settles the outcome (0% or 100% within it): the branch is then
    part of the outcome's definition (a branch that is the outcome), and its spread says nothing."""
    return any(split.probability in (0.0, 1.0) for split in splits)


def most_informative(columns: list[str], briefs: list[OutcomeBrief]) -> Observation | None:
    """The category whose value, once known, would move a main outcome most: the largest expected
    absolute change of its probability, sum over values of share x |P(outcome | value) - P(outcome)|."""
    best: Observation | None = None
    for brief in briefs:
        for column in columns:
            parts = brief.by_hypothesis if column == "hypothesis" else brief.by_branch
            if len(parts) < 2 or (column != "hypothesis" and decided(parts)):
                continue
            shift = sum(part.share * abs(part.probability - brief.probability) for part in parts)
            if best is None or shift > best.shift:
                ordered = sorted(parts, key=lambda part: part.probability)
                best = Observation(column, brief.outcome, shift, ordered[0], ordered[-1])
    return best


@dataclass(frozen=True)
class Inputs:
    """The drawn inputs of a sample of replications, prepared once for every outcome: a numeric
    input as the order RBD-FAST reads it in, a category as codes with NULL_PERMUTATIONS shuffles.

    RBD-FAST reads a numeric input only through that order, so the shuffled copies of every
    numeric input share one null (random orders); a category's null depends on its group
    sizes, so each is shuffled itself."""

    orders: dict[str, np.ndarray]  # numeric input -> the order of the replications (SALib's permute_outputs)
    null_orders: np.ndarray  # NULL_PERMUTATIONS random orders, one a row
    codes: dict[str, tuple[np.ndarray, np.ndarray]]  # category -> its codes, and its shuffles (flat, offset per row)

    @classmethod
    def of(cls, inputs: pd.DataFrame) -> Inputs:
        rng = np.random.default_rng(BRIEFING_SEED)
        count = len(inputs)
        positions = np.arange(count)
        orders, codes = {}, {}
        for column in inputs.columns:
            x = inputs[column]
            if x.nunique(dropna=False) < 2:
                continue
            if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x) and x.nunique() > CATEGORY_LIMIT:
                orders[column] = permute_outputs(x.to_numpy(dtype=float), positions)
            else:
                own = pd.factorize(x.astype(str))[0]
                groups = int(own.max()) + 1
                shuffles = np.stack([rng.permutation(own) for _ in range(NULL_PERMUTATIONS)])
                codes[column] = (own, (shuffles + groups * np.arange(NULL_PERMUTATIONS)[:, None]).ravel())
        null_orders = np.stack([permute_outputs(rng.random(count), positions) for _ in range(NULL_PERMUTATIONS)])
        return cls(orders, null_orders, codes)

    def shares(self, outcome: np.ndarray) -> pd.DataFrame:
        """Each input's first-order share of `outcome`'s variance (one value a replication, none
        missing), the largest share a shuffled copy got, and whether it is a driver: above both
        that and MIN_SHARE. The hypothesis's share is its own; every other input's is measured
        beyond it, on the outcome less its mean under each hypothesis, and scaled to Var(outcome)."""
        rows = []
        if len(outcome) >= 4 * HARMONICS and np.ptp(outcome) > 0:
            residual, scale = outcome, 1.0
            if "hypothesis" in self.codes:
                own, shuffled = self.codes["hypothesis"]
                share = float(epsilon_squared(own, outcome)[0])
                null_shares = epsilon_squared(shuffled, np.tile(outcome, NULL_PERMUTATIONS), NULL_PERMUTATIONS)
                rows.append(("hypothesis", share, float(null_shares.max()), "correlation ratio"))
                means = np.bincount(own, weights=outcome) / np.bincount(own)
                residual = outcome - means[own]
                scale = float(residual.var() / outcome.var())
            if np.ptp(residual) > 0:
                rows += self._parameter_shares(residual, scale)
        frame = pd.DataFrame(rows, columns=["parameter", "share", "null_max", "measure"])
        return frame.assign(driver=(frame["share"] > frame["null_max"]) & (frame["share"] >= MIN_SHARE))

    def _parameter_shares(self, outcome: np.ndarray, scale: float) -> list[tuple[str, float, float, str]]:
        """Each input but the hypothesis: its share of `outcome` and its shuffled copies' largest, times `scale`."""
        count = len(outcome)
        null = scale * float(unskew_S1(first_order(outcome[self.null_orders]), HARMONICS, count).max())
        rows = []
        for column, order in self.orders.items():
            share = float(unskew_S1(first_order(outcome[order]), HARMONICS, count))
            rows.append((column, scale * share, null, "RBD-FAST"))
        for column, (own, shuffled) in self.codes.items():
            if column == "hypothesis":
                continue
            share = float(epsilon_squared(own, outcome)[0])
            null_shares = epsilon_squared(shuffled, np.tile(outcome, NULL_PERMUTATIONS), NULL_PERMUTATIONS)
            rows.append((column, scale * share, scale * float(null_shares.max()), "correlation ratio"))
        return rows

    def drivers(self, outcome: np.ndarray) -> dict[str, Any]:
        """The hypothesis's share if above noise (`hypothesis`), and the parameters that clearly drive
        `outcome` beyond it (`drivers`), largest share first, at most MAX_DRIVERS."""
        shares = self.shares(outcome)
        named = shares[shares["driver"]].sort_values("share", ascending=False)
        found = [Driver(r.parameter, r.share, r.null_max, r.measure) for r in named.itertuples()]
        hypothesis = next((driver for driver in found if driver.parameter == "hypothesis"), None)
        return {"hypothesis": hypothesis, "drivers": [d for d in found if d is not hypothesis][:MAX_DRIVERS]}


def first_order(ordered: np.ndarray) -> np.ndarray:
    """SALib's `compute_first_order` (the share of the periodogram in the first HARMONICS
    frequencies) on the last axis, through numpy's FFT: scipy's periodogram costs 30 times more."""
    power = np.abs(np.fft.rfft(ordered - ordered.mean(axis=-1, keepdims=True), axis=-1)) ** 2
    doubled = slice(1, None) if ordered.shape[-1] % 2 else slice(1, -1)  # a one-sided spectrum's doubled terms
    power[..., doubled] *= 2
    return power[..., 1 : HARMONICS + 1].sum(axis=-1) / power[..., 1:].sum(axis=-1)


def epsilon_squared(codes: np.ndarray, y: np.ndarray, copies: int = 1) -> np.ndarray:
    """The correlation ratio squared, adjusted for what groups explain by chance:
    (SS_between - (k - 1) MS_within) / SS_total, with k groups. `codes` and `y` may hold
    `copies` samples end to end, the codes of copy r offset by r x k; one value a copy."""
    size = len(y) // copies
    groups = (int(codes.max()) + 1) // copies
    counts = np.bincount(codes, minlength=groups * copies).reshape(copies, groups)
    sums = np.bincount(codes, weights=y, minlength=groups * copies).reshape(copies, groups)
    present = counts > 0
    k = present.sum(axis=1)
    y0 = y[:size]
    total = float(((y0 - y0.mean()) ** 2).sum())
    if total == 0:
        return np.zeros(copies)
    between = (np.where(present, sums**2 / np.where(present, counts, 1), 0)).sum(axis=1) - y0.sum() ** 2 / size
    within = total - between
    return (between - (k - 1) * within / (size - k)) / total
