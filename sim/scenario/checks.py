"""Checks that span fields: references resolve, dates fit the horizon and `as_of`, weights add up.

Single-field rules (ranges, low <= mode <= high) live on the models themselves; these
need the whole scenario. Each returns (field path, message) pairs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sim.scenario.distributions import WEIGHT_TOLERANCE, DistributionBase, Mixture
from sim.scenario.outcomes import did_you_mean
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import FieldPath

Finding = tuple[FieldPath, str]


def check_scenario(scenario: Scenario) -> list[Finding]:
    """Every cross-field problem in a scenario (empty if it is sound)."""
    return [
        *_check_dates(scenario),
        *_check_hypotheses(scenario),
        *_check_parameters(scenario),
        *_check_claim_references(scenario),
        *_check_question_dates(scenario),
        *_check_targets(scenario),
        *_check_levers(scenario),
    ]


def _check_dates(scenario: Scenario) -> Iterator[Finding]:
    if scenario.horizon <= scenario.start:
        yield ("horizon",), f"must be after start ({scenario.start})"
    if scenario.as_of is not None and scenario.as_of > scenario.horizon:
        yield ("as_of",), f"{scenario.as_of} is after the horizon ({scenario.horizon}): as_of must be on or before it"
    for name, entry in scenario.calendar.items():
        if not scenario.start <= entry.date <= scenario.horizon:
            yield (
                ("calendar", name, "date"),
                (f"{entry.date} is outside the simulated period [{scenario.start}, {scenario.horizon}]"),
            )
        if not (entry.source or entry.assumption):
            yield ("calendar", name), "needs a source (a claim id) or an assumption"


def _check_hypotheses(scenario: Scenario) -> Iterator[Finding]:
    if not scenario.hypotheses:
        yield ("hypotheses",), "at least one hypothesis is needed"
        return
    total = sum(h.weight for h in scenario.hypotheses.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        yield ("hypotheses",), f"hypothesis weights must sum to 1 (they sum to {total:g})"
    for name, hypothesis in scenario.hypotheses.items():
        if not (hypothesis.source or hypothesis.assumption):
            yield ("hypotheses", name), "needs a source (a claim id) or an assumption"
        for param, override in hypothesis.overrides.items():
            yield from _replacement(scenario, ("hypotheses", name, "overrides", param), param, override, "overrides")


def _replacement(
    scenario: Scenario, at: FieldPath, param: str, distribution: DistributionBase, verb: str
) -> Iterator[Finding]:
    """A distribution that replaces a parameter's (a hypothesis's override, a lever option's setting):
    it must name a parameter the scenario has, be of its kind, and carry its own provenance."""
    base = scenario.parameters.get(param)
    if base is None:
        yield at, f"{verb} unknown parameter {param!r}{did_you_mean(param, scenario.parameters)}"
        return
    if distribution.kind != base.kind:
        yield at, f"is a {distribution.kind} but parameter {param!r} is a {base.kind}"
    if not distribution.has_provenance():
        yield at, "needs a source (a claim id) or an assumption"
    if distribution.weight is not None:
        yield (*at, "weight"), "weight belongs only to the components of a mixture"


def _check_parameters(scenario: Scenario) -> Iterator[Finding]:
    for name, dist in scenario.parameters.items():
        if not dist.has_provenance():
            yield ("parameters", name), "needs a source (a claim id) or an assumption"
        if dist.weight is not None:
            yield ("parameters", name, "weight"), "weight belongs only to the components of a mixture"


def _check_question_dates(scenario: Scenario) -> Iterator[Finding]:
    """A deadline the model cannot see past would be forecast as 'no' whatever happens."""
    for name, question in scenario.questions.items():
        if question.by is not None and not scenario.start <= question.by <= scenario.horizon:
            yield (
                ("questions", name, "by"),
                f"{question.by} is outside the simulated period [{scenario.start}, {scenario.horizon}]",
            )


def _check_targets(scenario: Scenario) -> Iterator[Finding]:
    """Targets are what was known by `as_of`, with provenance, dated inside the simulated period.

    Whether each names an outcome of a kind it can be compared with needs the mechanics:
    `check_targets` in sim/scenario/outcomes.py.
    """
    if scenario.targets and scenario.as_of is None:
        yield (
            ("targets",),
            "targets need the scenario's `as_of` (the date of the knowledge the priors use): "
            "each target must have been published on or before it",
        )
    for name, target in scenario.targets.items():
        at = ("targets", name)
        if not (target.source or target.assumption):
            yield at, "needs a source (a claim id) or an assumption"
        if scenario.as_of is not None and target.published > scenario.as_of:
            yield (
                (*at, "published"),
                f"{target.published} is after the scenario's as_of ({scenario.as_of}): "
                "a target must be one the priors could have known",
            )
        if target.by is not None and not scenario.start <= target.by <= scenario.horizon:
            yield (
                (*at, "by"),
                f"{target.by} is outside the simulated period [{scenario.start}, {scenario.horizon}]",
            )


def _check_claim_references(scenario: Scenario) -> Iterator[Finding]:
    for at, claim_id in _cited_claims(scenario):
        if claim_id not in scenario.claims:
            known = ", ".join(sorted(scenario.claims)) or "none"
            yield at, f"cites unknown claim {claim_id!r} (claims: {known})"


def _cited_claims(scenario: Scenario) -> Iterator[tuple[FieldPath, str]]:
    def of_distribution(at: FieldPath, dist: object) -> Iterator[tuple[FieldPath, str]]:
        source = getattr(dist, "source", None)
        if source:
            yield (*at, "source"), source
        if isinstance(dist, Mixture):
            for index, component in enumerate(dist.components):
                yield from of_distribution((*at, "components", index), component)

    for name, entry in scenario.calendar.items():
        if entry.source:
            yield ("calendar", name, "source"), entry.source
    for name, dist in scenario.parameters.items():
        yield from of_distribution(("parameters", name), dist)
    for name, hypothesis in scenario.hypotheses.items():
        if hypothesis.source:
            yield ("hypotheses", name, "source"), hypothesis.source
        for param, override in hypothesis.overrides.items():
            yield from of_distribution(("hypotheses", name, "overrides", param), override)
    for name, question in scenario.questions.items():
        if question.source:
            yield ("questions", name, "source"), question.source
    for name, target in scenario.targets.items():
        if target.source:
            yield ("targets", name, "source"), target.source


def _check_levers(scenario: Scenario) -> Iterator[Finding]:
    """Levers that cannot be combined freely, or options that reach what they must not."""
    overridden = {name: hypothesis for hypothesis, h in scenario.hypotheses.items() for name in h.overrides}
    touched: dict[str, str] = {}  # parameter -> lever
    touched_actors: dict[FieldPath, str] = {}
    for lever_name, lever in scenario.levers.items():
        default = lever.options[lever.default]
        if default.parameters or default.actors:
            yield (
                ("levers", lever_name, "options", lever.default),
                "the default option is the scenario as written: make its changes in the scenario itself",
            )
        for option_name, option in lever.options.items():
            at = ("levers", lever_name, "options", option_name)
            if not (option.source or option.assumption or option.parameters):
                yield at, "needs a source (a claim id) or an assumption, or parameters that carry theirs"
            for param, distribution in option.parameters.items():
                where = (*at, "parameters", param)
                yield from _replacement(scenario, where, param, distribution, "sets")
                if param not in scenario.parameters:
                    continue
                if param in overridden:
                    yield (
                        where,
                        (
                            f"hypothesis {overridden[param]!r} overrides {param!r}, so an option cannot set it "
                            "in every hypothesis: set a parameter the hypotheses leave alone"
                        ),
                    )
                owner = touched.setdefault(param, lever_name)
                if owner != lever_name:
                    yield where, f"lever {owner!r} also sets {param!r}: levers must change different things"
            for path in _leaf_paths(option.actors):
                clash = next((other for p, other in touched_actors.items() if _overlap(p, path)), None)
                if clash is not None and clash != lever_name:
                    yield (*at, "actors", *path), f"lever {clash!r} also changes actors.{'.'.join(path)}"
                touched_actors.setdefault(path, lever_name)


def _leaf_paths(changes: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in changes.items():
        if isinstance(value, Mapping) and value:
            yield from _leaf_paths(value, (*prefix, key))
        else:
            yield (*prefix, key)


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]
