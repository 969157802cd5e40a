"""Load an evidence file and check it against the scenario it will weigh: every problem by line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from sim.evidence.schema import EvidenceFile
from sim.model.outcomes import DATE, NUMBER, YES_NO, did_you_mean, outcome_kinds
from sim.scenario import Problem, Scenario, ScenarioError
from sim.scenario.errors import sorted_problems
from sim.scenario.pydantic_errors import problems_from_pydantic
from sim.scenario.yaml_source import FieldPath, locate, read_yaml

# The event log's (component, event) pairs, as listed in docs/results.md#eventsparquet.
KNOWN_EVENTS = {
    "diplomacy": ("summit", "second_summit", "ceasefire", "sanctions", "ceasefire_collapsed"),
    "exercise": ("buildup", "active_phase", "active_phase_ends", "drawdown_complete"),
    "offensive": (
        "not_ordered",
        "option_lapsed",
        "force_too_weak",
        "held_by_ceasefire",
        "blocked_by_ceasefire",
        "launched",
    ),
    "warning": ("detected", "reserves_arrived"),
    "combat": ("ends", "reinforced"),
    "strategic": ("nuclear_signal", "oreshnik_operational"),
    "nato": ("incident", "alert_level"),
}


def load_evidence(path: str | Path, scenario: Scenario) -> EvidenceFile:
    """Read and validate an evidence file; raise ScenarioError listing every problem with its line."""
    path = Path(path)
    document = read_yaml(path, "an evidence file")
    try:
        evidence = EvidenceFile.model_validate(document.data)
    except ValidationError as exc:
        problems = problems_from_pydantic(exc, document.data, document.positions, EvidenceFile)
        raise ScenarioError(sorted_problems(problems)) from None
    findings = list(_check_against(evidence, scenario))
    if findings:
        located = [Problem(locate(document.positions, at), ".".join(map(str, at)), message) for at, message in findings]
        raise ScenarioError(sorted_problems(located))
    return evidence


def _check_against(evidence: EvidenceFile, scenario: Scenario) -> Iterator[tuple[FieldPath, str]]:
    """Observations must name real outcomes or events, of a kind that fits, within the simulated period."""
    kinds = outcome_kinds()
    events = [f"{component}.{event}" for component, names in KNOWN_EVENTS.items() for event in names]
    for name, observation in evidence.observations.items():
        at = ("observations", name)
        if not scenario.start <= observation.date <= scenario.horizon:
            yield (
                (*at, "date"),
                f"{observation.date} is outside the simulated period [{scenario.start}, {scenario.horizon}]",
            )
        if observation.event is not None and observation.event not in events:
            yield (*at, "event"), f"unknown event {observation.event!r}{did_you_mean(observation.event, events)}"
        if observation.outcome is None:
            continue
        kind = kinds.get(observation.outcome)
        if kind is None:
            yield (*at, "outcome"), f"unknown outcome {observation.outcome!r}{did_you_mean(observation.outcome, kinds)}"
        elif observation.is_yes_no and kind not in (YES_NO, DATE):
            yield (
                (*at, "observed"),
                f"{observation.outcome!r} is a {kind} outcome: observe it with `between` or `value`",
            )
        elif not observation.is_yes_no and kind != NUMBER:
            yield (*at, "outcome"), f"{observation.outcome!r} is a {kind} outcome: `between`/`value` need a number"
