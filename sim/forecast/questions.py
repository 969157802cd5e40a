"""Forecast questions, forecast from replications (checked against the scenario's outcome catalogue).

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
from sim.forecast.outcomes import happened
from sim.scenario import Scenario
from sim.scenario.outcomes import NUMBER, OutcomeCatalogue, outcome_catalogue
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
    "resolution",
    "source_kind",
]


class AskedQuestion(Question):
    """A question with what the scenario's catalogue says of its outcome: its kind and date column."""

    outcome_kind: str
    date_column: str | None = None


def question_kind(question: AskedQuestion) -> str:
    return NUMERIC if question.outcome_kind == NUMBER else BINARY


def questions_of(
    scenario_data: Mapping[str, Any], catalogue: OutcomeCatalogue | None = None
) -> dict[str, AskedQuestion]:
    """The questions of a scenario as stored in a run's manifest (already validated when it ran).

    `catalogue` defaults to the one the scenario's mechanics give (pass a run's own, from its
    manifest, where one is at hand: it is cheaper).
    """
    entries = scenario_data.get("questions", {})
    if not entries:
        return {}
    if catalogue is None:
        catalogue = outcome_catalogue(Scenario.model_validate(scenario_data))
    asked = {}
    for name, entry in entries.items():
        question = Question.model_validate(entry)
        spec = catalogue[question.outcome]
        asked[name] = AskedQuestion(**question.model_dump(), outcome_kind=spec.kind, date_column=spec.date_column)
    return asked


def forecast_table(
    questions: Mapping[str, AskedQuestion], table: pd.DataFrame, weights: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per question: the forecast with its 95% interval (and the 5-95% range if numeric).

    `weights` (one per replication) give a posterior forecast; without them, every
    replication counts once. Binary: Wilson interval on the effective sample size.
    Numeric: the mean's interval from its Monte Carlo (importance-sampling) error. Each row
    also says how the question resolves (`resolution`, `source_kind`; empty if not stated).
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
            "resolution": question.resolution or "",
            "source_kind": question.source_kind or "",
        }
        if kind == BINARY:
            by_then = happened(table, question.outcome, question.outcome_kind, question.date_column, question.by)
            row["forecast"], row["ci_low"], row["ci_high"] = weighted.weighted_probability(by_then, weights)
            row["effective_replications"] = weighted.kish_ess(weights)
        else:
            values = table[question.outcome].to_numpy(dtype=float)
            row["forecast"], row["ci_low"], row["ci_high"] = weighted.weighted_mean(values, weights)
            row["p5"], row["p50"], row["p95"] = weighted.weighted_quantiles(values, weights, PREDICTIVE)
            row["effective_replications"] = weighted.kish_ess(weights[~np.isnan(values)])
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)
