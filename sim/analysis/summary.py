"""Summary statistics of a replications table: probabilities with Wilson intervals, percentiles.

Functions take a pandas DataFrame of replications and return DataFrames; they read no
files and run no simulations.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.statistics import wilson_interval

PERCENTILES = (5, 25, 50, 75, 95)
BOOTSTRAP_LIMIT = 20_000
BOOTSTRAP_SEED = 20250815
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
        elif kind == "date" and name.endswith(".date"):
            chosen.append(name)
    return chosen


def probability_table(table: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """Each yes/no outcome (or those named): count, probability and its 95% Wilson interval."""
    rows = []
    for name in outcome_columns(table, "bool") if columns is None else columns:
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
    """Each numeric outcome (or those named): replications that have it, mean with its Monte
    Carlo standard error and 95% interval, standard deviation and 5/25/50/75/95 percentiles."""
    rows = []
    for name in outcome_columns(table, "number") if columns is None else columns:
        values = table[name].dropna().to_numpy(dtype=float)
        row: dict[str, object] = {"outcome": name, "replications": len(values)}
        row.update(mean_interval(values))
        row["sd"] = float(values.std(ddof=1)) if len(values) > 1 else np.nan
        quantiles = np.percentile(values, PERCENTILES) if len(values) else [np.nan] * len(PERCENTILES)
        row.update({f"p{q}": float(value) for q, value in zip(PERCENTILES, quantiles, strict=True)})
        rows.append(row)
    columns_out = ["outcome", "replications", "mean", "mc_se", "ci_low", "ci_high", "interval", "sd"]
    return pd.DataFrame(rows, columns=[*columns_out, *(f"p{q}" for q in PERCENTILES)])


def mean_interval(values: np.ndarray) -> dict[str, object]:
    """Mean, its Monte Carlo standard error (sd / sqrt(n)) and a 95% interval.

    Up to BOOTSTRAP_LIMIT values the interval is a percentile bootstrap (999 resamples,
    fixed seed: the same table gives the same interval); beyond, the sample mean is normal
    to any precision that matters and mean +/- 1.96 SE is used (named in `interval`).
    """
    n = len(values)
    if n == 0:
        return {"mean": np.nan, "mc_se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "interval": "none"}
    mean = float(values.mean())
    se = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    if n < 2 or np.ptp(values) == 0:
        return {"mean": mean, "mc_se": se, "ci_low": mean, "ci_high": mean, "interval": "exact"}
    if n <= BOOTSTRAP_LIMIT:
        from scipy.stats import bootstrap  # imported on use: scipy.stats is slow to import

        result = bootstrap(
            (values,), np.mean, n_resamples=999, method="percentile", rng=np.random.default_rng(BOOTSTRAP_SEED)
        )
        low, high = result.confidence_interval
        return {"mean": mean, "mc_se": se, "ci_low": float(low), "ci_high": float(high), "interval": "bootstrap"}
    return {"mean": mean, "mc_se": se, "ci_low": mean - 1.96 * se, "ci_high": mean + 1.96 * se, "interval": "normal"}


def category_shares(table: pd.DataFrame, column: str, order: list[str] | None = None) -> pd.DataFrame:
    """Share of the replications that have a value of category `column` taking each value, with
    its 95% Wilson interval; most common first (ties in `order`, then by name). Values no
    replication took are left out."""
    values = table[column].dropna().astype(str)
    counts = values.value_counts()
    rank = {value: index for index, value in enumerate(order or ())}
    ordered = sorted(counts.index, key=lambda value: (-counts[value], rank.get(value, len(rank)), value))
    rows = []
    for value in ordered:
        low, high = wilson_interval(int(counts[value]), len(values))
        rows.append(
            {
                "value": value,
                "count": int(counts[value]),
                "replications": len(values),
                "share": counts[value] / len(values),
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows, columns=["value", "count", "replications", "share", "ci_low", "ci_high"])


def means_by(table: pd.DataFrame, group: str, outcomes: list[str]) -> pd.DataFrame:
    """Mean and Monte Carlo standard error of each numeric outcome within each value of `group`.

    Rows are outcomes; for each group value a column of means and one of standard errors
    (`<value>_se`). Missing values (an outcome that did not happen) are left out.
    """
    rows = []
    parts = list(table.groupby(group, sort=True, observed=True))
    for outcome in outcomes:
        row: dict[str, object] = {"outcome": outcome}
        for value, part in parts:
            values = part[outcome].dropna().to_numpy(dtype=float)
            row[str(value)] = float(values.mean()) if len(values) else np.nan
            row[f"{value}_se"] = float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


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
