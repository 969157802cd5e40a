"""Weigh a run's replications by the likelihood of the evidence: posterior hypotheses, ACH, re-forecasts.

Replications were drawn from the prior (hypothesis first, then parameters), so weighting
each by P(evidence | replication) and normalising is importance sampling of the
posterior; the Kish effective sample size says how many replications it rests on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.evidence.schema import EvidenceFile
from sim.forecast import weighted
from sim.forecast.questions import AskedQuestion, forecast_table
from sim.scenario.outcomes import CATEGORY, NUMBER, YES_NO, OutcomeCatalogue
from sim.statistics import wilson_interval

ESS_MINIMUM = 200  # below this, intervals of a few per cent are out of reach (Wilson half-width ~ 1/sqrt(ESS))
DIAGNOSTIC_RATIO = 2.0  # an observation at least twice as likely under one hypothesis as under another
WEAK_RATIO = 1.2  # 20% more likely: moves the odds a little, worth showing apart from 'not diagnostic'
NOISE_SIGMAS = 2.0  # ... and by more than twice the Monte Carlo error of the difference
BOOTSTRAP_RESAMPLES = 1_000
BOOTSTRAP_LIMIT = 200_000  # beyond, Wilson on the effective sample size (the bootstrap would take minutes)
BOOTSTRAP_SEED = 20250910


class EvidenceImpossible(Exception):
    """No replication is compatible with the evidence: nothing to weigh."""


@dataclass(frozen=True)
class Assessment:
    replications: int
    effective_replications: float
    abc_tolerance: float | None
    weights: np.ndarray
    hypotheses: pd.DataFrame  # prior and posterior weight of each hypothesis, with intervals
    interval_method: str
    ach: pd.DataFrame  # observation x hypothesis: P(E | H), its error, likelihood ratio against the rest
    diagnosticity: pd.DataFrame  # per observation: max/min ratio across hypotheses, diagnostic or not
    sequence: pd.DataFrame  # posterior of each hypothesis after each observation, in date order
    outcomes: pd.DataFrame  # every outcome forecast under the prior and the posterior
    forecasts: pd.DataFrame  # the scenario's questions, prior and posterior

    @property
    def too_few(self) -> bool:
        return self.effective_replications < ESS_MINIMUM

    def advice(self) -> str | None:
        """What to do when the effective sample is too small to trust (None when it is not)."""
        if not self.too_few:
            return None
        tolerance = f"{self.abc_tolerance:g}" if self.abc_tolerance else "none"
        return (
            f"effective sample size {self.effective_replications:,.0f} of {self.replications:,} replications is "
            f"below {ESS_MINIMUM}: the posterior rests on few replications. Run more replications "
            f"(--runs {self.runs_for_minimum():,} should give about {ESS_MINIMUM}), or use approximate Bayesian "
            f"computation: --abc-tolerance 0.1 widens every numeric observation by 10% (now: {tolerance})"
        )

    def runs_for_minimum(self) -> int:
        """Replications that would give an effective sample of ESS_MINIMUM, at this run's ratio."""
        ratio = self.effective_replications / self.replications
        return math.ceil(ESS_MINIMUM / ratio / 1000) * 1000 if ratio > 0 else 0


def assess(
    evidence: EvidenceFile,
    table: pd.DataFrame,
    log_likelihood: pd.DataFrame,
    prior_weights: Mapping[str, float],
    questions: Mapping[str, AskedQuestion],
    catalogue: OutcomeCatalogue,
    abc_tolerance: float | None = None,
) -> Assessment:
    """The posterior given every observation in `log_likelihood` (one column per observation)."""
    total = log_likelihood.sum(axis=1).to_numpy()
    if not np.isfinite(total).any():
        raise EvidenceImpossible(
            f"no replication of {len(table):,} is compatible with the evidence (every weight is zero)"
        )
    weights = np.exp(total - total[np.isfinite(total)].max())
    hypotheses = table["hypothesis"].astype(str).to_numpy()
    names = [name for name in sorted(prior_weights) if (hypotheses == name).any()]
    hypothesis_table, method = _hypothesis_table(hypotheses, names, weights, prior_weights)
    ach, diagnosticity = _ach(evidence, log_likelihood, hypotheses, names)
    return Assessment(
        replications=len(table),
        effective_replications=weighted.kish_ess(weights),
        abc_tolerance=abc_tolerance,
        weights=weights,
        hypotheses=hypothesis_table,
        interval_method=method,
        ach=ach,
        diagnosticity=diagnosticity,
        sequence=_sequence(evidence, log_likelihood, hypotheses, names),
        outcomes=_outcomes(table, weights, catalogue),
        forecasts=_prior_and_posterior(questions, table, weights),
    )


