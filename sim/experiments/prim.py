"""PRIM, the patient rule induction method (Friedman and Fisher 1999), for scenario discovery.

Written here because the PRIM package on PyPI is GPL-3 and EMA Workbench, the BSD-3
alternative, requires a GPL-3 optimiser (Platypus-Opt); the project is MIT.

Peeling starts from the box that holds every point and, step by step, removes the
`alpha` share of the box's points at one end of one factor: the end whose removal
leaves the highest share of points of interest (the box's density). It stops when the
next box would hold less than `min_mass` of all points. Each step is one box of the
trajectory, with its coverage (share of all points of interest inside), density and
mass (share of all points inside). Pasting, optional, then grows a chosen box again,
alpha at a time, wherever that raises its density. docs/experiments.md explains how the
report chooses a box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PEEL_ALPHA = 0.05  # Friedman and Fisher's patient peel: 5% of the box's points at a time
MIN_MASS = 0.05  # the smallest box: 5% of the points
TRAJECTORY_COLUMNS = ["step", "coverage", "density", "mass", "restricted"]


@dataclass(frozen=True)
class Peeling:
    """A peeling trajectory: one box a step, as limits (factor by low/high) with its statistics."""

    factors: list[str]
    ranges: np.ndarray  # (factors, 2): the design's own range, the box of step 0
    boxes: list[np.ndarray]  # one (factors, 2) array of limits a step
    trajectory: pd.DataFrame  # step, coverage, density, mass, restricted (factors)

    def limits(self, step: int) -> pd.DataFrame:
        """The box of one step on its restricted factors only: factor, low, high."""
        box = self.boxes[step]
        restricted = np.any(box != self.ranges, axis=1)
        return pd.DataFrame(
            {
                "factor": [name for name, cut in zip(self.factors, restricted, strict=True) if cut],
                "low": box[restricted, 0],
                "high": box[restricted, 1],
            }
        )


def peel(x: pd.DataFrame, interesting: np.ndarray, alpha: float = PEEL_ALPHA, min_mass: float = MIN_MASS) -> Peeling:
    """Peel the design's box toward the points of interest (one row of `x` a point, one column a factor)."""
    values = x.to_numpy(dtype=float)
    y = np.asarray(interesting, dtype=float)
    total, cases = len(y), float(y.sum())
    ranges = np.column_stack([values.min(axis=0), values.max(axis=0)])
    box, inside = ranges.copy(), np.ones(total, dtype=bool)
    boxes, rows = [], []
    while True:
        boxes.append(box.copy())
        rows.append(_statistics(len(boxes) - 1, inside, y, cases, total, box, ranges))
        best = _best_peel(values, y, inside, box, alpha, min_mass * total)
        if best is None:
            break
        box, inside = best
    return Peeling(list(x.columns), ranges, boxes, pd.DataFrame(rows, columns=TRAJECTORY_COLUMNS))


def _statistics(
    step: int, inside: np.ndarray, y: np.ndarray, cases: float, total: int, box: np.ndarray, ranges: np.ndarray
) -> dict:
    held = y[inside].sum()
    return {
        "step": step,
        "coverage": held / cases if cases else 0.0,
        "density": held / inside.sum(),
        "mass": inside.sum() / total,
        "restricted": int(np.any(box != ranges, axis=1).sum()),
    }


def _best_peel(
    values: np.ndarray, y: np.ndarray, inside: np.ndarray, box: np.ndarray, alpha: float, smallest: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """The peel that leaves the densest box of at least `smallest` points (ties: the one removing fewest)."""
    best, best_key = None, None
    for factor in range(values.shape[1]):
        column = values[inside, factor]
        for end in (0, 1):
            cut = _cut(column, alpha, end)
            if cut is None:
                continue
            kept = inside & (values[:, factor] >= cut if end == 0 else values[:, factor] <= cut)
            count = kept.sum()
            if count < smallest or count == inside.sum():
                continue
            key = (y[kept].mean(), count)
            if best_key is None or key > best_key:
                limits = box.copy()
                limits[factor, end] = cut
                best, best_key = (limits, kept), key
    return best


def _cut(column: np.ndarray, alpha: float, end: int) -> float | None:
    """The new limit at one end: the alpha quantile of the box's points, or the next distinct value
    when that removes nothing (a design with few levels); None when the factor has one value left."""
    levels = np.unique(column)
    if len(levels) < 2:
        return None
    if end == 0:
        cut = float(np.quantile(column, alpha))
        return cut if (column < cut).any() else float(levels[1])
    cut = float(np.quantile(column, 1 - alpha))
    return cut if (column > cut).any() else float(levels[-2])


def paste(
    x: pd.DataFrame, interesting: np.ndarray, limits: np.ndarray, alpha: float = PEEL_ALPHA
) -> tuple[np.ndarray, dict]:
    """Grow a box (factors by low/high) again, alpha of its points at a time, while that does not lower
    its density (Friedman and Fisher's pasting: peeling is greedy and may cut too much).

    Returns the pasted limits and their statistics (coverage, density, mass, restricted against
    the design's range).
    """
    values = x.to_numpy(dtype=float)
    y = np.asarray(interesting, dtype=float)
    ranges = np.column_stack([values.min(axis=0), values.max(axis=0)])
    box = limits.astype(float).copy()
    inside = _inside(values, box)
    while True:
        density, grown, best = y[inside].mean(), None, None
        for factor in range(values.shape[1]):
            others = _inside(np.delete(values, factor, axis=1), np.delete(box, factor, axis=0))
            for end in (0, 1):
                column = values[:, factor]
                outside = others & (column < box[factor, 0] if end == 0 else column > box[factor, 1])
                if not outside.any():
                    continue
                take = max(1, int(np.ceil(alpha * inside.sum())))
                nearest = np.sort(column[outside])[::-1][:take] if end == 0 else np.sort(column[outside])[:take]
                candidate = box.copy()
                candidate[factor, end] = nearest[-1]
                held = _inside(values, candidate)
                key = (y[held].mean(), held.sum())
                if key[0] >= density and (best is None or key > best):
                    best, grown = key, (candidate, held)
        if grown is None:
            break
        box, inside = grown
    statistics = _statistics(0, inside, y, float(y.sum()), len(y), box, ranges)
    del statistics["step"]
    return box, statistics


def _inside(values: np.ndarray, box: np.ndarray) -> np.ndarray:
    return np.all((values >= box[:, 0]) & (values <= box[:, 1]), axis=1)


def densest_with_coverage(trajectory: pd.DataFrame, min_density: float) -> int | None:
    """The step with the most coverage among boxes at least `min_density` dense (None if none is)."""
    dense = trajectory[trajectory["density"] >= min_density]
    if dense.empty:
        return None
    return int(dense.sort_values(["coverage", "density"], ascending=False, kind="stable").iloc[0]["step"])


def knee(trajectory: pd.DataFrame) -> int:
    """The step where the coverage-density curve bends most: farthest from the chord joining its ends."""
    coverage, density = trajectory["coverage"].to_numpy(float), trajectory["density"].to_numpy(float)
    dx, dy = coverage[-1] - coverage[0], density[-1] - density[0]
    norm = np.hypot(dx, dy)
    if norm == 0:
        return int(trajectory["step"].iloc[0])
    distance = np.abs(dy * (coverage - coverage[0]) - dx * (density - density[0])) / norm
    return int(trajectory["step"].iloc[int(np.argmax(distance))])
