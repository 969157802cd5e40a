"""Figures of an experiment: sensitivity indices, tornado of one-at-a-time swings, PRIM trade-off."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots.style import colour, label, new_figure


def sensitivity_indices(indices: pd.DataFrame, outcome: str, name_of: Callable[[str], str] = label) -> Figure:
    """Grouped horizontal bars: each factor's indices for one outcome (named by `name_of`), with
    their 95% intervals."""
    rows = indices[indices["outcome"] == outcome]
    kinds = list(dict.fromkeys(rows["index"]))
    factors = list(dict.fromkeys(rows["factor"]))
    figure = new_figure(7.0, 0.55 * len(factors) * max(len(kinds), 1) / 1.5 + 1.4)
    axes = figure.add_subplot()
    height = 0.8 / max(len(kinds), 1)
    y = np.arange(len(factors))[::-1]
    for k, kind in enumerate(kinds):
        part = rows[rows["index"] == kind].set_index("factor").loc[factors]
        value = part["value"].to_numpy(dtype=float)
        position = y + 0.4 - height * (k + 0.5)
        axes.barh(position, value, height, color=colour(k), label=label(kind))
        low, high = part["ci_low"].to_numpy(dtype=float), part["ci_high"].to_numpy(dtype=float)
        if np.all(np.isfinite(low)):
            errors = np.vstack([value - low, high - value])
            axes.errorbar(value, position, xerr=errors, fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    axes.set_yticks(y, [label(name) for name in factors])
    axes.axvline(0, color="black", linewidth=0.6)
    method = rows["method"].iloc[0] if len(rows) else ""
    axes.set_xlabel(f"{method} index (whiskers: 95% bootstrap interval over the design points)")
    axes.set_title(textwrap.fill(f"Sensitivity of {name_of(outcome)}", 60), fontsize="medium")
    axes.legend(fontsize="small")
    axes.grid(axis="x", alpha=0.3)
    return figure


def tornado(swings: pd.DataFrame, outcome: str, name_of: Callable[[str], str] = label) -> Figure:
    """Each factor's swing of an outcome (named by `name_of`) from its low to its high end, others
    at their centre; whiskers and the shaded band are each point's 95% interval (simulation error),
    since that noise can be as large as a swing."""
    rows = swings[swings["outcome"] == outcome].sort_values("swing")
    figure = new_figure(7.0, 0.5 * len(rows) + 1.8)
    axes = figure.add_subplot()
    centre = float(rows["centre"].iloc[0]) if len(rows) else 0.0
    y = np.arange(len(rows))
    if len(rows):
        band = (float(rows["centre_ci_low"].iloc[0]), float(rows["centre_ci_high"].iloc[0]))
        axes.axvspan(*band, color="grey", alpha=0.2, linewidth=0, label="95% interval at the centre")
    for end, offset, k in (("low", 0.2, 0), ("high", -0.2, 1)):
        value = rows[f"at_{end}"].to_numpy(dtype=float)
        low, high = rows[f"at_{end}_ci_low"].to_numpy(dtype=float), rows[f"at_{end}_ci_high"].to_numpy(dtype=float)
        axes.barh(y + offset, value - centre, 0.4, left=centre, color=colour(k), label=f"factor at its {end} end")
        errors = np.clip(np.vstack([value - low, high - value]), 0, None)  # rounding can leave -1e-18
        axes.errorbar(value, y + offset, xerr=errors, fmt="none", ecolor="black", capsize=2, linewidth=0.8)
    axes.axvline(centre, color="black", linewidth=0.8)
    axes.set_yticks(y, [label(name) for name in rows["factor"]])
    axes.set_xlabel(
        textwrap.fill(
            f"{name_of(outcome)} (line: every factor at its centre, {centre:.3g}; "
            "whiskers and band: 95% interval of each point, its simulation error)",
            80,
        ),
        fontsize="small",
    )
    axes.set_title(textwrap.fill(f"One at a time: what moves {name_of(outcome)}", 60), fontsize="medium")
    figure.legend(loc="outside lower center", ncols=3, fontsize="small", frameon=False)  # clear of the whiskers
    axes.grid(axis="x", alpha=0.3)
    return figure


def prim_tradeoff(trajectory: pd.DataFrame, chosen_step: int | None) -> Figure:
    """PRIM's peeling trajectory: coverage against density, coloured by restricted factors."""
    figure = new_figure(6.5, 4.2)
    axes = figure.add_subplot()
    restricted = trajectory["restricted"].to_numpy(dtype=int)
    for k, count in enumerate(sorted(set(restricted))):
        part = trajectory[restricted == count]
        axes.scatter(part["coverage"], part["density"], color=colour(k), label=f"{count} factors restricted", s=22)
    if chosen_step is not None:
        chosen = trajectory[trajectory["step"] == chosen_step].iloc[0]
        axes.scatter([chosen["coverage"]], [chosen["density"]], s=160, facecolors="none", edgecolors="black")
        where = (chosen["coverage"], chosen["density"])
        axes.annotate("chosen box", where, xytext=(8, -14), textcoords="offset points")
    axes.set_xlim(0, 1.02)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("coverage (share of all points of interest inside the box)")
    axes.set_ylabel("density (share of the box's points that are of interest)")
    axes.set_title("PRIM: coverage against density as the box is peeled")
    axes.legend(fontsize="small", loc="lower left")
    axes.grid(alpha=0.3)
    return figure