def posterior_of_hypotheses(hypotheses: np.ndarray, names: list[str], weights: np.ndarray) -> np.ndarray:
    """Share of the total weight held by each hypothesis's replications."""
    sums = np.array([weights[hypotheses == name].sum() for name in names])
    return sums / sums.sum() if sums.sum() > 0 else np.full(len(names), np.nan)


def _hypothesis_table(
    hypotheses: np.ndarray, names: list[str], weights: np.ndarray, prior_weights: Mapping[str, float]
) -> tuple[pd.DataFrame, str]:
    posterior = posterior_of_hypotheses(hypotheses, names, weights)
    if len(hypotheses) <= BOOTSTRAP_LIMIT:
        low, high = _bootstrap_interval(hypotheses, names, weights)
        method = f"percentile bootstrap of the replications ({BOOTSTRAP_RESAMPLES} resamples)"
    else:
        ess = weighted.kish_ess(weights)
        bounds = [weighted.wilson_bounds(p, ess) for p in posterior]
        low, high = np.array([b[0] for b in bounds]), np.array([b[1] for b in bounds])
        method = "Wilson interval on the effective sample size"
    rows = []
    for index, name in enumerate(names):
        count = int((hypotheses == name).sum())
        prior_low, prior_high = wilson_interval(count, len(hypotheses))
        rows.append(
            {
                "hypothesis": name,
                "replications": count,
                "prior": prior_weights[name],
                "prior_sampled": count / len(hypotheses),
                "prior_low": prior_low,
                "prior_high": prior_high,
                "posterior": posterior[index],
                "posterior_low": low[index],
                "posterior_high": high[index],
                "effective_replications": weighted.kish_ess(weights[hypotheses == name]),
            }
        )
    return pd.DataFrame(rows), method


