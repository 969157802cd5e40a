"""Figures of an assessment (prior and posterior hypothesis weights, how they moved) and of scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import MARKERS, colour, label, new_figure


def hypothesis_weights(hypotheses: pd.DataFrame) -> Figure:
    """Paired bars: each hypothesis's prior and posterior weight, the posterior with its 95% interval."""
    figure = new_figure(7.0, 3.8)
    axes = figure.add_subplot()
    x = np.arange(len(hypotheses))
    prior = hypotheses["prior_sampled"].to_numpy(dtype=float)
    posterior = hypotheses["posterior"].to_numpy(dtype=float)
    axes.bar(x - 0.2, prior, width=0.4, color=colour(1), label="prior (share of replications)")
    axes.bar(x + 0.2, posterior, width=0.4, color=colour(0), label="posterior (given the evidence)")
    errors = np.vstack(
        [posterior - hypotheses["posterior_low"].to_numpy(dtype=float), hypotheses["posterior_high"] - posterior]
    )
    axes.errorbar(x + 0.2, posterior, yerr=errors, fmt="none", ecolor="black", capsize=3, linewidth=1)
    axes.set_xticks(x, [label(name) for name in hypotheses["hypothesis"]])
    axes.set_ylim(0, 1)
    axes.set_ylabel("weight (bars: 95% interval)")
    axes.set_title("Hypotheses before and after the evidence")
    axes.legend(frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return figure


def posterior_path(sequence: pd.DataFrame, hypotheses: list[str]) -> Figure:
    """Lines: each hypothesis's weight after each observation in date order, starting from the prior."""
    figure = new_figure(7.5, 4.0)
    axes = figure.add_subplot()
    steps = np.arange(len(sequence))
    for index, name in enumerate(hypotheses):
        axes.plot(steps, sequence[name], marker=MARKERS[index % len(MARKERS)], color=colour(index), label=label(name))
    axes.set_xticks(steps, ["prior", *(label(name) for name in sequence["after"].iloc[1:])], rotation=25, ha="right")
    axes.set_ylim(0, 1)
    axes.set_ylabel("weight")
    axes.set_title("Weights as evidence accumulates (date order)")
    axes.legend(frameon=False)
    axes.grid(alpha=0.3)
    return figure


def reliability_diagram(reliability: pd.DataFrame) -> Figure:
    """Observed frequency against mean forecast per probability bin; the diagonal is perfect calibration."""
    figure = new_figure(5.0, 5.0)
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfectly calibrated")
    axes.plot(
        reliability["mean_forecast"], reliability["observed_frequency"], marker="o", color=colour(0), label="forecasts"
    )
    for row in reliability.itertuples():
        axes.annotate(
            f"n={row.questions}",
            (row.mean_forecast, row.observed_frequency),
            textcoords="offset points",
            xytext=(4, -10),
        )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("forecast probability (bin mean)")
    axes.set_ylabel("share that happened")
    axes.set_title("Reliability of the binary forecasts")
    axes.legend(frameon=False, loc="upper left")
    axes.grid(alpha=0.3)
    return figure
