"""Forecast questions: check them against the model's outcomes and forecast them from replications.

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
from sim.forecast.outcomes import NUMBER, check_yes_no_reference, did_you_mean, happened_by, outcome_kinds
from sim.scenario import Problem, Scenario
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


def check_questions(scenario: Scenario) -> list[Problem]:
    """Every question that names no outcome, or one that cannot be asked the way it is."""
    problems = []
    kinds = outcome_kinds()
    for name, question in scenario.questions.items():
        kind = kinds.get(question.outcome)
        at = ("questions", name, "outcome")
        if kind is None:
            problems.append(
                scenario.located(at, f"unknown outcome {question.outcome!r}{did_you_mean(question.outcome, kinds)}")
            )
        elif kind == NUMBER:
            if question.by is not None:
                problems.append(scenario.located(("questions", name, "by"), "a numeric question has no deadline"))
        else:
            message = check_yes_no_reference(question.outcome, question.by, by_required=True)
            if message:
                problems.append(scenario.located(at, message))
            if question.baseline_range is not None:
                problems.append(
                    scenario.located(("questions", name, "baseline_range"), "only numeric questions have a range")
                )
    return problems


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
