"""Run a compiled `Machine` for a whole chunk of replications at once, on arrays.

The same process as `sim.mechanics.interpreter` (the reference), advanced for every
replication together: each actor's state, each clock and each variable is an array
over the chunk. A step finds, for every replication still running, the clock that
rings next (earliest time; at equal times, transitions due at once first, then in the
order they were scheduled, as SimPy orders its events), fires it under a mask, and
re-arms the clocks it changes. Draws are keyed like the reference's
(sim/mechanics/draws.py), so both give the same replication, number for number
(docs/model.md#two-engines).

Where a replication would raise in the reference (a division by zero, a runaway
loop), this engine raises `NeedsReference` and the chunk is run by the reference,
which names the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.mechanics import keyed
from sim.mechanics.array_clocks import (
    ARM_BITS,
    CLASS_SHIFT,
    DUE_NOW,
    NEVER,
    TIMEOUT,
    Clocks,
    RateHistory,
)
from sim.mechanics.array_combat import ARRAY_PROCESSES, Battle
from sim.mechanics.array_expressions import NeedsReference, as_kind, bools, can_fail, compile_array
from sim.mechanics.compile import CompiledEffect, CompiledTransition, Machine
from sim.mechanics.draws import exponential_budget, poisson_quantile
from sim.mechanics.expressions import HORIZON, NOW
from sim.mechanics.interpreter import DEFAULT_VALUES, MAX_FIRINGS_AT_ONE_MOMENT, MAX_FIRINGS_PER_REPLICATION
from sim.scenario.distributions import WEIGHT_TOLERANCE

MAX_STEPS = 5_000  # each step costs the same however few replications still run: past this, the reference runs them
assert MAX_STEPS < MAX_FIRINGS_AT_ONE_MOMENT  # one firing per replication per step: the step limit is the loop guard
__all__ = ["ArrayOutcomes", "NeedsReference", "run_arrays", "unsupported_reason"]


@dataclass(frozen=True)
class ArrayOutcomes:
    """A chunk's end states, column by column (one element per replication)."""

    entered: dict[str, np.ndarray]  # "actor.state" -> day first entered, NaN if never
    final_states: dict[str, np.ndarray]  # actor -> state name (object array)
    variables: dict[str, np.ndarray]  # number/count: float (NaN unset); flag: bool; category: object
    events: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # position, day, then codes of
    vocabulary: list[str]  # ... the actor, the event and the detail in this vocabulary
    taken: dict[str, np.ndarray]  # "actor.state.transition" -> times fired


def unsupported_reason(machine: Machine) -> str | None:
    """Why this machine needs the SimPy engine, or None when the vectorised one can run it."""
    for transition in (t for out in machine.transitions.values() for t in out):
        for effect in transition.effects:
            if effect.kind == "start" and effect.process not in ARRAY_PROCESSES:
                return f"{transition.key} starts {effect.process}, which has no array version"
    return None


def run_arrays(
    machine: Machine,
    key: keyed.Key,
    replications: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    *,
    events: bool = True,
) -> ArrayOutcomes:
    """Run `machine` for `replications` (their indices) with their drawn `parameters`."""
    chunk = ChunkRun(machine, key, replications, parameters, events)
    try:
        with np.errstate(over="ignore"):  # an overflow gives inf, as Python's floats do
            return chunk.run()
    except (ArithmeticError, ValueError, TypeError) as exc:  # e.g. combat with no one on one side
        raise NeedsReference(f"{type(exc).__name__}: {exc}") from None
    finally:
        chunk.close()


@dataclass
class _Slot:
    """What a clock does when it rings: fire a transition, or step a built-in process."""

    transition: CompiledTransition | None = None
    battle: Battle | None = None
    role: str = ""  # a battle's: "run" (its start and natural end), "wake" (an input changed), "log" (its end's row)


