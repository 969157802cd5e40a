"""Figures comparing scenarios: probabilities side by side, overlaid distributions, paired differences."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import MARKERS, colour, label, new_figure


def probabilities_side_by_side(
    side: pd.DataFrame, names: Sequence[str], name_of: Callable[[str], str] = label
) -> Figure:
    """Each yes/no outcome's probability per scenario, with 95% intervals (`name_of` names the outcomes)."""
    rows = side[side["kind"] == "probability"].iloc[::-1]
    figure = new_figure(7.5, 0.5 * len(rows) + 1.5)
    axes = figure.add_subplot()
    y = np.arange(len(rows))
    for index, name in enumerate(names):
        p = rows[name].to_numpy(dtype=float)
        low = np.array([ci[0] for ci in rows[f"{name}_ci"]])
        high = np.array([ci[1] for ci in rows[f"{name}_ci"]])
        offset = (index - (len(names) - 1) / 2) * 0.18
        axes.errorbar(
            p,
            y + offset,
            xerr=[p - low, high - p],
            fmt=MARKERS[index % len(MARKERS)],
            color=colour(index),
            capsize=2,
            label=name,
        )
    axes.set_yticks(y, [name_of(o) for o in rows["outcome"]])
    axes.set_xlim(0, 1)
    axes.set_xlabel("probability (95% Wilson interval)")
    axes.set_title("Outcome probabilities by scenario")
    axes.legend(fontsize="small")
    axes.grid(axis="x", alpha=0.3)
    return figure


def overlaid_cdfs(samples: Mapping[str, np.ndarray], outcome: str) -> Figure:
    """Empirical CDFs of one numeric outcome (named as the axis should read), one line per scenario."""
    figure = new_figure(7.0, 3.6)
    axes = figure.add_subplot()
    for index, (name, values) in enumerate(samples.items()):
        values = np.sort(np.asarray(values, dtype=float)[~np.isnan(np.asarray(values, dtype=float))])
        if len(values):
            axes.step(
                values, np.arange(1, len(values) + 1) / len(values), where="post", color=colour(index), label=name
            )
    axes.set_ylim(0, 1)
    axes.set_xlabel(outcome)
    axes.set_ylabel("share of replications at or below")
    axes.set_title(f"Distribution of {outcome} by scenario")
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3)
    return figure


def paired_difference_plot(
    differences: Mapping[str, pd.DataFrame], outcomes: Sequence[str], name_of: Callable[[str], str] = label
) -> Figure:
    """Differences of probabilities to the reference scenario, in percentage points: the paired
    interval (thick) inside the one independent samples would give (thin)."""
    figure = new_figure(7.5, 0.5 * len(outcomes) * max(len(differences), 1) + 1.5)
    axes = figure.add_subplot()
    y_labels, y = [], 0
    for index, (name, frame) in enumerate(differences.items()):
        frame = frame.set_index("outcome")
        for outcome in outcomes:
            row = frame.loc[outcome]
            d, independent, paired = (
                100 * row[k] for k in ("difference", "independent_half_width", "paired_half_width")
            )
            axes.plot([d - independent, d + independent], [y, y], color="grey", linewidth=1)
            if not np.isnan(paired):
                axes.plot([d - paired, d + paired], [y, y], color=colour(index), linewidth=4)
            axes.plot([d], [y], MARKERS[index % len(MARKERS)], color=colour(index))
            y_labels.append(f"{name_of(outcome)}: {name}")
            y += 1
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_yticks(range(len(y_labels)), y_labels, fontsize="small")
    axes.invert_yaxis()
    axes.set_xlabel("percentage points (thick: paired 95% interval, thin: if independent)")
    axes.set_title("Difference in probability to the reference scenario")
    axes.grid(axis="x", alpha=0.3)
    return figure
