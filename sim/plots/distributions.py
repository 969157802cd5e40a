"""Distributions of numeric outcomes: histograms with their empirical CDFs."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from sim.plots.style import colour, label, new_figure


def outcome_distributions(samples: Mapping[str, np.ndarray]) -> Figure:
    """Small multiples, one panel per outcome: histogram (bars) and empirical CDF (line)."""
    count = max(len(samples), 1)
    columns = 3
    rows = math.ceil(count / columns)
    figure = new_figure(10.0, 2.6 * rows)
    for index, (name, values) in enumerate(samples.items()):
        axes = figure.add_subplot(rows, columns, index + 1)
        values = np.asarray(values, dtype=float)
        values = values[~np.isnan(values)]
        axes.set_title(f"{label(name)} (n={len(values):,})", fontsize="small")
        if len(values) == 0:
            axes.text(0.5, 0.5, "never happened", ha="center", va="center", transform=axes.transAxes)
            continue
        axes.hist(values, bins=40, color=colour(0), alpha=0.55)
        axes.tick_params(labelsize="x-small")
        cdf = axes.twinx()
        ordered = np.sort(values)
        cdf.step(ordered, np.arange(1, len(ordered) + 1) / len(ordered), where="post", color=colour(3), linewidth=1.2)
        cdf.set_ylim(0, 1)
        cdf.tick_params(labelsize="x-small")
    figure.suptitle(
        "Distributions: histogram (bars, replications) and empirical CDF (line, right axis)", fontsize="medium"
    )
    return figure
