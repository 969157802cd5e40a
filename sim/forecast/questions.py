"""Forecast questions, forecast from replications (checked against the outcomes in sim/model/outcomes.py).

A yes/no question is forecast as the (weighted) share of replications in which its
outcome happened by the deadline; a numeric one as the (weighted) distribution of its
outcome: mean with its Monte Carlo interval, and the 5-95% range a forecaster would quote.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.forecast import weighted
from sim.forecast.outcomes import happened_by
from sim.model.outcomes import NUMBER, outcome_kinds
from sim.scenario.schema import Question

BINARY, NUMERIC = "binary", "numeric"
PREDICTIVE = (0.05, 0.5, 0.95)
COLUMNS = [
    "question",
    "text",
    "kind",
    "outcome",
    "by",
    "forecast",
    "ci_low",
    "ci_high",
    "p5",
    "p50",
    "p95",
    "effective_replications",
]


def question_kind(question: Question) -> str:
    return NUMERIC if outcome_kinds().get(question.outcome) == NUMBER else BINARY


def questions_of(scenario_data: Mapping[str, Any]) -> dict[str, Question]:
    """The questions of a scenario as stored in a run's manifest (already validated when it ran)."""
    return {name: Question.model_validate(entry) for name, entry in scenario_data.get("questions", {}).items()}


def forecast_table(
    questions: Mapping[str, Question], table: pd.DataFrame, weights: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per question: the forecast with its 95% interval (and the 5-95% range if numeric).

    `weights` (one per replication) give a posterior forecast; without them, every
    replication counts once. Binary: Wilson interval on the effective sample size.
    Numeric: the mean's interval from its Monte Carlo (importance-sampling) error.
    """
    weights = np.ones(len(table)) if weights is None else np.asarray(weights, dtype=float)
    rows = []
    for name, question in questions.items():
        kind = question_kind(question)
        row: dict[str, Any] = {
            "question": name,
            "text": question.text,
            "kind": kind,
            "outcome": question.outcome,
            "by": question.by.isoformat() if question.by else "",
        }
        if kind == BINARY:
            happened = happened_by(table, question.outcome, question.by)
            row["forecast"], row["ci_low"], row["ci_high"] = weighted.weighted_probability(happened, weights)
            row["effective_replications"] = weighted.kish_ess(weights)
        else:
            values = table[question.outcome].to_numpy(dtype=float)
            row["forecast"], row["ci_low"], row["ci_high"] = weighted.weighted_mean(values, weights)
            row["p5"], row["p50"], row["p95"] = weighted.weighted_quantiles(values, weights, PREDICTIVE)
            row["effective_replications"] = weighted.kish_ess(weights[~np.isnan(values)])
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)
