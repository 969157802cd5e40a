"""Figures comparing scenarios: probabilities side by side, overlaid distributions, differences."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

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
            xerr=[np.clip(p - low, 0, None), np.clip(high - p, 0, None)],  # a re-weighted sum's rounding at 0 or 1
            fmt=MARKERS[index % len(MARKERS)],
            color=colour(index),
            capsize=2,
            label=name,
        )
    axes.set_yticks(y, [name_of(o) for o in rows["outcome"]])
    axes.set_xlim(0, 1)
    axes.set_xlabel("probability\n(95% Wilson interval: simulation error only)")
    axes.set_title("Outcome probabilities by scenario")
    axes.legend(fontsize="small")
    axes.grid(axis="x", alpha=0.3)
    return figure


def overlaid_cdfs(
    samples: Mapping[str, np.ndarray],
    outcome: str,
    over: str = "",
    weights: Mapping[str, np.ndarray | None] | None = None,
) -> Figure:
    """Empirical CDFs of one numeric outcome (named as the axis should read), one line per scenario;
    `over` says which replications, when not all ("given ..."). A scenario with `weights` (a
    re-weighted variant) steps by each replication's share of the weight."""
    figure = new_figure(7.0, 3.6)
    axes = figure.add_subplot()
    for index, (name, values) in enumerate(samples.items()):
        values = np.asarray(values, dtype=float)
        keep = ~np.isnan(values)
        weight = (weights or {}).get(name)
        order = np.argsort(values[keep], kind="stable")
        if not len(order) or (weight is not None and not weight[keep].sum() > 0):
            continue  # no replication (or none with weight) has a value
        if weight is None:
            steps, count = np.arange(1, len(order) + 1) / len(order), f"n={len(order):,}"
        else:
            steps = np.cumsum(weight[keep][order]) / weight[keep].sum()
            count = f"re-weighted, effective n={weight[keep].sum() ** 2 / np.square(weight[keep]).sum():,.0f}"
        axes.step(values[keep][order], steps, where="post", color=colour(index), label=f"{name} ({count})")
    axes.set_ylim(0, 1)
    axes.xaxis.set_major_formatter(StrMethodFormatter("{x:,.10g}"))  # 60,000, not 60000
    axes.set_xlabel(outcome)
    axes.set_ylabel("share of replications at or below")
    title = f"Distribution of {outcome} by scenario" + (f", {over}" if over else "")
    axes.set_title(textwrap.fill(title, 70), fontsize="medium")
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3)
    return figure


def difference_plot(
    differences: Mapping[str, pd.DataFrame], outcomes: Sequence[str], name_of: Callable[[str], str] = label
) -> Figure:
    """Differences of probabilities to the reference scenario, in percentage points: the primary
    interval (thick: paired or re-weighted where that is the method) inside the one independent
    samples would give (thin). One row per outcome (its name wrapped to fit), one marker and
    colour per scenario (in the legend)."""
    scenarios = len(differences)
    rows_per_outcome = max(scenarios, 1)
    figure = new_figure(7.5, (0.35 * rows_per_outcome + 0.35) * len(outcomes) + 1.9)
    axes = figure.add_subplot()
    spacing = 0.7 / rows_per_outcome
    for index, (name, frame) in enumerate(differences.items()):
        frame = frame.set_index("outcome")
        offset = (index - (scenarios - 1) / 2) * spacing
        for position, outcome in enumerate(outcomes):
            row = frame.loc[outcome]
            d, independent, primary = (100 * row[k] for k in ("difference", "independent_half_width", "half_width"))
            y = position + offset
            axes.plot([d - independent, d + independent], [y, y], color="grey", linewidth=1)
            if row["method"] != "independent" and not np.isnan(primary):
                axes.plot([d - primary, d + primary], [y, y], color=colour(index), linewidth=4)
            axes.plot(
                [d], [y], MARKERS[index % len(MARKERS)], color=colour(index), label=name if position == 0 else None
            )
    axes.axvline(0, color="black", linewidth=0.8)
    axes.set_yticks(range(len(outcomes)), [textwrap.fill(name_of(o), 32) for o in outcomes], fontsize="small")
    axes.set_ylim(len(outcomes) - 0.5, -0.5)
    axes.set_xlabel(
        "difference, percentage points (95% intervals: simulation error only)\n"
        "thick: paired or re-weighted; thin: if independent"
    )
    figure.legend(
        fontsize="small", title="minus the reference", title_fontsize="small", loc="outside lower center", ncols=3
    )
    figure.suptitle("Difference in probability to the reference scenario", fontsize="medium")
    axes.grid(axis="x", alpha=0.3)
    return figure
