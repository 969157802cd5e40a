"""Scenarios side by side: each outcome per scenario, and paired differences to the first.

Two runs with the same seed and replication count give replication i of each the same
random stream (common random numbers), so the difference of an outcome can be taken
replication by replication. Its interval is then far narrower than the one two
independent samples would give; `paired_differences` reports both, and how much narrower.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.summary import outcome_columns
from sim.statistics import wilson_interval

Z95 = 1.959963984540054


def side_by_side(
    tables: Sequence[pd.DataFrame], names: Sequence[str], outcomes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Each yes/no outcome's probability and each numeric outcome's mean (or those named), one
    column per scenario."""
    rows = []
    for outcome in _compared(tables[0], outcomes):
        row: dict[str, object] = {
            "outcome": outcome,
            "kind": "probability" if tables[0][outcome].dtype == bool else "mean",
        }
        for name, table in zip(names, tables, strict=True):
            values = table[outcome].dropna().astype(float)
            row[name] = float(values.mean()) if len(values) else math.nan
            if row["kind"] == "probability":
                row[f"{name}_ci"] = wilson_interval(int(values.sum()), len(values))
        rows.append(row)
    return pd.DataFrame(rows)


def paired_differences(
    reference: pd.DataFrame, other: pd.DataFrame, paired: bool, outcomes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Difference (other - reference) of each outcome's mean, with its 95% interval.

    Paired: the mean of per-replication differences, +/- 1.96 sd(d) / sqrt(n), where the
    two runs share seeds. Independent: +/- 1.96 sqrt(var_a / n_a + var_b / n_b), what two
    unrelated samples would give. `narrowing` = independent width / paired width.
    Outcomes some replications lack (a number never set in them) are compared as
    independent samples of the replications that have them.
    """
    rows = []
    for outcome in _compared(reference, outcomes):
        a = reference[outcome].astype(float).to_numpy()
        b = other[outcome].astype(float).to_numpy()
        difference = float(np.nanmean(b) - np.nanmean(a)) if len(a) and len(b) else math.nan
        independent = Z95 * math.sqrt(_variance_of_mean(a) + _variance_of_mean(b))
        kind = "probability" if reference[outcome].dtype == bool else "mean"
        row: dict[str, object] = {
            "outcome": outcome,
            "kind": kind,
            "difference": difference,
            "independent_half_width": independent,
        }
        # Pair only outcomes every replication has: a mean over the replications where both
        # runs happen to have a value (a warning time, say) would answer another question.
        if paired and len(a) == len(b) and not (np.isnan(a).any() or np.isnan(b).any()):
            d = b - a
            half = Z95 * float(d.std(ddof=1)) / math.sqrt(len(d)) if len(d) > 1 else math.nan
            row.update(difference=float(d.mean()), paired_half_width=half)
            row["narrowing"] = independent / half if half > 0 else math.inf if independent > 0 else 1.0
        else:
            row.update(paired_half_width=math.nan, narrowing=math.nan)
        half = row["paired_half_width"] if not math.isnan(row["paired_half_width"]) else independent
        row["ci_low"], row["ci_high"] = row["difference"] - half, row["difference"] + half
        rows.append(row)
    return pd.DataFrame(rows)


def _compared(table: pd.DataFrame, outcomes: Sequence[str] | None) -> list[str]:
    if outcomes is not None:
        return list(outcomes)
    return outcome_columns(table, "bool") + outcome_columns(table, "number")


def _variance_of_mean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.var(ddof=1)) / len(values) if len(values) > 1 else 0.0
