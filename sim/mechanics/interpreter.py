"""Run a compiled `Machine` for one replication on a SimPy clock.

Each armed transition is a clock: a timeout for `at` and `after`, an exponential budget
spent at a piecewise-constant rate for `rate` (exact inversion: the rate is re-read
whenever something it depends on changes), and a watch for `when` that fires, at the
moment it becomes true, the instant a change makes it so. The first clock to ring
wins; leaving a state disarms the others (docs/scenarios.md#transitions).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import simpy

from sim.mechanics import builtins
from sim.mechanics.compile import CompiledEffect, CompiledTransition, Machine
from sim.mechanics.draws import ReplicationDraws, exponential_budget, poisson_quantile
from sim.mechanics.expressions import HORIZON, NOW, RNG, Compiled
from sim.scenario.distributions import WEIGHT_TOLERANCE

MAX_FIRINGS_AT_ONE_MOMENT = 10_000
MAX_FIRINGS_PER_REPLICATION = (
    100_000  # a runaway rate (1e9 a day) stops with an error, not a hang; the baseline fires about 18
)
LOOP_WITNESSES = 100  # the last firings before the guard trips: their states name the loop
DEFAULT_VALUES = {"count": 0, "flag": False}  # a variable without `initial:`; numbers start unset (NaN)


class MechanicsError(Exception):
    """The mechanics did something impossible at run time (named by actor, state and transition)."""


@dataclass(frozen=True)
class Result:
    """One replication's end state: states entered (first day), final states, variables, event log."""

    entered: dict[str, float]  # "actor.state" -> first day entered
    final_states: dict[str, str]
    variables: dict[str, Any]
    taken: dict[str, int]  # "actor.state.transition" -> times fired
    events: list[tuple[float, str, str, str]]


class _Armed:
    """One armed transition's clock. `version` changes when a rate clock is moved."""

    __slots__ = ("transition", "epoch", "version", "scheduled", "budget", "rate", "since", "history")

    def __init__(self, transition: CompiledTransition, epoch: int):
        self.transition = transition
        self.epoch = epoch
        self.version = 0
        self.scheduled = False
        self.budget = 0.0  # rate clocks: the Exp(1) hazard still to spend
        self.rate = 0.0
        self.since = 0.0
        self.history: list[tuple[float, float]] = []  # counters: (day, rate from then on)


class _ProcessHost:
    """What a built-in process sees: its inputs, a change signal, its outputs, the log."""

    def __init__(self, run: Replication, effect: CompiledEffect, actor: str):
        self.run = run
        self.env = run.env
        self.end_day = run.end_day
        self.effect = effect
        self.actor = actor
        self.watches = frozenset().union(
            *(
                effect.inputs[name].reads
                for name in builtins.PROCESSES[effect.process].watched_inputs
                if name in effect.inputs
            )
        )
        self.signal: simpy.Event | None = None
        self.finish_hook: Callable[[], None] | None = None

    def read(self, name: str) -> Any:
        compiled = self.effect.inputs.get(name)
        if compiled is None:
            return builtins.PROCESSES[self.effect.process].defaults[name]
        return compiled.evaluate(self.run.values)

    def changed(self) -> simpy.Event:
        if self.signal is None or self.signal.triggered:
            self.signal = self.env.event()
        return self.signal

    def notify(self) -> None:
        if self.signal is not None and not self.signal.triggered:
            self.signal.succeed()

    def write(self, outputs: Mapping[str, Any]) -> None:
        changed = set()
        for output, variable in self.effect.outputs.items():
            self.run.values[variable] = outputs[output]
            changed.add(variable)
        self.run.settle(changed)
        self.run.drain()

    def log(self, event: str, detail: str) -> None:
        self.run.events.append((self.env.now, self.actor, f"{self.effect.process}.{event}", detail))


