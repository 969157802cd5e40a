"""Small statistical helpers shared by the runner (precision targets) and the analysis."""

from __future__ import annotations

import math

import numpy as np

CONFIDENCE = 0.95


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (NaN when there are no trials)."""
    if trials == 0:
        return (math.nan, math.nan)
    from scipy.stats import binomtest  # scipy.stats takes half a second to import: only when needed

    interval = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return (float(interval.low), float(interval.high))


def wilson_intervals(
    successes: np.ndarray, trials: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals for many proportions at once (NaN where there are no trials).

    The closed form of the interval `wilson_interval` gets from scipy, vectorised: an
    experiment needs one per design point and outcome, thousands of them.
    """
    from scipy.stats import norm

    successes, trials = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    z = norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / trials
        denominator = 1 + z**2 / trials
        centre = (p + z**2 / (2 * trials)) / denominator
        half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / denominator
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def wilson_half_width(successes: int, trials: int, confidence: float = CONFIDENCE) -> float:
    """Half the width of the Wilson interval: the +/- a precision target is stated in."""
    low, high = wilson_interval(successes, trials, confidence)
    return (high - low) / 2 if trials else math.inf
