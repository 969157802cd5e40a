"""Design points: SALib's samplers (Sobol/Saltelli, Morris, Latin hypercube) or a full grid.

Every design also gets one-at-a-time points (a centre, and each factor at its low and
high end with the others at their centre) for the tornado chart; they are marked
`oat` and kept out of the sampled design the indices are computed from.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
from SALib.sample import latin
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.experiments.spec import Design, Factor

SAMPLED, ONE_AT_A_TIME = "design", "oat"


def salib_problem(factors: dict[str, Factor]) -> dict:
    """The factors as SALib describes a problem: names and bounds, in file order."""
    return {
        "num_vars": len(factors),
        "names": list(factors),
        "bounds": [list(factor.bounds()) for factor in factors.values()],
    }


def sampled_points(design: Design, factors: dict[str, Factor]) -> np.ndarray:
    """The design's points, one row per point, one column per factor (in file order)."""
    problem = salib_problem(factors)
    with warnings.catch_warnings():  # SALib warns on sample sizes that are not powers of 2; the docs say so
        warnings.simplefilter("ignore")
        if design.method == "sobol":
            return sobol_sample.sample(problem, design.samples, calc_second_order=False, seed=design.seed)
        if design.method == "morris":
            return morris_sample.sample(problem, design.samples, num_levels=design.levels, seed=design.seed)
        if design.method == "lhs":
            return latin.sample(problem, design.samples, seed=design.seed)
    return np.array(list(itertools.product(*(grid_levels(f, design.levels) for f in factors.values()))), dtype=float)


def grid_levels(factor: Factor, levels: int) -> list[float]:
    """A factor's grid: its own `levels`, else evenly spaced (percentiles at the centres of equal bins)."""
    if factor.levels:
        return list(factor.levels)
    if factor.percentile:
        return [(k + 0.5) / levels for k in range(levels)]
    return list(np.linspace(factor.low, factor.high, levels))


def one_at_a_time_points(factors: dict[str, Factor]) -> pd.DataFrame:
    """The centre, then each factor at its low and high end with every other factor at its centre."""
    centre = {name: factor.swing()[1] for name, factor in factors.items()}
    rows = [{"oat_factor": None, "oat_end": "centre", **centre}]
    for name, factor in factors.items():
        low, _, high = factor.swing()
        rows.append({"oat_factor": name, "oat_end": "low", **centre, name: low})
        rows.append({"oat_factor": name, "oat_end": "high", **centre, name: high})
    return pd.DataFrame(rows)


def design_table(design: Design, factors: dict[str, Factor]) -> pd.DataFrame:
    """All points of an experiment: the sampled design, then the one-at-a-time points.

    Columns: point (0, 1, ...), kind (design or oat), oat_factor, oat_end, then one column per factor.
    """
    names = list(factors)
    sampled = pd.DataFrame(sampled_points(design, factors), columns=names)
    sampled.insert(0, "oat_end", None)
    sampled.insert(0, "oat_factor", None)
    sampled.insert(0, "kind", SAMPLED)
    swings = one_at_a_time_points(factors)
    swings.insert(0, "kind", ONE_AT_A_TIME)
    table = pd.concat([sampled, swings[sampled.columns]], ignore_index=True)
    table.insert(0, "point", np.arange(len(table), dtype=np.int64))
    table[names] = table[names].astype(float)
    return table
