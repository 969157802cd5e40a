"""The state-flow figure of one actor: states as boxes, transitions as arrows labelled with the
share of replications that took them and the median date they first did.

Layered left to right by shortest-path depth from the initial state (sim/analysis/flows.py);
plain matplotlib patches, no graph-layout library. Arrows clip at the boxes they join.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from sim.plots.style import colour, new_figure, percent

BOX_WIDTH, BOX_HEIGHT = 1.5, 0.62  # data units; layers are 2.6 apart, rows 1.25
LAYER_GAP, ROW_GAP = 2.6, 1.25
WRAP = 20  # characters a line of a state's name
LABEL_WIDTH, LABEL_HEIGHT = 0.8, 0.2  # data units an arrow's label takes ("67%, 21 Sep" at 6.5 pt), with a margin
FOOTER_CHARACTERS_PER_INCH = 16  # of the x-small footer: it wraps to the figure's width instead of running off it
ALONG = (0.5, 0.36, 0.64, 0.26, 0.74)  # where on its arrow a label may sit, tried in turn until it overlaps no other


def state_flow(
    actor_label: str,
    states: Sequence[str],
    labels: Mapping[str, str],
    initial: str,
    depths: Mapping[str, int],
    entered: Mapping[str, float],
    flows: pd.DataFrame,
    declared: Sequence[tuple[str, str]] = (),
) -> Figure:
    """States of one actor as boxes (with the share of replications that entered each), the
    transitions taken as arrows labelled "share, median first date"; re-entering a state (a
    counter) is a loop labelled with its share and how often a replication took it. Declared
    transitions that no replication took are thin dashed arrows."""
    positions = _positions(states, depths, flows)
    layers = max(depths.values(), default=0) + 1
    rows = max((sum(1 for s in states if depths[s] == d) for d in range(layers)), default=1)
    width = max(4.5, 2.25 * layers + 0.6)
    figure = new_figure(width, max(2.6, 1.05 * rows + 1.2))
    axes = figure.add_subplot()
    axes.set_aspect("equal")
    axes.axis("off")
    boxes = {
        state: _box(axes, positions[state], labels.get(state, state), entered.get(state), state == initial)
        for state in states
    }
    taken = {(row.from_state, row.to_state): row for row in flows.itertuples()}
    pairs = set(taken) | set(declared)
    placed: list[tuple[float, float]] = []  # centres of the arrow labels drawn so far
    for origin, target in sorted(pairs, key=lambda pair: (pair in taken, pair)):
        if origin not in boxes or target not in boxes:
            continue
        row = taken.get((origin, target))
        if origin == target:
            if row is not None:
                _loop(axes, positions[origin], row)
            continue
        _arrow(axes, positions, boxes, origin, target, row, reverse=(target, origin) in pairs, placed=placed)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    axes.set_xlim(min(xs) - BOX_WIDTH / 2 - 0.3, max(xs) + BOX_WIDTH / 2 + 0.3)
    axes.set_ylim(min(ys) - BOX_HEIGHT / 2 - 0.45, max(ys) + BOX_HEIGHT / 2 + 0.75)
    axes.set_title(f"{actor_label}: paths through its states", fontsize="medium")
    figure.text(
        0.01,
        0.01,
        textwrap.fill(
            "arrows: share of replications that took the transition, median date they first did; "
            "boxes: share that entered the state",
            int(width * FOOTER_CHARACTERS_PER_INCH),
        ),
        fontsize="x-small",
        color="#555555",
    )
    return figure


def _positions(states: Sequence[str], depths: Mapping[str, int], flows: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Columns by depth; within a column, states ordered by the mean row of where they are
    entered from (one barycentre pass), then declared order; each column centred on 0."""
    positions: dict[str, tuple[float, float]] = {}
    weights = flows.groupby(["from_state", "to_state"])["replications"].sum().to_dict() if len(flows) else {}
    for depth in sorted(set(depths.values())):
        declared = [s for s in states if depths[s] == depth]

        def barycentre(state: str, declared: list[str] = declared) -> tuple[float, int]:
            parents = [(positions[o][1], w) for (o, t), w in weights.items() if t == state and o in positions]
            total = sum(w for _, w in parents)
            y = sum(y * w for y, w in parents) / total if total else 0.0
            return (-y, declared.index(state))

        column = sorted(declared, key=barycentre)
        for index, state in enumerate(column):
            positions[state] = (depth * LAYER_GAP, ((len(column) - 1) / 2 - index) * ROW_GAP)
    return positions


