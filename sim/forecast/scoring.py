"""Score forecasts against resolved answers: Brier and log scores, CRPS, each beside its baseline's.

Every score is negatively oriented (lower is better). The log score is -ln p(outcome),
in nats. CRPS comes from `scoringrules` (the forecast is the, possibly weighted, ensemble
of replications). Each question is scored against its own baseline (sim/forecast/baselines.py):
a published target, or the no-skill forecast (50%, or a uniform over a range).
The forecasts scored are the run's (every replication counts once) or, given weights,
the re-weighted ones of an assessment.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import scoringrules

from sim.forecast import weighted
from sim.forecast.baselines import NO_SKILL_PROBABILITY, baseline_for
from sim.forecast.questions import BINARY, AskedQuestion, forecast_table, question_kind
from sim.forecast.resolutions import Resolution
from sim.scenario.schema import Target

__all__ = ["NO_SKILL_PROBABILITY", "brier", "log_score", "score_questions", "summarise", "reliability_table"]

RELIABILITY_MINIMUM = 10  # fewer resolved binary questions than this: a reliability diagram is mostly noise
RELIABILITY_BINS = 5
PRIOR, POSTERIOR = "prior", "posterior"
COLUMNS = [
    "question",
    "forecasts",
    "kind",
    "text",
    "resolution",
    "source_kind",
    "forecast",
    "ci_low",
    "ci_high",
    "effective_replications",
    "resolved",
    "answer",
    "brier",
    "log_score",
    "crps",
    "baseline",
    "baseline_rule",
    "baseline_forecast",
    "baseline_brier",
    "baseline_log_score",
    "baseline_crps",
    "brier_skill",
    "log_skill",
    "crps_skill",
    "late_evidence",
]


def brier(probability: float, happened: bool) -> float:
    """(p - o)^2, o = 1 if it happened: 0 is perfect, 0.25 is a coin flip."""
    return float(scoringrules.brier_score(float(happened), probability))


def log_score(probability: float, happened: bool) -> float:
    """-ln p(what happened), in nats: 0 is perfect, ln 2 = 0.693 is a coin flip."""
    return float(scoringrules.log_score(float(happened), probability))


def bounded(probability: float, replications: float) -> float:
    """A Monte Carlo probability kept off 0 and 1 by half a replication, so one surprise is not infinite.

    `replications` is the (effective) sample size the probability rests on.
    """
    floor = 0.5 / replications
    return min(max(probability, floor), 1 - floor)


def skill(score: float, baseline: float) -> float:
    """1 - score / baseline: above 0 beats the baseline, 1 is perfect; undefined (NaN) against a perfect baseline."""
    return 1 - score / baseline if baseline > 0 else math.nan


def score_questions(
    questions: Mapping[str, AskedQuestion],
    table: pd.DataFrame,
    resolutions: Mapping[str, Resolution],
    targets: Mapping[str, Target] | None = None,
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per question of the run: forecast, answer (empty if unresolved), scores, its baseline and their skill.

    Without `weights` the run's forecasts are scored (`forecasts` = "prior"); with them (one per
    replication, e.g. an assessment's) the re-weighted ones ("posterior"). The baselines do not
    depend on the weights, so prior and posterior scores of a question compare like with like.
    """
    targets = targets or {}
    equal = weights is None
    weights = np.ones(len(table)) if weights is None else np.asarray(weights, dtype=float)
    forecasts = forecast_table(questions, table, weights).set_index("question")
    rows = []
    for name, question in questions.items():
        forecast = forecasts.loc[name]
        kind = question_kind(question)
        values = None if kind == BINARY else table[question.outcome].to_numpy(dtype=float)
        baseline = baseline_for(name, question, targets, values)
        row: dict[str, object] = {
            "question": name,
            "forecasts": PRIOR if equal else POSTERIOR,
            "kind": kind,
            "text": question.text,
            "resolution": question.resolution or "",
            "source_kind": question.source_kind or "",
            "forecast": forecast["forecast"],
            "ci_low": forecast["ci_low"],
            "ci_high": forecast["ci_high"],
            "effective_replications": forecast["effective_replications"],
            "baseline": baseline.name,
            "baseline_rule": baseline.rule,
            "baseline_forecast": baseline.description,
        }
        resolution = resolutions.get(name)
        if resolution is None:
            rows.append({**row, "resolved": False})
            continue
        row.update(resolved=True, answer=resolution.answer)
        if kind == BINARY:
            happened = bool(resolution.answer)
            probability = bounded(float(forecast["forecast"]), float(forecast["effective_replications"]))
            reference = bounded(float(baseline.probability or 0.0), len(table))
            scores = {"brier": brier(probability, happened), "log_score": log_score(probability, happened)}
            base = {"brier": brier(reference, happened), "log_score": log_score(reference, happened)}
            row.update(
                brier=scores["brier"],
                log_score=scores["log_score"],
                baseline_brier=base["brier"],
                baseline_log_score=base["log_score"],
                brier_skill=skill(scores["brier"], base["brier"]),
                log_skill=skill(scores["log_score"], base["log_score"]),
            )
        else:
            answer = float(resolution.answer)
            crps = weighted.weighted_crps(np.asarray(values), weights, answer)
            baseline_crps = baseline.crps(answer)
            row.update(crps=crps, baseline_crps=baseline_crps, crps_skill=skill(crps, baseline_crps))
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def late_evidence(
    questions: Mapping[str, AskedQuestion],
    resolutions: Mapping[str, Resolution],
    observed_on: Mapping[str, dt.date],
    horizon: dt.date,
) -> dict[str, list[str]]:
    """For each question, the observations dated on or after it closed: its `by`, or the day it was
    resolved if earlier, or else the horizon. A forecast re-weighted by them is hindsight, not skill."""
    late = {}
    for name, question in questions.items():
        resolution = resolutions.get(name)
        closes = min(d for d in (question.by, resolution.resolved_on if resolution else None, horizon) if d)
        late[name] = [observation for observation, date in observed_on.items() if date >= closes]
    return late


