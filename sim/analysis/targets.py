"""A scenario's targets (rates and forecasts published by its `as_of`) beside the model's value for each.

A yes/no target is compared with the share of replications in which its outcome happened
(on or before `by`, if given), a number target with the outcome's mean. The gap is the
model's value minus the published one, to the nearest end of a published range (0 inside
it); a yes/no gap over GAP_FLAG (ten percentage points) is flagged for docs/model.md to
explain. The model's interval is its Monte Carlo error only: how far more replications
could move its value, not how uncertain the model or the published figure is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.summary import mean_interval
from sim.forecast.baselines import targets_of
from sim.forecast.outcomes import happened_by
from sim.scenario.outcomes import NUMBER, OutcomeCatalogue
from sim.statistics import wilson_interval

PROBABILITY = "probability"
GAP_FLAG = 0.10  # a yes/no gap over ten percentage points is flagged
COLUMNS = [
    "target",
    "description",
    "outcome",
    "by",
    "kind",
    "published_value",
    "published_low",
    "published_high",
    "published",
    "source",
    "assumption",
    "model",
    "ci_low",
    "ci_high",
    "replications",
    "gap",
    "flagged",
]


def target_table(scenario_data: Mapping[str, Any], catalogue: OutcomeCatalogue, table: pd.DataFrame) -> pd.DataFrame:
    """One row per target of a run's scenario (as stored in its manifest, already checked).

    `kind` is "probability" (a yes/no or dated outcome: `model` a share, `gap` a difference of
    probabilities) or "number" (`model` the mean, `gap` in the outcome's units).
    """
    rows = []
    for name, target in targets_of(scenario_data).items():
        low, high = target.range if target.range is not None else (target.value, target.value)  # one is given
        if catalogue[target.outcome].kind == NUMBER:
            kind = NUMBER
            values = table[target.outcome].dropna().to_numpy(dtype=float)
            interval = mean_interval(values)
            model, ci_low, ci_high = interval["mean"], interval["ci_low"], interval["ci_high"]
            replications = len(values)
        else:
            kind = PROBABILITY
            happened = happened_by(table, target.outcome, target.by, catalogue)
            successes, replications = int(np.count_nonzero(happened)), len(happened)
            model = successes / replications if replications else math.nan
            ci_low, ci_high = wilson_interval(successes, replications)
        gap = gap_to(float(model), low, high)
        rows.append(
            {
                "target": name,
                "description": target.description,
                "outcome": target.outcome,
                "by": target.by.isoformat() if target.by else "",
                "kind": kind,
                "published_value": target.value,
                "published_low": target.range[0] if target.range is not None else None,
                "published_high": target.range[1] if target.range is not None else None,
                "published": target.published.isoformat(),
                "source": target.source or "",
                "assumption": target.assumption or "",
                "model": model,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "replications": replications,
                "gap": gap,
                "flagged": bool(kind == PROBABILITY and abs(gap) > GAP_FLAG),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def gap_to(model: float, low: float, high: float) -> float:
    """The model's value minus the nearest end of [low, high]: 0 inside it, NaN without a value."""
    if math.isnan(model):
        return math.nan
    if model > high:
        return model - high
    if model < low:
        return model - low
    return 0.0
