"""A scenario's levers and criteria as data: a course's options merged on, criteria checked against the outcomes.

The scenario side of courses of action (docs/decisions.md): the engine compiles a course
with `apply_course` and checks `criteria:` with `check_criteria`, so neither needs the
decision runner (sim/decisions/) above it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sim.scenario.errors import Problem
from sim.scenario.merge import merge_data
from sim.scenario.outcomes import NUMBER, YES_NO, OutcomeCatalogue, did_you_mean
from sim.scenario.schema import Scenario


def apply_course(scenario_data: Mapping[str, Any], course: Mapping[str, str]) -> dict[str, Any]:
    """The scenario's data under `course`: each chosen option's parameters and actor changes merged on."""
    data = json.loads(json.dumps(scenario_data))  # a deep copy of plain JSON data
    levers = data.get("levers", {})
    for lever_name, option_name in course.items():
        option = levers[lever_name]["options"][option_name]
        data["parameters"].update(option.get("parameters", {}))
        if option.get("actors"):
            data["actors"] = merge_data(data.get("actors", {}), option["actors"])
    return data


def check_criteria(scenario: Scenario, catalogue: OutcomeCatalogue) -> list[Problem]:
    """Criteria naming no outcome, or testing one the wrong way (a bound on a yes/no, `is` on a number)."""
    problems = []
    for name, criterion in scenario.criteria.items():
        at = ("criteria", name, "outcome")
        spec = catalogue.get(criterion.outcome)
        if spec is None:
            message = f"unknown outcome {criterion.outcome!r}{did_you_mean(criterion.outcome, catalogue)}"
            problems.append(scenario.located(at, message))
        elif criterion.is_ is not None and spec.kind != YES_NO:
            problems.append(scenario.located(at, f"{criterion.outcome!r} is a {spec.kind} outcome: `is` tests yes/no"))
        elif criterion.is_ is None and spec.kind != NUMBER:
            message = f"{criterion.outcome!r} is a {spec.kind} outcome: `at_most`/`at_least` bound numbers"
            problems.append(scenario.located(at, message))
    if scenario.levers and not scenario.criteria:
        problems.append(scenario.located(("levers",), "levers need `criteria:` to judge their courses by"))
    return problems
