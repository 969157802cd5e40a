"""What the components of one replication share: the clock, their inputs, signals, outputs.

Components talk only through the SimPy events in `Signals`; `Outcome` and the event
log are written, never read back to steer the model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

import numpy as np
import simpy

from sim.scenario.distributions import Value


@dataclass
class Signals:
    """Events one component fires and others wait for; each carries a value (see fields)."""

    summit_held: simpy.Event  # summit outcome
    ceasefire: simpy.Event  # day agreed
    ceasefire_collapsed: simpy.Event  # day it collapsed
    sanctions: simpy.Event  # day imposed
    exercise_started: simpy.Event  # troops in the exercise
    exercise_ended: simpy.Event  # troops retained in Belarus
    preparations_started: simpy.Event  # troops assembling toward the northern border
    detected: simpy.Event  # day Ukraine detected the preparations
    reserves_arrived: simpy.Event  # Ukrainian reserve troops now on the northern axis
    offensive_launched: simpy.Event  # a Launch

    @classmethod
    def fresh(cls, env: simpy.Environment) -> Signals:
        return cls(*(env.event() for _ in fields(cls)))

    def ceasefire_in_force(self) -> bool:
        return self.ceasefire.triggered and not self.ceasefire_collapsed.triggered


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
    detection_date: dt.date | None = None
    warning_days: float | None = None
    reserves_moved: int = 0
    combat_days: float = 0.0
    combat_end: str | None = None
    advance_km: float = 0.0
    objective_reached: bool = False
    attacker_losses: int = 0
    defender_losses: int = 0
    oreshnik_operational: bool = False
    oreshnik_date: dt.date | None = None
    warheads_present: bool = False
    nuclear_signals: int = 0
    nato_incidents: int = 0
    nato_alert_level: int = 0


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

    def chance(self, probability: float) -> bool:
        """Whether an event of this probability happens, drawn from the replication's event stream."""
        return bool(self.rng.random() < probability)

    def category(self, name: str) -> str:
        return str(self.params[name])

    def date(self, day: float) -> dt.date:
        """Calendar date of model day `day` (days since the scenario's start)."""
        return self.start + dt.timedelta(days=int(day))

    def log(self, component: str, event: str, detail: str = "") -> None:
        self.events.append((self.env.now, component, event, detail))

    @property
    def end_day(self) -> float:
        """The end of the horizon's last day: the run stops here."""
        return self.horizon_day + 1.0

    def close(self) -> None:
        """Record what is measured at the horizon, once the run has stopped."""
        self.outcome.ceasefire_in_force_at_horizon = self.signals.ceasefire_in_force()

    def poisson_times(self, rate_per_day: float, first: float, last: float) -> list[float]:
        """Event times of a Poisson process of constant rate on [first, last), sorted.

        A count drawn from Poisson(rate x length), then that many uniform times: exactly a
        Poisson process, for the price of two draws instead of one event per arrival.
        """
        if rate_per_day <= 0 or last <= first:
            return []
        count = int(self.rng.poisson(rate_per_day * (last - first)))
        if count == 0:
            return []
        return sorted(first + u * (last - first) for u in self.rng.random(count).tolist())

    def wait_until(self, day: float) -> simpy.Event:
        """A timeout that fires on model day `day` (at once if it has passed)."""
        return self.env.timeout(max(0.0, day - self.env.now))
