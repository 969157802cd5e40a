"""`lanchester_combat` in the vectorised engine: every replication's battle of one `start:` effect at once.

The same steps as `sim.mechanics.builtins._Battle` on the SimPy clock, on arrays: inputs read
when the process starts, the fighting solved in closed form between events
(`sim.mechanics.lanchester_arrays`), re-solved when the defence is reinforced, stopped
when its `stop:` input turns true, its outputs written when it ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.mechanics import builtins
from sim.mechanics.array_clocks import AFTER_DRAIN, NEVER, PROCESS_START, TIMEOUT
from sim.mechanics.array_expressions import NeedsReference, as_kind, bools
from sim.mechanics.compile import CompiledEffect, CompiledTransition
from sim.mechanics.lanchester import LAWS
from sim.mechanics.lanchester_arrays import fight_arrays

if TYPE_CHECKING:
    from sim.mechanics.vectorised import ChunkRun

ARRAY_PROCESSES = frozenset({"lanchester_combat"})  # built-in processes with an array version


class Battle:
    """`lanchester_combat` for every replication that starts it at this effect (sim/mechanics/builtins.py)."""

    def __init__(self, chunk: ChunkRun, transition: CompiledTransition, effect: CompiledEffect, index: int, slot: int):
        self.chunk, self.transition, self.effect = chunk, transition, effect
        self.slot, self.wake_slot, self.log_slot = slot, slot + 1, slot + 2
        spec = builtins.PROCESSES[effect.process]
        self.spec = spec
        self.watches = frozenset().union(
            *(effect.inputs[name].reads for name in spec.watched_inputs if name in effect.inputs)
        )
        n = chunk.n
        self.running = np.zeros(n, dtype=bool)
        self.starting = np.zeros(n, dtype=bool)
        # SimPy resumes the process one event after its timeout or signal fires (the Condition it waits on
        # fires then): each of those rings twice here, the second time at the back of the moment's queue.
        self.end_hopped = np.zeros(n, dtype=bool)
        self.wake_hopped = np.zeros(n, dtype=bool)
        self.end_code = np.zeros(n, dtype=np.int32)  # how it ended, for its log row
        self.fields = {
            name: np.zeros(n)
            for name in (
                "began", "segment_start", "opening_attackers", "opening_defenders", "attacker_effectiveness",
                "defender_effectiveness", "rate_km_per_day", "culmination_force_ratio", "culmination_strength",
                "objective_km", "reinforcements_seen", "reinforced", "attackers", "defenders", "advanced_km",
            )
        }  # fmt: skip
        self.law = np.empty(n, dtype=object)
        self.segments: list[Any] = []
        self.segment_of = np.full(n, -1)
        self.position_in = np.full(n, -1)

    def read(self, name: str, rows: np.ndarray) -> np.ndarray:
        compiled = self.effect.inputs.get(name)
        if compiled is None:
            default = self.spec.defaults[name]
            return np.full(len(rows), default, dtype=object if isinstance(default, str) else type(default))
        return self.chunk.evaluate(compiled, rows)

    def start(self, rows: np.ndarray) -> None:
        if (self.running[rows] | self.starting[rows]).any():
            raise NeedsReference(f"{self.transition.key}: a second battle while one runs")
        self.starting[rows] = True
        self.chunk.schedule_at(self.slot, rows, self.chunk.now[rows], PROCESS_START)

    def ring(self, rows: np.ndarray, role: str) -> None:
        chunk = self.chunk
        if role == "log":
            chunk.log(rows, chunk.now[rows], self.transition.actor, f"{self.effect.process}.ends", self.end_code[rows])
            return
        if role == "wake":
            hopped = self.wake_hopped[rows]
            self.wake_hopped[rows] = ~hopped
            if (~hopped).any():
                first = rows[~hopped]
                chunk.schedule_at(self.wake_slot, first, chunk.now[first], TIMEOUT)
            if hopped.any():
                self._wake(rows[hopped])
            return
        starting = self.starting[rows]
        if starting.any():
            self._begin(rows[starting])
        ending = rows[~starting]
        if len(ending):
            hopped = self.end_hopped[ending]
            self.end_hopped[ending] = ~hopped
            if (~hopped).any():
                first = ending[~hopped]
                chunk.schedule_at(self.slot, first, chunk.now[first], TIMEOUT)
            if hopped.any():
                self._natural_end(ending[hopped])

    def _begin(self, rows: np.ndarray) -> None:
        self.starting[rows] = False
        law = self.read("law", rows)
        if not np.isin(law, LAWS).all():
            raise NeedsReference("an unknown attrition law")
        numbers = {name: self.read(name, rows).astype(float) for name in self.spec.non_negative_inputs}
        if any(not (value >= 0).all() for value in numbers.values()):
            raise NeedsReference("a negative or undefined combat input")
        f = self.fields
        self.law[rows] = law
        for name in ("attacker_effectiveness", "defender_effectiveness", "culmination_force_ratio",
                     "culmination_strength", "objective_km"):  # fmt: skip
            f[name][rows] = numbers[name]
        f["rate_km_per_day"][rows] = numbers["advance_rate_km_per_day"]
        f["opening_attackers"][rows] = f["attackers"][rows] = numbers["attackers"]
        f["opening_defenders"][rows] = f["defenders"][rows] = numbers["defenders"]
        f["began"][rows] = self.chunk.now[rows]
        f["reinforcements_seen"][rows] = self.read("reinforcements", rows).astype(float)
        f["reinforced"][rows] = 0.0
        f["advanced_km"][rows] = 0.0
        self.running[rows] = True
        self._fight(rows)

    def _fight(self, rows: np.ndarray) -> None:
        f, now = self.fields, self.chunk.now[rows]
        f["segment_start"][rows] = now
        segment = fight_arrays(
            self.law[rows], f["attacker_effectiveness"][rows], f["defender_effectiveness"][rows],
            f["opening_attackers"][rows], f["opening_defenders"][rows], f["rate_km_per_day"][rows],
            f["culmination_force_ratio"][rows], f["culmination_strength"][rows], f["attackers"][rows],
            f["defenders"][rows], f["objective_km"][rows] - f["advanced_km"][rows], self.chunk.end_day - now,
        )  # fmt: skip
        self.segment_of[rows] = len(self.segments)
        self.position_in[rows] = np.arange(len(rows))
        self.segments.append(segment)
        self.end_hopped[rows] = False
        self.chunk.schedule_at(self.slot, rows, now + segment.end_day, TIMEOUT)

    def _segment(self, rows: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(attackers, defenders, km, reason) of each row's current segment after `day` days of it."""
        attackers, defenders, km = np.empty(len(rows)), np.empty(len(rows)), np.empty(len(rows))
        reason = np.empty(len(rows), dtype=object)
        for segment_id in np.unique(self.segment_of[rows]):
            mine = self.segment_of[rows] == segment_id
            segment, positions = self.segments[segment_id], self.position_in[rows[mine]]
            attackers[mine], defenders[mine], km[mine] = segment.state_at(positions, day[mine])
            reason[mine] = segment.reason[positions]
        return attackers, defenders, km, reason

    def _segment_end(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """When each row's current segment ends of itself, and why."""
        day, reason = np.empty(len(rows)), np.empty(len(rows), dtype=object)
        for segment_id in np.unique(self.segment_of[rows]):
            mine = self.segment_of[rows] == segment_id
            segment, positions = self.segments[segment_id], self.position_in[rows[mine]]
            day[mine], reason[mine] = segment.end_day[positions], segment.reason[positions]
        return day, reason

    def notify(self, rows: np.ndarray) -> None:
        """A watched input may have changed: wake the battles of these rows (once a moment)."""
        chunk = self.chunk
        waking = rows[(self.running[rows]) & (chunk.clocks.due[self.wake_slot, rows] == NEVER)]
        if len(waking):
            chunk.schedule_at(self.wake_slot, waking, chunk.now[waking], TIMEOUT)

    def _wake(self, rows: np.ndarray) -> None:
        rows = rows[self.running[rows]]
        ended = self.end_hopped[rows]  # its natural end fired meanwhile: SimPy's process sees that first
        if ended.any():
            self.end_hopped[rows[ended]] = False
            self.chunk.clocks.clear(self.slot, rows[ended])
            self._natural_end(rows[ended])
            rows = rows[~ended]
        if not len(rows):
            return
        chunk, f = self.chunk, self.fields
        stop = bools(self.read("stop", rows))
        elapsed = chunk.now[rows] - f["segment_start"][rows]
        if stop.any():
            stopping = rows[stop]
            chunk.clocks.clear(self.slot, stopping)
            self._record(stopping, elapsed[stop], np.full(int(stop.sum()), "stopped", dtype=object))
        rows, elapsed = rows[~stop], elapsed[~stop]
        total = self.read("reinforcements", rows).astype(float)
        grown = total > f["reinforcements_seen"][rows]
        if not grown.any():
            return
        rows, elapsed, total = rows[grown], elapsed[grown], total[grown]
        attackers, defenders, km, _ = self._segment(rows, elapsed)
        arrived = total - f["reinforcements_seen"][rows]
        f["reinforcements_seen"][rows] = total
        f["attackers"][rows] = attackers
        f["defenders"][rows] = defenders + arrived
        f["advanced_km"][rows] += km
        f["reinforced"][rows] += arrived
        if chunk.record_events:
            chunk.log(rows, chunk.now[rows], self.transition.actor, f"{self.effect.process}.reinforced", "")
        chunk.clocks.clear(self.slot, rows)
        self._fight(rows)

    def _natural_end(self, rows: np.ndarray) -> None:
        rows = rows[self.running[rows]]
        if len(rows):
            self._record(rows, *self._segment_end(rows))

    def finish(self) -> None:
        """At the horizon: the state each running battle has reached, ended by the horizon."""
        rows = np.flatnonzero(self.running)
        if len(rows):
            day = self.chunk.end_day - self.fields["segment_start"][rows]
            self._record(rows, day, np.full(len(rows), "horizon", dtype=object))

    def _record(self, rows: np.ndarray, day: np.ndarray, reason: np.ndarray) -> None:
        """Write the outputs as each battle stands `day` days into its current segment; it ends."""
        chunk, f = self.chunk, self.fields
        attackers, defenders, km, _ = self._segment(rows, day)
        advance_km = np.minimum(f["advanced_km"][rows] + km, f["objective_km"][rows])
        days = f["segment_start"][rows] + day - f["began"][rows]
        outputs = {
            "days": days,
            "end": reason.astype(object),
            "advance_km": advance_km,
            "objective_reached": reason == "objective",
            "attacker_losses": np.rint(f["opening_attackers"][rows] - attackers),
            "defender_losses": np.rint(f["opening_defenders"][rows] + f["reinforced"][rows] - defenders),
            "attackers": attackers,
            "defenders": defenders,
        }
        self.running[rows] = False
        self.wake_hopped[rows] = False
        chunk.clocks.clear(self.wake_slot, rows)
        changed = set()
        for output, variable in self.effect.outputs.items():
            kind = chunk.machine.variables[variable].kind
            chunk.store(variable, rows, as_kind(outputs[output], kind))
            changed.add(variable)
        chunk.settle(changed, rows)
        if chunk.record_events:  # SimPy writes the row after the transitions the outputs set off at once
            for text in ("objective", "culmination", "stopped", "horizon"):
                self.end_code[rows[reason == text]] = chunk.code(text)
            if chunk.at_horizon:
                chunk.log(
                    rows, chunk.now[rows], self.transition.actor, f"{self.effect.process}.ends", self.end_code[rows]
                )
            else:
                chunk.schedule_at(self.log_slot, rows, chunk.now[rows], AFTER_DRAIN)
