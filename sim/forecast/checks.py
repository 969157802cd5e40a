"""Checks of a scenario's questions that need the whole scenario but not its mechanics.

Called by the scenario loader's cross-field checks (sim/scenario/checks.py), so this
module imports nothing of `sim.scenario` when it runs (that package imports the loader,
which imports the checks, which import this). Each check yields (field path, message)
pairs, as the loader's own checks do.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario
    from sim.scenario.yaml_source import FieldPath

# What a question must state once its scenario says what it knew when (`as_of`): how it resolves.
RESOLUTION_FIELDS = {
    "resolution": "the criterion: what must be reported, by whom",
    "source_kind": "the kind of source: official statement, open-source reporting...",
}


def check_questions(scenario: Scenario) -> Iterator[tuple[FieldPath, str]]:
    """Every question of a scenario with `as_of` that does not say how it resolves, and every
    `baseline_target` that names no target, or one about another outcome."""
    for name, question in scenario.questions.items():
        if scenario.as_of is not None:
            missing = [field for field in RESOLUTION_FIELDS if not (getattr(question, field) or "").strip()]
            if missing:
                wanted = " and ".join(f"`{field}` ({RESOLUTION_FIELDS[field]})" for field in missing)
                yield ("questions", name), f"a scenario with `as_of` states how each question resolves: add {wanted}"
        if question.baseline_target is None:
            continue
        at = ("questions", name, "baseline_target")
        target = scenario.targets.get(question.baseline_target)
        if target is None:
            known = ", ".join(sorted(scenario.targets)) or "none: add a `targets:` section"
            close = difflib.get_close_matches(question.baseline_target, list(scenario.targets), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (targets: {known})"
            yield at, f"unknown target {question.baseline_target!r}{hint}"
        elif same_event(target.outcome) != same_event(question.outcome):
            yield (
                at,
                (
                    f"target {question.baseline_target!r} is about {target.outcome}, not {question.outcome}: "
                    "a baseline forecasts the same outcome"
                ),
            )


def same_event(outcome: str) -> str:
    """The state a dated outcome is about: `ACTOR.STATE.date` asked by a date means `ACTOR.STATE` by it."""
    return outcome.removesuffix(".date") if outcome.count(".") == 2 else outcome
