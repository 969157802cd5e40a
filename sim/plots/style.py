"""One look for every figure: Okabe-Ito colours (safe for colour-blind readers), print-sized
figures, labels from column names. Figures are built without pyplot: no window, no global state."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, PercentFormatter

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
PROBABILITY_TICKS = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0)


def new_figure(width: float = 7.0, height: float = 4.0) -> Figure:
    figure = Figure(figsize=(width, height), dpi=110, layout="constrained")
    figure.set_facecolor("white")
    return figure


def label(name: str) -> str:
    """A column name as a reader would write it: `objective_reached` -> `objective reached`."""
    return str(name).replace("_", " ")


def colour(index: int) -> str:
    return OKABE_ITO[index % len(OKABE_ITO)]


def probability_scale(axes: Axes, which: str = "x", top: float = 1.0) -> None:
    """A 0-1 probability axis on a square-root scale, ticked in percent: 1% sits a tenth of the
    way along and 5% a fifth, so outcomes of a few percent are bars, not slivers, and the
    scale still starts at 0 (a log scale cannot). `top` above 1 leaves room for labels."""
    horizontal = which == "x"
    (axes.set_xscale if horizontal else axes.set_yscale)("function", functions=(_root, np.square))
    (axes.set_xlim if horizontal else axes.set_ylim)(0, top)
    axis = axes.xaxis if horizontal else axes.yaxis
    axis.set_major_locator(FixedLocator(PROBABILITY_TICKS))
    axis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _root(values: np.ndarray) -> np.ndarray:
    return np.sqrt(np.clip(values, 0, None))


def percent(value: float) -> str:
    """A probability as a bar's label: one decimal under 10%, '<0.1%' for what rounds to 0 but happened."""
    if value <= 0:
        return "0%"
    if value < 0.001:
        return "<0.1%"
    return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"
