"""Strategic systems: Oreshnik in Belarus, nuclear warheads, and nuclear signalling.

Signals arrive as a Poisson process whose rate rises while a crisis is on: during the
exercise's active phase, once sanctions are imposed, once an offensive has begun
(docs/model.md#strategic).
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model import diplomacy
from sim.model.contract import flag, number
from sim.model.world import World

PARAMETERS = {
    "oreshnik_days_to_operational": number("days from the exercise's start until Oreshnik is operational in Belarus"),
    "warheads_present": flag("Russian nuclear warheads are in Belarus, not only delivery systems"),
    "nuclear_signal_rate_per_month": number("nuclear signals (statements, drills, deployments) a month in calm times"),
    "crisis_signal_multiplier": number("factor on the signalling rate while a crisis is on"),
}
CALENDAR: dict[str, str] = {}

DAYS_PER_MONTH = 30.44


def oreshnik(world: World) -> Generator[simpy.Event, object, None]:
    """Oreshnik becomes operational in Belarus a drawn number of days after the exercise starts."""
    world.outcome.warheads_present = world.flag("warheads_present")
    yield world.wait_until(world.calendar_days["exercise_start"] + world.number("oreshnik_days_to_operational"))
    world.outcome.oreshnik_operational = True
    world.outcome.oreshnik_date = world.date(world.env.now)
    world.log("strategic", "oreshnik_operational", "in Belarus")


def in_crisis(world: World) -> bool:
    signals = world.signals
    exercise_active = signals.exercise_started.triggered and not signals.exercise_ended.triggered
    return exercise_active or signals.sanctions.triggered or signals.offensive_launched.triggered


def nuclear_signalling(world: World) -> Generator[simpy.Event, object, None]:
    """Count signals stretch by stretch: the rate is constant between changes of the crisis state."""
    signals = world.signals
    changes = (signals.exercise_started, signals.exercise_ended, signals.sanctions, signals.offensive_launched)
    stretch = _Stretch(world)
    world.at_close(lambda: stretch.count(world, world.end_day))
    while pending := [event for event in changes if not event.triggered]:
        yield simpy.AnyOf(world.env, pending)
        stretch.count(world, world.env.now)
        stretch = _Stretch(world)


class _Stretch:
    """A stretch of time from now with the crisis state (and so the signalling rate) of now."""

    def __init__(self, world: World):
        self.start = world.env.now
        self.crisis = in_crisis(world)
        self.rate_per_day = world.number("nuclear_signal_rate_per_month") / DAYS_PER_MONTH
        if self.crisis:
            self.rate_per_day *= world.number("crisis_signal_multiplier") * diplomacy.escalation_factor(world)

    def count(self, world: World, until: float) -> None:
        times = world.poisson_times(self.rate_per_day, self.start, min(until, world.end_day))
        world.outcome.nuclear_signals += len(times)
        detail = "crisis" if self.crisis else "calm"
        world.events.extend((day, "strategic", "nuclear_signal", detail) for day in times)
