"""Scenarios side by side: each outcome per scenario, and differences to the first, each by the
most precise honest method (docs/reports.md#comparing-scenarios).

- **Re-weighted**: a variant that changes only hypothesis weights is the reference's own
  replications, each weighted by w'_h / w_h of its hypothesis: no new draws, no pairing to lose.
- **Paired**: two runs with the same seed and replication count give replication i of each the
  same random streams (common random numbers), so a difference can be taken replication by
  replication. That helps only as far as the replications stay alike; the pairing is measured
  (`pairing`), and the paired interval is used only where it is narrower than the independent one.
- **Independent**: +/- 1.96 sqrt(var_a / n_a + var_b / n_b), what two unrelated samples give.

Every interval covers simulation error only: not the uncertainty of the assessment itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.summary import outcome_columns
from sim.forecast import weighted

Z95 = 1.959963984540054
REWEIGHTED, PAIRED, INDEPENDENT = "re-weighted", "paired", "independent"
# What replications do not draw from: text, and what only reports read. Anything else that differs
# between two scenarios (parameters, mechanics, dates, overrides) needs a run of its own.
_NOT_DRAWN_TOP = {"name", "title", "description", "extends", "as_of", "claims", "questions", "targets", "report"}
_NOT_DRAWN = {"description", "assumption", "source", "label", "unit"}
# A half-width below this share of the outcome's largest magnitude is rounding, not simulation error:
# sums of the same values taken in another order differ in their last bits (1e-16 relative).
FLOAT_NOISE = 1e-12


def weight_change(reference: Mapping[str, Any], variant: Mapping[str, Any]) -> dict[str, float] | None:
    """The variant's hypothesis weights (normalised) if, of what replications draw, they are all
    it changes from the reference and the reference has replications under each; None otherwise.

    Both are scenarios as run (manifest["scenario_as_run"]).
    """
    old, new = hypothesis_weights(reference), hypothesis_weights(variant)
    if set(old) != set(new) or any(new[h] > 0 and old[h] == 0 for h in new):
        return None
    if _drawn(reference) != _drawn(variant):
        return None
    return new


def reweighting(hypotheses: np.ndarray, reference: Mapping[str, Any], variant: Mapping[str, float]) -> np.ndarray:
    """Each replication's weight w'_h / w_h (weights normalised): the variant's distribution from the
    reference's draws. Its mean is 1 in expectation; a hypothesis the variant drops weighs 0."""
    old = hypothesis_weights(reference)
    ratio = {h: variant[h] / old[h] if old[h] > 0 else 0.0 for h in old}
    return np.array([ratio[str(h)] for h in hypotheses], dtype=float)


def pairing(reference: pd.DataFrame, other: pd.DataFrame, branches: Sequence[str]) -> dict[str, float]:
    """Share of replications with the same hypothesis, and with the same hypothesis and the same
    value of every branch column (category outcomes: category variables, each actor's final state).

    Meaningful only for runs that share seed and replication count (replication i against i).
    """
    same = reference["hypothesis"].astype(str).to_numpy() == other["hypothesis"].astype(str).to_numpy()
    hypothesis = float(same.mean()) if len(same) else math.nan
    for column in branches:
        if column in reference.columns and column in other.columns:
            same &= reference[column].astype(str).to_numpy() == other[column].astype(str).to_numpy()
    return {"same_hypothesis": hypothesis, "same_path": float(same.mean()) if len(same) else math.nan}


def side_by_side(
    tables: Sequence[pd.DataFrame],
    names: Sequence[str],
    outcomes: Sequence[str] | None = None,
    weights: Sequence[np.ndarray | None] | None = None,
) -> pd.DataFrame:
    """Each yes/no outcome's probability and each numeric outcome's mean (or those named), one
    column per scenario; a scenario with weights is estimated from its weighted replications.
    Probabilities carry 95% Wilson intervals (on the effective sample size when weighted)."""
    weights = weights or [None] * len(tables)
    rows = []
    for outcome in _compared(tables[0], outcomes):
        kind = "probability" if tables[0][outcome].dtype == bool else "mean"
        row: dict[str, object] = {"outcome": outcome, "kind": kind}
        for name, table, w in zip(names, tables, weights, strict=True):
            values = table[outcome].astype(float).to_numpy()
            w = np.ones(len(values)) if w is None else w
            keep = ~np.isnan(values)
            if kind == "probability":
                row[name], low, high = weighted.weighted_probability(values[keep] > 0, w[keep])
                row[f"{name}_ci"] = (low, high)
            else:
                row[name] = weighted.weighted_mean(values, w)[0]
        rows.append(row)
    return pd.DataFrame(rows)


