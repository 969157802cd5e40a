"""What the components of one replication share: the clock, their inputs, signals, outputs.

Components talk only through the SimPy events in `Signals`; `Outcome` and the event
log are written, never read back to steer the model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.scenario.distributions import Value


@dataclass
class Signals:
    """Events one component fires and others wait for. Each carries its day as value."""

    summit_held: simpy.Event
    ceasefire: simpy.Event
    sanctions: simpy.Event
    exercise_ended: simpy.Event
    offensive_launched: simpy.Event

    @classmethod
    def fresh(cls, env: simpy.Environment) -> Signals:
        return cls(*(env.event() for _ in range(5)))


@dataclass
class Outcome:
    """The outcome metrics of one replication (columns of replications.parquet)."""

    hypothesis: str = ""
    summit_outcome: str = ""
    second_summit: bool = False
    ceasefire: bool = False
    ceasefire_date: dt.date | None = None
    ceasefire_in_force_at_horizon: bool = False
    sanctions: bool = False
    sanctions_date: dt.date | None = None
    exercise_troops: int = 0
    northern_troops: int = 0
    troops_retained: int = 0
    belarus_joins: bool = False
    force_ratio: float | None = None
    offensive: bool = False
    offensive_date: dt.date | None = None
    combat_days: float = 0.0
    advance_km: float = 0.0
    objective_reached: bool = False
    attacker_losses: int = 0
    defender_losses: int = 0


@dataclass
class World:
    """One replication's clock, drawn parameters, calendar (as model days) and outputs."""

    env: simpy.Environment
    rng: np.random.Generator
    params: Mapping[str, Value]
    calendar_days: Mapping[str, float]
    horizon_day: float
    start: dt.date
    signals: Signals
    outcome: Outcome = field(default_factory=Outcome)
    events: list[tuple[float, str, str, str]] = field(default_factory=list)

    def number(self, name: str) -> float:
        return float(self.params[name])  # type: ignore[arg-type]  # contract guarantees numeric

    def flag(self, name: str) -> bool:
        return bool(self.params[name])

    def chance(self, probability_parameter: str) -> bool:
        """Whether an event happens this replication, with the named parameter's probability."""
        return bool(self.rng.random() < self.number(probability_parameter))

    def category(self, name: str) -> str:
        return str(self.params[name])

    def date(self, day: float) -> dt.date:
        """Calendar date of model day `day` (days since the scenario's start)."""
        return self.start + dt.timedelta(days=int(day))

    def log(self, component: str, event: str, detail: str = "") -> None:
        self.events.append((self.env.now, component, event, detail))

    def wait_until(self, day: float) -> simpy.Event:
        """A timeout that fires on model day `day` (at once if it has passed)."""
        return self.env.timeout(max(0.0, day - self.env.now))