def _box(axes, centre: tuple[float, float], name: str, share: float | None, initial: bool) -> FancyBboxPatch:
    never = share is not None and share == 0
    x, y = centre
    box = FancyBboxPatch(
        (x - BOX_WIDTH / 2, y - BOX_HEIGHT / 2),
        BOX_WIDTH,
        BOX_HEIGHT,
        boxstyle="round,pad=0,rounding_size=0.08",
        facecolor="#dcebf7" if initial else ("#f4f4f4" if never else "white"),
        edgecolor="#999999" if never else colour(0),
        linestyle="--" if never else "-",
        linewidth=1.4 if initial else 1.0,
        zorder=3,
    )
    axes.add_patch(box)
    text = textwrap.fill(name, WRAP)
    if share is not None and not np.isnan(share):
        text += f"\n{'start' if initial else percent(share)}"
    axes.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=7.5,
        zorder=4,
        color="#777777" if never else "black",
        linespacing=1.1,
    )
    return box


def _arrow(axes, positions, boxes, origin: str, target: str, row, reverse: bool, placed: list) -> None:
    (x0, y0), (x1, y1) = positions[origin], positions[target]
    forward = x1 > x0 and (x1 - x0) <= LAYER_GAP * 1.01
    rad = 0.0 if forward and not reverse else (0.22 if reverse or x1 != x0 else 0.45)
    if row is None:
        style = {"color": "#bbbbbb", "linestyle": (0, (3, 3)), "linewidth": 0.8}
    else:
        style = {"color": colour(0), "linewidth": 0.7 + 3.0 * float(row.share)}
    axes.add_patch(
        FancyArrowPatch(
            (x0, y0),
            (x1, y1),
            arrowstyle="-|>,head_length=5,head_width=3",
            connectionstyle=f"arc3,rad={rad}",
            patchA=boxes[origin],
            patchB=boxes[target],
            shrinkA=1,
            shrinkB=1,
            zorder=2,
            **style,
        )
    )
    if row is None:
        return
    mx, my = _label_place((x0, y0), (x1, y1), rad, placed)
    placed.append((mx, my))
    axes.text(
        mx,
        my,
        edge_label(row.share, row.median_first_date),
        ha="center",
        va="center",
        fontsize=6.5,
        zorder=5,
        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9},
    )


def _label_place(start: tuple[float, float], end: tuple[float, float], rad: float, placed: list) -> tuple[float, float]:
    """Where an arrow's label goes: the first point of ALONG on matplotlib's arc3 curve (a
    quadratic Bezier whose control point is offset by `rad` times the chord) that overlaps no
    label placed before; the midpoint if every one does."""
    (x0, y0), (x1, y1) = start, end
    cx, cy = (x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0)
    candidates = [
        ((1 - t) ** 2 * x0 + 2 * t * (1 - t) * cx + t**2 * x1, (1 - t) ** 2 * y0 + 2 * t * (1 - t) * cy + t**2 * y1)
        for t in ALONG
    ]
    for x, y in candidates:
        if all(abs(x - px) >= LABEL_WIDTH or abs(y - py) >= LABEL_HEIGHT for px, py in placed):
            return x, y
    return candidates[0]


def _loop(axes, centre: tuple[float, float], row) -> None:
    x, y = centre
    top = y + BOX_HEIGHT / 2
    axes.add_patch(
        FancyArrowPatch(
            (x - BOX_WIDTH / 5, top),
            (x + BOX_WIDTH / 5, top),
            arrowstyle="-|>,head_length=4,head_width=2.5",
            connectionstyle="arc3,rad=-0.9",
            color=colour(3),
            linewidth=0.7 + 2.0 * float(row.share),
            zorder=2,
        )
    )
    text = f"again: {percent(row.share)}, {row.entries_per_replication:.1f}× each"
    axes.text(
        x,
        top + 0.36 * BOX_WIDTH / 2 * 1.1 + 0.12,
        text,
        ha="center",
        va="bottom",
        fontsize=6.5,
        color=colour(3),
        zorder=5,
    )


def edge_label(share: float, first: dt.date | None) -> str:
    """ "42%, 12 Sep": share of replications, median first date."""
    if first is None or pd.isna(first):
        return percent(share)
    return f"{percent(share)}, {first.day} {first:%b}"
