"""Score forecasts against resolved answers: Brier and log scores, CRPS, and a no-skill baseline.

Every score is negatively oriented (lower is better). The log score is -ln p(outcome),
in nats. CRPS comes from `scoringrules` (the forecast is the ensemble of replications).
The no-skill baseline says 50% for every binary question and, for a numeric one, a
uniform distribution over the question's `baseline_range` (or the simulated range).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import scoringrules

from sim.forecast.questions import BINARY, AskedQuestion, forecast_table, question_kind
from sim.forecast.resolutions import Resolution

NO_SKILL_PROBABILITY = 0.5
RELIABILITY_MINIMUM = 10  # fewer resolved binary questions than this: a reliability diagram is mostly noise
RELIABILITY_BINS = 5


def brier(probability: float, happened: bool) -> float:
    """(p - o)^2, o = 1 if it happened: 0 is perfect, 0.25 is a coin flip."""
    return float(scoringrules.brier_score(float(happened), probability))


def log_score(probability: float, happened: bool) -> float:
    """-ln p(what happened), in nats: 0 is perfect, ln 2 = 0.693 is a coin flip."""
    return float(scoringrules.log_score(float(happened), probability))


def bounded(probability: float, replications: int) -> float:
    """A Monte Carlo probability kept off 0 and 1 by half a replication, so one surprise is not infinite."""
    floor = 0.5 / replications
    return min(max(probability, floor), 1 - floor)


def score_questions(
    questions: Mapping[str, AskedQuestion], table: pd.DataFrame, resolutions: Mapping[str, Resolution]
) -> pd.DataFrame:
    """One row per question of the run: forecast, answer (empty if unresolved), scores and baseline scores."""
    forecasts = forecast_table(questions, table).set_index("question")
    rows = []
    for name, question in questions.items():
        forecast = forecasts.loc[name]
        row: dict[str, object] = {
            "question": name,
            "kind": question_kind(question),
            "text": question.text,
            "forecast": forecast["forecast"],
            "ci_low": forecast["ci_low"],
            "ci_high": forecast["ci_high"],
        }
        resolution = resolutions.get(name)
        if resolution is None:
            rows.append({**row, "resolved": False})
            continue
        row.update(resolved=True, answer=resolution.answer)
        if question_kind(question) == BINARY:
            happened = bool(resolution.answer)
            probability = bounded(float(forecast["forecast"]), len(table))
            row.update(
                brier=brier(probability, happened),
                log_score=log_score(probability, happened),
                baseline_brier=brier(NO_SKILL_PROBABILITY, happened),
                baseline_log_score=log_score(NO_SKILL_PROBABILITY, happened),
                baseline=f"{NO_SKILL_PROBABILITY:.0%} for every binary question",
            )
        else:
            values = table[question.outcome].dropna().to_numpy(dtype=float)
            low, high = question.baseline_range or (float(values.min()), float(values.max()))
            if not low < high:
                low, high = low - 0.5, high + 0.5  # every replication agreed: a unit-wide band around it
            answer = float(resolution.answer)
            row.update(
                crps=float(scoringrules.crps_ensemble(answer, values)),
                baseline_crps=float(scoringrules.crps_uniform(answer, low, high)),
                baseline=f"uniform on [{low:g}, {high:g}]"
                + (" (baseline_range)" if question.baseline_range else " (the simulated range)"),
            )
        rows.append(row)
    columns = [
        "question",
        "kind",
        "text",
        "forecast",
        "ci_low",
        "ci_high",
        "resolved",
        "answer",
        "brier",
        "log_score",
        "crps",
        "baseline_brier",
        "baseline_log_score",
        "baseline_crps",
        "baseline",
    ]
    return pd.DataFrame(rows).reindex(columns=columns)


def summarise(scores: pd.DataFrame) -> dict[str, object]:
    """Means over resolved questions and skill against the baseline (1 - score / baseline; above 0 beats it)."""
    resolved = scores[scores["resolved"]]
    binary = resolved[resolved["kind"] == BINARY]
    numeric = resolved[resolved["kind"] != BINARY]
    summary: dict[str, object] = {
        "questions": len(scores),
        "resolved": len(resolved),
        "binary_resolved": len(binary),
        "numeric_resolved": len(numeric),
        "orientation": "lower is better for every score; log score in nats (natural log)",
    }
    if len(binary):
        mean_brier, base_brier = float(binary["brier"].mean()), float(binary["baseline_brier"].mean())
        mean_log, base_log = float(binary["log_score"].mean()), float(binary["baseline_log_score"].mean())
        summary.update(
            mean_brier=mean_brier,
            baseline_mean_brier=base_brier,
            brier_skill=1 - mean_brier / base_brier if base_brier else math.nan,
            mean_log_score=mean_log,
            baseline_mean_log_score=base_log,
            log_skill=1 - mean_log / base_log if base_log else math.nan,
        )
    if len(numeric):
        ratios = 1 - numeric["crps"].astype(float) / numeric["baseline_crps"].astype(float)
        summary["mean_crps_skill"] = float(ratios.mean())
    return summary


def reliability_table(scores: pd.DataFrame, bins: int = RELIABILITY_BINS) -> pd.DataFrame:
    """Resolved binary forecasts in equal-width probability bins: mean forecast against observed frequency."""
    binary = scores[scores["resolved"] & (scores["kind"] == BINARY)]
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
