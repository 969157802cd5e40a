"""Distributions of numeric outcomes: histograms with their empirical CDFs."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.plots.style import colour, new_figure

COLUMNS = 3
TITLE_WIDTH = 34  # characters a panel title line holds at this figure's size and font


@dataclass(frozen=True)
class Panel:
    """One outcome's panel: its name, the unit of its axis, the replications it is over, its values."""

    title: str
    values: np.ndarray
    unit: str | None = None
    over: str | None = None  # which replications, when not all: "given ..."


def outcome_distributions(panels: Sequence[Panel]) -> Figure:
    """Small multiples, one panel per outcome: histogram (bars) and empirical CDF (line).

    Titles wrap to the panel's width, the x axis names the unit, counts say how many
    replications a panel is over, so no text runs into its neighbour.
    """
    count = max(len(panels), 1)
    columns = min(COLUMNS, count)
    rows = math.ceil(count / columns)
    figure = new_figure(3.6 * columns, 3.2 * rows + 0.5)
    for index, panel in enumerate(panels):
        axes = figure.add_subplot(rows, columns, index + 1)
        values = np.asarray(panel.values, dtype=float)
        values = values[~np.isnan(values)]
        heading = textwrap.fill(panel.title, TITLE_WIDTH)
        if panel.over:
            heading += "\n" + textwrap.fill(f"{panel.over}, n={len(values):,}", TITLE_WIDTH + 6)
        else:
            heading += f"\nn={len(values):,}"
        axes.set_title(heading, fontsize="small", linespacing=1.15)
        axes.set_xlabel(panel.unit or "", fontsize="small")
        if len(values) == 0:
            axes.text(0.5, 0.5, "never happened", ha="center", va="center", transform=axes.transAxes)
            axes.set_xticks([])
            axes.set_yticks([])
            continue
        axes.hist(values, bins=40, color=colour(0), alpha=0.55)
        axes.tick_params(labelsize="x-small")
        axes.xaxis.set_major_locator(MaxNLocator(5))
        axes.xaxis.set_major_formatter(FuncFormatter(_compact))
        if index % columns == 0:
            axes.set_ylabel("replications", fontsize="small")
        cdf = axes.twinx()
        ordered = np.sort(values)
        cdf.step(ordered, np.arange(1, len(ordered) + 1) / len(ordered), where="post", color=colour(3), linewidth=1.2)
        cdf.set_ylim(0, 1)
        cdf.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        cdf.tick_params(labelsize="x-small")
        if index % columns == columns - 1 or index == len(panels) - 1:
            cdf.set_ylabel("cumulative share", fontsize="small")
    figure.suptitle(
        "Distributions: histogram (bars, replications) and empirical CDF (line, right axis)", fontsize="medium"
    )
    return figure


def _compact(value: float, _position: int) -> str:
    """A tick label short enough for a small panel: 120,000 -> 120k."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if abs(value) >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"
