"""What an experiment's points say: sensitivity indices, one-at-a-time swings, PRIM boxes.

Each takes the points table (one row per design point, an outcome's mean per point) and
reads no files. Indices come from SALib: Sobol first-order and total indices for a
Sobol design, Morris mu* for a Morris design, PAWN for any other (all with SALib's
bootstrap intervals where it gives them). Scenario discovery uses PRIM.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import prim
from SALib.analyze import morris, pawn, sobol

from sim.experiments.design import ONE_AT_A_TIME, SAMPLED, salib_problem
from sim.experiments.spec import Experiment, Factor
from sim.scenario import Scenario

RESAMPLES = 1_000
CONFIDENCE = 0.95
MIN_DENSITY = 0.75  # the chosen PRIM box: the most coverage among boxes at least this dense
INDEX_COLUMNS = ["outcome", "factor", "method", "index", "value", "ci_low", "ci_high"]


def sensitivity_indices(experiment: Experiment, points: pd.DataFrame) -> pd.DataFrame:
    """Long table: outcome, factor, method, index name, value and 95% interval (NaN where none)."""
    design = points[points["kind"] == SAMPLED].sort_values("point")
    problem = salib_problem(experiment.factors)
    names = list(experiment.factors)
    x = design[names].to_numpy(dtype=float)
    rows = []
    for outcome in experiment.outcomes:
        y = design[outcome].to_numpy(dtype=float)
        if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            continue  # an outcome with no value at some point, or the same everywhere, has no indices
        rows += _indices(experiment, problem, x, y, outcome)
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def _indices(experiment: Experiment, problem: dict, x: np.ndarray, y: np.ndarray, outcome: str) -> list[dict]:
    method, seed = experiment.design.method, experiment.design.seed
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns about sample sizes; docs/experiments.md explains them
        if method == "sobol":
            found = sobol.analyze(
                problem, y, calc_second_order=False, num_resamples=RESAMPLES, conf_level=CONFIDENCE, seed=seed
            )
            pairs = (("first-order", "S1"), ("total", "ST"))
        elif method == "morris":
            found = morris.analyze(
                problem,
                x,
                y,
                num_resamples=RESAMPLES,
                conf_level=CONFIDENCE,
                num_levels=experiment.design.levels,
                seed=seed,
            )
            pairs = (("mu_star", "mu_star"), ("sigma", "sigma"))
        else:
            found = pawn.analyze(problem, x, y, S=10, seed=seed)
            pairs = (("pawn_median", "median"), ("pawn_max", "maximum"))
    for k, factor in enumerate(problem["names"]):
        for label, key in pairs:
            value = float(found[key][k])
            half = found.get(f"{key}_conf")
            half = float(half[k]) if half is not None else np.nan
            rows.append(
                {
                    "outcome": outcome,
                    "factor": factor,
                    "method": method if method in ("sobol", "morris") else "pawn",
                    "index": label,
                    "value": value,
                    "ci_low": value - half,
                    "ci_high": value + half,
                }
            )
    return rows


def tornado(experiment: Experiment, points: pd.DataFrame) -> pd.DataFrame:
    """One-at-a-time swings: each outcome at each factor's low and high end, the rest at their centre.

    Sorted by the size of the swing, largest first, within each outcome.
    """
    swings = points[points["kind"] == ONE_AT_A_TIME]
    centre = swings[swings["oat_end"] == "centre"].iloc[0]
    rows = []
    for outcome in experiment.outcomes:
        for name, factor in experiment.factors.items():
            ends = swings[swings["oat_factor"] == name].set_index("oat_end")
            low, high = ends.loc["low"], ends.loc["high"]
            rows.append(
                {
                    "outcome": outcome,
                    "factor": name,
                    "low_value": low[name],
                    "high_value": high[name],
                    "percentile": factor.percentile,
                    "centre": centre[outcome],
                    "at_low": low[outcome],
                    "at_high": high[outcome],
                    "at_low_ci": f"{low[outcome + '_ci_low']:.4g} to {low[outcome + '_ci_high']:.4g}",
                    "at_high_ci": f"{high[outcome + '_ci_low']:.4g} to {high[outcome + '_ci_high']:.4g}",
                    "swing": abs(high[outcome] - low[outcome]),
                }
            )
    table = pd.DataFrame(rows)
    return table.sort_values(["outcome", "swing"], ascending=[True, False], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Discovery:
    """PRIM's answer: the peeling trajectory, the chosen box and a reading of it."""

    outcome: str
    threshold: float
    cases: int
    points: int
    trajectory: pd.DataFrame  # step, coverage, density, mass, restricted dimensions
    chosen_step: int | None
    limits: pd.DataFrame  # factor, low, high (of the chosen box; restricted factors only)
    reading: str


