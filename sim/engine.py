"""Build and run one replication: draw its hypothesis and parameters, run the SimPy model.

Replication `i` of a run with seed `s` draws only from streams derived from `(s, i)`,
so its result is the same whichever worker runs it, in whatever order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import simpy

from sim import model
from sim.model.contract import check_contract
from sim.model.intent import draw_hypothesis
from sim.model.world import Outcome, Signals, World
from sim.scenario import Scenario, ScenarioError
from sim.scenario.distributions import DistributionBase, Value
from sim.scenario.errors import sorted_problems

PARAMETER_STREAM = 0  # hypothesis and parameter draws
EVENT_STREAM = 1  # chance events inside the model

SMALLEST_UNIFORM = 2.0**-54

EventRow = tuple[int, dt.date, str, str, str]


@dataclass(frozen=True)
class CompiledScenario:
    """A checked scenario reduced to what replications need: plain values, no YAML."""

    scenario: Scenario
    hypothesis_weights: dict[str, float]
    parameter_names: tuple[str, ...]  # sorted: the order parameters take their uniforms
    distributions: dict[str, dict[str, DistributionBase]]  # hypothesis -> parameter -> distribution
    calendar_days: dict[str, float]
    horizon_day: float


@dataclass(frozen=True)
class Replication:
    """One replication's outcome row (metrics and drawn parameters) and its event log."""

    row: dict[str, Any]
    events: list[EventRow]


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """Check the scenario against what the model reads; raise ScenarioError if it falls short."""
    problems = check_contract(scenario, model.PARAMETERS, model.CALENDAR)
    if problems:
        raise ScenarioError(sorted_problems(problems))
    names = tuple(sorted(scenario.parameters))
    distributions = {
        hypothesis_name: {name: hypothesis.overrides.get(name, scenario.parameters[name]) for name in names}
        for hypothesis_name, hypothesis in scenario.hypotheses.items()
    }
    return CompiledScenario(
        scenario=scenario,
        hypothesis_weights={name: h.weight for name, h in scenario.hypotheses.items()},
        parameter_names=names,
        distributions=distributions,
        calendar_days={name: scenario.day_of(entry.date) for name, entry in scenario.calendar.items()},
        horizon_day=scenario.day_of(scenario.horizon),
    )


def replication_stream(seed: int, index: int, stream: int) -> np.random.Generator:
    """The random stream `stream` of replication `index`, from (seed, index, stream) alone."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index, stream)))


def draw_inputs(compiled: CompiledScenario, uniforms: np.ndarray) -> tuple[str, dict[str, Value]]:
    """Hypothesis and parameter values from uniforms: [0] picks the hypothesis, [1+k] parameter k."""
    hypothesis = draw_hypothesis(float(uniforms[0]), compiled.hypothesis_weights)
    distributions = compiled.distributions[hypothesis]
    params = {
        name: distributions[name].quantile(float(u))
        for name, u in zip(compiled.parameter_names, uniforms[1:], strict=True)
    }
    return hypothesis, params


def run_replication(compiled: CompiledScenario, seed: int, index: int) -> Replication:
    """Run replication `index` of a batch seeded with `seed`."""
    uniforms = replication_stream(seed, index, PARAMETER_STREAM).random(1 + len(compiled.parameter_names))
    uniforms = np.maximum(uniforms, SMALLEST_UNIFORM)  # quantile(0) is -inf for unbounded families
    hypothesis, params = draw_inputs(compiled, uniforms)
    env = simpy.Environment()
    world = World(
        env=env,
        rng=replication_stream(seed, index, EVENT_STREAM),
        params=params,
        calendar_days=compiled.calendar_days,
        horizon_day=compiled.horizon_day,
        start=compiled.scenario.start,
        signals=Signals.fresh(env),
        outcome=Outcome(hypothesis=hypothesis),
    )
    for process in model.PROCESSES:
        env.process(process(world))
    env.run(until=world.end_day)
    world.close()
    row: dict[str, Any] = {"replication": index, **asdict(world.outcome)}
    row.update({f"param.{name}": value for name, value in params.items()})
    events = [(index, world.date(day), component, event, detail) for day, component, event, detail in world.events]
    return Replication(row, events)
