"""Probabilities of the yes/no outcomes, overall and per group (a hypothesis, a categorical parameter)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import colour, label, new_figure


def outcome_probabilities(probabilities: pd.DataFrame) -> Figure:
    """Horizontal bars of each yes/no outcome's probability with its 95% interval."""
    figure = new_figure(7.0, 0.45 * len(probabilities) + 1.2)
    axes = figure.add_subplot()
    order = probabilities.iloc[::-1]
    y = np.arange(len(order))
    p = order["probability"].to_numpy()
    errors = np.vstack([p - order["ci_low"].to_numpy(), order["ci_high"].to_numpy() - p])
    axes.barh(y, p, color=colour(0), alpha=0.85)
    axes.errorbar(p, y, xerr=errors, fmt="none", ecolor="black", capsize=3, linewidth=1)
    axes.set_yticks(y, [label(name) for name in order["outcome"]])
    axes.set_xlim(0, 1)
    axes.set_xlabel("probability (bars: 95% Wilson interval)")
    axes.set_title("Outcome probabilities")
    axes.grid(axis="x", alpha=0.3)
    return figure


def probabilities_by_group(
    by_group: pd.DataFrame, group: str, outcomes: list[str], name_of: Callable[[str], str] = label
) -> Figure:
    """Grouped bars: each outcome's probability (with 95% interval) within each group.

    `name_of` names the outcomes and the group column (default: the column name in words)."""
    figure = new_figure(max(7.5, 1.1 * len(outcomes) + 1.5), 4.2)
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
    axes.set_xticks(x, [textwrap.fill(name_of(name), 14) for name in outcomes], fontsize="small")
    axes.set_ylim(0, 1)
    axes.set_ylabel("probability (95% interval)")
    axes.set_title(f"Outcomes by {name_of(group)}")
    axes.legend(title=f"{name_of(group)} (share)", fontsize="small")
    axes.grid(axis="y", alpha=0.3)
    return figure
