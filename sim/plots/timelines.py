"""Probabilities over calendar dates, and how an estimate settles as replications accumulate."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.plots.style import colour, label, new_figure, percent, probability_scale
from sim.statistics import wilson_interval


def cumulative_timelines(curves: Mapping[str, pd.DataFrame], title: str = "By date") -> Figure:
    """P(event has happened by each date) for each named curve, with 95% bands (simulation error),
    on a square-root scale so that a curve of a few percent does not lie on the axis; each
    curve's final value is written at its end."""
    figure = new_figure(8.0, 4.4)
    axes = figure.add_subplot()
    top = 0.05
    for index, (name, curve) in enumerate(curves.items()):
        dates = pd.to_datetime(curve["date"])
        axes.fill_between(dates, curve["ci_low"], curve["ci_high"], color=colour(index), alpha=0.18, step="post")
        axes.step(dates, curve["probability"], where="post", color=colour(index), label=label(name))
        final = float(curve["probability"].iloc[-1])
        axes.annotate(
            percent(final),
            (dates.iloc[-1], final),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="x-small",
            color=colour(index),
        )
        top = max(top, float(np.nanmax(curve["ci_high"])))
    probability_scale(axes, "y", top=min(1.0, top * 1.1))
    axes.set_ylabel("cumulative probability, square-root scale\n(band: 95% interval, simulation error only)")
    axes.set_title(title)
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    return figure


def convergence(values: np.ndarray, name: str, points: int = 60) -> Figure:
    """The running estimate of P(outcome) and its 95% Wilson interval against replications."""
    figure = new_figure(7.0, 3.6)
    axes = figure.add_subplot()
    values = np.asarray(values, dtype=float)
    n = np.unique(np.geomspace(10, max(len(values), 10), points).astype(int).clip(1, len(values)))
    successes = np.cumsum(values)[n - 1]
    estimate = successes / n
    bands = np.array([wilson_interval(int(k), int(m)) for k, m in zip(successes, n, strict=True)])
    axes.fill_between(n, bands[:, 0], bands[:, 1], color=colour(0), alpha=0.25, label="95% interval (simulation error)")
    axes.plot(n, estimate, color=colour(0), label="estimate")
    axes.set_xscale("log")
    axes.set_xlabel("replications (log scale)")
    axes.set_ylabel("probability")
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_title(f"Convergence of P({label(name)})")
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3)
    return figure
