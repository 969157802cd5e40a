"""What a design point does to the scenario: fixed values, branch weights, pinned percentiles.

A `Setting` is plain data (it crosses to workers, local or remote). Fixed values and
weights change the scenario's data, which is validated and compiled again (well under a
millisecond); percentiles are pinned on the compiled scenario, so each replication keeps
its own stream and only that parameter's uniform is replaced (common random numbers).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.engine import CompiledScenario, compile_scenario
from sim.experiments.spec import Experiment, Factor, located
from sim.scenario import Scenario, ScenarioError
from sim.scenario.errors import Problem
from sim.scenario.levers import apply_course
from sim.scenario.outcomes import did_you_mean
from sim.scenario.yaml_source import PositionMap

FIXED_BY_DESIGN = "set by the experiment's design"


@dataclass(frozen=True)
class Setting:
    """One design point's changes to the scenario."""

    fixed: dict[str, float] = field(default_factory=dict)  # parameter -> value
    weights: dict[str, float] = field(default_factory=dict)  # branch path -> probability
    pins: dict[str, float] = field(default_factory=dict)  # parameter -> percentile in (0, 1)
    course: dict[str, str] = field(default_factory=dict)  # lever -> option (courses of action)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Setting:
        return cls(**json.loads(text))


def setting_for(factors: Mapping[str, Factor], values: Mapping[str, float]) -> Setting:
    """The setting of a design point that gives each factor its value."""
    fixed, weights, pins = {}, {}, {}
    for name, factor in factors.items():
        value = float(values[name])
        if factor.weight is not None:
            weights[factor.weight] = value
        elif factor.percentile:
            pins[factor.parameter] = value
        else:
            fixed[factor.parameter] = value
    return Setting(fixed, weights, pins)


def apply_setting(scenario_data: Mapping[str, Any], setting: Setting) -> dict[str, Any]:
    """The scenario data with the setting's course, fixed values and weights in place (pins apply later).

    Levers are spent here: the data that comes out runs as one course, the default unless set.
    """
    data = apply_course(scenario_data, setting.course)  # a deep copy, with the chosen options merged on
    data.pop("levers", None)
    for name, value in setting.fixed.items():
        data["parameters"][name] = {"dist": "fixed", "value": value, "assumption": FIXED_BY_DESIGN}
        for hypothesis in data["hypotheses"].values():
            hypothesis.get("overrides", {}).pop(name, None)  # a fixed factor holds under every hypothesis
    for path, value in setting.weights.items():
        _set_branch(data, path, value)
    return data


def compile_setting(scenario_data: Mapping[str, Any], setting: Setting) -> CompiledScenario:
    """Validate and compile the scenario as a design point sets it."""
    return compile_scenario(Scenario.model_validate(apply_setting(scenario_data, setting)))


def check_factors(experiment: Experiment, scenario: Scenario, path: Path, positions: PositionMap) -> list[Problem]:
    """Every factor must name something the scenario has, and its ends must give a valid scenario."""
    data = scenario.as_data()
    problems = []
    for name, factor in experiment.factors.items():
        where = ("factors", name, "parameter" if factor.parameter else "weight")
        target_problem = _target_problem(factor, scenario)
        if target_problem:
            problems.append(located(path, positions, where, target_problem))
            continue
        if factor.percentile:
            continue
        for end in ("low", "high"):
            value = getattr(factor, end)
            try:
                compile_setting(data, setting_for({name: factor}, {name: value}))
            except (ScenarioError, ValidationError, ValueError) as exc:
                reason = _first_reason(exc)
                problems.append(located(path, positions, ("factors", name, end), f"{value:g} is not allowed: {reason}"))
    return problems


def _target_problem(factor: Factor, scenario: Scenario) -> str | None:
    if factor.parameter is not None:
        if factor.parameter not in scenario.parameters:
            names = sorted(scenario.parameters)
            return f"the scenario has no parameter {factor.parameter!r}{did_you_mean(factor.parameter, names)}"
        return None
    parts = factor.weight.split(".")
    if parts[0] == "hypotheses" and len(parts) == 2:
        if parts[1] not in scenario.hypotheses:
            names = sorted(scenario.hypotheses)
            return f"the scenario has no hypothesis {parts[1]!r}{did_you_mean(parts[1], names)}"
        return None
    if parts[0] == "parameters" and len(parts) == 3:
        name, branch = parts[1], parts[2]
        if name not in scenario.parameters:
            return f"the scenario has no parameter {name!r}{did_you_mean(name, sorted(scenario.parameters))}"
        found = [_branches(d.model_dump(by_alias=True)) for d in _distributions_of(scenario, name)]
        if not any(branch in branches for branches in found):
            known = sorted({b for branches in found for b in branches})
            if not known:
                return f"parameter {name!r} is neither categorical nor a mixture: it has no branches to weight"
            return f"parameter {name!r} has no branch {branch!r}; its branches: {', '.join(known)}"
        return None
    return "must be hypotheses.NAME, parameters.NAME.CATEGORY or parameters.NAME.INDEX (a mixture component)"


def _distributions_of(scenario: Scenario, name: str) -> list[Any]:
    found = [scenario.parameters[name]]
    found += [h.overrides[name] for h in scenario.hypotheses.values() if name in h.overrides]
    return found


def _branches(distribution: Mapping[str, Any]) -> list[str]:
    """The branch names of a categorical (its categories) or a mixture (component indices, as text)."""
    if distribution.get("dist") == "categorical":
        return list(distribution["weights"])
    if distribution.get("dist") == "mixture":
        return [str(i) for i in range(len(distribution["components"]))]
    return []


def _set_branch(data: dict[str, Any], path: str, probability: float) -> None:
    parts = path.split(".")
    if parts[0] == "hypotheses":
        weights = {name: h["weight"] for name, h in data["hypotheses"].items()}
        for name, weight in _reweighted(weights, parts[1], probability).items():
            data["hypotheses"][name]["weight"] = weight
        return
    name, branch = parts[1], parts[2]
    targets = [data["parameters"][name]]
    targets += [h["overrides"][name] for h in data["hypotheses"].values() if name in h.get("overrides", {})]
    for distribution in targets:
        if distribution.get("dist") == "categorical" and branch in distribution["weights"]:
            distribution["weights"] = _reweighted(distribution["weights"], branch, probability)
        elif distribution.get("dist") == "mixture" and branch in _branches(distribution):
            components = distribution["components"]
            weights = _reweighted({str(i): c["weight"] for i, c in enumerate(components)}, branch, probability)
            for i, component in enumerate(components):
                component["weight"] = weights[str(i)]


def _reweighted(weights: Mapping[str, float], branch: str, probability: float) -> dict[str, float]:
    """`branch` gets `probability`; the others share the rest in their old proportions."""
    others = {k: float(w) for k, w in weights.items() if k != branch}
    total = sum(others.values())
    rest = 1.0 - probability
    shared = {k: (w / total * rest if total > 0 else rest / len(others)) for k, w in others.items()}
    return {k: (probability if k == branch else shared[k]) for k in weights}


def _first_reason(exc: Exception) -> str:
    if isinstance(exc, ScenarioError) and exc.problems:
        problem = exc.problems[0]
        return f"{problem.field}: {problem.message}" if problem.field else problem.message
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
    return str(exc)
