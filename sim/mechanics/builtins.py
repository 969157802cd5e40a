"""Built-in processes: mechanics that need mathematics, started from a transition's `start:`.

Each is generic (attacker/defender, not any one war) and declares its inputs (expressions
evaluated when it starts; *watched* ones again whenever what they read changes) and its
outputs (written into the scenario's variables). docs/scenarios.md#built-in-processes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import simpy

from sim.mechanics.lanchester import LAWS, Advance, Attrition, Segment, fight


class Host(Protocol):
    """What the interpreter gives a running built-in process."""

    env: simpy.Environment
    end_day: float
    finish_hook: Callable[[], None] | None  # called at the horizon while the process still runs

    def read(self, name: str) -> Any: ...  # an input's current value

    def changed(self) -> simpy.Event: ...  # fires when a watched input may have changed

    def write(self, values: Mapping[str, Any]) -> None: ...  # outputs -> their variables

    def log(self, event: str, detail: str) -> None: ...


@dataclass(frozen=True)
class ProcessSpec:
    inputs: Mapping[str, str]  # name -> meaning
    outputs: Mapping[str, str]  # name -> meaning
    run: Callable[[Host], Generator[simpy.Event, Any, None]]
    defaults: Mapping[str, Any] = field(default_factory=dict)  # optional inputs and their values when not given
    watched_inputs: frozenset[str] = frozenset()
    text_inputs: frozenset[str] = frozenset()  # inputs that are text (the rest are numbers or conditions)
    non_negative_inputs: frozenset[str] = frozenset()  # numbers that cannot be below 0 (troops, rates...)
    condition_inputs: frozenset[str] = frozenset()  # inputs read as true/false


class _Battle:
    """Lanchester attrition and the advance it allows, solved in closed form between events."""

    def __init__(self, host: Host):
        self.host = host
        read = host.read
        law = str(read("law"))
        if law not in LAWS:
            raise ValueError(f"unknown attrition law {law!r}; expected one of {LAWS}")
        for name in LANCHESTER_COMBAT.non_negative_inputs:
            if not float(read(name)) >= 0:  # also refuses NaN: an input never set
                raise ValueError(f"lanchester_combat input {name} is {read(name)}, and must be 0 or more")
        self.opening_attackers = float(read("attackers"))
        self.opening_defenders = float(read("defenders"))
        self.attrition = Attrition(
            law=law,
            attacker_effectiveness=float(read("attacker_effectiveness")),
            defender_effectiveness=float(read("defender_effectiveness")),
            opening_attackers=self.opening_attackers,
            opening_defenders=self.opening_defenders,
        )
        self.advance = Advance(
            rate_km_per_day=float(read("advance_rate_km_per_day")),
            culmination_force_ratio=float(read("culmination_force_ratio")),
            culmination_strength=float(read("culmination_strength")),
        )
        self.objective_km = float(read("objective_km"))
        self.began = host.env.now
        self.reinforcements_seen = float(read("reinforcements"))
        self.reinforced = 0.0
        self.attackers, self.defenders, self.advanced_km = self.opening_attackers, self.opening_defenders, 0.0
        self.segment: Segment | None = None
        self.segment_start = self.began

    def run(self) -> Generator[simpy.Event, Any, None]:
        host, env = self.host, self.host.env
        while True:
            self.segment_start = env.now
            remaining_km = self.objective_km - self.advanced_km
            self.segment = fight(
                self.attrition, self.advance, self.attackers, self.defenders, remaining_km, host.end_day - env.now
            )
            natural_end = env.timeout(self.segment.end_day)
            while True:
                yield natural_end | host.changed()
                if natural_end.processed or bool(host.read("stop")):
                    break
                if float(host.read("reinforcements")) > self.reinforcements_seen:
                    break
            if natural_end.processed:
                self.record(self.segment.end_day, self.segment.reason)
                return
            elapsed = env.now - self.segment_start
            if bool(host.read("stop")):
                self.record(elapsed, "stopped")
                return
            self.attackers, self.defenders, km = self.segment.state_at(elapsed)
            self.advanced_km += km
            total = float(host.read("reinforcements"))
            arrived, self.reinforcements_seen = total - self.reinforcements_seen, total
            self.defenders += arrived
            self.reinforced += arrived
            host.log("reinforced", f"{arrived:,.0f} join the defence")

    def record(self, day: float, reason: str) -> None:
        """Write the outputs as the battle stands `day` days into the current segment."""
        assert self.segment is not None
        attackers, defenders, km = self.segment.state_at(day)
        advance_km = min(self.advanced_km + km, self.objective_km)
        days = self.segment_start + day - self.began
        self.host.write(
            {
                "days": days,
                "end": reason,
                "advance_km": advance_km,
                "objective_reached": reason == "objective",
                "attacker_losses": round(self.opening_attackers - attackers),
                "defender_losses": round(self.opening_defenders + self.reinforced - defenders),
                "attackers": attackers,
                "defenders": defenders,
            }
        )
        self.host.log("ends", f"{reason} after {days:.1f} days, {advance_km:.0f} km")

    def finish(self) -> None:
        """At the horizon: the state the battle has reached, ended by the horizon."""
        if self.segment is not None:
            self.record(self.host.end_day - self.segment_start, "horizon")


def _run_battle(host: Host) -> Generator[simpy.Event, Any, None]:
    battle = _Battle(host)
    host.finish_hook = battle.finish
    yield from battle.run()
    host.finish_hook = None


LANCHESTER_COMBAT = ProcessSpec(
    inputs={
        "attackers": "attacking troops at the start",
        "defenders": "defending troops at the start",
        "law": "attrition law: square, linear or mixed",
        "attacker_effectiveness": "defenders put out of action per attacker per day",
        "defender_effectiveness": "attackers put out of action per defender per day",
        "advance_rate_km_per_day": "advance per day at an overwhelming force ratio",
        "objective_km": "depth of the objective (km)",
        "culmination_force_ratio": "force ratio below which the attack stalls",
        "culmination_strength": "attacking troops below which the attack stalls",
        "reinforcements": "watched: troops added to the defence so far (a running total)",
        "stop": "watched: a condition that ends the fighting at once",
    },
    outputs={
        "days": "days of fighting",
        "end": "how it ended: objective, culmination, stopped or horizon",
        "advance_km": "ground taken (km)",
        "objective_reached": "whether the attack reached its objective",
        "attacker_losses": "attackers put out of action",
        "defender_losses": "defenders put out of action",
        "attackers": "attackers left",
        "defenders": "defenders left",
    },
    run=_run_battle,
    defaults={"reinforcements": 0.0, "stop": False},
    watched_inputs=frozenset({"reinforcements", "stop"}),
    text_inputs=frozenset({"law"}),
    non_negative_inputs=frozenset(
        {
            "attackers",
            "defenders",
            "attacker_effectiveness",
            "defender_effectiveness",
            "advance_rate_km_per_day",
            "objective_km",
            "culmination_force_ratio",
            "culmination_strength",
        }
    ),
    condition_inputs=frozenset({"stop"}),
)

PROCESSES: dict[str, ProcessSpec] = {"lanchester_combat": LANCHESTER_COMBAT}
