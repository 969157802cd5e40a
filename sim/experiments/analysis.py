"""What an experiment's points say: sensitivity indices, one-at-a-time swings, PRIM boxes.

Each takes the points table (one row per design point, an outcome's mean per point) and
reads no files. Indices come from SALib: Sobol first-order and total indices for a
Sobol design, Morris mu* for a Morris design, PAWN for any other (all with SALib's
bootstrap intervals where it gives them), and only for outcomes that vary across the
design beyond the simulation error of a point (`outcome_variation`). Scenario discovery
uses PRIM (sim/experiments/prim.py).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris, pawn, sobol
from scipy import stats

from sim.experiments import prim
from sim.experiments.design import ONE_AT_A_TIME, SAMPLED, salib_problem
from sim.experiments.spec import Experiment, Factor
from sim.scenario import Scenario

RESAMPLES = 1_000
CONFIDENCE = 0.95
MIN_DENSITY = 0.75  # the chosen PRIM box: the most coverage among boxes at least this dense
INDEX_COLUMNS = ["outcome", "factor", "method", "index", "value", "ci_low", "ci_high"]
TORNADO_COLUMNS = [
    "outcome",
    "factor",
    "low_value",
    "high_value",
    "percentile",
    "centre",
    "centre_ci_low",
    "centre_ci_high",
    "at_low",
    "at_low_ci_low",
    "at_low_ci_high",
    "at_high",
    "at_high_ci_low",
    "at_high_ci_high",
    "swing",
]
VARIATION_LEVEL = 0.01  # an outcome varies when noise alone would give its spread less often than this
Z95 = stats.norm.ppf(0.975)  # the points table's intervals are 95% ones
# A design is big enough when its widest index interval is at most this wide either side: 0.1 for
# Sobol indices (shares of the variance: it ranks factors whose indices differ by 0.2), 10% of the
# largest mu* for Morris.
TARGET_HALF_WIDTH = {"sobol": 0.10, "morris": 0.10}


def outcome_variation(experiment: Experiment, points: pd.DataFrame) -> pd.DataFrame:
    """Whether each outcome varies across the design beyond the simulation error of a point.

    A chi-square test of the spread of the points' values against the variance of one
    point's mean, read from its 95% interval in the points table (Wilson for yes/no
    outcomes, normal for numbers): (m - 1) s^2 / se^2 against chi-square with m - 1 degrees
    of freedom, at level VARIATION_LEVEL. Points share random numbers, so without any effect
    of the factors they agree more than independent batches would: the test errs toward
    "does not vary"; a point without simulation error (a closed form) makes any spread real.
    Columns: outcome, points, spread (standard deviation across points), point_error (standard
    error of a point's value), ratio (spread / point_error), p_value, varies.
    """
    design = points[points["kind"] == SAMPLED]
    rows = []
    for outcome in experiment.outcomes:
        values = design[outcome].to_numpy(dtype=float)
        half = (design[f"{outcome}_ci_high"] - design[f"{outcome}_ci_low"]).to_numpy(dtype=float) / 2
        count = len(values)
        if count < 2 or not np.all(np.isfinite(values)):
            spread, error, p_value = np.nan, np.nan, np.nan  # an outcome with no value at some point: no indices
        else:
            spread = float(np.std(values, ddof=1)) if np.ptp(values) > 0 else 0.0  # no 1e-16 for a constant
            error = float(np.sqrt(np.nanmean((half / Z95) ** 2)))
            if spread == 0:
                p_value = 1.0
            elif not error > 0:
                p_value = 0.0
            else:
                p_value = float(stats.chi2.sf((count - 1) * spread**2 / error**2, count - 1))
        rows.append(
            {
                "outcome": outcome,
                "points": count,
                "spread": spread,
                "point_error": error,
                "ratio": spread / error if error and error > 0 else np.nan,
                "p_value": p_value,
                "varies": bool(p_value < VARIATION_LEVEL),
            }
        )
    return pd.DataFrame(rows)


def sensitivity_indices(
    experiment: Experiment, points: pd.DataFrame, variation: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Long table: outcome, factor, method, index name, value and 95% bootstrap interval (NaN where none),
    for the outcomes that vary beyond simulation error (`outcome_variation`) only."""
    if variation is None:
        variation = outcome_variation(experiment, points)
    design = points[points["kind"] == SAMPLED].sort_values("point")
    problem = salib_problem(experiment.factors)
    x = design[list(experiment.factors)].to_numpy(dtype=float)
    rows = []
    for outcome in variation.loc[variation["varies"], "outcome"]:
        rows += _indices(experiment, problem, x, design[outcome].to_numpy(dtype=float), outcome)
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def design_warnings(experiment: Experiment, indices: pd.DataFrame) -> list[dict]:
    """Outcomes whose indices the design is too small to pin down, with the size that would do.

    An interval's half-width shrinks as 1 / sqrt(samples), so the samples needed are
    samples x (widest half-width / target)^2, at least twice the samples, rounded up to a
    power of 2 (Saltelli's scheme wants one). Symptoms named: a first-order index below zero,
    or above its total index, by more than the target. PAWN gives no interval: no warning.
    """
    method = experiment.design.method
    target = TARGET_HALF_WIDTH.get(method)
    if target is None or indices.empty:
        return []
    found = []
    for outcome, rows in indices.groupby("outcome", sort=False):
        if method == "morris":
            rows = rows[rows["index"] == "mu_star"]
            target = TARGET_HALF_WIDTH["morris"] * max(float(rows["value"].max()), 1e-12)
        half = float(((rows["ci_high"] - rows["ci_low"]) / 2).max())
        symptoms = _symptoms(rows, target) if method == "sobol" else []
        if not (half > target or symptoms):
            continue
        needed = int(2 ** np.ceil(np.log2(experiment.design.samples * max((half / target) ** 2, 2.0))))
        per_sample = len(experiment.factors) + (2 if method == "sobol" else 1)
        found.append(
            {
                "outcome": outcome,
                "samples": experiment.design.samples,
                "needed": needed,
                "points_needed": needed * per_sample,
                "half_width": half,
                "target": target,
                "symptoms": symptoms,
            }
        )
    return found


def _symptoms(rows: pd.DataFrame, target: float) -> list[str]:
    """Sobol estimates that cannot be true of the real indices: negative first-order, first above total."""
    wide = rows.pivot(index="factor", columns="index", values="value")
    found = [
        f"{factor}: first-order {value:.2f} below zero"
        for factor, value in wide["first-order"].items()
        if value < -target
    ]
    found += [
        f"{factor}: first-order {row['first-order']:.2f} above total {row['total']:.2f}"
        for factor, row in wide.iterrows()
        if row["first-order"] > row["total"] + target
    ]
    return found


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


def tornado(experiment: Experiment, points: pd.DataFrame, variation: pd.DataFrame | None = None) -> pd.DataFrame:
    """One-at-a-time swings: each outcome at each factor's low and high end, the rest at their centre.

    Only outcomes that vary beyond simulation error (`outcome_variation`): a swing of one that
    does not is noise. Each value carries its point's 95% interval (simulation error of that
    point, from the points table), clipped by `_within_range`. Sorted by the size of the swing,
    largest first, within each outcome.
    """
    if variation is None:
        variation = outcome_variation(experiment, points)
    varying = set(variation.loc[variation["varies"], "outcome"])
    swings = _within_range(experiment, points)
    swings = swings[swings["kind"] == ONE_AT_A_TIME]
    centre = swings[swings["oat_end"] == "centre"].iloc[0]
    rows = []
    for outcome in (name for name in experiment.outcomes if name in varying):
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
                    "centre_ci_low": centre[f"{outcome}_ci_low"],
                    "centre_ci_high": centre[f"{outcome}_ci_high"],
                    "at_low": low[outcome],
                    "at_low_ci_low": low[f"{outcome}_ci_low"],
                    "at_low_ci_high": low[f"{outcome}_ci_high"],
                    "at_high": high[outcome],
                    "at_high_ci_low": high[f"{outcome}_ci_low"],
                    "at_high_ci_high": high[f"{outcome}_ci_high"],
                    "swing": abs(high[outcome] - low[outcome]),
                }
            )
    table = pd.DataFrame(rows, columns=TORNADO_COLUMNS)
    return table.sort_values(["outcome", "swing"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _within_range(experiment: Experiment, points: pd.DataFrame) -> pd.DataFrame:
    """The points table with each interval clipped at 0 for an outcome no point has below 0.

    The points table's intervals are normal (mean ± 1.96 standard errors), which runs below
    0 for a skewed non-negative outcome (ground taken: mostly 0, sometimes far), a value it
    cannot take. An outcome whose every point's mean is at least 0 is read as non-negative
    (probabilities, counts, days, km) and its intervals clipped there; the upper end is kept.
    """
    clipped = points.copy()
    for outcome in experiment.outcomes:
        if (points[outcome].dropna() >= 0).all():
            low = f"{outcome}_ci_low"
            clipped[low] = points[low].clip(lower=0)
    return clipped


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


def discover(
    experiment: Experiment,
    points: pd.DataFrame,
    scenario: Scenario | None = None,
    variation: pd.DataFrame | None = None,
) -> Discovery:
    """Which factor ranges make the discovery outcome at least its threshold, by PRIM.

    The chosen box has the most coverage among boxes at least MIN_DENSITY dense, else it is
    the knee of the trajectory (when none reaches it). No box when the outcome does not vary
    beyond simulation error (`outcome_variation`): which points clear the threshold is then
    chance. With the scenario, a percentile factor's limits are also read as values of its
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
    empty = pd.DataFrame(columns=prim.TRAJECTORY_COLUMNS)
    if variation is None:
        variation = outcome_variation(experiment, points)
    if not variation.loc[variation["outcome"] == outcome, "varies"].any():
        reading = (
            f"{outcome} does not vary across the design beyond the simulation error of a point (see "
            '"Does not vary here"): which points reach the threshold is chance, so PRIM would box noise '
            "and no box is shown. More replications per point, or wider factor ranges, would tell."
        )
        return Discovery(outcome, threshold, cases, total, empty, None, pd.DataFrame(), reading)
    if cases == 0 or cases == total:
        which = "no" if cases == 0 else "every"
        reading = (
            f"{which} design point has {outcome} at or above {threshold:.3g}: there is no region to find. "
            "Widen the factor ranges or change `discovery.above`."
        )
        return Discovery(outcome, threshold, cases, total, empty, None, pd.DataFrame(), reading)
    x = design[names].reset_index(drop=True)
    peeling = prim.peel(x, interesting)
    trajectory = peeling.trajectory
    step = prim.densest_with_coverage(trajectory, MIN_DENSITY)
    if step is None:
        step = prim.knee(trajectory)
    chosen = trajectory.iloc[step]
    limits = peeling.limits(step)
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
        f"{cases:,} of {total:,} design points ({cases / total:.0%}) have {outcome} at or above {threshold:.3g}. "
        f"They concentrate where {where}. That region holds {chosen['mass']:.0%} of the design; "
        f"{chosen['density']:.0%} of its points have {outcome} at or above {threshold:.3g} (density), "
        f"and it holds {chosen['coverage']:.0%} of all such points (coverage)."
    )
