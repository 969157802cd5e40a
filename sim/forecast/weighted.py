"""Estimates from importance-weighted replications: effective sample size, probabilities, means.

With equal weights every function gives the plain Monte Carlo estimate, so prior and
posterior forecasts are computed (and their intervals read) the same way.
"""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054


def kish_ess(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2: N for equal weights, 1 if one dominates."""
    total = float(weights.sum())
    squares = float(np.square(weights).sum())
    return total * total / squares if squares > 0 else 0.0


def wilson_bounds(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion p from n trials, n possibly fractional (an ESS)."""
    if n <= 0 or math.isnan(p):
        return (math.nan, math.nan)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def weighted_probability(happened: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    """P(yes) under the weights, with a 95% Wilson interval on the effective sample size."""
    total = float(weights.sum())
    if total <= 0:
        return (math.nan, math.nan, math.nan)
    p = float(weights[happened].sum() / total)
    return (p, *wilson_bounds(p, kish_ess(weights)))


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    """The weighted mean with a 95% interval from the self-normalised importance-sampling variance.

    Var(mean) ~ sum w_i^2 (x_i - mean)^2 / (sum w)^2 (Owen, Monte Carlo theory, ch. 9);
    with equal weights this is the usual sd^2 / n.
    """
    keep = ~np.isnan(values)
    values, weights = values[keep], weights[keep]
    total = float(weights.sum())
    if total <= 0:
        return (math.nan, math.nan, math.nan)
    mean = float(np.dot(weights, values) / total)
    se = float(math.sqrt(np.dot(np.square(weights), np.square(values - mean))) / total)
    return (mean, mean - Z95 * se, mean + Z95 * se)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles: tuple[float, ...]) -> list[float]:
    """Quantiles of the weighted empirical distribution (the inverse of its step CDF)."""
    keep = ~np.isnan(values)
    values, weights = values[keep], weights[keep]
    if len(values) == 0 or weights.sum() <= 0:
        return [math.nan] * len(quantiles)
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    positions = np.searchsorted(cumulative, np.asarray(quantiles) - 1e-12, side="left")
    return [float(values[order][min(i, len(values) - 1)]) for i in positions]


def weighted_crps(values: np.ndarray, weights: np.ndarray, answer: float) -> float:
    """CRPS of the weighted ensemble at `answer`, E|X - y| - E|X - X'|/2 under the weights (lower is better).

    Replications without a value are left out; with equal weights it is the plain ensemble CRPS.
    """
    import scoringrules  # slow to import: only scoring needs it

    keep = ~np.isnan(values)
    values, weights = values[keep], weights[keep]
    if len(values) == 0 or weights.sum() <= 0:
        return math.nan
    return float(scoringrules.crps_ensemble(answer, values, ens_w=weights / weights.sum()))
