"""Build and run one replication: draw its hypothesis and parameters, run the SimPy model.

Replication `i` of a run with seed `s` draws only from streams derived from `(s, i)`,
so its result is the same whichever worker runs it, in whatever order.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.mechanics.compile import Machine, compile_machine
from sim.mechanics.interpreter import MechanicsError, Result
from sim.mechanics.interpreter import Replication as World
from sim.scenario import Scenario, ScenarioError
from sim.scenario.distributions import DistributionBase, pick_shares, plain
from sim.scenario.errors import sorted_problems
from sim.scenario.outcomes import OutcomeCatalogue, check_questions, check_report, outcome_catalogue

SMALLEST_UNIFORM = 2.0**-54
LARGEST_UNIFORM = 1.0 - 2.0**-53  # a pinned percentile of 1 would put unbounded families at +inf

EventRow = tuple[int, dt.date, str, str, str]


@dataclass(frozen=True)
class CompiledScenario:
    """A checked scenario reduced to what replications need: plain values, no YAML."""

    scenario: Scenario
    hypothesis_weights: dict[str, float]
    parameter_names: tuple[str, ...]  # sorted: the order parameters take their uniforms
    distributions: dict[str, dict[str, DistributionBase]]  # hypothesis -> parameter -> distribution
    machines: dict[str, Machine]  # hypothesis -> its mechanics (shared unless it changes them)
    outcomes: OutcomeCatalogue


@dataclass(frozen=True)
class Replication:
    """One replication's outcome row (metrics and drawn parameters) and its event log."""

    row: dict[str, Any]
    events: list[EventRow]


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """Check the scenario against what the model reads; raise ScenarioError if it falls short."""
    machines, problems = compile_machine(scenario)
    if problems:
        raise ScenarioError(sorted_problems(problems))
    outcomes = outcome_catalogue(scenario, machines.values())
    problems = [*check_questions(scenario, outcomes), *check_report(scenario, outcomes)]
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
        machines=machines,
        outcomes=outcomes,
    )


def replication_stream(seed: int, index: int) -> np.random.Generator:
    """The random stream of replication `index`, from (seed, index) alone.

    Its first 1 + P uniforms pick the hypothesis and the P parameters; the model's chance
    events draw from what follows, so they never shift the parameter draws.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def draw_inputs(compiled: CompiledScenario, uniforms: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Hypotheses and parameter values for a block of replications, one row of uniforms each.

    Column 0 picks the hypothesis, column 1 + k parameter k; each parameter is drawn for
    all rows sharing a hypothesis in one vectorised call.
    """
    uniforms = np.maximum(np.atleast_2d(uniforms), SMALLEST_UNIFORM)  # quantile(0) is -inf for unbounded families
    hypotheses = draw_hypotheses(uniforms[:, 0], compiled.hypothesis_weights)
    columns: dict[str, np.ndarray] = {}
    for hypothesis in np.unique(hypotheses):
        rows = hypotheses == hypothesis
        for k, name in enumerate(compiled.parameter_names):
            values = compiled.distributions[hypothesis][name].quantiles(uniforms[rows, 1 + k])
            if name not in columns:
                columns[name] = np.empty(len(uniforms), dtype=values.dtype)
            elif columns[name].dtype != values.dtype:  # e.g. a fixed override of a mixture
                columns[name] = columns[name].astype(np.result_type(columns[name].dtype, values.dtype))
            columns[name][rows] = values
    return hypotheses, columns


def prepare_samplers(compiled: CompiledScenario) -> None:
    """Build every parameter's inverse CDF (PINV tables, for PERT and beta) now, not at first use.

    A grid of percentiles reaches every mixture component of weight 1% or more; anything
    missed is built when first drawn. Worth it before forking workers, which inherit them.
    """
    grid = np.linspace(0.005, 0.995, 100)
    for distributions in compiled.distributions.values():
        for distribution in distributions.values():
            distribution.quantiles(grid)


@dataclass
class EventColumns:
    """The event logs of a chunk's replications, column by column (cheap to turn into a table)."""

    counts: list[int]  # events of each replication, in replication order
    day: list[float]  # model day
    component: list[str]
    event: list[str]
    detail: list[str]

    def add(self, events: list[tuple[float, str, str, str]]) -> None:
        self.counts.append(len(events))
        if events:
            day, component, event, detail = zip(*events, strict=True)
            self.day.extend(day)
            self.component.extend(component)
            self.event.extend(event)
            self.detail.extend(detail)

    def __len__(self) -> int:
        return len(self.day)


