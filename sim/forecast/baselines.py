"""The baseline each question is scored against: a published target, or a no-skill forecast.

For each question, in this order (docs/evidence.md#baselines):

(a) the target its `baseline_target` names;
(b) else the one target about the same outcome with the same `by` (none or several: next rule);
(c) else the no-skill forecast: 50% for a yes/no question; for a numeric one a uniform
    distribution over its `baseline_range`, or over the simulated range without one.

A target as a forecast: a yes/no question takes its `value` as the probability, or the
midpoint of its `range`. A numeric question takes its `range` as a uniform distribution,
and its `value` as a point forecast (all its probability on that number), whose CRPS is
the absolute error |answer - value|.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scoringrules

from sim.forecast.questions import BINARY, AskedQuestion, question_kind
from sim.scenario.outcomes import same_event
from sim.scenario.schema import Target

NO_SKILL_PROBABILITY = 0.5
NAMED, MATCHED, DEFAULT = "baseline_target", "matching target", "no-skill"


class BaselineError(ValueError):
    """A question's baseline cannot be formed (a target that does not exist or cannot forecast it)."""


@dataclass(frozen=True)
class Baseline:
    """One question's reference forecast.

    `name` is what the score table shows: the target's name, or "50%", "uniform range"
    (the question's `baseline_range`), "simulated range". `rule` is which rule chose it.
    """

    name: str
    rule: str
    description: str
    probability: float | None = None  # yes/no questions
    low: float | None = None  # numeric: uniform on [low, high]; low == high is a point forecast
    high: float | None = None

    def crps(self, answer: float) -> float:
        assert self.low is not None and self.high is not None
        if self.low == self.high:
            return abs(answer - self.low)  # CRPS of a point forecast: the absolute error
        return float(scoringrules.crps_uniform(answer, self.low, self.high))


def targets_of(scenario_data: Mapping[str, Any]) -> dict[str, Target]:
    """The targets of a scenario as stored in a run's manifest (empty for runs made before targets existed)."""
    return {name: Target.model_validate(entry) for name, entry in scenario_data.get("targets", {}).items()}


def baseline_for(
    name: str, question: AskedQuestion, targets: Mapping[str, Target], simulated: np.ndarray | None = None
) -> Baseline:
    """The baseline of question `name` by rules (a), (b), (c); `simulated`, a numeric question's
    simulated values, give the default range when it states no `baseline_range`."""
    binary = question_kind(question) == BINARY
    if question.baseline_target is not None:
        target = targets.get(question.baseline_target)
        if target is None:
            raise BaselineError(
                f"question {name!r}: baseline_target {question.baseline_target!r} is not a target of the scenario"
                f" (targets: {', '.join(sorted(targets)) or 'none'})"
            )
        return _from_target(name, question.baseline_target, target, binary, NAMED)
    matching = [
        target_name
        for target_name, target in targets.items()
        if same_event(target.outcome) == same_event(question.outcome) and target.by == question.by
    ]
    if len(matching) == 1:
        return _from_target(name, matching[0], targets[matching[0]], binary, MATCHED)
    note = f"; {len(matching)} targets match ({', '.join(matching)}): name one with baseline_target" if matching else ""
    if binary:
        return Baseline("50%", DEFAULT, f"{NO_SKILL_PROBABILITY:.0%}, no skill{note}", probability=NO_SKILL_PROBABILITY)
    if question.baseline_range is not None:
        low, high = question.baseline_range
        return Baseline(
            "uniform range",
            DEFAULT,
            f"uniform on [{_num(low)}, {_num(high)}], the question's baseline_range{note}",
            None,
            low,
            high,
        )
    values = np.asarray(simulated if simulated is not None else [], dtype=float)
    values = values[~np.isnan(values)]
    if not len(values):
        raise BaselineError(f"question {name!r}: no replication has a value, and no baseline_range is given")
    low, high = float(values.min()), float(values.max())
    if not low < high:
        low, high = low - 0.5, high + 0.5  # every replication agreed: a unit-wide band around it
    return Baseline(
        "simulated range",
        DEFAULT,
        f"uniform on [{_num(low)}, {_num(high)}], the simulated range{note}",
        None,
        low,
        high,
    )


def _from_target(question: str, name: str, target: Target, binary: bool, rule: str) -> Baseline:
    value = target.value if target.value is not None else math.nan  # a target gives a value or a range
    if binary:
        if target.range is not None:
            low, high = target.range
            probability, how = (low + high) / 2, f"the midpoint of its range, {low:.1%} to {high:.1%}"
        else:
            probability, how = value, "its value"
        if not 0 <= probability <= 1:
            raise BaselineError(
                f"question {question!r} is yes/no, and its baseline target {name!r} gives {probability:g}, "
                "not a probability from 0 to 1"
            )
        return Baseline(name, rule, f"{probability:.1%}, {how}", probability=probability)
    if target.range is not None:
        low, high = target.range
        return Baseline(name, rule, f"uniform on [{_num(low)}, {_num(high)}], its range", None, low, high)
    return Baseline(name, rule, f"{_num(value)}, its value as a point forecast", None, value, value)


def _num(number: float) -> str:
    """A number as the table shows it: thousands separated, no exponent for whole numbers."""
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,g}"