def summarise(scores: pd.DataFrame) -> dict[str, object]:
    """Means over the resolved questions of one set of forecasts, and skill against their baselines.

    Binary: mean Brier and log score beside the mean of each question's baseline score, and
    the skill 1 - mean score / mean baseline score. Numeric: the mean of the questions' CRPS
    skills (CRPS is in each question's units, so only skills can be averaged).
    """
    resolved = scores[scores["resolved"].astype(bool)]
    binary = resolved[resolved["kind"] == BINARY]
    numeric = resolved[resolved["kind"] != BINARY]
    summary: dict[str, object] = {
        "forecasts": str(scores["forecasts"].iloc[0]) if len(scores) else PRIOR,
        "questions": len(scores),
        "resolved": len(resolved),
        "binary_resolved": len(binary),
        "numeric_resolved": len(numeric),
        "orientation": "lower is better for every score; log score in nats (natural log)",
        "baselines": {str(k): int(v) for k, v in resolved["baseline"].value_counts(sort=False).items()},
    }
    if len(binary):
        mean_brier, base_brier = float(binary["brier"].mean()), float(binary["baseline_brier"].mean())
        mean_log, base_log = float(binary["log_score"].mean()), float(binary["baseline_log_score"].mean())
        summary.update(
            mean_brier=mean_brier,
            baseline_mean_brier=base_brier,
            brier_skill=skill(mean_brier, base_brier),
            mean_log_score=mean_log,
            baseline_mean_log_score=base_log,
            log_skill=skill(mean_log, base_log),
        )
    if len(numeric):
        skills = numeric["crps_skill"].astype(float)
        summary["mean_crps_skill"] = float(skills.mean()) if skills.notna().any() else math.nan
    return summary


def reliability_table(scores: pd.DataFrame, bins: int = RELIABILITY_BINS) -> pd.DataFrame:
    """Resolved binary forecasts in equal-width probability bins: mean forecast against observed frequency."""
    binary = scores[scores["resolved"].astype(bool) & (scores["kind"] == BINARY)]
    forecast = binary["forecast"].astype(float).to_numpy()
    happened = binary["answer"].astype(bool).to_numpy()
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(forecast, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = index == b
        if inside.any():
            rows.append(
                {
                    "bin_low": edges[b],
                    "bin_high": edges[b + 1],
                    "questions": int(inside.sum()),
                    "mean_forecast": float(forecast[inside].mean()),
                    "observed_frequency": float(happened[inside].mean()),
                }
            )
    return pd.DataFrame(rows, columns=["bin_low", "bin_high", "questions", "mean_forecast", "observed_frequency"])