@dataclass(frozen=True)
class Chunk:
    """A block of contiguous replications, kept column-wise for fast writing."""

    indices: np.ndarray
    hypotheses: np.ndarray
    parameters: dict[str, np.ndarray]
    results: list[Result]
    events: EventColumns


def run_chunk(compiled: CompiledScenario, seed: int, indices: range, pins: Mapping[str, float] | None = None) -> Chunk:
    """Run replications `indices` of a batch seeded with `seed`.

    `pins` sets a parameter's uniform (its percentile) for every replication, as an
    experiment's design point does; the streams are drawn as usual, so everything else a
    replication draws is the same as without the pin (common random numbers).
    """
    parameter_count = 1 + len(compiled.parameter_names)
    streams = [replication_stream(seed, index) for index in indices]
    uniforms = np.array([stream.random(parameter_count) for stream in streams]).reshape(len(streams), parameter_count)
    for name, percentile in (pins or {}).items():
        uniforms[:, 1 + compiled.parameter_names.index(name)] = min(percentile, LARGEST_UNIFORM)
    hypotheses, parameters = draw_inputs(compiled, uniforms)
    results: list[Result] = []
    events = EventColumns([], [], [], [], [])
    names = compiled.parameter_names
    # Plain Python values: the model's arithmetic on them is several times faster than on numpy scalars.
    rows = list(zip(*(parameters[name].tolist() for name in names), strict=True)) if names else [()] * len(streams)
    for index, stream, hypothesis, values in zip(indices, streams, hypotheses.tolist(), rows, strict=True):
        params = dict(zip(names, values, strict=True))
        try:
            result = World(compiled.machines[hypothesis], stream, params).run()
        except MechanicsError as exc:
            raise MechanicsError(f"replication {index} (hypothesis {hypothesis}): {exc}") from None
        results.append(result)
        events.add(sorted(result.events, key=operator.itemgetter(0)))
    return Chunk(np.asarray(indices, dtype=np.int64), hypotheses, parameters, results, events)


def run_replication(compiled: CompiledScenario, seed: int, index: int) -> Replication:
    """Run one replication: its row as plain Python values, and its dated event log."""
    chunk = run_chunk(compiled, seed, range(index, index + 1))
    row: dict[str, Any] = {"replication": index, **outcome_row(compiled, chunk, 0)}
    row.update({f"param.{name}": plain(values[0]) for name, values in chunk.parameters.items()})
    start = compiled.scenario.start
    log = chunk.events
    events = [
        (index, start + dt.timedelta(days=int(day)), component, event, detail)
        for day, component, event, detail in zip(log.day, log.component, log.event, log.detail, strict=True)
    ]
    return Replication(row, events)


def draw_hypotheses(u: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """The hypothesis at cumulative probability u of the prior weights, for each u.

    Hypotheses share [0, 1) in alphabetical order: the draw depends on the weights alone,
    not on the order a file lists them in.
    """
    names = sorted(weights)
    index, _ = pick_shares([weights[name] for name in names], u)
    return np.array(names, dtype=object)[index]


def outcome_row(compiled: CompiledScenario, chunk: Chunk, position: int) -> dict[str, Any]:
    """The outcome columns of the chunk's `position`-th replication, as plain Python values."""
    result = chunk.results[position]
    start = compiled.scenario.start
    row: dict[str, Any] = {"hypothesis": str(chunk.hypotheses[position])}
    for name, spec in compiled.outcomes.items():
        if name == "hypothesis":
            continue
        if spec.state is None and spec.actor is not None:
            row[name] = result.final_states[spec.actor]
        elif spec.kind == "yes/no" and spec.state is not None:
            row[name] = name in result.entered
        elif spec.kind == "date":
            day = result.entered.get(f"{spec.actor}.{spec.state}")
            row[name] = None if day is None else start + dt.timedelta(days=int(day))
        else:
            row[name] = variable_value(result.variables[name])
    return row


def variable_value(value: Any) -> Any:
    """A variable as a table cell: NaN (never set) as null, numpy scalars as Python values."""
    value = plain(value) if isinstance(value, np.generic) else value
    if isinstance(value, float) and value != value:
        return None
    return value