def differences(
    reference: pd.DataFrame,
    other: pd.DataFrame,
    paired: bool,
    outcomes: Sequence[str] | None = None,
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Difference (other - reference) of each outcome's mean, with its 95% interval and the method.

    With `weights`, `other` is `reference` re-weighted (the same rows): the difference is
    sum(w y) / sum(w) - mean(y), its interval from the same replications by the delta method
    (influence w_i (y_i - m') / mean(w) - (y_i - m)). Otherwise the paired interval
    (+/- 1.96 sd(d) / sqrt(n)) is primary where the runs pair (same seed and count, every
    replication has the outcome) and it is narrower than the independent one; else the
    independent interval is. `independent_half_width` is always given (for a re-weighted
    variant: what two independent runs of this size would give); `narrowing` is it over the
    primary half-width (inf when the outcome is the same in every replication).
    """
    rows = []
    for outcome in _compared(reference, outcomes):
        a = reference[outcome].astype(float).to_numpy()
        b = other[outcome].astype(float).to_numpy()
        kind = "probability" if reference[outcome].dtype == bool else "mean"
        if weights is not None:
            difference, primary, independent = _reweighted(a, weights)
            method, paired_half = REWEIGHTED, math.nan
        else:
            mean_a, mean_b = _mean(a), _mean(b)
            difference = mean_b - mean_a
            independent = Z95 * math.sqrt(_variance_of_mean(a) + _variance_of_mean(b))
            paired_half = math.nan
            # Pair only outcomes every replication has: a mean over the replications where both
            # runs happen to have a value (a warning time, say) would answer another question.
            if paired and len(a) == len(b) > 1 and not (np.isnan(a).any() or np.isnan(b).any()):
                paired_half = Z95 * float((b - a).std(ddof=1)) / math.sqrt(len(a))
            method, primary = (PAIRED, paired_half) if paired_half < independent else (INDEPENDENT, independent)
            if paired_half == independent == 0:
                method, primary = PAIRED, 0.0
        noise = FLOAT_NOISE * float(np.nanmax(np.abs(np.concatenate([a, b, [0.0]]))))
        primary, paired_half, independent = (h if not h <= noise else 0.0 for h in (primary, paired_half, independent))
        narrowing = independent / primary if primary > 0 else (math.inf if independent > 0 else 1.0)
        rows.append(
            {
                "outcome": outcome,
                "kind": kind,
                "difference": difference,
                "method": method,
                "half_width": primary,
                "ci_low": difference - primary,
                "ci_high": difference + primary,
                "paired_half_width": paired_half,
                "independent_half_width": independent,
                "narrowing": narrowing if not math.isnan(primary) else math.nan,
            }
        )
    return pd.DataFrame(rows)


def _reweighted(values: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    """(difference, its 95% half-width from the same replications, independent half-width)."""
    keep = ~np.isnan(values)
    y, w = values[keep], weights[keep]
    if len(y) < 2 or w.sum() <= 0:
        return math.nan, math.nan, math.nan
    # Written in r - 1 (r = w / mean(w)) and y - mean(y), so that weights of 1, or an outcome that
    # never varies, give a difference and an interval of exactly 0.
    # Equal weights (a subset only one hypothesis reaches, say) are a ratio of exactly 1, not its rounding.
    excess = w / w.mean() - 1.0 if np.ptp(w) > FLOAT_NOISE * w.max() else np.zeros(len(w))
    difference = float(np.dot(excess, y - y.mean())) / len(y)
    mean_w = float(y.mean()) + difference
    influence = excess * (y - mean_w) - difference
    half = Z95 * float(influence.std(ddof=1)) / math.sqrt(len(y))
    variance_w = float(np.dot(w, np.square(y - mean_w)) / w.sum())
    independent = Z95 * math.sqrt((float(y.var(ddof=1)) + variance_w) / len(y))
    return difference, half, independent


def hypothesis_weights(scenario: Mapping[str, Any]) -> dict[str, float]:
    """A scenario's hypothesis weights, normalised to sum to 1."""
    weights = {name: float(h.get("weight", 0.0)) for name, h in scenario.get("hypotheses", {}).items()}
    total = sum(weights.values())
    return {name: w / total for name, w in weights.items()} if total > 0 else weights


def _drawn(scenario: Mapping[str, Any]) -> Any:
    """The scenario without its text, what only reports read, and its hypotheses' weights."""
    kept = {key: value for key, value in scenario.items() if key not in _NOT_DRAWN_TOP}
    kept["hypotheses"] = {
        name: {key: value for key, value in h.items() if key != "weight"}
        for name, h in scenario.get("hypotheses", {}).items()
    }
    return _without_text(kept)


def _without_text(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _without_text(item) for key, item in value.items() if key not in _NOT_DRAWN}
    if isinstance(value, list | tuple):
        return [_without_text(item) for item in value]
    return value


def _compared(table: pd.DataFrame, outcomes: Sequence[str] | None) -> list[str]:
    if outcomes is not None:
        return list(outcomes)
    return outcome_columns(table, "bool") + outcome_columns(table, "number")


def _mean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.mean()) if len(values) else math.nan


def _variance_of_mean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.var(ddof=1)) / len(values) if len(values) > 1 else 0.0
