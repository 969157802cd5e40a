"""The outcome columns a replication reports, their kinds, and which questions can be asked of them.

Evidence files and forecast questions name outcome columns; this is the one place that
derives the columns from `Outcome` and checks a scenario's questions against them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from collections.abc import Iterable

from sim.model.world import Outcome
from sim.scenario import Problem, Scenario

YES_NO, DATE, NUMBER, CATEGORY = "yes/no", "date", "number", "category"

# Yes/no outcomes whose date the model records: `offensive` by D means offensive_date <= D.
DATE_OF = {
    "ceasefire": "ceasefire_date",
    "sanctions": "sanctions_date",
    "offensive": "offensive_date",
    "oreshnik_operational": "oreshnik_date",
}


def outcome_kinds() -> dict[str, str]:
    """Each outcome column of replications.parquet and its kind, read from `Outcome`'s types."""
    kinds = {}
    for name, hint in typing.get_type_hints(Outcome).items():
        members = set(typing.get_args(hint)) - {type(None)} or {hint}
        if members == {bool}:
            kinds[name] = YES_NO
        elif members == {dt.date}:
            kinds[name] = DATE
        elif members <= {int, float}:
            kinds[name] = NUMBER
        else:
            kinds[name] = CATEGORY
    return kinds


def did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _binary_problem(outcome: str, by: dt.date | None) -> str | None:
    """Why a known, non-numeric `outcome` cannot be asked as yes/no with deadline `by` (None if it can)."""
    kind = outcome_kinds()[outcome]
    if kind == DATE and by is None:
        return "a date outcome needs a deadline (`by`) to become a yes/no question"
    if kind not in (YES_NO, DATE):
        return f"{outcome!r} is a {kind} outcome, not a yes/no, date or number one"
    if kind == YES_NO and by is not None and outcome not in DATE_OF:
        dated = ", ".join(sorted(DATE_OF))
        return f"{outcome!r} has no date in the model, so it cannot be asked 'by' a date (dated: {dated})"
    return None


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
            message = _binary_problem(question.outcome, question.by)
            if message:
                problems.append(scenario.located(at, message))
            if question.baseline_range is not None:
                problems.append(
                    scenario.located(("questions", name, "baseline_range"), "only numeric questions have a range")
                )
    return problems
