"""The decision to launch an offensive from Belarus, taken once the force is ready.

A launch needs intent, no ceasefire in force, a force ratio on the northern axis at or
above the threshold, and readiness before the deadline (docs/model.md#offensive).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import simpy

from sim.model.contract import number, probability
from sim.model.world import World

PARAMETERS = {
    "offensive_intent_probability": probability("chance the leadership orders an attack once ready"),
    "time_to_ready_days": number("days from the exercise's end until a force is ready to attack"),
    "buildup_troops": number("troops moved toward the northern border after the exercise"),
    "belarus_joins_probability": probability("chance Belarusian forces join an offensive"),
    "belarus_troops_committed": number("Belarusian troops committed if Belarus joins"),
    "defender_troops": number("Ukrainian troops defending the northern axis"),
    "force_ratio_threshold": number("attackers per defender needed before launching"),
}
CALENDAR = {"offensive_deadline": "last day an offensive can be launched this year"}


@dataclass(frozen=True)
class Launch:
    """What the combat component needs to know when an offensive starts."""

    attackers: float
    defenders: float


def run(world: World) -> Generator[simpy.Event, object, None]:
    """Wait for the exercise and for readiness, then decide whether to launch."""
    retained = yield world.signals.exercise_ended
    ready_day = world.env.now + world.number("time_to_ready_days")
    if ready_day > min(world.calendar_days["offensive_deadline"], world.horizon_day):
        world.log("offensive", "option_lapsed", "not ready before the deadline")
        return
    yield world.wait_until(ready_day)
    intends = world.chance("offensive_intent_probability")
    joins = world.chance("belarus_joins_probability")
    attackers = float(retained) + world.number("buildup_troops")  # type: ignore[arg-type]  # signal carries an int
    if joins:
        attackers += world.number("belarus_troops_committed")
    defenders = world.number("defender_troops")
    ratio = attackers / max(defenders, 1.0)
    world.outcome.force_ratio = ratio
    if not intends:
        world.log("offensive", "not_ordered", f"ready, force ratio {ratio:.2f}, no order to attack")
    elif world.signals.ceasefire.triggered:
        world.log("offensive", "blocked_by_ceasefire", f"force ratio {ratio:.2f}")
    elif ratio < world.number("force_ratio_threshold"):
        world.log("offensive", "force_too_weak", f"force ratio {ratio:.2f} below threshold")
    else:
        world.outcome.offensive = True
        world.outcome.offensive_date = world.date(world.env.now)
        world.outcome.belarus_joins = joins
        world.log("offensive", "launched", f"{attackers:.0f} attackers, force ratio {ratio:.2f}")
        world.signals.offensive_launched.succeed(Launch(attackers, defenders))