class Replication:
    """One replication's world: values, actors' states, armed clocks, running processes."""

    def __init__(
        self,
        machine: Machine,
        draws: ReplicationDraws,
        parameters: Mapping[str, Any],
    ):
        self.machine = machine
        self.env = simpy.Environment()
        self.end_day = machine.horizon_day + 1.0  # the end of the horizon's last day
        values: dict[str, Any] = dict(parameters)
        values.update(machine.calendar_days)
        values[NOW] = 0.0
        values[HORIZON] = machine.horizon_day
        values[RNG] = draws
        self.values = values
        self.draws = draws
        self.epochs = dict.fromkeys(machine.actors, 0)
        self.watchers: dict[str, list[_Armed]] = {actor: [] for actor in machine.actors}
        self.processes: list[_ProcessHost] = []
        self.entered: dict[str, float] = {}
        self.taken: dict[str, int] = {}
        self.events: list[tuple[float, str, str, str]] = []
        self.moment = -1.0
        self.current = "at the start"  # what is being evaluated, for messages
        self.due: deque[tuple[_Armed, int]] = deque()  # clocks that rang at this moment, not yet fired
        self.firings_this_moment = 0
        self.firings = 0  # in this replication
        self.loop_states: set[str] = set()  # states passed in the last firings before the loop guard

    def run(self) -> Result:
        try:
            self._run()
        except (ArithmeticError, ValueError, TypeError) as exc:  # e.g. a division by zero in an expression
            raise MechanicsError(f"{self.current}: {type(exc).__name__}: {exc}") from None
        variables = {name: self.values[name] for name in self.machine.variables}
        final = {actor: self.values[actor] for actor in self.machine.actors}
        return Result(self.entered, final, variables, self.taken, self.events)

    def _run(self) -> None:
        values, machine = self.values, self.machine
        self.current = "the initial values"
        for name, initial in machine.initial_values:
            kind = machine.variables[name].kind
            values[name] = initial.evaluate(values) if initial is not None else DEFAULT_VALUES.get(kind)
            if kind == "number":
                values[name] = math.nan if values[name] is None else float(values[name])
        for actor in self.machine.actors:  # every actor has a state before any clock reads one
            self.values[actor] = self.machine.initial_states[actor]
        for actor in self.machine.actors:
            self._enter(actor, self.machine.initial_states[actor])
        self.settle(set(self.machine.actors))  # entered(...) of an initial state entered after
        self.drain()
        self.env.run(until=self.end_day)
        self.values[NOW] = self.end_day
        self.current = "at the horizon"
        for watchers in self.watchers.values():
            for armed in watchers:
                if armed.transition.counter:
                    self._count(armed)
        for host in self.processes:
            if host.finish_hook is not None:
                host.finish_hook()

    # Clocks

    def _enter(self, actor: str, state: str) -> None:
        machine, values, now = self.machine, self.values, self.env.now
        if (actor, values[actor]) in machine.counting:
            for armed in self.watchers[actor]:
                if armed.transition.counter:
                    self._count(armed)
        values[actor] = state
        key = machine.state_keys[(actor, state)]
        if key not in values:
            values[key] = now
            self.entered[key] = now
        epoch = self.epochs[actor] = self.epochs[actor] + 1
        self.watchers[actor] = []
        for transition in machine.transitions[(actor, state)]:
            self._arm(transition, epoch)

    def _arm(self, transition: CompiledTransition, epoch: int) -> None:
        self.current = transition.key
        armed = _Armed(transition, epoch)
        watchers = self.watchers[transition.actor]
        trigger = transition.trigger
        if trigger == "when":
            watchers.append(armed)
            if transition.clock.evaluate(self.values):  # type: ignore[union-attr]  # compiled
                self._schedule(armed, 0.0)
        elif trigger == "rate":
            watchers.append(armed)
            armed.since = self.env.now
            if transition.counter:
                armed.rate = self._current_rate(armed)
                armed.history.append((armed.since, armed.rate))
            else:
                armed.budget = float(exponential_budget(self.draws.uniform(transition.sites.clock)))
                self._set_rate(armed)
        elif trigger == "at":
            day = self._number(transition.clock, transition, "at")  # type: ignore[arg-type]  # compiled
            if not math.isnan(day):
                self._schedule(armed, max(0.0, day - self.env.now))
        else:
            if transition.distribution is not None:
                u = self.draws.uniform(transition.sites.clock)
                delay = float(transition.distribution.quantile(u))  # type: ignore[arg-type]  # numeric
            else:
                delay = self._number(transition.clock, transition, "after")  # type: ignore[arg-type]  # compiled
            if delay < 0 or math.isnan(delay):
                raise MechanicsError(f"{transition.key}: `after` gave {delay:g} days; a delay must be 0 or more")
            self._schedule(armed, delay)

    def _number(self, compiled: Compiled, transition: CompiledTransition, what: str) -> float:
        value = compiled.evaluate(self.values)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise MechanicsError(f"{transition.key}: `{what}` gave {value!r}, not a number") from None

    def _schedule(self, armed: _Armed, delay: float) -> None:
        armed.scheduled = True
        version = armed.version
        if delay == 0.0:  # due now: fired after the current step, without a SimPy event
            self.due.append((armed, version))
            return
        if self.env.now + delay >= self.end_day:  # would ring after the run stops: no event needed
            return
        event = self.env.timeout(delay)
        event.callbacks.append(lambda _event: self._ring_and_drain(armed, version))

    def _ring_and_drain(self, armed: _Armed, version: int) -> None:
        self._ring(armed, version)
        self.drain()

    def drain(self) -> None:
        """Fire the transitions that fell due at this moment, in the order they did."""
        due = self.due
        while due:
            self._ring(*due.popleft())

    def _current_rate(self, armed: _Armed) -> float:
        transition = armed.transition
        rate = self._number(transition.clock, transition, "rate")  # type: ignore[arg-type]  # compiled
        for condition, times in transition.factors:
            if condition.evaluate(self.values):
                rate *= float(times.evaluate(self.values))
        if rate < 0 or math.isnan(rate):
            raise MechanicsError(f"{transition.key}: the rate is {rate:g}; a rate must be 0 or more")
        return rate

    def _set_rate(self, armed: _Armed) -> None:
        """Spend the budget at the old rate up to now, then re-aim the clock at the new rate."""
        now = self.env.now
        if armed.transition.counter:
            armed.budget += armed.rate * (now - armed.since)  # counters: the hazard spent so far
            armed.since, armed.rate = now, self._current_rate(armed)
            armed.history.append((now, armed.rate))
            return
        armed.budget = max(armed.budget - armed.rate * (now - armed.since), 0.0)
        armed.since = now
        armed.rate = self._current_rate(armed)
        armed.version += 1
        armed.scheduled = False
        if armed.rate > 0:
            self._schedule(armed, armed.budget / armed.rate)

    def settle(self, changed: set[str]) -> None:
        """After a change: re-aim rate clocks, ring `when` clocks that became true, wake processes."""
        if not changed:
            return
        values, watching = self.values, self.machine.watching
        actors = {actor for name in changed for actor, state in watching.get(name, ()) if values[actor] == state}
        for actor in sorted(actors):  # a fixed order: sets of text iterate differently in each process
            for armed in self.watchers[actor]:
                transition = armed.transition
                if transition.watches.isdisjoint(changed):
                    continue
                self.current = transition.key
                if transition.trigger == "rate":
                    rate = self._current_rate(armed)
                    if rate != armed.rate:
                        self._set_rate(armed)
                elif not armed.scheduled and transition.clock.evaluate(values):  # type: ignore[union-attr]  # compiled
                    self._schedule(armed, 0.0)
        for host in self.processes:
            if host.watches & changed:
                host.notify()

    def _ring(self, armed: _Armed, version: int) -> None:
        transition = armed.transition
        if armed.epoch != self.epochs[transition.actor] or armed.version != version:
            return  # the actor left the state, or the rate moved the clock
        if transition.trigger == "when" and not transition.clock.evaluate(self.values):  # type: ignore[union-attr]  # compiled
            armed.scheduled = False  # true for a moment, false again before it could fire
            return
        self._fire(transition)

    def _count(self, armed: _Armed) -> None:
        """A counter's firings so far: Poisson(integrated rate), each at the time its share of
        the cumulative rate falls (inversion); the same process as firing them one by one."""
        now = min(self.env.now, self.end_day)
        hazard = armed.budget + armed.rate * (now - armed.since)
        armed.budget, armed.since = hazard, now
        transition = armed.transition
        u = self.draws.uniform(transition.sites.count)
        firings = int(poisson_quantile(u, hazard)) if hazard > 0 else 0
        if not firings:
            return
        if firings > MAX_FIRINGS_PER_REPLICATION:  # counted, not fired one by one: the same limit
            raise MechanicsError(
                f"{armed.transition.key}: more than {MAX_FIRINGS_PER_REPLICATION:,} transitions fired in one "
                f"replication (a count of {firings:,}); is a rate far too high?"
            )
        for effect in transition.effects:
            for name, amount in effect.assignments:
                self.values[name] = self.values[name] + firings * amount.constant
        self.taken[transition.key] = self.taken.get(transition.key, 0) + firings
        starts = [day for day, _ in armed.history]
        rates = [rate for _, rate in armed.history]
        pieces = [rate * (end - start) for rate, start, end in zip(rates, starts, [*starts[1:], now], strict=True)]
        cumulative = list(itertools.accumulate(pieces))  # H(t) at the end of each stretch: piecewise linear
        for u in sorted(self.draws.uniforms(transition.sites.times, firings).tolist()):
            target = u * hazard
            k = min(bisect.bisect_left(cumulative, target), len(pieces) - 1)
            day = starts[k] + (target - (cumulative[k] - pieces[k])) / rates[k] if rates[k] > 0 else starts[k]
            self.events.append((day, transition.actor, transition.state, transition.name))
        armed.history = [(now, armed.rate)]
        armed.budget = 0.0

    # Firing

    def _fire(self, transition: CompiledTransition) -> None:
        now = self.env.now
        self.values[NOW] = now
        self.current = transition.key
        if now == self.moment:
            self.firings_this_moment += 1
            if self.firings_this_moment > MAX_FIRINGS_AT_ONE_MOMENT - LOOP_WITNESSES:
                self.loop_states.add(f"{transition.actor}.{transition.state}")
            if self.firings_this_moment > MAX_FIRINGS_AT_ONE_MOMENT:
                raise MechanicsError(
                    f"{transition.key}: more than {MAX_FIRINGS_AT_ONE_MOMENT:,} transitions fired at day {now:g}; "
                    f"a loop of instantaneous transitions through {', '.join(sorted(self.loop_states))}"
                )
        else:
            self.moment, self.firings_this_moment = now, 1
        self.firings += 1
        if self.firings > MAX_FIRINGS_PER_REPLICATION:
            raise MechanicsError(
                f"{transition.key}: more than {MAX_FIRINGS_PER_REPLICATION:,} transitions fired in one replication "
                f"(now at day {now:g}); is a rate far too high?"
            )
        target = self._target(transition)
        changed: set[str] = {transition.actor}
        details = []
        for effect in transition.effects:
            details.extend(self._apply(effect, transition, changed))
        self.taken[transition.key] = self.taken.get(transition.key, 0) + 1
        detail = "; ".join(details) if details else transition.name
        self.events.append((now, transition.actor, target, detail))
        if target == transition.state:  # a self-loop re-arms itself; the state's other clocks run on
            changed.discard(transition.actor)
            watchers = self.watchers[transition.actor]
            watchers[:] = [armed for armed in watchers if armed.transition is not transition]
            self._arm(transition, self.epochs[transition.actor])
        else:
            self._enter(transition.actor, target)
        self.settle(changed)

    def _target(self, transition: CompiledTransition) -> str:
        branching = transition.branching
        if branching.target is not None:
            return branching.target
        if branching.on_parameter is not None:
            return branching.by_value[self.values[branching.on_parameter]]
        u = self.draws.uniform(transition.sites.branch)
        total = 0.0
        otherwise = None
        probabilities = []
        for state, probability in branching.branches:
            if probability is None:
                otherwise = state
                continue
            p = float(probability.evaluate(self.values))
            if not 0.0 <= p <= 1.0:
                raise MechanicsError(f"{transition.key}: a branch probability is {p:g}, outside [0, 1]")
            probabilities.append((state, p))
            total += p
        if total > 1.0 + WEIGHT_TOLERANCE or (otherwise is None and abs(total - 1.0) > WEIGHT_TOLERANCE):
            raise MechanicsError(f"{transition.key}: branch probabilities sum to {total:g}, not 1")
        cumulative = 0.0
        for state, p in probabilities:
            cumulative += p
            if u < cumulative:
                return state
        return otherwise if otherwise is not None else probabilities[-1][0]

    def _apply(self, effect: CompiledEffect, transition: CompiledTransition, changed: set[str]) -> list[str]:
        values = self.values
        if effect.kind == "set":  # all values first, then assigned: the order of the keys never matters
            assigned = [(name, compiled.evaluate(values)) for name, compiled in effect.assignments]
            for name, value in assigned:
                values[name] = value
                changed.add(name)
            return []
        if effect.kind == "add":
            for name, compiled in effect.assignments:
                values[name] = values[name] + compiled.evaluate(values)
                changed.add(name)
            return []
        if effect.kind == "log":
            return [
                "".join(part if isinstance(part, str) else _format(part.evaluate(values)) for part in effect.log_parts)
            ]
        host = _ProcessHost(self, effect, transition.actor)
        self.processes.append(host)
        self.env.process(builtins.PROCESSES[effect.process].run(host))
        return [f"{effect.process} started"]


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
