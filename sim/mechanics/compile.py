"""Check a scenario's `actors:` and `variables:` and compile them into a `Machine`.

Every mistake becomes a located problem (file, line, column, field) before anything
runs: unknown states and names (with did-you-mean), syntax errors at their column,
branch probabilities that do not add up, effects on undeclared variables, unreachable
states, and loops of instantaneous transitions (docs/scenarios.md#what-validate-checks).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from sim.mechanics import builtins, draws
from sim.mechanics.expressions import (
    ANY,
    BOOL,
    CONSTANTS,
    FUNCTIONS,
    HORIZON,
    NOW,
    NUMBER,
    RANDOM_DOMAINS,
    RANDOM_FUNCTIONS,
    TEXT,
    Compiled,
    ExpressionError,
    Namespace,
    compile_expression,
    did_you_mean,
)
from sim.scenario.actors import Actor, ActorSet, Effect, Transition, Variable, actors_under
from sim.scenario.distributions import WEIGHT_TOLERANCE, DistributionBase
from sim.scenario.errors import Problem
from sim.scenario.pydantic_errors import problems_from_pydantic
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import FieldPath, locate, text_position

_SETTABLE = {  # what an expression may give to be set into a variable of each kind
    "number": {NUMBER, ANY},
    "count": {NUMBER, ANY},
    "flag": {BOOL, ANY},
    "category": {TEXT, ANY},
}
VARIABLE_KINDS = {"number": "number", "count": "number", "flag": "bool", "category": "category"}
RESERVED = {NOW, HORIZON, "entered", *CONSTANTS, *FUNCTIONS, *RANDOM_FUNCTIONS}
FREE_LITERALS = {0.0, 1.0}  # numbers that need no source: identities, not estimates


@dataclass(frozen=True)
class Branching:
    """Where a transition goes: one state, weighted branches, or the value of a parameter."""

    target: str | None = None
    branches: tuple[tuple[str, Compiled | None], ...] = ()  # (state, probability; None = otherwise)
    on_parameter: str | None = None
    by_value: Mapping[Any, str] = field(default_factory=dict)

    def targets(self) -> list[str]:
        if self.target is not None:
            return [self.target]
        if self.branches:
            return [state for state, _ in self.branches]
        return list(self.by_value.values())


@dataclass(frozen=True)
class CompiledEffect:
    kind: str  # "set", "add", "log" or "start"
    assignments: tuple[tuple[str, Compiled], ...] = ()  # set/add: (variable, value)
    log_parts: tuple[str | Compiled, ...] = ()  # log: text and expressions, alternating
    process: str = ""  # start: built-in process name
    inputs: Mapping[str, Compiled] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TransitionSites:
    """The draw sites of one transition (sim/mechanics/draws.py)."""

    clock: int
    branch: int
    count: int
    times: int

    @classmethod
    def of(cls, key: str) -> TransitionSites:
        return cls(draws.clock_site(key), draws.branch_site(key), draws.count_site(key), draws.times_site(key))


@dataclass(frozen=True)
class CompiledTransition:
    actor: str
    state: str
    name: str
    trigger: str  # "at", "after", "rate" or "when"
    clock: Compiled | None  # the at/after/rate/when expression
    distribution: DistributionBase | None  # an `after:` drawn from a distribution
    factors: tuple[tuple[Compiled, Compiled], ...]  # (condition, multiplier) on a rate
    branching: Branching
    effects: tuple[CompiledEffect, ...]
    counter: bool = False  # a self-looping rate that only counts: drawn as one Poisson count (see interpreter)
    watches: frozenset[str] = field(init=False)  # names whose change can move its clock (when/rate)
    key: str = field(init=False)  # "actor.state.transition", for messages and counts
    sites: TransitionSites = field(init=False)  # where its own draws are keyed

    def __post_init__(self) -> None:
        names: set[str] = set()
        if self.trigger in ("when", "rate") and self.clock is not None:
            names |= self.clock.reads
            for condition, times in self.factors:
                names |= condition.reads | times.reads
        object.__setattr__(self, "watches", frozenset(names))
        object.__setattr__(self, "key", f"{self.actor}.{self.state}.{self.name}")
        object.__setattr__(self, "sites", TransitionSites.of(self.key))

    def expressions(self) -> Iterator[Compiled]:
        """Every expression it evaluates: clock, factors, branch probabilities, effects."""
        if self.clock is not None:
            yield self.clock
        for condition, times in self.factors:
            yield condition
            yield times
        yield from (p for _, p in self.branching.branches if p is not None)
        for effect in self.effects:
            yield from (compiled for _, compiled in effect.assignments)
            yield from (part for part in effect.log_parts if isinstance(part, Compiled))
            yield from effect.inputs.values()


@dataclass(frozen=True)
class Machine:
    """Everything the interpreter needs, checked: actors in declared order, variables, initial values."""

    actors: tuple[str, ...]
    initial_states: Mapping[str, str]
    states: Mapping[str, tuple[str, ...]]  # actor -> its states, declared order
    transitions: Mapping[tuple[str, str], tuple[CompiledTransition, ...]]  # (actor, state) -> out
    variables: Mapping[str, Variable]
    initial_values: tuple[tuple[str, Compiled | None], ...]  # in declared order
    calendar_days: Mapping[str, float]
    horizon_day: float
    watched: Mapping[tuple[str, str], frozenset[str]] = field(init=False)  # (actor, state) -> names its clocks watch
    state_keys: Mapping[tuple[str, str], str] = field(init=False)  # (actor, state) -> "actor.state"
    counting: frozenset[tuple[str, str]] = field(init=False)  # states with a counter transition
    watching: Mapping[str, tuple[tuple[str, str], ...]] = field(init=False)  # name -> (actor, state)s watching it

    def __post_init__(self) -> None:
        watched = {key: frozenset().union(*(t.watches for t in out)) for key, out in self.transitions.items()}
        object.__setattr__(self, "watched", watched)
        object.__setattr__(self, "state_keys", {key: f"{key[0]}.{key[1]}" for key in self.transitions})
        counting = frozenset(key for key, out in self.transitions.items() if any(t.counter for t in out))
        object.__setattr__(self, "counting", counting)
        watching: dict[str, list[tuple[str, str]]] = {}
        for key, names in watched.items():
            for name in sorted(names):
                watching.setdefault(name, []).append(key)
        object.__setattr__(self, "watching", {name: tuple(keys) for name, keys in watching.items()})

    def draw_sites(self) -> set[int]:
        """Sites that may draw in a replication: worth drawing ahead for a whole chunk."""
        sites: set[int] = set()
        for transition in (t for out in self.transitions.values() for t in out):
            sites |= {transition.sites.clock, transition.sites.branch}
            for compiled in transition.expressions():
                sites.update(compiled.sites)
        for _, compiled in self.initial_values:
            if compiled is not None:
                sites.update(compiled.sites)
        return sites


def compile_machine(scenario: Scenario) -> tuple[dict[str, Machine], list[Problem]]:
    """The scenario's mechanics under each hypothesis, compiled; or the problems that stop them.

    A hypothesis without `actors:` shares the scenario's machine; one with them gets its
    own, from the scenario's actors with its changes merged on.
    """
    compiler = _Compiler(scenario)
    base = compiler.compile()
    problems = list(compiler.problems)
    machines = {}
    for name, hypothesis in scenario.hypotheses.items():
        if not hypothesis.actors:
            machines[name] = base
            continue
        prefix: FieldPath = ("hypotheses", name, "actors")
        new = [actor for actor in hypothesis.actors if actor not in scenario.actors]
        if new:
            problems += [
                scenario.located(
                    (*prefix, actor), f"a hypothesis changes actors, it cannot add one ({actor!r} is not under actors:)"
                )
                for actor in new
            ]
            continue
        try:
            actors = actors_under(scenario.actors, hypothesis.actors)
        except ValidationError as exc:
            problems += _located(scenario, exc, prefix)
            continue
        own = _Compiler(scenario, actors, prefix)
        machines[name] = own.compile()
        seen = {(_within_actors(p.field), p.message) for p in problems}
        problems += [p for p in own.problems if (_within_actors(p.field), p.message) not in seen]
    if not problems:
        compiler.check_unused_parameters(machines.values())
        problems = compiler.problems
    return ({} if problems else machines), problems


def _within_actors(field: str) -> str:
    """A problem's place inside a set of actors, the same for `actors.X...` and `hypotheses.H.actors.X...`."""
    parts = field.split(".")
    return ".".join(parts[3:] if parts[0] == "hypotheses" else parts[1:])


