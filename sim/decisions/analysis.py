"""Judge courses of action from their replications: robustness, regret, Pareto front, value of information.

Input is one row per (course, replication) with the replication's hypothesis and whether it
met each criterion. A *state of the world* is a hypothesis. The decision value of a
course in a state is the share of its futures there that meet every criterion; across states
it is weighted by the hypotheses' prior weights (the scenario's own, not the sample's shares).

- Regret of a course in a state: the best course's value there minus its own.
- Robustness: the share of futures meeting every criterion, overall and in the worst state.
- Expected value of perfect information (EVPI) about the hypothesis: the value of choosing
  the best course in each state, minus the value of the one best course chosen without
  knowing the state. It is what finding out which hypothesis holds is worth, in the same units.

Intervals are simulation error only (how far more replications could move the number), from
a paired Poisson bootstrap over replications: every course keeps the same replications in a
resample, so the intervals keep the pairing of common random numbers. A maximum over noisy
means is biased upward; the bootstrap interval shows by how much it can move.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.statistics import wilson_intervals

RESAMPLES = 400
ALL = "all"  # the column: met every criterion


@dataclass(frozen=True)
class DecisionTables:
    """Everything `wargame decide` reports, each a table written beside the report as CSV."""

    by_hypothesis: pd.DataFrame  # course x hypothesis: n, value and its interval, each criterion's share
    regret: pd.DataFrame  # course x hypothesis: value, best value, regret and its interval
    robustness: pd.DataFrame  # course: overall value, worst state, each criterion's share, max regret
    information: pd.DataFrame  # one row: value without and with perfect information, EVPI and interval
    choices: pd.DataFrame  # hypothesis: the best course there, its margin over the next, how many tie with it
    pareto: pd.DataFrame  # course: each criterion's share met, whether no other course is at least as good
    pairing: pd.DataFrame  # course: how it stays paired with the first course, and its difference in value
    unsampled: tuple[str, ...] = ()  # hypotheses with prior weight that drew no replication (left out)
    boot: np.ndarray | None = None  # resampled overall values (resample, course), for paired differences

    def difference(self, course: str, reference: str) -> tuple[float, float, float]:
        """Prior-weighted value of `course` minus `reference`, with its paired bootstrap 95% interval."""
        courses = list(self.robustness["course"])
        i, k = courses.index(course), courses.index(reference)
        value = self.robustness["value"].to_numpy(dtype=float)
        low, high = np.percentile(self.boot[:, i] - self.boot[:, k], [2.5, 97.5])
        return _clean(value[i] - value[k]), _clean(low), _clean(high)


def decision_tables(
    met: pd.DataFrame,
    weights: Mapping[str, float],
    criteria: list[str],
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> DecisionTables:
    """The decision tables from `met`: columns course, replication, hypothesis, one bool per criterion, `all`.

    Every course must hold the same replications (common random numbers); `weights` are the
    hypotheses' prior weights.
    """
    courses = list(dict.fromkeys(met["course"]))
    drawn = set(met["hypothesis"].unique())
    unsampled = tuple(h for h in weights if weights[h] > 0 and h not in drawn)
    states = [h for h in weights if weights[h] > 0 and h in drawn]  # an unsampled one's weight goes to the rest
    w = np.array([weights[h] for h in states], dtype=float)
    w = w / w.sum()
    cube, counts = _cube(met, courses, states, [ALL, *criteria])  # (course, state, column) shares
    value = cube[:, :, 0]  # course x state
    boot = _bootstrap_values(met, courses, states, seed, resamples)  # (resample, course, state)
    boot = np.where(np.isnan(boot), value[None, :, :], boot)  # a resample that drew none of a state keeps its value

    by_hypothesis = _by_hypothesis(met, courses, states, criteria, cube, counts)
    regret = _regret(courses, states, value, boot)
    robustness = _robustness(met, courses, states, criteria, cube, w, regret, boot, counts)
    information = _information(value, w, boot)
    choices = _choices(courses, states, value, tie_break=value @ w)
    pareto = _pareto(courses, criteria, cube, w)
    pairs = pairing(met, courses[0], criteria)
    overall = boot @ w
    differences = [_clean(value[i] @ w - value[0] @ w) for i in range(len(courses))]
    low, high = np.percentile(overall - overall[:, :1], [2.5, 97.5], axis=0)
    pairs["difference"] = differences
    pairs["difference_ci_low"], pairs["difference_ci_high"] = _clean(low), _clean(high)
    return DecisionTables(by_hypothesis, regret, robustness, information, choices, pareto, pairs, unsampled, overall)


def _clean(value):
    """Rounding noise (1e-17, -0.0) shown as the zero it is."""
    cleaned = np.where(np.abs(value) < 1e-12, 0.0, value)
    return float(cleaned) if np.ndim(cleaned) == 0 else cleaned


def _cube(
    met: pd.DataFrame, courses: list[str], states: list[str], columns: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    grouped = met.groupby(["course", "hypothesis"], sort=False)[columns]
    means = grouped.mean()
    sizes = grouped.size()
    cube = np.full((len(courses), len(states), len(columns)), np.nan)
    counts = np.zeros((len(courses), len(states)), dtype=int)
    for i, course in enumerate(courses):
        for j, state in enumerate(states):
            if (course, state) in sizes.index:
                cube[i, j] = means.loc[(course, state)].to_numpy(dtype=float)
                counts[i, j] = sizes.loc[(course, state)]
    return cube, counts


def _bootstrap_values(
    met: pd.DataFrame, courses: list[str], states: list[str], seed: int, resamples: int
) -> np.ndarray:
    """Resampled values (share meeting every criterion) per course and state, one Poisson weight per replication.

    A replication's weight is shared by every course, so resamples keep the pairing.
    """
    replications = np.sort(met["replication"].unique())
    position = {r: k for k, r in enumerate(replications)}
    weights = np.random.default_rng(seed).poisson(1.0, size=(resamples, len(replications))).astype(float)
    out = np.full((resamples, len(courses), len(states)), np.nan)
    for i, course in enumerate(courses):
        rows = met[met["course"] == course]
        index = rows["replication"].map(position).to_numpy()
        ok = rows[ALL].to_numpy(dtype=float)
        hypotheses = rows["hypothesis"].to_numpy()
        for j, state in enumerate(states):
            mask = hypotheses == state
            w = weights[:, index[mask]]
            total = w.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, i, j] = (w @ ok[mask]) / total
    return out


def _interval(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low, high = np.nanpercentile(samples, [2.5, 97.5], axis=0)
    return low, high


def _by_hypothesis(met, courses, states, criteria, cube, counts) -> pd.DataFrame:
    low, high = wilson_intervals(np.rint(np.nan_to_num(cube[:, :, 0]) * counts), counts)
    rows = []
    for i, course in enumerate(courses):
        for j, state in enumerate(states):
            row = {"course": course, "hypothesis": state, "replications": int(counts[i, j]), "value": cube[i, j, 0]}
            row.update(value_ci_low=low[i, j], value_ci_high=high[i, j])
            row.update({f"met.{name}": cube[i, j, 1 + k] for k, name in enumerate(criteria)})
            rows.append(row)
    return pd.DataFrame(rows)


def _regret(courses, states, value, boot) -> pd.DataFrame:
    best = np.nanmax(value, axis=0)
    regret = best[None, :] - value
    boot_regret = np.nanmax(boot, axis=1, keepdims=True) - boot
    low, high = _interval(boot_regret)
    rows = []
    for i, course in enumerate(courses):
        for j, state in enumerate(states):
            rows.append(
                {
                    "course": course,
                    "hypothesis": state,
                    "value": value[i, j],
                    "best_value": best[j],
                    "regret": _clean(regret[i, j]),
                    "regret_ci_low": _clean(low[i, j]),
                    "regret_ci_high": _clean(high[i, j]),
                }
            )
    return pd.DataFrame(rows)


def _robustness(met, courses, states, criteria, cube, w, regret, boot, counts) -> pd.DataFrame:
    """Per course: the prior-weighted value and its interval, worst state, criteria shares and regrets.

    The value's interval is the paired bootstrap's, widened to at least the Wilson interval of
    the pooled replications: a bootstrap of a share at 0% or 100% has no width, Wilson's does.
    """
    overall = cube[:, :, 0] @ w
    boot_overall = boot @ w
    low, high = _interval(boot_overall)
    n = counts.sum(axis=1)
    wilson_low, wilson_high = wilson_intervals(np.rint(overall * n), n)
    low, high = np.fmin(low, wilson_low), np.fmax(high, wilson_high)
    max_regret = regret.groupby("course", sort=False)["regret"].max().reindex(courses).to_numpy()
    boot_max_regret = (np.nanmax(boot, axis=1, keepdims=True) - boot).max(axis=2)
    regret_low, regret_high = _interval(boot_max_regret)
    expected_regret = (np.nanmax(cube[:, :, 0], axis=0)[None, :] - cube[:, :, 0]) @ w
    worst = np.nanargmin(cube[:, :, 0], axis=1)
    rows = []
    for i, course in enumerate(courses):
        row = {
            "course": course,
            "value": overall[i],
            "value_ci_low": low[i],
            "value_ci_high": high[i],
            "worst_hypothesis": states[worst[i]],
            "worst_value": cube[i, worst[i], 0],
            "max_regret": _clean(max_regret[i]),
            "max_regret_ci_low": _clean(regret_low[i]),
            "max_regret_ci_high": _clean(regret_high[i]),
            "expected_regret": _clean(expected_regret[i]),
        }
        row.update({f"met.{name}": cube[i, :, 1 + k] @ w for k, name in enumerate(criteria)})
        rows.append(row)
    return pd.DataFrame(rows)


def _information(value, w, boot) -> pd.DataFrame:
    without = np.nanmax(value @ w)
    with_info = np.nanmax(value, axis=0) @ w
    boot_without = np.nanmax(boot @ w, axis=1)
    boot_with = np.nanmax(boot, axis=1) @ w
    low, high = _interval(boot_with - boot_without)
    return pd.DataFrame(
        [
            {
                "value_without_information": without,
                "value_with_perfect_information": with_info,
                "evpi": _clean(with_info - without),
                "evpi_ci_low": _clean(low),
                "evpi_ci_high": _clean(high),
            }
        ]
    )


def _choices(courses, states, value, tie_break) -> pd.DataFrame:
    """The best course under each state; among equals, the one best over all states."""
    rows = []
    for j, state in enumerate(states):
        order = np.lexsort((-tie_break, -np.nan_to_num(value[:, j], nan=-np.inf)))
        best = value[order[0], j]
        following = [value[k, j] for k in order[1:] if value[k, j] < best - 1e-12]
        rows.append(
            {
                "hypothesis": state,
                "best_course": courses[order[0]],
                "value": best,
                "tied": int(np.sum(np.abs(value[:, j] - best) <= 1e-12)) - 1,  # other courses with the same value
                "margin": _clean(best - following[0]) if following else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _pareto(courses, criteria, cube, w) -> pd.DataFrame:
    """Courses no other course beats on every criterion's share met (prior-weighted) and ties on none worse."""
    shares = np.stack([cube[:, :, 1 + k] @ w for k in range(len(criteria))], axis=1) if criteria else None
    rows = []
    for i, course in enumerate(courses):
        dominated = False
        if shares is not None:
            for k in range(len(courses)):
                if k != i and np.all(shares[k] >= shares[i]) and np.any(shares[k] > shares[i]):
                    dominated = True
                    break
        row = {"course": course, "pareto_optimal": not dominated}
        if shares is not None:
            row.update({f"met.{name}": shares[i, k] for k, name in enumerate(criteria)})
        rows.append(row)
    return pd.DataFrame(rows)


