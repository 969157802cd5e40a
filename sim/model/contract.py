"""What each model component reads from a scenario, so a scenario can be checked against it.

A component declares its parameters as `ParameterSpec`s and its calendar dates by name;
`check_contract` turns every gap (missing, unknown, wrong type, out of range) into a
located problem before anything runs.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from sim.scenario import Problem, Scenario
from sim.scenario.distributions import DistributionBase

Domain = tuple[float, float]
PROBABILITY: Domain = (0.0, 1.0)
NON_NEGATIVE: Domain = (0.0, math.inf)
POSITIVE: Domain = (0.0, math.inf)  # and not all at zero: see ParameterSpec.positive


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter a component reads: its kind, allowed range or categories, and meaning."""

    kind: str  # "number", "bool" or "category"
    meaning: str
    domain: Domain = (-math.inf, math.inf)
    categories: frozenset[str] = frozenset()

    @property
    def positive(self) -> bool:
        """Zero is not a usable value (a scale, a divisor): draws may come near it, never sit on it."""
        return self.domain is POSITIVE


def number(meaning: str, domain: Domain = NON_NEGATIVE) -> ParameterSpec:
    return ParameterSpec("number", meaning, domain)


def probability(meaning: str) -> ParameterSpec:
    return ParameterSpec("number", meaning, PROBABILITY)


def flag(meaning: str) -> ParameterSpec:
    return ParameterSpec("bool", meaning)


def category(meaning: str, categories: Iterable[str]) -> ParameterSpec:
    return ParameterSpec("category", meaning, categories=frozenset(categories))


def check_contract(
    scenario: Scenario,
    parameters: Mapping[str, ParameterSpec],
    calendar: Mapping[str, str],
    calendar_order: Iterable[tuple[str, str]] = (),
) -> list[Problem]:
    """Every way `scenario` fails to give the model what it reads.

    `calendar_order` pairs (earlier, later) of dates the model needs in that order.
    """
    findings = [*_findings(scenario, parameters, calendar), *_order_findings(scenario, calendar_order)]
    return [scenario.located(at, message) for at, message in findings]


def _order_findings(
    scenario: Scenario, calendar_order: Iterable[tuple[str, str]]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for earlier, later in calendar_order:
        if earlier in scenario.calendar and later in scenario.calendar:
            first, second = scenario.calendar[earlier].date, scenario.calendar[later].date
            if second < first:
                yield ("calendar", later, "date"), f"{later} ({second}) must not come before {earlier} ({first})"


def _findings(
    scenario: Scenario, parameters: Mapping[str, ParameterSpec], calendar: Mapping[str, str]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for name in parameters:
        if name not in scenario.parameters:
            yield ("parameters",), f"missing parameter {name!r} ({parameters[name].meaning})"
    for name in calendar:
        if name not in scenario.calendar:
            yield ("calendar",), f"missing date {name!r} ({calendar[name]})"
    for name in scenario.parameters:
        if name not in parameters:
            yield ("parameters", name), f"unknown parameter {name!r}{_did_you_mean(name, parameters)}"
    for name in scenario.calendar:
        if name not in calendar:
            yield ("calendar", name), f"unknown date {name!r}{_did_you_mean(name, calendar)}"
    for name, dist in scenario.parameters.items():
        if name in parameters:
            for message in _mismatch(dist, parameters[name]):
                yield ("parameters", name), message
    for hypothesis_name, hypothesis in scenario.hypotheses.items():
        for name, dist in hypothesis.overrides.items():
            if name in parameters:
                for message in _mismatch(dist, parameters[name]):
                    yield ("hypotheses", hypothesis_name, "overrides", name), message


def _mismatch(dist: DistributionBase, spec: ParameterSpec) -> Iterator[str]:
    if dist.kind != spec.kind:
        yield f"must be a {spec.kind} distribution ({spec.meaning}), not a {dist.kind}"
        return
    if spec.kind == "number":
        low, high = dist.support()
        if low < spec.domain[0] or high > spec.domain[1]:
            allowed = f"[{spec.domain[0]:g}, {spec.domain[1]:g}]"
            yield f"values must lie in {allowed} but this distribution spans [{low:g}, {high:g}]"
        elif spec.positive and high <= 0:
            yield f"must be positive ({spec.meaning}), but every draw is {high:g}"
    if spec.kind == "category" and not dist.categories() <= spec.categories:
        unknown = sorted(dist.categories() - spec.categories)
        yield f"unknown categories {unknown}; expected some of {sorted(spec.categories)}"


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""