def _located(scenario: Scenario, exc: ValidationError, prefix: FieldPath) -> list[Problem]:
    """pydantic's errors in a hypothesis's merged actors, at their place in the hypothesis."""
    data = {"actors": {}}
    problems = problems_from_pydantic(exc, data, {}, ActorSet)
    located = []
    for problem in problems:
        path = (*prefix, *problem.field.split(".")[1:])
        located.append(scenario.located(path, problem.message))
    return located


class _Compiler:
    def __init__(self, scenario: Scenario, actors: Mapping[str, Actor] | None = None, prefix: FieldPath = ("actors",)):
        self.scenario = scenario
        self.actors = scenario.actors if actors is None else actors
        self.prefix = prefix  # where these actors sit in the file: `actors` or a hypothesis's
        self.problems: list[Problem] = []
        self.parameter_kinds = {name: dist.kind for name, dist in scenario.parameters.items()}
        kinds: dict[str, str] = dict(self.parameter_kinds)
        kinds.update({name: VARIABLE_KINDS[v.kind] for name, v in scenario.variables.items()})
        kinds.update({name: "date" for name in scenario.calendar})
        kinds.update({NOW: "date", HORIZON: "date"})
        actors = {name: frozenset(actor.states) for name, actor in self.actors.items()}
        self.names = Namespace(kinds, actors)

    def problem(self, at: FieldPath, message: str, column: int = 0) -> None:
        position = locate(self.scenario._positions, at)
        if column:
            position = text_position(self.scenario._positions, at, column) or position
        self.problems.append(Problem(position, ".".join(str(p) for p in at), message))

    def number(self, source: Any, at: FieldPath, *, time_free: bool = False) -> Compiled | None:
        """An expression that must give a number (a date, a delay, a rate, a probability...)."""
        compiled = self.expression(source, at, time_free=time_free)
        if compiled is not None and compiled.kind == TEXT:
            self.problem(at, f"must give a number, but {compiled.text!r} gives text")
            return None
        return compiled

    def expression(self, source: Any, at: FieldPath, *, time_free: bool = False, offset: int = 0) -> Compiled | None:
        """`source` compiled, or None with its problem recorded. `offset`: where it starts in its text."""
        try:
            compiled = compile_expression(source, self.names)
        except ExpressionError as exc:
            self.problem(at, str(exc), exc.column + offset)
            return None
        for function, index, name in compiled.bare_arguments:
            low, high, open_low = RANDOM_DOMAINS[function][index]
            self._check_support_named(name, low, high, open_low, f"argument {index + 1} of {function}()", at)
        if time_free and compiled.random:
            self.problem(
                at,
                f"a `{at[-1]}` cannot draw a random number: it is re-read whenever what it names changes, "
                "so how often it drew would decide the draw; draw in an effect's `set:` instead",
            )
            return None
        if time_free and NOW in compiled.reads:
            self.problem(
                at,
                f"a `{at[-1]}` cannot read `now`: it is re-read only when what it names changes, "
                "not as time passes; use `at:` for a time",
            )
            return None
        return compiled

    def compile(self) -> Machine:
        self._check_names()
        scenario = self.scenario
        if not self.actors:
            self.problem(
                self.prefix, "at least one actor is needed: the scenario's mechanics (docs/scenarios.md#actors)"
            )
        initial_values = tuple(  # alphabetical, like everything whose order could change a draw
            (name, self._initial(name, variable)) for name, variable in sorted(scenario.variables.items())
        )
        transitions: dict[tuple[str, str], tuple[CompiledTransition, ...]] = {}
        for actor_name, actor in sorted(self.actors.items()):
            if actor.initial not in actor.states:
                self.problem(
                    (*self.prefix, actor_name, "initial"),
                    f"unknown state {actor.initial!r}{did_you_mean(actor.initial, actor.states)}",
                )
            for state_name, state in actor.states.items():
                compiled = []
                for name, transition in sorted(state.transitions.items()):
                    at = (*self.prefix, actor_name, "states", state_name, "transitions", name)
                    result = self._transition(actor_name, state_name, name, transition, at)
                    if result is not None:
                        compiled.append(result)
                transitions[(actor_name, state_name)] = tuple(compiled)
        transitions = _mark_counters(transitions, initial_values)
        machine = Machine(
            actors=tuple(sorted(self.actors)),  # alphabetical: no result depends on the order keys are written in
            initial_states={name: actor.initial for name, actor in self.actors.items()},
            states={name: tuple(actor.states) for name, actor in self.actors.items()},
            transitions=transitions,
            variables=scenario.variables,
            initial_values=initial_values,
            calendar_days={name: scenario.day_of(entry.date) for name, entry in scenario.calendar.items()},
            horizon_day=scenario.day_of(scenario.horizon),
        )
        if not self.problems:
            self._check_reachable(machine)
            self._check_instant_loops(machine)
        return machine

    def check_unused_parameters(self, machines: Iterable[Machine]) -> None:
        """A parameter no expression reads is usually a misspelling (often in a variant)."""
        read: set[str] = set()
        for machine in machines:
            read |= _all_reads(machine.transitions, machine.initial_values)
            read |= {
                t.branching.on_parameter
                for out in machine.transitions.values()
                for t in out
                if t.branching.on_parameter
            }
        others = [p for p in read if p in self.scenario.parameters]
        for name in self.scenario.parameters:
            if name not in read:
                self.problem(
                    ("parameters", name),
                    f"no transition, effect or variable reads {name!r}{did_you_mean(name, others)}",
                )

    def _check_names(self) -> None:
        """One namespace: a name means one thing in every expression."""
        owners: dict[str, str] = {}
        sections = [
            ("parameters", self.scenario.parameters),
            ("variables", self.scenario.variables),
            ("calendar", self.scenario.calendar),
            ("actors", self.scenario.actors),
        ]
        for section, names in sections:
            for name in names:
                if name in RESERVED:
                    self.problem((section, name), f"{name!r} is a word of the expression language; choose another name")
                elif name in owners:
                    self.problem((section, name), f"{name!r} is already a name in {owners[name]}; names must be unique")
                else:
                    owners[name] = section

    def _initial(self, name: str, variable: Variable) -> Compiled | None:
        at: FieldPath = ("variables", name, "initial")
        self._check_claim(("variables", name, "source"), variable.source)
        if variable.initial is None:
            return None
        compiled = self.expression(variable.initial, at)
        if compiled is None:
            return None
        if any(n == NOW or n in self.scenario.variables or n in self.actors for n in compiled.reads):
            self.problem(at, "an initial value may read parameters and dates only")
            return None
        if compiled.kind not in _SETTABLE[variable.kind]:
            self.problem(at, f"{name!r} is a {variable.kind}, but {compiled.text!r} gives {compiled.kind}")
            return None
        self._check_literals(compiled, variable.has_provenance(), at)
        return compiled

    def _check_claim(self, at: FieldPath, claim: str | None) -> None:
        if claim and claim not in self.scenario.claims:
            self.problem(at, f"cites unknown claim {claim!r}{did_you_mean(claim, self.scenario.claims)}")

    def _check_support(self, compiled: Compiled, low: float, high: float, what: str, at: FieldPath) -> None:
        """A bare parameter used as a probability, delay or rate: every draw must be usable."""
        self._check_support_named(compiled.text, low, high, False, what, at)

    def _check_support_named(
        self, name: str, low: float, high: float, open_low: bool, what: str, at: FieldPath
    ) -> None:
        if name not in self.scenario.parameters or self.parameter_kinds[name] != "number":
            return
        distributions = (
            [("parameters", name), self.scenario.parameters[name]],
            *(
                [("hypotheses", h, "overrides", name), hyp.overrides[name]]
                for h, hyp in self.scenario.hypotheses.items()
                if name in hyp.overrides
            ),
        )
        for where, dist in distributions:
            first, last = dist.support()
            if first < low or last > high or (open_low and last <= low):  # near 0 is fine, all at 0 is not
                self.problem(
                    tuple(where),
                    f"{name} is used as {what} at {'.'.join(str(p) for p in at)}, so its values must lie in "
                    f"{'(' if open_low else '['}{low:g}, {high:g}], but this distribution spans [{first:g}, {last:g}]",
                )

    def _check_literals(self, compiled: Compiled, has_provenance: bool, at: FieldPath) -> None:
        unsourced = sorted({x for x in compiled.literals if x not in FREE_LITERALS})
        if unsourced and not has_provenance:
            numbers = ", ".join(f"{x:g}" for x in unsourced)
            self.problem(at, f"the number(s) {numbers} need a source (a claim id) or an assumption here")

    def _transition(
        self, actor: str, state: str, name: str, transition: Transition, at: FieldPath
    ) -> CompiledTransition | None:
        self._check_claim((*at, "source"), transition.source)
        sourced = transition.has_provenance()
        trigger = transition.trigger
        clock: Compiled | None = None
        distribution: DistributionBase | None = None
        raw = getattr(transition, trigger)
        if isinstance(raw, DistributionBase):
            distribution = raw
            if raw.kind != "number":
                self.problem((*at, "after"), f"a delay must be a number distribution, not a {raw.kind}")
            elif raw.support()[0] < 0:
                self.problem((*at, "after"), "a delay distribution must not go below 0 days")
            if not (raw.has_provenance() or sourced):
                self.problem((*at, "after"), "needs a source (a claim id) or an assumption")
        else:
            if trigger == "when":
                clock = self.expression(raw, (*at, trigger), time_free=True)
            else:
                clock = self.number(raw, (*at, trigger), time_free=trigger == "rate")
            if clock is not None:
                self._check_literals(clock, sourced, (*at, trigger))
                if trigger in ("after", "rate"):
                    self._check_support(
                        clock, 0.0, math.inf, f"a {'delay' if trigger == 'after' else 'rate'}", (*at, trigger)
                    )
        factors = []
        for index, factor in enumerate(transition.factors):
            condition = self.expression(factor.while_, (*at, "factors", index, "while"), time_free=True)
            times = self.number(factor.times, (*at, "factors", index, "times"), time_free=True)
            if condition is not None and times is not None:
                self._check_literals(times, sourced, (*at, "factors", index, "times"))
                factors.append((condition, times))
        branching = self._branching(actor, transition, at)
        effects = [self._effect(effect, sourced, (*at, "effects", i)) for i, effect in enumerate(transition.effects)]
        if branching is None or any(e is None for e in effects):
            return None
        if trigger != "after" and clock is None:
            return None
        return CompiledTransition(
            actor,
            state,
            name,
            trigger,
            clock,
            distribution,
            tuple(factors),
            branching,
            tuple(effects),  # type: ignore[arg-type]  # Nones returned above
        )

    def _branching(self, actor: str, transition: Transition, at: FieldPath) -> Branching | None:
        states = self.actors[actor].states
        ok = True

        def known(state: str, where: FieldPath) -> bool:
            if state in states:
                return True
            self.problem(where, f"actor {actor!r} has no state {state!r}{did_you_mean(state, states)}")
            return False

        if transition.branches is not None:
            branches: list[tuple[str, Compiled | None]] = []
            otherwise = 0
            constant_total = 0.0
            all_constant = True
            for index, branch in enumerate(transition.branches):
                where = (*at, "branches", index)
                ok &= known(branch.to, (*where, "to"))
                if branch.otherwise:
                    otherwise += 1
                    branches.append((branch.to, None))
                    continue
                probability = self.number(branch.probability, (*where, "probability"))
                if probability is None:
                    ok = False
                    continue
                self._check_literals(probability, transition.has_provenance(), (*where, "probability"))
                self._check_support(probability, 0.0, 1.0, "a probability", (*where, "probability"))
                if probability.is_constant:
                    value = float(probability.constant)
                    if not 0.0 <= value <= 1.0:
                        self.problem((*where, "probability"), f"a probability must lie in [0, 1], not {value:g}")
                        ok = False
                    constant_total += value
                else:
                    all_constant = False
                branches.append((branch.to, probability))
            if otherwise > 1:
                self.problem((*at, "branches"), "only one branch can be `otherwise`")
                ok = False
            elif all_constant and otherwise == 0 and abs(constant_total - 1.0) > WEIGHT_TOLERANCE:
                self.problem((*at, "branches"), f"branch probabilities must sum to 1 (they sum to {constant_total:g})")
                ok = False
            elif all_constant and constant_total > 1.0 + WEIGHT_TOLERANCE:
                self.problem((*at, "branches"), f"branch probabilities sum to {constant_total:g}, above 1")
                ok = False
            return Branching(branches=tuple(branches)) if ok else None
        if transition.branch_on is not None:
            return self._branch_on(actor, transition, at, known)
        assert isinstance(transition.to, str)
        return Branching(target=transition.to) if known(transition.to, (*at, "to")) else None

    def _branch_on(self, actor: str, transition: Transition, at: FieldPath, known: Any) -> Branching | None:
        parameter = transition.branch_on
        assert parameter is not None and isinstance(transition.to, dict)
        dist = self.scenario.parameters.get(parameter)
        if dist is None:
            self.problem(
                (*at, "branch_on"),
                f"unknown parameter {parameter!r}{did_you_mean(parameter, self.scenario.parameters)}",
            )
            return None
        ok = all(known(state, (*at, "to", value)) for value, state in transition.to.items())
        if dist.kind == "category":
            values: set[Any] = set(dist.categories())
            for hypothesis in self.scenario.hypotheses.values():
                override = hypothesis.overrides.get(parameter)
                if override is not None:
                    values |= override.categories()
            by_value: dict[Any, str] = dict(transition.to)
        elif dist.kind == "bool":
            values = {True, False}
            by_value = {}
            for key, state in transition.to.items():
                if key.lower() not in ("true", "false"):
                    self.problem((*at, "to", key), f"a yes/no parameter branches on true and false, not {key!r}")
                    return None
                by_value[key.lower() == "true"] = state
        else:
            self.problem(
                (*at, "branch_on"), f"{parameter!r} is a number; branch_on needs a category or yes/no parameter"
            )
            return None
        missing = sorted(str(v) for v in values - set(by_value))
        if missing:
            self.problem((*at, "to"), f"no target for {', '.join(missing)} (values {parameter!r} can take)")
            ok = False
        return Branching(on_parameter=parameter, by_value=by_value) if ok else None

    def _effect(self, effect: Effect, sourced: bool, at: FieldPath) -> CompiledEffect | None:
        variables = self.scenario.variables
        if effect.set is not None or effect.add is not None:
            kind = "set" if effect.set is not None else "add"
            assignments = []
            for name, source in (effect.set or effect.add or {}).items():
                where = (*at, kind, name)
                if name not in variables:
                    self.problem(
                        where,
                        f"undeclared variable {name!r}{did_you_mean(name, variables)}; declare it under variables:",
                    )
                    return None
                if kind == "add" and variables[name].kind not in ("number", "count"):
                    self.problem(where, f"can only add to a number or count, and {name!r} is a {variables[name].kind}")
                    return None
                compiled = self.expression(source, where)
                if compiled is None:
                    return None
                wanted = _SETTABLE[variables[name].kind]
                if compiled.kind not in wanted:
                    self.problem(
                        where, f"{name!r} is a {variables[name].kind}, but {compiled.text!r} gives {compiled.kind}"
                    )
                    return None
                self._check_literals(compiled, sourced, where)
                assignments.append((name, compiled))
            return CompiledEffect(kind, assignments=tuple(sorted(assignments, key=lambda pair: pair[0])))
        if effect.log is not None:
            parts = self._log_parts(effect.log, (*at, "log"))
            return None if parts is None else CompiledEffect("log", log_parts=parts)
        assert effect.start is not None
        return self._start(effect, (*at, "start"))

    def _log_parts(self, text: str, at: FieldPath) -> tuple[str | Compiled, ...] | None:
        parts: list[str | Compiled] = []
        rest, consumed = text, 0
        while "{" in rest:
            before, _, after = rest.partition("{")
            inner, closed, rest = after.partition("}")
            start = consumed + len(before) + 1  # the expression's first character, counted from 0
            if not closed:
                self.problem(at, "a '{' without its '}'", start)
                return None
            compiled = self.expression(inner, at, offset=start + (len(inner) - len(inner.lstrip())))
            if compiled is None:
                return None
            if compiled.random:
                self.problem(at, "a log message cannot draw a random number; draw it in a `set:` and log the variable")
                return None
            parts.extend([before, compiled])
            consumed = start + len(inner) + 1
        parts.append(rest)
        return tuple(parts)

    def _start(self, effect: Effect, at: FieldPath) -> CompiledEffect | None:
        start = effect.start
        assert start is not None
        process = builtins.PROCESSES.get(start.process)
        if process is None:
            self.problem(
                (*at, "process"),
                f"unknown built-in process {start.process!r}{did_you_mean(start.process, builtins.PROCESSES)}",
            )
            return None
        ok = True
        for name in process.inputs:
            if name not in start.inputs and name not in process.defaults:
                self.problem((*at, "inputs"), f"missing input {name!r} ({process.inputs[name]})")
                ok = False
        inputs = {}
        for name, source in start.inputs.items():
            if name not in process.inputs:
                self.problem(
                    (*at, "inputs", name), f"{start.process} has no input {name!r}{did_you_mean(name, process.inputs)}"
                )
                ok = False
                continue
            watched = name in process.watched_inputs
            if name in process.text_inputs or name in process.condition_inputs:
                compiled = self.expression(source, (*at, "inputs", name), time_free=watched)
            else:
                compiled = self.number(source, (*at, "inputs", name), time_free=watched)
                if compiled is not None and name in process.non_negative_inputs:
                    self._check_support(compiled, 0.0, math.inf, f"{start.process}'s {name}", (*at, "inputs", name))
            if compiled is None:
                ok = False
                continue
            self._check_literals(compiled, True, (*at, "inputs", name))
            inputs[name] = compiled
        for output, variable in start.outputs.items():
            if output not in process.outputs:
                self.problem(
                    (*at, "outputs", output),
                    f"{start.process} has no output {output!r}{did_you_mean(output, process.outputs)}",
                )
                ok = False
            elif variable not in self.scenario.variables:
                self.problem(
                    (*at, "outputs", output),
                    f"undeclared variable {variable!r}{did_you_mean(variable, self.scenario.variables)}",
                )
                ok = False
        return (
            CompiledEffect("start", process=start.process, inputs=inputs, outputs=dict(start.outputs)) if ok else None
        )

    def _check_reachable(self, machine: Machine) -> None:
        """A state nothing leads to is dead text: almost always a misspelt or forgotten transition."""
        for actor in machine.actors:
            seen = {machine.initial_states[actor]}
            frontier = list(seen)
            while frontier:
                state = frontier.pop()
                for transition in machine.transitions[(actor, state)]:
                    for target in transition.branching.targets():
                        if target not in seen:
                            seen.add(target)
                            frontier.append(target)
            for state in machine.states[actor]:
                if state not in seen:
                    self.problem(
                        (*self.prefix, actor, "states", state),
                        f"unreachable: no transition from {machine.initial_states[actor]!r} leads here "
                        "(remove it, or set it to null in a variant)",
                    )

    def _check_instant_loops(self, machine: Machine) -> None:
        """A cycle of `after: 0` (or `when: true`) transitions would fire forever at one moment."""
        for actor in machine.actors:
            edges = {
                state: [
                    target
                    for t in machine.transitions[(actor, state)]
                    if t.clock is not None
                    and t.clock.is_constant
                    and ((t.trigger == "after" and t.clock.constant == 0) or (t.trigger == "when" and t.clock.constant))
                    for target in t.branching.targets()
                ]
                for state in machine.states[actor]
            }
            for cycle in _cycles(edges):
                path = " -> ".join([*cycle, cycle[0]])
                self.problem(
                    (*self.prefix, actor, "states", cycle[0]),
                    f"a loop of instantaneous transitions ({path}) would fire forever at one moment",
                )


