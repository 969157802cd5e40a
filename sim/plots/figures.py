"""Report figures: each function takes tables and returns a matplotlib Figure.

Colours are the Okabe-Ito palette (safe for colour-blind readers); no function reads
files or runs simulations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure  # used without pyplot: no window, no global figure state

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def _figure(width: float = 7.0, height: float = 4.0) -> Figure:
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def outcome_probabilities(probabilities: pd.DataFrame) -> Figure:
    """Horizontal bars of each yes/no outcome's probability with its 95% interval."""
    figure = _figure(7.0, 0.45 * len(probabilities) + 1.2)
    axes = figure.add_subplot()
    order = probabilities.iloc[::-1]
    y = np.arange(len(order))
    p = order["probability"].to_numpy()
    errors = np.vstack([p - order["ci_low"].to_numpy(), order["ci_high"].to_numpy() - p])
    axes.barh(y, p, color=OKABE_ITO[0], alpha=0.85)
    axes.errorbar(p, y, xerr=errors, fmt="none", ecolor="black", capsize=3, linewidth=1)
    axes.set_yticks(y, [name.replace("_", " ") for name in order["outcome"]])
    axes.set_xlim(0, 1)
    axes.set_xlabel("probability (bars: 95% Wilson interval)")
    axes.set_title("Outcome probabilities")
    axes.grid(axis="x", alpha=0.3)
    return figure


def troop_distribution(table: pd.DataFrame) -> Figure:
    """Histogram of troops in the exercise, and of those positioned toward Ukraine's north."""
    figure = _figure()
    axes = figure.add_subplot()
    series = {
        "all participants": table["exercise_troops"].dropna().to_numpy(dtype=float) / 1000,
        "toward the northern border": table["northern_troops"].dropna().to_numpy(dtype=float) / 1000,
    }
    edges = np.histogram_bin_edges(np.concatenate(list(series.values())), bins=80)
    for colour, (label, values) in zip(OKABE_ITO, series.items(), strict=False):
        axes.hist(values, bins=edges, color=colour, alpha=0.6, label=label)
    axes.set_xlabel("troops (thousands)")
    axes.set_ylabel("replications")
    axes.set_title("Troops in Zapad-2025 across replications")
    axes.legend()
    axes.grid(alpha=0.3)
    return figure


def cumulative_timeline(curve: pd.DataFrame, label: str) -> Figure:
    """P(event has happened by each date), with its 95% band."""
    figure = _figure()
    axes = figure.add_subplot()
    dates = pd.to_datetime(curve["date"])
    axes.fill_between(dates, curve["ci_low"], curve["ci_high"], color=OKABE_ITO[3], alpha=0.25, label="95% interval")
    axes.step(dates, curve["probability"], where="post", color=OKABE_ITO[3], label=label)
    axes.set_ylim(0, max(0.05, float(np.nanmax(curve["ci_high"])) * 1.1))
    axes.set_ylabel("cumulative probability")
    axes.set_title(f"Probability that the {label} has started, by date")
    axes.legend(loc="upper left")
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    return figure