def pairing(met: pd.DataFrame, reference: str, criteria: list[str]) -> pd.DataFrame:
    """How well each course stays paired with the reference course, replication by replication.

    `same_hypothesis`: share of replications drawn under the same hypothesis (1 by design);
    `same_result`: share whose every criterion came out the same; `width_ratio`: how much wider
    an independent-samples interval of the difference would be than the paired one (from the
    replications' standard deviations; above 1, pairing narrows the comparison).
    """
    base = met[met["course"] == reference].set_index("replication")
    rows = []
    for course, part in met.groupby("course", sort=False):
        part = part.set_index("replication").reindex(base.index)
        a, b = part[ALL].to_numpy(dtype=float), base[ALL].to_numpy(dtype=float)
        paired_sd = np.std(a - b, ddof=1) if len(a) > 1 else np.nan
        independent_sd = np.sqrt(np.var(a, ddof=1) + np.var(b, ddof=1)) if len(a) > 1 else np.nan
        rows.append(
            {
                "course": course,
                "replications": len(a),
                "same_hypothesis": float((part["hypothesis"] == base["hypothesis"]).mean()),
                "same_result": float((part[[ALL, *criteria]] == base[[ALL, *criteria]]).all(axis=1).mean()),
                "width_ratio": independent_sd / paired_sd if paired_sd > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def expected_outcomes(
    rows: pd.DataFrame, weights: Mapping[str, float], outcomes: list[str], yes_no: set[str]
) -> pd.DataFrame:
    """Each outcome's mean per course and hypothesis, and over all (prior-weighted), with 95% intervals.

    `rows`: columns course, hypothesis and the outcomes. A yes/no outcome's mean is its
    probability (Wilson interval per hypothesis); a number's mean is over the replications
    with a value (normal interval). The overall interval combines the hypotheses' standard
    errors with the prior weights. Simulation error only.
    """
    z = 1.959963984540054
    drawn = set(rows["hypothesis"].unique())
    states = [h for h in weights if weights[h] > 0 and h in drawn]
    total_weight = sum(weights[h] for h in states)
    found = []
    for (course, outcome), part in _long(rows, outcomes).groupby(["course", "outcome"], sort=False):
        means, variances, parts = [], [], []
        for state in states:
            values = part.loc[part["hypothesis"] == state, "value"].dropna().astype(float)
            n = len(values)
            mean = values.mean() if n else np.nan
            var = values.var(ddof=1) / n if n > 1 else np.nan
            if outcome in yes_no and n:
                low, high = (float(x[0]) for x in wilson_intervals(np.array([values.sum()]), np.array([n])))
            else:
                half = z * np.sqrt(var) if n > 1 else np.nan
                low, high = mean - half, mean + half
            parts.append({"hypothesis": state, "replications": n, "mean": mean, "ci_low": low, "ci_high": high})
            means.append(mean)
            variances.append(var)
        share = np.array([weights[h] / total_weight for h in states])
        mean = float(np.nansum(share * np.array(means))) if not np.all(np.isnan(means)) else np.nan
        half = z * float(np.sqrt(np.nansum(share**2 * np.array(variances))))
        count = sum(p["replications"] for p in parts)
        low, high = mean - half, mean + half
        if outcome in yes_no:
            low, high = max(low, 0.0), min(high, 1.0)
        overall = {"hypothesis": "all", "replications": count, "mean": mean, "ci_low": low, "ci_high": high}
        for entry in [overall, *parts]:
            found.append({"course": course, "outcome": outcome, **entry})
    return pd.DataFrame(found)


def _long(rows: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    frame = rows[["course", "hypothesis", *outcomes]].copy()
    for name in outcomes:
        frame[name] = frame[name].astype(float)
    return frame.melt(id_vars=["course", "hypothesis"], var_name="outcome", value_name="value")
