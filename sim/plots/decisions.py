"""Figures of a decision run: robustness by course, regret by hypothesis, the Pareto view."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import colour, label, new_figure

_MARKERS = "osD^v<>P*X"


def robustness(robust: pd.DataFrame, by_hypothesis: pd.DataFrame, short: Mapping[str, str]) -> Figure:
    """Each course's share of futures meeting every criterion (bar, 95% interval), and its share
    under each hypothesis (markers), best course at the top; `short` names courses on the axis."""
    rows = robust.sort_values("value")
    courses = list(rows["course"])
    figure = new_figure(9.0, 0.3 * len(courses) + 1.8)
    axes = figure.add_subplot()
    y = np.arange(len(courses))
    value = rows["value"].to_numpy(dtype=float)
    errors = np.vstack([value - rows["value_ci_low"], rows["value_ci_high"] - value])
    axes.barh(y, value, 0.6, color=colour(0), alpha=0.55, label="all hypotheses (prior-weighted)")
    axes.errorbar(value, y, xerr=np.clip(errors, 0, None), fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    for k, (hypothesis, part) in enumerate(by_hypothesis.groupby("hypothesis", sort=False)):
        shares = part.set_index("course").loc[courses, "value"].to_numpy(dtype=float)
        marker = _MARKERS[k % len(_MARKERS)]
        axes.scatter(shares, y, marker=marker, color=colour(k + 1), zorder=3, label=f"under {label(hypothesis)}")
    axes.set_yticks(y, [short[c] for c in courses], fontsize="small")
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    axes.set_xlabel("share of futures meeting every criterion\n(bars: 95% interval, simulation error only)")
    axes.set_title("Robustness: how often each course meets every criterion", fontsize="medium", loc="right")
    axes.legend(fontsize="small", loc="lower right")
    axes.grid(axis="x", alpha=0.3)
    return figure


def regret(regret_table: pd.DataFrame, short: Mapping[str, str]) -> Figure:
    """A course x hypothesis grid of regret (points of the share meeting every criterion), values written in;
    `short` names courses on the axis."""
    grid = regret_table.pivot(index="course", columns="hypothesis", values="regret")
    grid = grid.loc[list(dict.fromkeys(regret_table["course"])), list(dict.fromkeys(regret_table["hypothesis"]))]
    order = grid.max(axis=1).sort_values(kind="stable").index  # smallest worst regret at the top
    grid = grid.loc[order]
    figure = new_figure(9.0, 0.3 * len(grid) + 1.8)
    axes = figure.add_subplot()
    values = grid.to_numpy(dtype=float) * 100
    image = axes.imshow(values, cmap="Reds", aspect="auto", vmin=0, vmax=max(float(np.nanmax(values)), 1.0))
    for (i, j), v in np.ndenumerate(values):
        axes.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize="small", color="black" if v < 60 else "white")
    axes.set_xticks(range(grid.shape[1]), [label(h) for h in grid.columns])
    axes.set_yticks(range(len(grid)), [short[c] for c in grid.index], fontsize="small")
    axes.set_xlabel("hypothesis (the state of the world)")
    axes.set_title("Regret: points behind the best course under each hypothesis", fontsize="medium", loc="right")
    figure.colorbar(image, ax=axes, label="regret (points)", shrink=min(1.0, 8 / max(len(grid), 1)) or 1.0)
    return figure


def pareto(front: pd.DataFrame, names: list[str], labels: list[str], short: Mapping[str, str]) -> Figure:
    """The first two criteria (share of futures meeting each), a marker per distinct point sized by how many
    courses share it; Pareto-optimal points (over all criteria) in colour and named."""
    figure = new_figure(7.5, 5.5)
    axes = figure.add_subplot()
    x_name, y_name = f"met.{names[0]}", f"met.{names[1]}"
    groups = front.groupby([x_name, y_name, "pareto_optimal"], sort=False)["course"].agg(list).reset_index()
    sizes = 30 + 25 * (groups["course"].str.len() - 1)
    optimal = groups["pareto_optimal"].to_numpy(dtype=bool)
    axes.scatter(
        groups[x_name][~optimal],
        groups[y_name][~optimal],
        s=sizes[~optimal],
        color=colour(0),
        alpha=0.5,
        label="dominated course(s)",
    )
    axes.scatter(
        groups[x_name][optimal],
        groups[y_name][optimal],
        s=sizes[optimal],
        color=colour(1),
        zorder=3,
        label="Pareto-optimal course(s)",
    )
    for k, (_, row) in enumerate(groups[optimal].iterrows()):
        courses = row["course"]
        text = short[courses[0]] + (f" (+{len(courses) - 1} alike)" if len(courses) > 1 else "")
        offset = (6, 4 + 10 * (k % 3))  # staggered, so close points keep readable names
        axes.annotate(
            text,
            (row[x_name], row[y_name]),
            fontsize="x-small",
            xytext=offset,
            textcoords="offset points",
        )
    for setter in (axes.xaxis, axes.yaxis):
        setter.set_major_formatter(lambda v, _: f"{v:.1%}")
    axes.set_xlabel(textwrap.fill(f"share meeting: {labels[0]}", 70))
    axes.set_ylabel(textwrap.fill(f"share meeting: {labels[1]}", 50))
    axes.set_title(
        "Trade-off between the first two criteria (prior-weighted; marker size: courses alike;\n"
        "Pareto-optimal over all criteria)",
        fontsize="medium",
    )
    axes.legend(fontsize="small")
    axes.grid(alpha=0.3)
    return figure
