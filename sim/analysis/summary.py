"""Summary statistics of a replications table: probabilities with Wilson intervals, percentiles.

Functions take a pandas DataFrame of replications and return DataFrames; they read no
files and run no simulations.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.statistics import wilson_interval

PERCENTILES = (5, 50, 95)
PARAMETER_PREFIX = "param."


def outcome_columns(table: pd.DataFrame, kind: str) -> list[str]:
    """Outcome metric columns (not drawn parameters) of one kind: "bool", "number" or "date"."""
    chosen = []
    for name in table.columns:
        if name.startswith(PARAMETER_PREFIX) or name == "replication":
            continue
        series = table[name]
        if kind == "bool" and pd.api.types.is_bool_dtype(series):
            chosen.append(name)
        elif kind == "number" and pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            chosen.append(name)
        elif kind == "date" and name.endswith("_date"):
            chosen.append(name)
    return chosen


def probability_table(table: pd.DataFrame) -> pd.DataFrame:
    """Each yes/no outcome: count, probability and its 95% Wilson interval."""
    rows = []
    for name in outcome_columns(table, "bool"):
        successes, trials = int(table[name].sum()), int(table[name].count())
        low, high = wilson_interval(successes, trials)
        rows.append(
            {
                "outcome": name,
                "count": successes,
                "replications": trials,
                "probability": successes / trials if trials else np.nan,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows, columns=["outcome", "count", "replications", "probability", "ci_low", "ci_high"])


def numeric_table(table: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Each numeric outcome (or those named): replications that have it, mean and 5/50/95 percentiles."""
    rows = []
    for name in columns or outcome_columns(table, "number"):
        values = table[name].dropna().to_numpy(dtype=float)
        row: dict[str, object] = {
            "outcome": name,
            "replications": len(values),
            "mean": values.mean() if len(values) else np.nan,
        }
        quantiles = np.percentile(values, PERCENTILES) if len(values) else [np.nan] * len(PERCENTILES)
        for q, value in zip(PERCENTILES, quantiles, strict=True):
            row[f"p{q}"] = float(value)
        rows.append(row)
    return pd.DataFrame(rows, columns=["outcome", "replications", "mean", *(f"p{q}" for q in PERCENTILES)])


def probabilities_by(table: pd.DataFrame, group: str, outcomes: list[str] | None = None) -> pd.DataFrame:
    """Probability of each yes/no outcome within each value of `group` (e.g. hypothesis)."""
    outcomes = outcomes or outcome_columns(table, "bool")
    rows = []
    for value, part in table.groupby(group, sort=True, observed=True):
        row: dict[str, object] = {group: value, "replications": len(part), "share": len(part) / len(table)}
        for name in outcomes:
            successes = int(part[name].sum())
            low, high = wilson_interval(successes, len(part))
            row[name] = successes / len(part)
            row[f"{name}_ci"] = (low, high)
        rows.append(row)
    return pd.DataFrame(rows)


def cumulative_probability(table: pd.DataFrame, date_column: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """For each day from `start` to `end`: P(event on or before that day), with its Wilson band."""
    trials = len(table)
    dates = pd.to_datetime(table[date_column]).dropna().dt.date.to_numpy()
    days = pd.date_range(start, end, freq="D").date
    counts = np.searchsorted(np.sort(dates), days, side="right") if len(dates) else np.zeros(len(days), dtype=int)
    intervals = {}
    for count in np.unique(counts):  # few distinct counts: compute each interval once
        intervals[int(count)] = wilson_interval(int(count), trials)
    return pd.DataFrame(
        {
            "date": days,
            "probability": counts / trials if trials else np.nan,
            "ci_low": [intervals[int(c)][0] for c in counts],
            "ci_high": [intervals[int(c)][1] for c in counts],
        }
    )
