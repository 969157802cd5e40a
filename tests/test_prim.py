"""PRIM (sim/experiments/prim.py) on problems whose answer is known by construction.

The reference problem is in the manner of Friedman and Fisher (1999): points uniform in
the unit cube of five factors, of interest with probability 0.9 inside the box
0.2 <= x1 <= 0.6, x2 >= 0.5 and 0.1 outside it. The box, its density (0.9) and its
coverage (0.9 * 0.2 / (0.9 * 0.2 + 0.1 * 0.8) = 0.692) are known exactly.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from sim.experiments.prim import densest_with_coverage, knee, paste, peel

TRUE_COVERAGE = 0.9 * 0.2 / (0.9 * 0.2 + 0.1 * 0.8)


def _reference_problem(seed: int, noisy: bool = True) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(2000, 5)), columns=[f"x{k}" for k in range(1, 6)])
    inside = x["x1"].between(0.2, 0.6).to_numpy() & (x["x2"] >= 0.5).to_numpy()
    if not noisy:
        return x, inside
    return x, rng.uniform(size=len(x)) < np.where(inside, 0.9, 0.1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_knee_of_the_peeling_trajectory_is_the_true_box(seed: int):
    """Tolerances: 0.03 on each limit, 0.05 on density, 0.06 on coverage.

    Near the true box (about 400 points, x1 0.4 wide, x2 0.5 wide) one peel moves a limit by
    about 0.05 x 0.4 = 0.02 on x1 and 0.025 on x2, so the knee can stop one peel either side;
    the density of 400 points with p = 0.9 has a standard error of 0.015 (0.05 is over three),
    the coverage of about 520 points of interest one of 0.02. A peel on the wrong factor or at
    the wrong end moves a limit by far more, and restricting a third factor fails outright.
    """
    x, interesting = _reference_problem(seed)
    peeling = peel(x, interesting)
    step = knee(peeling.trajectory)
    limits = peeling.limits(step).set_index("factor")
    assert list(limits.index) == ["x1", "x2"]
    assert limits.loc["x1", "low"] == pytest.approx(0.2, abs=0.03)
    assert limits.loc["x1", "high"] == pytest.approx(0.6, abs=0.03)
    assert limits.loc["x2", "low"] == pytest.approx(0.5, abs=0.03)
    chosen = peeling.trajectory.iloc[step]
    assert chosen["density"] == pytest.approx(0.9, abs=0.05)
    assert chosen["coverage"] == pytest.approx(TRUE_COVERAGE, abs=0.06)


def test_each_peel_removes_an_alpha_share_of_the_box_until_the_smallest_box():
    x, interesting = _reference_problem(4)
    trajectory = peel(x, interesting, alpha=0.05, min_mass=0.05).trajectory
    assert trajectory.iloc[0][["coverage", "density", "mass"]].tolist() == [1.0, interesting.mean(), 1.0]
    kept = trajectory["mass"].to_numpy()[1:] / trajectory["mass"].to_numpy()[:-1]
    # An alpha quantile removes 5% of the box's points, give or take the one point its rounding makes.
    assert np.all(np.abs(kept - 0.95) <= 1 / (trajectory["mass"].to_numpy()[1:] * len(x)) + 1e-12)
    assert np.all(np.diff(trajectory["coverage"]) <= 0)  # a peel never adds a point
    assert trajectory["mass"].iloc[-1] >= 0.05 > 0.95 * trajectory["mass"].iloc[-1] - 1 / len(x)


def test_a_design_with_few_levels_peels_a_whole_level_at_a_time():
    """A grid: an alpha quantile falls on a level and would remove nothing, so the lowest level goes."""
    levels = [0.125, 0.375, 0.625, 0.875]
    x = pd.DataFrame(list(itertools.product(levels, levels, levels)), columns=["a", "b", "c"])
    interesting = (x["a"] >= 0.6).to_numpy()
    peeling = peel(x, interesting)
    step = densest_with_coverage(peeling.trajectory, 1.0)
    assert peeling.trajectory.iloc[step][["coverage", "density"]].tolist() == [1.0, 1.0]
    assert peeling.limits(step).to_dict("records") == [{"factor": "a", "low": 0.625, "high": 0.875}]


def test_pasting_grows_a_box_that_was_cut_too_tight_back_to_the_true_one():
    """The outcome is exactly the box, so pasting may grow while density stays 1.

    Tolerance 0.03: a paste adds 5% of the box's points, about 0.02 of x1, and stops short of
    the first point outside.
    """
    x, interesting = _reference_problem(5, noisy=False)
    tight = np.array([[0.3, 0.6], [0.5, 1.0], [0.1, 0.9], [0.1, 0.9], [0.1, 0.9]])
    box, statistics = paste(x, interesting, tight)
    assert box[0, 0] == pytest.approx(0.2, abs=0.03)
    assert statistics["density"] == 1.0
    assert statistics["coverage"] > 0.95
    assert np.all(box[2:, 1] - box[2:, 0] > 0.95)  # the needless limits on x3..x5 are pasted away


def test_box_selection_by_minimum_density_and_by_the_knee():
    trajectory = pd.DataFrame(
        {
            "step": [0, 1, 2, 3, 4],
            "coverage": [1.0, 0.95, 0.9, 0.5, 0.2],
            "density": [0.2, 0.5, 0.8, 0.85, 0.9],
            "mass": [1.0, 0.6, 0.3, 0.15, 0.06],
            "restricted": [0, 1, 2, 2, 3],
        }
    )
    assert densest_with_coverage(trajectory, 0.75) == 2
    assert densest_with_coverage(trajectory, 0.95) is None
    assert knee(trajectory) == 2


def test_the_published_toy_example_of_primr_finds_its_bump():
    """The toy example of the primr package's vignette (Masselot, "A basic toy example"): 1,000
    points uniform on the unit square, y = 2 x1 + 5 x2 + 10 [x1 >= 0.8 and x2 >= 0.5] + N(0, 1); the
    published answer is the bump x1 >= 0.8, x2 >= 0.5. Our PRIM is for yes/no outcomes, so the
    outcome of interest is y > 9: outside the bump y exceeds 9 only when the noise is above 2 at the
    corner (about 2% there, far less elsewhere), inside it always does. Tolerance 0.05 on each
    lower limit: one peel near the box moves a limit by about 0.05 x its width (0.01 to 0.025).
    The vignette's random numbers are R's, so the points differ; the bump does not.
    """
    rng = np.random.default_rng(12345)
    x = pd.DataFrame(rng.uniform(size=(1000, 2)), columns=["x1", "x2"])
    bump = (x["x1"] >= 0.8) & (x["x2"] >= 0.5)
    y = 2 * x["x1"] + 5 * x["x2"] + 10 * bump + rng.normal(size=len(x))
    peeling = peel(x, (y > 9).to_numpy())
    limits = peeling.limits(knee(peeling.trajectory)).set_index("factor")
    assert limits.loc["x1", "low"] == pytest.approx(0.8, abs=0.05)
    assert limits.loc["x2", "low"] == pytest.approx(0.5, abs=0.05)
    assert limits.loc["x1", "high"] >= 0.95 and limits.loc["x2", "high"] >= 0.95  # the bump reaches the edges