def discover(experiment: Experiment, points: pd.DataFrame, scenario: Scenario | None = None) -> Discovery:
    """Which factor ranges make the discovery outcome at least its threshold, by PRIM.

    With the scenario, a percentile factor's limits are also read as values of its
    parameter in the scenario's base distribution.
    """
    outcome = experiment.discovery_outcome
    design = points[points["kind"] == SAMPLED]
    names = list(experiment.factors)
    values = design[outcome].to_numpy(dtype=float)
    threshold = experiment.discovery.above
    if threshold is None:
        threshold = float(np.nanpercentile(values, 75))
    interesting = values >= threshold
    cases, total = int(interesting.sum()), len(values)
    empty = pd.DataFrame(columns=["step", "coverage", "density", "mass", "restricted"])
    if cases == 0 or cases == total:
        which = "no" if cases == 0 else "every"
        reading = (
            f"{which} design point has {outcome} at or above {threshold:.3g}: there is no region to find. "
            "Widen the factor ranges or change `discovery.above`."
        )
        return Discovery(outcome, threshold, cases, total, empty, None, pd.DataFrame(), reading)
    x = design[names].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, interesting.astype(float), threshold=0.5, threshold_type=">").find_box()
    trajectory = box.peeling_trajectory.rename(columns={"res dim": "restricted"})
    trajectory = trajectory[["coverage", "density", "mass", "restricted"]].reset_index(names="step")
    dense = trajectory[trajectory["density"] >= MIN_DENSITY]
    chosen = dense.sort_values(["coverage", "density"], ascending=False).iloc[0] if len(dense) else trajectory.iloc[-1]
    step = int(chosen["step"])
    box.select(step)
    limits = box.limits.reset_index(names="factor")[["factor", "min", "max"]].rename(
        columns={"min": "low", "max": "high"}
    )
    observed = {name: (x[name].min(), x[name].max()) for name in names}
    reading = _reading(experiment, outcome, threshold, cases, total, chosen, limits, observed, scenario)
    return Discovery(outcome, threshold, cases, total, trajectory, step, limits, reading)


def _reading(
    experiment: Experiment,
    outcome: str,
    threshold: float,
    cases: int,
    total: int,
    chosen: pd.Series,
    limits: pd.DataFrame,
    observed: dict[str, tuple[float, float]],
    scenario: Scenario | None,
) -> str:
    """The chosen box in plain words; a side of the box at the design's edge is no restriction."""
    conditions = []
    for row in limits.itertuples():
        factor = experiment.factors[row.factor]
        lo_end, hi_end = observed[row.factor]

        def said(value: float, factor: Factor = factor) -> str:
            if not factor.percentile:
                return f"{value:.3g}"
            text = f"percentile {100 * value:.0f} of its distribution"
            base = scenario.parameters.get(factor.parameter) if scenario is not None else None
            if base is not None and base.kind == "number":
                text += f" (about {float(base.quantile(value)):.3g} in the scenario's base distribution)"
            return text

        if row.low > lo_end + 1e-9 and row.high < hi_end - 1e-9:
            conditions.append(f"{row.factor} between {said(row.low)} and {said(row.high)}")
        elif row.low > lo_end + 1e-9:
            conditions.append(f"{row.factor} at least {said(row.low)}")
        else:
            conditions.append(f"{row.factor} at most {said(row.high)}")
    where = "; ".join(conditions) if conditions else "anywhere in the design"
    return (
        f"{cases} of {total} design points ({cases / total:.0%}) have {outcome} at or above {threshold:.3g}. "
        f"They concentrate where {where}. That region holds {chosen['mass']:.0%} of the design; "
        f"{chosen['density']:.0%} of its points have {outcome} at or above {threshold:.3g} (density), "
        f"and it holds {chosen['coverage']:.0%} of all such points (coverage)."
    )
