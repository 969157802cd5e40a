"""Build and run one replication: draw its hypothesis and parameters, run the SimPy model.

Every draw of replication `i` of a run with seed `s` is keyed by `(s, i, site,
occurrence)` (sim/mechanics/draws.py), so its result is the same whichever worker or
engine runs it, in whatever chunk.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.mechanics import draws, keyed
from sim.mechanics.array_expressions import NeedsReference
from sim.mechanics.compile import Machine, compile_machine
from sim.mechanics.interpreter import MechanicsError, Result
from sim.mechanics.interpreter import Replication as World
from sim.mechanics.vectorised import run_arrays, unsupported_reason
from sim.scenario import Scenario, ScenarioError
from sim.scenario.distributions import DistributionBase, plain
from sim.scenario.errors import Problem, sorted_problems
from sim.scenario.levers import apply_course, check_criteria
from sim.scenario.outcomes import OutcomeCatalogue, check_questions, check_report, check_targets, outcome_catalogue

SMALLEST_UNIFORM = draws.SMALLEST_UNIFORM
LARGEST_UNIFORM = 1.0 - 2.0**-53  # a pinned percentile of 1 would put unbounded families at +inf

EventRow = tuple[int, dt.date, str, str, str]
SIMPY, VECTORISED = "simpy", "vectorised"
ENGINES = (VECTORISED, SIMPY)


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
    problems = [
        *check_questions(scenario, outcomes),
        *check_targets(scenario, outcomes),
        *check_report(scenario, outcomes),
        *check_criteria(scenario, outcomes),
    ]
    if not problems:
        problems = _option_problems(scenario, outcomes)
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


def compile_course(scenario_data: dict, course: dict[str, str]) -> CompiledScenario:
    """The scenario as one course of action runs it: the options' changes merged on, no levers left."""
    data = apply_course(scenario_data, course)
    data.pop("levers", None)
    return compile_scenario(Scenario.model_validate(data))


def _option_problems(scenario: Scenario, outcomes: OutcomeCatalogue) -> list[Problem]:
    """Each option that would not compile, or would change the outcome columns, reported at the option.

    Every course must write the same table, so an option may change mechanics but not add
    or remove states and variables: declare them in the scenario, unreachable by default.
    """
    problems = []
    data = scenario.as_data()
    for lever_name, lever in scenario.levers.items():
        for option_name in lever.options:
            if option_name == lever.default:
                continue
            at = ("levers", lever_name, "options", option_name)
            try:
                columns = list(compile_course(data, {lever_name: option_name}).outcomes)
                if columns != list(outcomes):
                    changed = sorted(set(columns) ^ set(outcomes)) or ["their order"]
                    message = (
                        f"this option changes the outcome columns ({', '.join(changed[:4])}): declare its states "
                        "and variables in the scenario itself, unreachable unless the option is taken"
                    )
                    problems.append(scenario.located(at, message))
            except ScenarioError as exc:
                first = exc.problems[0]
                reason = f"{first.field}: {first.message}" if first.field else first.message
                problems.append(scenario.located(at, f"this option breaks the scenario: {reason}"))
            except ValidationError as exc:
                error = exc.errors()[0]
                reason = f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
                problems.append(scenario.located(at, f"this option breaks the scenario: {reason}"))
    return problems