class ChunkRun:
    def __init__(
        self,
        machine: Machine,
        key: keyed.Key,
        replications: np.ndarray,
        parameters: Mapping[str, np.ndarray],
        record_events: bool,
    ):
        self.machine = machine
        self.key = key
        self.replications = np.asarray(replications, dtype=np.int64)
        n = self.n = len(self.replications)
        self.end_day = machine.horizon_day + 1.0
        self.now = np.zeros(n)
        self.values: dict[str, Any] = {name: np.asarray(v) for name, v in parameters.items()}
        self.values.update(machine.calendar_days)
        self.values[NOW] = self.now
        self.values[HORIZON] = machine.horizon_day
        self.state_index = {actor: {s: i for i, s in enumerate(states)} for actor, states in machine.states.items()}
        self.state_names = {actor: np.array(states, dtype=object) for actor, states in machine.states.items()}
        self.states = {actor: np.full(n, -1, dtype=np.int64) for actor in machine.actors}
        self.entered = {key: np.full(n, np.nan) for key in machine.state_keys.values()}
        self.occurrences: dict[int, np.ndarray] = {}
        self.record_events = record_events
        self.event_parts: list[tuple[Any, ...]] = []  # (rows, days, component, event, detail) as vocabulary codes
        self.vocabulary: dict[str, int] = {}
        self.state_codes = {
            actor: np.array([self.code(state) for state in states], dtype=np.int32)
            for actor, states in machine.states.items()
        }
        self.sequence = 0
        self.at_horizon = False
        self.compiled: dict[Any, Any] = {}  # id(expression) -> its array closure; ("can fail", id) -> a flag
        # Clocks: one slot per transition, then per battle (its natural end or start) and its wake-up.
        self.transitions = [t for out in machine.transitions.values() for t in out]
        self.slots = [_Slot(transition=t) for t in self.transitions]
        self.slot_of = {t.key: i for i, t in enumerate(self.transitions)}
        self.battles: list[Battle] = []
        for transition in self.transitions:
            for index, effect in enumerate(transition.effects):
                if effect.kind == "start":
                    battle = Battle(self, transition, effect, index, len(self.slots))
                    self.battles.append(battle)
                    self.slots += [_Slot(battle=battle, role=role) for role in ("run", "wake", "log")]
        slots = len(self.slots)
        self.slot_type = np.int16 if slots < 2**15 else np.int64
        self.scheduled = np.zeros((slots, n), dtype=bool)
        t = len(self.transitions)
        self.budget, self.rate, self.since = np.zeros((t, n)), np.zeros((t, n)), np.zeros((t, n))
        self.taken = np.zeros((t, n), dtype=np.int64)
        self.armed_at = np.zeros((t, n), dtype=np.int64)
        self.arm_count = 0
        self.actor_slots = {
            actor: [self.slot_of[tr.key] for tr in self.transitions if tr.actor == actor] for actor in machine.actors
        }
        groups = [slots_ for slots_ in self.actor_slots.values() if slots_]
        groups += [[battle.slot, battle.wake_slot, battle.log_slot] for battle in self.battles]
        self.clocks = Clocks(groups, slots, n)
        self.counters = [i for i, tr in enumerate(self.transitions) if tr.counter]
        self.history = {j: RateHistory(n) for j in self.counters}

    def close(self) -> None:
        """Drop the references between the chunk and its battles, so its arrays are freed at once (no cycle)."""
        for battle in self.battles:
            battle.chunk = None  # type: ignore[assignment]  # the chunk is finished
        self.battles, self.slots, self.compiled = [], [], {}

    # Reading values

    def evaluate(self, compiled: Any, rows: np.ndarray) -> np.ndarray:
        function = self.compiled.get(id(compiled))
        if function is None:
            function = self.compiled[id(compiled)] = compile_array(compiled)
        return function(self, rows)

    def _can_fail(self, compiled: Any) -> bool:
        key = ("can fail", id(compiled))
        if key not in self.compiled:
            self.compiled[key] = can_fail(compiled)
        return bool(self.compiled[key])

    def draw(self, site: int, rows: np.ndarray) -> np.ndarray:
        counts = self.occurrences.get(site)
        if counts is None:
            counts = self.occurrences[site] = np.zeros(self.n, dtype=np.int64)
        u = keyed.uniforms(self.key, self.replications[rows], site, counts[rows])
        counts[rows] += 1
        return u

    def number(self, compiled: Any, rows: np.ndarray, what: str) -> np.ndarray:
        value = self.evaluate(compiled, rows)
        if value.dtype == object:
            raise NeedsReference(f"`{what}` gave something other than a number")
        return value.astype(float)

    # Running

    def run(self) -> ArrayOutcomes:
        machine, everyone = self.machine, np.arange(self.n)
        for name, initial in machine.initial_values:
            kind = machine.variables[name].kind
            if initial is not None:
                self.values[name] = as_kind(self.evaluate(initial, everyone), kind)
            elif kind in ("number", "count", "flag"):
                self.values[name] = np.full(self.n, np.nan if kind == "number" else DEFAULT_VALUES[kind], float)
                self.values[name] = self.values[name].astype(bool) if kind == "flag" else self.values[name]
            else:
                self.values[name] = np.full(self.n, None, dtype=object)
        for actor in machine.actors:
            self.states[actor][:] = self.state_index[actor][machine.initial_states[actor]]
        for actor in machine.actors:
            self._enter(actor, self.state_index[actor][machine.initial_states[actor]], everyone)
        self.settle(set(machine.actors), everyone)
        self._advance()
        self.now[:] = self.end_day
        self.at_horizon = True  # from here a transition falling due at once would fire at the horizon itself
        for j in self.counters:
            rows = np.flatnonzero(self._armed(j))
            if len(rows):
                self._count(j, rows)
        for battle in self.battles:
            battle.finish()
        return self._outcomes()

    def _advance(self) -> None:
        """Fire clocks in time order until every replication has none left before the horizon."""
        active = np.arange(self.n)
        steps = 0
        while len(active):
            steps += 1
            if steps > MAX_STEPS:
                raise NeedsReference(f"a replication fired more than {MAX_STEPS:,} transitions")
            earliest, chosen = self.clocks.next(active)
            running = earliest < self.end_day
            if not running.all():
                active, earliest, chosen = active[running], earliest[running], chosen[running]
                if not len(active):
                    break
            self.now[active] = earliest
            by_slot = np.argsort(chosen.astype(self.slot_type), kind="stable")  # radix sort when slots are few
            slots, starts = np.unique(chosen[by_slot], return_index=True)
            for slot, rows in zip(slots.tolist(), np.split(active[by_slot], starts[1:]), strict=True):
                self.clocks.clear(slot, rows)
                self._ring(slot, rows)

    def _ring(self, slot: int, rows: np.ndarray) -> None:
        target = self.slots[slot]
        if target.battle is not None:
            target.battle.ring(rows, target.role)
            return
        transition = target.transition
        assert transition is not None
        if transition.trigger == "when":
            holds = bools(self.evaluate(transition.clock, rows))
            self.scheduled[slot, rows[~holds]] = False  # true for a moment, false again before it could fire
            rows = rows[holds]
            if not len(rows):
                return
        self._fire(transition, rows)

    def _schedule(self, slot: int, rows: np.ndarray, delay: np.ndarray, sequence: Any = None) -> None:
        """Set a clock `delay` days from now; `sequence` orders it among clocks set at the same call."""
        sequence = self._next_sequence() if sequence is None else sequence
        self.scheduled[slot, rows] = True
        due = self.now[rows] + delay
        at_once = delay == 0.0
        ringing = due < self.end_day
        if at_once.any():
            if self.at_horizon:
                raise NeedsReference("a transition falls due at the horizon itself")
            ringing |= at_once
            order = (np.where(at_once, DUE_NOW, TIMEOUT) << CLASS_SHIFT) | sequence
        else:
            order = np.broadcast_to((TIMEOUT << CLASS_SHIFT) | sequence, (len(rows),)).copy()
        if not ringing.all():  # a clock that would ring after the horizon needs no event
            rows, due, order = rows[ringing], due[ringing], order[ringing]
        self.clocks.set(slot, rows, due, order)

    def schedule_at(self, slot: int, rows: np.ndarray, day: np.ndarray, event_class: int) -> None:
        self.clocks.set(slot, rows, day, np.full(len(rows), (event_class << CLASS_SHIFT) | self._next_sequence()))

    def _next_sequence(self) -> int:
        """Scheduling order: one number a call serves every row (each row is scheduled in call order).

        Its low bits are free for the order in which a settle visits an actor's clocks (`_settle`)."""
        self.sequence += 1
        return self.sequence << ARM_BITS

    def _armed(self, j: int) -> np.ndarray:
        transition = self.transitions[j]
        return self.states[transition.actor] == self.state_index[transition.actor][transition.state]

    # Clocks

    def _enter(self, actor: str, state: int, rows: np.ndarray, *, leaving: str | None = None) -> None:
        """Rows of `actor` enter `state` (from state `leaving`, None at the start): its clocks are armed."""
        machine = self.machine
        initial = leaving is None
        if not initial:
            states = self.states[actor][rows]
            for j in self.counters:
                transition = self.transitions[j]
                if transition.actor == actor:
                    counting = rows[states == self.state_index[actor][transition.state]]
                    if len(counting):
                        self._count(j, counting)
        self.states[actor][rows] = state
        name = machine.states[actor][state]
        first = self.entered[machine.state_keys[(actor, name)]]
        new = rows[np.isnan(first[rows])]
        first[new] = self.now[new]
        if not initial:  # only the clocks of the state left can be armed
            for transition in machine.transitions[(actor, leaving)]:
                self.clocks.due[self.slot_of[transition.key], rows] = NEVER
                self.scheduled[self.slot_of[transition.key], rows] = False
            if self.actor_slots[actor]:
                self.clocks.reset(self.clocks.group_of[self.actor_slots[actor][0]], rows)
        for transition in machine.transitions[(actor, name)]:
            self._arm(self.slot_of[transition.key], rows)

    def _arm(self, j: int, rows: np.ndarray) -> None:
        transition = self.transitions[j]
        trigger = transition.trigger
        if trigger in ("when", "rate"):  # the order a settle visits them in: the order they were armed
            self.armed_at[j, rows] = self.arm_count
            self.arm_count += 1
            if self.arm_count >= 1 << ARM_BITS:
                raise NeedsReference("too many clocks armed in one chunk")
        if trigger == "when":
            holds = bools(self.evaluate(transition.clock, rows))
            if holds.any():
                self._schedule(j, rows[holds], np.zeros(int(holds.sum())))
        elif trigger == "rate":
            self.since[j, rows] = self.now[rows]
            if transition.counter:
                self.rate[j, rows] = self._current_rate(j, rows)
                self.budget[j, rows] = 0.0
                self.history[j].restart(rows, self.now[rows], self.rate[j, rows])
            else:
                self.budget[j, rows] = exponential_budget(self.draw(transition.sites.clock, rows))
                self.rate[j, rows] = 0.0
                self._set_rate(j, rows)
        elif trigger == "at":
            day = self.number(transition.clock, rows, "at")
            known = ~np.isnan(day)
            if not known.all():
                rows, day = rows[known], day[known]
            gap = day - self.now[rows]
            self._schedule(j, rows, np.where(gap > 0.0, gap, 0.0))
        else:
            if transition.distribution is not None:
                delay = np.asarray(transition.distribution.quantiles(self.draw(transition.sites.clock, rows)), float)
            else:
                delay = self.number(transition.clock, rows, "after")
            if not (delay >= 0).all():  # NaN fails too
                raise NeedsReference(f"{transition.key}: a negative or undefined delay")
            self._schedule(j, rows, delay)

    def _current_rate(self, j: int, rows: np.ndarray) -> np.ndarray:
        transition = self.transitions[j]
        rate = self.number(transition.clock, rows, "rate")
        for condition, times in transition.factors:
            holds = bools(self.evaluate(condition, rows))
            if holds.any():
                rate[holds] = rate[holds] * self.number(times, rows[holds], "times")
        if not (rate >= 0).all():  # NaN fails too
            raise NeedsReference(f"{transition.key}: a negative or undefined rate")
        return rate

    def _set_rate(self, j: int, rows: np.ndarray, sequence: Any = None) -> None:
        """Spend the budget at the old rate up to now, then re-aim the clock at the new rate."""
        now = self.now[rows]
        transition = self.transitions[j]
        if transition.counter:
            self.budget[j, rows] += self.rate[j, rows] * (now - self.since[j, rows])
            self.since[j, rows] = now
            self.rate[j, rows] = self._current_rate(j, rows)
            self.history[j].append(rows, now, self.rate[j, rows])
            return
        self.budget[j, rows] = np.maximum(self.budget[j, rows] - self.rate[j, rows] * (now - self.since[j, rows]), 0.0)
        self.since[j, rows] = now
        rate = self.rate[j, rows] = self._current_rate(j, rows)
        self.scheduled[j, rows] = False
        self.clocks.clear(j, rows)
        positive = rate > 0
        if positive.any():
            if sequence is not None and not np.isscalar(sequence):
                sequence = sequence[positive]
            self._schedule(j, rows[positive], self.budget[j, rows[positive]] / rate[positive], sequence)

    def settle(self, changed: set[str], rows: np.ndarray) -> None:
        """After a change: re-aim rate clocks, ring `when` clocks that became true, wake processes."""
        if not changed or not len(rows):
            return
        watching = self.machine.watching
        actors = sorted({actor for name in changed for actor, _ in watching.get(name, ())})
        for actor in actors:  # SimPy visits an actor's clocks in the order they were armed: so do these orders
            base = self._next_sequence()
            states = self.states[actor][rows]
            for slot in self.actor_slots[actor]:
                transition = self.transitions[slot]
                if transition.watches.isdisjoint(changed):
                    continue
                here = rows[states == self.state_index[actor][transition.state]]
                if not len(here):
                    continue
                if transition.trigger == "rate":
                    rate = self._current_rate(slot, here)
                    moved = here[rate != self.rate[slot, here]]
                    if len(moved):
                        self._set_rate(slot, moved, base | self.armed_at[slot, moved])
                elif transition.trigger == "when":
                    waiting = here[~self.scheduled[slot, here]]
                    if len(waiting):
                        holds = bools(self.evaluate(transition.clock, waiting))
                        if holds.any():
                            ringing = waiting[holds]
                            self._schedule(slot, ringing, np.zeros(len(ringing)), base | self.armed_at[slot, ringing])
        for battle in self.battles:
            if battle.watches & changed:
                battle.notify(rows)

    def _count(self, j: int, rows: np.ndarray) -> None:
        """A counter's firings so far: Poisson(integrated rate), timed by inversion (as the reference)."""
        transition = self.transitions[j]
        now = np.minimum(self.now[rows], self.end_day)
        hazard = self.budget[j, rows] + self.rate[j, rows] * (now - self.since[j, rows])
        self.budget[j, rows], self.since[j, rows] = hazard, now
        u = self.draw(transition.sites.count, rows)
        firings = np.where(hazard > 0, poisson_quantile(u, hazard), 0.0)
        if (firings > MAX_FIRINGS_PER_REPLICATION).any():
            raise NeedsReference("a counter fired more times than a replication may")
        firings = firings.astype(np.int64)
        for effect in transition.effects:
            for name, amount in effect.assignments:
                self.values[name][rows] = self.values[name][rows] + firings * amount.constant
        self.taken[j, rows] += firings
        counted = firings > 0
        if self.record_events and counted.any():
            self._counter_events(j, rows[counted], firings[counted], hazard[counted], now[counted])
        self.history[j].restart(rows, now, self.rate[j, rows])
        self.budget[j, rows] = 0.0

    def _counter_events(
        self, j: int, rows: np.ndarray, firings: np.ndarray, hazard: np.ndarray, now: np.ndarray
    ) -> None:
        """Each firing's day, where its share of the cumulative rate falls (the reference's inversion)."""
        transition = self.transitions[j]
        site = transition.sites.times
        counts = self.occurrences.setdefault(site, np.zeros(self.n, dtype=np.int64))
        owner = np.repeat(np.arange(len(rows)), firings)  # one entry per firing: its row's position in `rows`
        first = np.repeat(np.cumsum(firings) - firings, firings)
        occurrence = counts[rows][owner] + np.arange(len(owner)) - first
        counts[rows] += firings
        u = _sorted_within(keyed.uniforms(self.key, self.replications[rows][owner], site, occurrence), firings)
        starts, rates, length = self.history[j].of(rows)
        ends = np.concatenate([starts[:, 1:], np.zeros((len(rows), 1))], axis=1)
        ends[np.arange(len(rows)), length - 1] = now
        valid = np.arange(starts.shape[1]) < length[:, None]
        stretch = np.where(valid, rates * (ends - starts), 0.0)
        cumulative = np.where(valid, np.cumsum(stretch, axis=1), np.inf)
        targets = u * hazard[owner]
        k = np.minimum((cumulative[owner] < targets[:, None]).sum(axis=1), length[owner] - 1)
        rate_k, start_k = rates[owner, k], starts[owner, k]
        before = cumulative[owner, k] - stretch[owner, k]
        safe_rate = np.where(rate_k > 0, rate_k, 1.0)
        days = np.where(rate_k > 0, start_k + (targets - before) / safe_rate, start_k)
        self.log(rows[owner], days, transition.actor, transition.state, transition.name)

    # Firing

    def _fire(self, transition: CompiledTransition, rows: np.ndarray) -> None:
        now = self.now[rows]  # (a replication fires once a step: MAX_STEPS bounds loops and runaway rates)
        actor = transition.actor
        j = self.slot_of[transition.key]
        self.taken[j, rows] += 1
        target = self._target(transition, rows)
        changed: set[str] = {actor}
        for effect in transition.effects:
            self._apply(effect, transition, rows, changed)
        if self.record_events:
            self.log(rows, now, actor, self.state_codes[actor][target], transition.name)
        here = self.state_index[actor][transition.state]
        if isinstance(target, int):  # one target for every row (most transitions)
            groups = [] if target == here else [(target, rows)]
            loop_rows = rows if target == here else rows[:0]
        else:
            looping = target == here
            loop_rows = rows[looping]
            order = np.argsort(target, kind="stable")
            states, starts = np.unique(target[order], return_index=True)
            groups = [(int(s), r) for s, r in zip(states, np.split(rows[order], starts[1:]), strict=True) if s != here]
        if len(loop_rows):  # a self-loop re-arms itself; the state's other clocks run on
            self.scheduled[j, loop_rows] = False
            self.clocks.clear(j, loop_rows)
            self._arm(j, loop_rows)
            self.settle(changed - {actor}, loop_rows)
        for state, entering in groups:
            self._enter(actor, state, entering, leaving=transition.state)
        if groups:
            moved = groups[0][1] if len(groups) == 1 else np.concatenate([r for _, r in groups])
            self.settle(changed, moved)

    def _target(self, transition: CompiledTransition, rows: np.ndarray) -> np.ndarray | int:
        """Each row's next state: one index for all of them, or an array."""
        index = self.state_index[transition.actor]
        branching = transition.branching
        if branching.target is not None:
            return index[branching.target]
        if branching.on_parameter is not None:
            values = self.values[branching.on_parameter][rows]
            target = np.full(len(rows), -1)
            for value, state in branching.by_value.items():
                target[values == value] = index[state]
            if (target < 0).any():
                raise NeedsReference(f"{transition.key}: a value with no branch")
            return target
        u = self.draw(transition.sites.branch, rows)
        total = np.zeros(len(rows))
        otherwise = None
        probabilities = []
        for state, probability in branching.branches:
            if probability is None:
                otherwise = state
                continue
            p = self.number(probability, rows, "probability")
            if np.any(~((p >= 0.0) & (p <= 1.0))):
                raise NeedsReference(f"{transition.key}: a branch probability outside [0, 1]")
            probabilities.append((state, p))
            total = total + p
        if np.any(total > 1.0 + WEIGHT_TOLERANCE) or (
            otherwise is None and np.any(np.abs(total - 1.0) > WEIGHT_TOLERANCE)
        ):
            raise NeedsReference(f"{transition.key}: branch probabilities that do not sum to 1")
        target = np.full(len(rows), index[otherwise if otherwise is not None else probabilities[-1][0]])
        chosen = np.zeros(len(rows), dtype=bool)
        cumulative = np.zeros(len(rows))
        for state, p in probabilities:
            cumulative = cumulative + p
            pick = ~chosen & (u < cumulative)
            target[pick] = index[state]
            chosen |= pick
        return target

    def _apply(self, effect: CompiledEffect, transition: CompiledTransition, rows: np.ndarray, changed: set) -> None:
        variables = self.machine.variables
        if effect.kind == "set":  # all values first, then assigned
            assigned = [(name, self.evaluate(compiled, rows)) for name, compiled in effect.assignments]
            for name, value in assigned:
                self.store(name, rows, as_kind(value, variables[name].kind))
                changed.add(name)
        elif effect.kind == "add":
            for name, compiled in effect.assignments:
                self.store(name, rows, self.values[name][rows] + self.number(compiled, rows, "add"))
                changed.add(name)
        elif effect.kind == "log":  # the text is not written here, but what would fail in it must still fail
            for part in effect.log_parts:
                if not isinstance(part, str) and self._can_fail(part):
                    self.evaluate(part, rows)
        elif effect.kind == "start":
            battle = next(b for b in self.battles if b.transition is transition and b.effect is effect)
            battle.start(rows)

    def store(self, name: str, rows: np.ndarray, value: np.ndarray) -> None:
        column = self.values[name]
        if column.dtype != value.dtype and column.dtype != object:
            column = self.values[name] = column.astype(np.result_type(column, value))
        column[rows] = value

    def code(self, text: str) -> int:
        """The event log's code for `text` (the log keeps codes and one vocabulary: no string per row)."""
        return self.vocabulary.setdefault(text, len(self.vocabulary))

    def log(self, rows: np.ndarray, days: np.ndarray, actor: str, event: Any, detail: Any) -> None:
        """Event rows: `event` and `detail` are text (the same for every row) or arrays of codes."""
        event = self.code(event) if isinstance(event, str) else event
        detail = self.code(detail) if isinstance(detail, str) else detail
        self.event_parts.append((rows, np.asarray(days, float), self.code(actor), event, detail))

    def _outcomes(self) -> ArrayOutcomes:
        final = {actor: self.state_names[actor][self.states[actor]] for actor in self.machine.actors}
        variables = {name: self.values[name] for name in self.machine.variables}
        columns: list[list[np.ndarray]] = [[np.empty(0, np.int64)], [np.empty(0)]] + [
            [np.empty(0, np.int32)] for _ in "aed"
        ]
        for rows, days, *texts in self.event_parts:
            columns[0].append(rows)
            columns[1].append(days)
            for column, codes in zip(columns[2:], texts, strict=True):
                column.append(np.broadcast_to(np.asarray(codes, dtype=np.int32), (len(rows),)))
        position, day, actor, event, detail = (np.concatenate(column) for column in columns)
        order = np.argsort(position * (self.end_day + 1.0) + day, kind="stable")  # by replication, then day
        events = (position[order], day[order], actor[order], event[order], detail[order])
        taken = {t.key: self.taken[j] for j, t in enumerate(self.transitions)}
        return ArrayOutcomes(self.entered, final, variables, events, list(self.vocabulary), taken)


def _sorted_within(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`values`, consecutive runs of `lengths` each sorted on its own (rows of equal length sorted as one matrix)."""
    starts = np.cumsum(lengths) - lengths
    out = values.copy()
    for length in np.unique(lengths[lengths > 1]).tolist():
        block = starts[lengths == length][:, None] + np.arange(length)
        out[block] = np.sort(values[block], axis=1)
    return out