def _all_reads(
    transitions: Mapping[tuple[str, str], tuple[CompiledTransition, ...]],
    initial_values: tuple[tuple[str, Compiled | None], ...],
) -> set[str]:
    """Every name some expression of the mechanics reads."""
    reads: set[str] = {name for _, initial in initial_values if initial is not None for name in initial.reads}
    for out in transitions.values():
        for t in out:
            reads |= t.watches | (t.clock.reads if t.clock else frozenset())
            reads |= {n for _, p in t.branching.branches if p is not None for n in p.reads}
            for effect in t.effects:
                reads |= {n for _, c in effect.assignments for n in c.reads}
                reads |= {n for part in effect.log_parts if isinstance(part, Compiled) for n in part.reads}
                reads |= {n for c in effect.inputs.values() for n in c.reads}
    return reads


def _mark_counters(
    transitions: dict[tuple[str, str], tuple[CompiledTransition, ...]],
    initial_values: tuple[tuple[str, Compiled | None], ...],
) -> dict[tuple[str, str], tuple[CompiledTransition, ...]]:
    """Flag self-looping rates whose only effect is to add constants to variables nothing reads.

    Nothing can observe such a transition until the horizon, so the interpreter draws its
    firings as one Poisson count of the integrated rate instead of one event each: the
    same process, for a fraction of the cost.
    """
    reads = _all_reads(transitions, initial_values)

    def counts_only(t: CompiledTransition) -> bool:
        return (
            t.trigger == "rate"
            and t.branching.target == t.state
            and bool(t.effects)
            and all(
                e.kind == "add" and all(c.is_constant and name not in reads for name, c in e.assignments)
                for e in t.effects
            )
        )

    return {
        key: tuple(dataclasses.replace(t, counter=True) if counts_only(t) else t for t in out)
        for key, out in transitions.items()
    }


def _cycles(edges: Mapping[str, list[str]]) -> Iterator[list[str]]:
    """The first cycle found by depth-first search, if there is one (one is enough to report)."""
    done: set[str] = set()
    for root in edges:
        if root not in done:
            cycle = _visit(root, edges, [], done)
            if cycle:
                yield cycle
                return


def _visit(node: str, edges: Mapping[str, list[str]], stack: list[str], done: set[str]) -> list[str] | None:
    stack.append(node)
    for target in edges.get(node, []):
        if target in stack:
            return stack[stack.index(target) :]
        if target not in done:
            found = _visit(target, edges, stack, done)
            if found:
                return found
    stack.pop()
    done.add(node)
    return None
