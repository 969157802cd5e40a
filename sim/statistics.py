"""Small statistical helpers shared by the runner (precision targets) and the analysis."""

from __future__ import annotations

import math

CONFIDENCE = 0.95


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (NaN when there are no trials)."""
    if trials == 0:
        return (math.nan, math.nan)
    from scipy.stats import binomtest  # scipy.stats takes half a second to import: only when needed

    interval = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return (float(interval.low), float(interval.high))


def wilson_half_width(successes: int, trials: int, confidence: float = CONFIDENCE) -> float:
    """Half the width of the Wilson interval: the +/- a precision target is stated in."""
    low, high = wilson_interval(successes, trials, confidence)
    return (high - low) / 2 if trials else math.inf
