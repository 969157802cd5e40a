"""Probabilities of the yes/no outcomes, overall and per group (a hypothesis, a categorical parameter)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import colour, label, new_figure, percent, probability_scale


def outcome_probabilities(probabilities: pd.DataFrame) -> Figure:
    """Horizontal bars of each yes/no outcome's probability with its 95% interval, each bar
    labelled with its value, on a square-root scale so that outcomes of a few percent show."""
    figure = new_figure(9.0, 0.32 * len(probabilities) + 1.4)
    axes = figure.add_subplot()
    order = probabilities.iloc[::-1]
    y = np.arange(len(order))
    p = order["probability"].to_numpy(dtype=float)
    low, high = order["ci_low"].to_numpy(dtype=float), order["ci_high"].to_numpy(dtype=float)
    axes.barh(y, p, color=colour(0), alpha=0.85)
    axes.errorbar(p, y, xerr=np.vstack([p - low, high - p]), fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    for row, (value, top) in enumerate(zip(p, high, strict=True)):
        inside = value > 0.8  # no room right of the bar: write on it
        axes.annotate(
            percent(value),
            (value if inside else top, row),
            xytext=(-3 if inside else 3, 0),
            textcoords="offset points",
            va="center",
            ha="right" if inside else "left",
            fontsize="x-small",
            color="white" if inside else "black",
        )
    axes.set_yticks(y, [textwrap.shorten(label(name), 60, placeholder="...") for name in order["outcome"]])
    axes.tick_params(axis="y", labelsize="small")
    axes.set_ylim(-0.7, len(order) - 0.3)
    probability_scale(axes, "x")
    axes.set_xlabel("probability, square-root scale\n(whiskers: 95% Wilson interval, simulation error only)")
    axes.set_title("Outcome probabilities")
    axes.grid(axis="x", alpha=0.3)
    return figure


def probabilities_by_group(
    by_group: pd.DataFrame, group: str, outcomes: list[str], name_of: Callable[[str], str] = label
) -> Figure:
    """Grouped bars: each outcome's probability (with 95% interval) within each group, each bar
    labelled with its value, on a square-root scale so that small probabilities show.

    `name_of` names the outcomes and the group column (default: the column name in words)."""
    figure = new_figure(max(7.5, 1.3 * len(outcomes) + 1.5), 4.6)
    axes = figure.add_subplot()
    groups = by_group[group].astype(str).tolist()
    width = 0.8 / max(len(groups), 1)
    x = np.arange(len(outcomes))
    for index, (_, row) in enumerate(by_group.iterrows()):
        p = np.array([row[name] for name in outcomes], dtype=float)
        low = np.array([row[f"{name}_ci"][0] for name in outcomes], dtype=float)
        high = np.array([row[f"{name}_ci"][1] for name in outcomes], dtype=float)
        position = x - 0.4 + width * (index + 0.5)
        axes.bar(position, p, width, color=colour(index), label=f"{label(groups[index])} ({row['share']:.0%})")
        axes.errorbar(position, p, yerr=[p - low, high - p], fmt="none", ecolor="black", capsize=2, linewidth=0.8)
        for left, value, top in zip(position, p, high, strict=True):
            axes.annotate(
                percent(value),
                (left, top),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=6,
                rotation=90,
            )
    axes.set_xticks(x, [textwrap.fill(name_of(name), 14) for name in outcomes], fontsize="small")
    probability_scale(axes, "y", top=1.15)  # room above 100% for a bar's label
    axes.set_ylabel("probability (square-root scale; 95% interval:\nsimulation error only)")
    axes.set_title(f"Outcomes by {name_of(group)}")
    axes.legend(title=f"{name_of(group)} (share)", fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.grid(axis="y", alpha=0.3)
    return figure