def _bootstrap_interval(hypotheses: np.ndarray, names: list[str], weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95% percentile interval of each posterior weight, resampling replications with replacement.

    It reflects how much the posterior depends on the few replications that carry weight,
    which a single effective sample size averages away. Fixed seed: same run, same interval.
    """
    codes = np.searchsorted(np.array(names), hypotheses)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    draws = np.empty((BOOTSTRAP_RESAMPLES, len(names)))
    for b in range(BOOTSTRAP_RESAMPLES):
        chosen = rng.integers(0, len(weights), len(weights))
        sums = np.bincount(codes[chosen], weights=weights[chosen], minlength=len(names))
        draws[b] = sums / sums.sum() if sums.sum() > 0 else np.nan
    low, high = np.nanpercentile(draws, [2.5, 97.5], axis=0)
    return low, high


def _ach(
    evidence: EvidenceFile, log_likelihood: pd.DataFrame, hypotheses: np.ndarray, names: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """P(E | H) for each observation and hypothesis, the ratio against the other hypotheses, diagnosticity."""
    rows, verdicts = [], []
    for observation_name, observation in evidence.observations.items():
        likelihood = np.exp(log_likelihood[observation_name].to_numpy())
        estimates = {}
        for name in names:
            inside = likelihood[hypotheses == name]
            se = float(inside.std(ddof=1) / math.sqrt(len(inside))) if len(inside) > 1 else math.nan
            estimates[name] = (float(inside.mean()), se)
        for name in names:
            others = likelihood[hypotheses != name]
            p_others = float(others.mean()) if len(others) else math.nan
            p = estimates[name][0]
            rows.append(
                {
                    "observation": observation_name,
                    "hypothesis": name,
                    "likelihood": p,
                    "likelihood_se": estimates[name][1],
                    "likelihood_ratio": p / p_others if p_others > 0 else (math.inf if p > 0 else math.nan),
                }
            )
        verdicts.append(_diagnosticity(observation_name, observation.text, observation.date.isoformat(), estimates))
    return pd.DataFrame(rows), pd.DataFrame(verdicts)


def _diagnosticity(name: str, text: str, date: str, estimates: dict[str, tuple[float, float]]) -> dict[str, object]:
    """Diagnostic if the most and least consistent hypotheses differ by DIAGNOSTIC_RATIO, beyond noise.

    'weakly diagnostic' from WEAK_RATIO; anything within Monte Carlo noise is 'not diagnostic'.
    """
    most = max(estimates, key=lambda h: estimates[h][0])
    least = min(estimates, key=lambda h: estimates[h][0])
    (high, high_se), (low, low_se) = estimates[most], estimates[least]
    ratio = high / low if low > 0 else (math.inf if high > 0 else 1.0)
    noise = NOISE_SIGMAS * math.sqrt(np.nansum([high_se**2, low_se**2]))
    beyond_noise = len(estimates) > 1 and high - low > noise
    verdict = "not diagnostic"
    if beyond_noise and ratio >= DIAGNOSTIC_RATIO:
        verdict = "diagnostic"
    elif beyond_noise and ratio >= WEAK_RATIO:
        verdict = "weakly diagnostic"
    return {
        "observation": name,
        "text": text,
        "date": date,
        "most_consistent": most,
        "least_consistent": least,
        "max_min_ratio": ratio,
        "difference": high - low,
        "noise": noise,
        "verdict": verdict,
    }


def _sequence(
    evidence: EvidenceFile, log_likelihood: pd.DataFrame, hypotheses: np.ndarray, names: list[str]
) -> pd.DataFrame:
    """The posterior after the first 0, 1, 2... observations, taken in date order (file order on a tie)."""
    order = sorted(evidence.observations, key=lambda n: evidence.observations[n].date)
    running = np.zeros(len(log_likelihood))
    rows = [{"after": "(prior, no evidence)", "date": "", **_shares(hypotheses, names, np.ones(len(running)))}]
    for name in order:
        running = running + log_likelihood[name].to_numpy()
        finite = np.isfinite(running)
        weights = np.exp(running - running[finite].max()) if finite.any() else np.zeros(len(running))
        rows.append(
            {"after": name, "date": evidence.observations[name].date.isoformat(), **_shares(hypotheses, names, weights)}
        )
    return pd.DataFrame(rows)


def _shares(hypotheses: np.ndarray, names: list[str], weights: np.ndarray) -> dict[str, float]:
    shares = posterior_of_hypotheses(hypotheses, names, weights)
    return {**dict(zip(names, shares.tolist(), strict=True)), "effective_replications": weighted.kish_ess(weights)}


def _outcomes(table: pd.DataFrame, weights: np.ndarray, catalogue: OutcomeCatalogue) -> pd.DataFrame:
    """Every yes/no outcome, category and number: prior (equal weights) beside posterior, with intervals."""
    equal = np.ones(len(table))
    rows = []
    for name, spec in catalogue.items():
        kind = spec.kind
        if name not in table.columns or name == "hypothesis":
            continue
        if kind == YES_NO:
            happened = table[name].to_numpy(dtype=bool)
            rows.append(
                _row(
                    name,
                    spec.label,
                    "probability",
                    weighted.weighted_probability(happened, equal),
                    weighted.weighted_probability(happened, weights),
                )
            )
        elif kind == CATEGORY:
            values = table[name].astype(str).to_numpy()
            for category in sorted(set(table[name].dropna().astype(str))):
                happened = values == category
                rows.append(
                    _row(
                        f"{name} = {category}",
                        f"{spec.label}: {category.replace('_', ' ')}",
                        "probability",
                        weighted.weighted_probability(happened, equal),
                        weighted.weighted_probability(happened, weights),
                    )
                )
        elif kind == NUMBER:
            values = table[name].to_numpy(dtype=float)
            rows.append(
                _row(
                    name,
                    spec.label + (f" ({spec.unit})" if spec.unit else ""),
                    "mean",
                    weighted.weighted_mean(values, equal),
                    weighted.weighted_mean(values, weights),
                )
            )
    return pd.DataFrame(rows)


def _row(
    name: str, label: str, measure: str, prior: tuple[float, float, float], posterior: tuple[float, float, float]
) -> dict[str, object]:
    return {
        "outcome": name,
        "label": label,
        "measure": measure,
        "prior": prior[0],
        "prior_low": prior[1],
        "prior_high": prior[2],
        "posterior": posterior[0],
        "posterior_low": posterior[1],
        "posterior_high": posterior[2],
        "change": posterior[0] - prior[0],
    }


def _prior_and_posterior(
    questions: Mapping[str, AskedQuestion], table: pd.DataFrame, weights: np.ndarray
) -> pd.DataFrame:
    if not questions:
        return pd.DataFrame()
    prior = forecast_table(questions, table)
    posterior = forecast_table(questions, table, weights)
    chosen = ["forecast", "ci_low", "ci_high", "p5", "p50", "p95"]
    return prior.join(posterior[chosen].add_prefix("posterior_"))
