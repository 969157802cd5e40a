"""Load an evidence file and check it against the scenario it will weigh: every problem by line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from sim.evidence.schema import EvidenceFile
from sim.scenario import Problem, Scenario, ScenarioError
from sim.scenario.errors import sorted_problems
from sim.scenario.outcomes import CATEGORY, DATE, NUMBER, YES_NO, OutcomeCatalogue, did_you_mean, outcome_catalogue
from sim.scenario.pydantic_errors import problems_from_pydantic
from sim.scenario.yaml_source import FieldPath, locate, read_yaml


def known_events(scenario: Scenario) -> tuple[list[str], list[str]]:
    """The event-log rows an observation can name: ACTOR.STATE for every state an actor can
    enter, and ACTOR.PROCESS for each built-in process it starts (its rows: ACTOR.PROCESS.EVENT)."""
    states, processes = [], []
    for actor_name, actor in scenario.actors.items():
        states += [f"{actor_name}.{state}" for state in actor.states]
        for state in actor.states.values():
            for transition in state.transitions.values():
                processes += [f"{actor_name}.{e.start.process}" for e in transition.effects if e.start is not None]
    return states, list(dict.fromkeys(processes))


def load_evidence(path: str | Path, scenario: Scenario) -> EvidenceFile:
    """Read and validate an evidence file; raise ScenarioError listing every problem with its line."""
    path = Path(path)
    document = read_yaml(path, "an evidence file")
    try:
        evidence = EvidenceFile.model_validate(document.data)
    except ValidationError as exc:
        problems = problems_from_pydantic(exc, document.data, document.positions, EvidenceFile)
        raise ScenarioError(sorted_problems(problems)) from None
    findings = list(_check_against(evidence, scenario, outcome_catalogue(scenario)))
    if findings:
        located = [Problem(locate(document.positions, at), ".".join(map(str, at)), message) for at, message in findings]
        raise ScenarioError(sorted_problems(located))
    return evidence


def _check_against(
    evidence: EvidenceFile, scenario: Scenario, catalogue: OutcomeCatalogue
) -> Iterator[tuple[FieldPath, str]]:
    """Observations must name real outcomes or events, of a kind that fits, within the simulated period
    and not before the scenario's `as_of` (what was known by then is the priors' to use, not evidence)."""
    kinds = catalogue.kinds()
    states, processes = known_events(scenario)
    events = [*states, *(f"{process}.EVENT" for process in processes)]
    for name, observation in evidence.observations.items():
        at = ("observations", name)
        if scenario.as_of is not None and observation.date < scenario.as_of:
            yield (
                (*at, "date"),
                f"observed before the scenario's as_of ({scenario.as_of}): it belongs in the priors",
            )
        elif not scenario.start <= observation.date <= scenario.horizon:
            yield (
                (*at, "date"),
                f"{observation.date} is outside the simulated period [{scenario.start}, {scenario.horizon}]",
            )
        if observation.event is not None and not _is_known(observation.event, states, processes):
            yield (*at, "event"), f"unknown event {observation.event!r}{did_you_mean(observation.event, events)}"
        if observation.outcome is None:
            continue
        kind = kinds.get(observation.outcome)
        if kind is None:
            yield (*at, "outcome"), f"unknown outcome {observation.outcome!r}{did_you_mean(observation.outcome, kinds)}"
        elif kind == CATEGORY:
            yield (*at, "outcome"), _category_advice(scenario, catalogue, observation.outcome)
        elif observation.is_yes_no and kind not in (YES_NO, DATE):
            yield (
                (*at, "observed"),
                f"{observation.outcome!r} is a {kind} outcome: observe it with `between` or `value`",
            )
        elif not observation.is_yes_no and kind != NUMBER:
            yield (*at, "outcome"), f"{observation.outcome!r} is a {kind} outcome: `between`/`value` need a number"


def _category_advice(scenario: Scenario, catalogue: OutcomeCatalogue, outcome: str) -> str:
    """Why a category outcome cannot be observed, and what can be observed in its place."""
    actor = catalogue[outcome].actor
    if actor is not None:
        states = [f"{actor}.{state}" for state in scenario.actors[actor].states]
        return (
            f"{outcome!r} is an actor's state at the horizon (a category), which cannot be observed; "
            f"observe whether it entered a state, the yes/no column ACTOR.STATE, e.g. `outcome: {states[-1]}` "
            f"with `observed` (its states: {', '.join(states)})"
        )
    if outcome == "hypothesis":
        return "'hypothesis' is what an assessment weighs, not an observation: observe what a hypothesis makes happen"
    return (
        f"{outcome!r} is a category variable, which cannot be observed; observe a yes/no outcome "
        "(an actor's state ACTOR.STATE, a flag) with `observed`, or a number with `between` or `value`"
    )


def _is_known(event: str, states: list[str], processes: list[str]) -> bool:
    """A state entry by name, or any row of a process the actor starts (each process names its own rows)."""
    return event in states or (event.count(".") == 2 and event.rsplit(".", 1)[0] in processes)
