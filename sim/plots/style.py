"""One look for every figure: Okabe-Ito colours (safe for colour-blind readers), print-sized
figures, labels from column names. Figures are built without pyplot: no window, no global state."""

from __future__ import annotations

from matplotlib.figure import Figure

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def new_figure(width: float = 7.0, height: float = 4.0) -> Figure:
    figure = Figure(figsize=(width, height), dpi=110, layout="constrained")
    figure.set_facecolor("white")
    return figure


def label(name: str) -> str:
    """A column name as a reader would write it: `objective_reached` -> `objective reached`."""
    return str(name).replace("_", " ")


def colour(index: int) -> str:
    return OKABE_ITO[index % len(OKABE_ITO)]