def draw_inputs(compiled: CompiledScenario, uniforms: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Hypotheses and parameter values for a block of replications, one row of uniforms each.

    The first columns race the hypotheses (one each, alphabetical), then column H + k draws
    parameter k; each parameter is drawn for all rows sharing a hypothesis in one vectorised call.
    """
    uniforms = np.maximum(np.atleast_2d(uniforms), SMALLEST_UNIFORM).T.copy()  # quantile(0) is -inf if unbounded
    first = len(compiled.hypothesis_weights)
    hypotheses = draw_hypotheses(uniforms[:first].T, compiled.hypothesis_weights)
    rows_of = {name: np.flatnonzero(hypotheses == name) for name in np.unique(hypotheses).tolist()}
    columns: dict[str, np.ndarray] = {}
    for k, name in enumerate(compiled.parameter_names):
        by_distribution: dict[int, tuple[DistributionBase, list[str]]] = {}  # hypotheses sharing a distribution
        for hypothesis in rows_of:
            distribution = compiled.distributions[hypothesis][name]
            by_distribution.setdefault(id(distribution), (distribution, []))[1].append(hypothesis)
        if len(by_distribution) == 1:
            columns[name] = next(iter(by_distribution.values()))[0].quantiles(uniforms[first + k])
            continue
        for distribution, sharing in by_distribution.values():
            rows = np.concatenate([rows_of[h] for h in sharing])
            values = distribution.quantiles(uniforms[first + k][rows])
            if name not in columns:
                columns[name] = np.empty(len(hypotheses), dtype=values.dtype)
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
    day: Any  # model day (a list or an array)
    component: Any  # text: lists of strings, or (vectorised engine) arrays of codes into `vocabulary`
    event: Any
    detail: Any
    vocabulary: list[str] | None = None

    def texts(self, column: str) -> list[str]:
        """A text column as strings, whichever form it is kept in."""
        values = getattr(self, column)
        return list(values) if self.vocabulary is None else [self.vocabulary[code] for code in values]

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
class Outcomes:
    """A chunk's end states, column by column, whichever engine ran it."""

    entered: dict[str, np.ndarray]  # "actor.state" -> day first entered (NaN: never)
    final_states: dict[str, np.ndarray]  # actor -> final state (object array)
    variables: dict[str, np.ndarray]  # number/count: float (NaN unset); flag: bool; category: object (None unset)
    taken: dict[str, np.ndarray] | None = None  # vectorised engine: "actor.state.transition" -> times fired


@dataclass(frozen=True)
class Failure:
    """A replication that raised: enough to find it again (`wargame replay`) and to say where it broke."""

    replication: int
    hypothesis: str
    component: str  # what was being evaluated: a transition's key, "the initial values", "at the horizon"
    error: str  # the exception's type (the underlying one where the mechanics wrapped it)
    message: str


@dataclass(frozen=True)
class Chunk:
    """A block of contiguous replications, kept column-wise for fast writing (failed ones left out)."""

    indices: np.ndarray
    hypotheses: np.ndarray
    parameters: dict[str, np.ndarray]
    outcomes: Outcomes
    events: EventColumns
    engine: str = SIMPY  # the engine that ran it
    note: str | None = None  # why the vectorised engine handed it to the reference, if it did
    results: list[Result] | None = None  # the SimPy engine's replications, one object each
    failures: tuple[Failure, ...] = ()  # replications that raised, when run_chunk was asked to isolate them


def chunk_inputs(
    compiled: CompiledScenario, key: keyed.Key, indices: np.ndarray, pins: Mapping[str, float] | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Hypotheses and parameters of replications `indices`, each draw keyed by its name.

    `pins` sets a parameter's uniform (its percentile) for every replication, as an
    experiment's design point does; every other draw stays as it was (common random numbers).
    """
    hypotheses = sorted(compiled.hypothesis_weights)
    uniforms = draws.input_uniforms(key, indices, hypotheses, compiled.parameter_names)
    for name, percentile in (pins or {}).items():
        uniforms[:, len(hypotheses) + compiled.parameter_names.index(name)] = min(percentile, LARGEST_UNIFORM)
    return draw_inputs(compiled, uniforms)


def run_chunk(
    compiled: CompiledScenario,
    seed: int,
    indices: range,
    pins: Mapping[str, float] | None = None,
    *,
    engine: str = SIMPY,
    events: bool = True,
    isolate_failures: bool = False,
) -> Chunk:
    """Run replications `indices` of a batch seeded with `seed` on `engine` ("simpy" or "vectorised").

    The vectorised engine hands a chunk to the reference (SimPy) when the scenario needs a
    feature it lacks or a replication would raise; the chunk says so in `note`. With
    `isolate_failures`, a replication that raises is left out and listed in `failures`
    (the reference runs replications one by one, so it can tell which); otherwise it raises.
    """
    key = keyed.seed_key(seed)
    index_array = np.asarray(indices, dtype=np.int64)
    hypotheses, parameters = chunk_inputs(compiled, key, index_array, pins)
    if engine == VECTORISED:
        reason = unsupported(compiled)
        if reason is None:
            try:
                return _run_vectorised(compiled, key, index_array, hypotheses, parameters, events)
            except NeedsReference as exc:
                reason = str(exc)
            except Exception as exc:  # a failure the array engine did not foresee: find the replication
                if not isolate_failures:
                    raise
                reason = f"a replication raised {type(exc).__name__}: {exc}"
        chunk = _run_simpy(compiled, key, index_array, hypotheses, parameters, isolate_failures)
        return dataclasses.replace(chunk, note=reason)
    return _run_simpy(compiled, key, index_array, hypotheses, parameters, isolate_failures)


def unsupported(compiled: CompiledScenario) -> str | None:
    """Why the vectorised engine cannot run this scenario (then the SimPy engine does), or None."""
    for machine in compiled.machines.values():
        reason = unsupported_reason(machine)
        if reason is not None:
            return reason
    return None


def _run_vectorised(
    compiled: CompiledScenario,
    key: keyed.Key,
    indices: np.ndarray,
    hypotheses: np.ndarray,
    parameters: dict[str, np.ndarray],
    events: bool,
) -> Chunk:
    """Every replication of the chunk at once, one array run per distinct mechanics."""
    n = len(indices)
    groups: dict[int, tuple[Machine, list[str]]] = {}
    for name, machine in compiled.machines.items():
        groups.setdefault(id(machine), (machine, []))[1].append(name)
    entered: dict[str, np.ndarray] = {}
    final: dict[str, np.ndarray] = {}
    variables: dict[str, np.ndarray] = {}
    taken: dict[str, np.ndarray] = {}
    event_parts = []
    vocabulary: dict[str, int] = {}  # of the event log, across the mechanics
    for machine, names in groups.values():
        if len(groups) == 1:
            rows = np.arange(n)
            own = parameters
        else:
            rows = np.flatnonzero(np.isin(hypotheses, names))
            own = {name: values[rows] for name, values in parameters.items()}
        if not len(rows):
            continue
        result = run_arrays(machine, key, indices[rows], own, events=events)
        for target, source in ((entered, result.entered), (final, result.final_states),
                               (variables, result.variables), (taken, result.taken)):  # fmt: skip
            for name, column in source.items():
                if name not in target:
                    target[name] = _empty_like(column, n)
                target[name][rows] = column
        position, day, *texts = result.events
        recode = np.array([vocabulary.setdefault(text, len(vocabulary)) for text in result.vocabulary] or [0])
        event_parts.append((rows[position], day, *(recode[codes] for codes in texts)))
    position, day, actor, event, detail = (np.concatenate(part) for part in zip(*event_parts, strict=True))
    order = np.argsort(position, kind="stable") if len(event_parts) > 1 else slice(None)  # one part: in order
    counts = np.bincount(position, minlength=n).tolist()
    log = EventColumns(counts, day[order], actor[order], event[order], detail[order], list(vocabulary))
    return Chunk(indices, hypotheses, parameters, Outcomes(entered, final, variables, taken), log, VECTORISED)


def _empty_like(column: np.ndarray, n: int) -> np.ndarray:
    """A column for rows another mechanics did not fill: NaN, None, False or 0."""
    if column.dtype == object:
        return np.full(n, None, dtype=object)
    if column.dtype.kind == "f":
        return np.full(n, np.nan)
    return np.zeros(n, dtype=column.dtype)


def _run_simpy(
    compiled: CompiledScenario,
    key: keyed.Key,
    index_array: np.ndarray,
    hypotheses: np.ndarray,
    parameters: dict[str, np.ndarray],
    isolate_failures: bool = False,
) -> Chunk:
    results: list[Result] = []
    events = EventColumns([], [], [], [], [])
    failures: list[Failure] = []
    kept: list[int] = []  # positions of the replications that finished
    for position, (index, hypothesis, world) in enumerate(_worlds(compiled, key, index_array, hypotheses, parameters)):
        try:
            result = world.run()
        except Exception as exc:
            if not isolate_failures and isinstance(exc, MechanicsError):
                raise MechanicsError(f"replication {index} (hypothesis {hypothesis}): {exc}") from None
            if not isolate_failures:
                raise
            cause = exc.__context__ if isinstance(exc, MechanicsError) and exc.__context__ else exc
            failures.append(Failure(index, hypothesis, world.current, type(cause).__name__, str(exc)))
            continue
        kept.append(position)
        results.append(result)
        events.add(sorted(result.events, key=operator.itemgetter(0)))
    if failures:
        keep = np.asarray(kept, dtype=np.int64)
        index_array, hypotheses = index_array[keep], hypotheses[keep]
        parameters = {name: values[keep] for name, values in parameters.items()}
    outcomes = outcomes_of(compiled, results)
    return Chunk(index_array, hypotheses, parameters, outcomes, events, results=results, failures=tuple(failures))


def _worlds(
    compiled: CompiledScenario,
    key: keyed.Key,
    index_array: np.ndarray,
    hypotheses: np.ndarray,
    parameters: dict[str, np.ndarray],
) -> Iterator[tuple[int, str, World]]:
    """(index, hypothesis, replication ready to run) for each replication, its draws keyed and prefetched."""
    indices = index_array.tolist()
    sites = set().union(*(machine.draw_sites() for machine in compiled.machines.values()))
    table, columns = draws.prefetch(key, index_array, sites)
    names = compiled.parameter_names
    # Plain Python values: the model's arithmetic on them is several times faster than on numpy scalars.
    rows = list(zip(*(parameters[name].tolist() for name in names), strict=True)) if names else [()] * len(indices)
    for index, first_draws, hypothesis, values in zip(indices, table, hypotheses.tolist(), rows, strict=True):
        params = dict(zip(names, values, strict=True))
        replication_draws = draws.ReplicationDraws(key, index, first_draws, columns)
        yield index, hypothesis, World(compiled.machines[hypothesis], replication_draws, params)


def outcomes_of(compiled: CompiledScenario, results: list[Result]) -> Outcomes:
    """The SimPy engine's per-replication results as columns."""
    n = len(results)
    entered: dict[str, np.ndarray] = {}
    for row, result in enumerate(results):
        for key, day in result.entered.items():
            if key not in entered:
                entered[key] = np.full(n, np.nan)
            entered[key][row] = day
    machine = next(iter(compiled.machines.values()))
    final = {actor: np.array([r.final_states[actor] for r in results], dtype=object) for actor in machine.actors}
    variables: dict[str, np.ndarray] = {}
    for name, variable in machine.variables.items():
        values = [variable_value(r.variables[name]) for r in results]
        if variable.kind in ("number", "count"):
            variables[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
        elif variable.kind == "flag":
            variables[name] = np.array(values, dtype=bool)
        else:
            variables[name] = np.array(values, dtype=object)
    return Outcomes(entered, final, variables)


def run_replication(compiled: CompiledScenario, seed: int, index: int) -> Replication:
    """Run one replication: its row as plain Python values, and its dated event log."""
    chunk = run_chunk(compiled, seed, range(index, index + 1))
    row: dict[str, Any] = {"replication": index, **outcome_row(compiled, chunk, 0)}
    row.update({f"param.{name}": plain(values[0]) for name, values in chunk.parameters.items()})
    log = chunk.events
    events = zip(log.day, log.component, log.event, log.detail, strict=True)
    return Replication(row, _dated(compiled.scenario.start, index, events))


def _dated(start: dt.date, index: int, events: Iterable[tuple[float, str, str, str]]) -> list[EventRow]:
    return [
        (index, start + dt.timedelta(days=int(day)), component, event, detail)
        for day, component, event, detail in events
    ]


@dataclass(frozen=True)
class Replayed:
    """One replication run alone on the reference engine: its log up to the end or the failure, and the failure."""

    replication: int
    hypothesis: str
    parameters: dict[str, Any]
    events: list[EventRow]
    row: dict[str, Any] | None  # its outcome columns; None if it raised
    error: BaseException | None  # what it raised, the original exception chained on (for the full traceback)


def replay_replication(
    compiled: CompiledScenario, seed: int, index: int, pins: Mapping[str, float] | None = None
) -> Replayed:
    """Run replication `index` of a run seeded with `seed` alone, keeping what it did before any failure."""
    key = keyed.seed_key(seed)
    index_array = np.array([index], dtype=np.int64)
    hypotheses, parameters = chunk_inputs(compiled, key, index_array, pins)
    ((_, hypothesis, world),) = _worlds(compiled, key, index_array, hypotheses, parameters)
    row, error = None, None
    try:
        result = world.run()
    except Exception as exc:
        exc.__suppress_context__ = False  # the mechanics' own message, and under it where the arithmetic failed
        error = exc
    else:
        chunk = Chunk(
            index_array, hypotheses, parameters, outcomes_of(compiled, [result]), EventColumns([], [], [], [], [])
        )
        row = outcome_row(compiled, chunk, 0)
    values = {name: plain(column[0]) for name, column in parameters.items()}
    events = _dated(compiled.scenario.start, index, sorted(world.events, key=operator.itemgetter(0)))
    return Replayed(index, hypothesis, values, events, row, error)


def draw_hypotheses(uniforms: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """Each row's hypothesis by an exponential race: the h with the least -log(u_h) / w_h wins.

    `uniforms` holds one column per hypothesis, in alphabetical order, each keyed by the
    hypothesis's name. h wins with probability w_h / sum(w), and a change of weights moves as
    few replications as it can: a replication leaves h only for a hypothesis whose weight grew
    relative to h's; one added, removed or renamed takes or frees only its own replications
    (docs/reports.md#how-the-hypothesis-draw-keeps-replications-together).
    """
    names = sorted(weights)
    rates = np.array([weights[name] for name in names], dtype=float)
    with np.errstate(divide="ignore"):
        arrival = -np.log(np.atleast_2d(uniforms)) / rates  # a weight of 0 never arrives (inf)
    return np.array(names, dtype=object)[np.argmin(arrival, axis=1)]


def outcome_row(compiled: CompiledScenario, chunk: Chunk, position: int) -> dict[str, Any]:
    """The outcome columns of the chunk's `position`-th replication, as plain Python values."""
    outcomes = chunk.outcomes
    start = compiled.scenario.start
    row: dict[str, Any] = {"hypothesis": str(chunk.hypotheses[position])}
    for name, spec in compiled.outcomes.items():
        if name == "hypothesis":
            continue
        if spec.state is None and spec.actor is not None:
            row[name] = outcomes.final_states[spec.actor][position]
        elif spec.state is not None:
            column = outcomes.entered.get(f"{spec.actor}.{spec.state}")
            day = None if column is None or np.isnan(column[position]) else float(column[position])
            if spec.kind == "yes/no":
                row[name] = day is not None
            else:
                row[name] = None if day is None else start + dt.timedelta(days=int(day))
        else:
            value = variable_value(outcomes.variables[name][position])
            row[name] = round(value) if spec.integer and value is not None else value
    return row


def variable_value(value: Any) -> Any:
    """A variable as a table cell: NaN (never set) as null, numpy scalars as Python values."""
    value = plain(value) if isinstance(value, np.generic) else value
    if isinstance(value, float) and value != value:
        return None
    return value
