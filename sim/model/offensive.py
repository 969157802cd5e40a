"""The decision to launch an offensive from Belarus, once a force has assembled and is ready.

A launch needs an order (intent), no ceasefire in force, a force ratio on the northern
axis at or above the threshold, and readiness before the deadline (docs/model.md#offensive).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import simpy

from sim.model import diplomacy
from sim.model.contract import number, probability
from sim.model.world import World

PARAMETERS = {
    "offensive_intent_probability": probability("chance the leadership orders an attack once ready"),
    "time_to_ready_days": number("days from the exercise's end until a force is ready to attack"),
    "buildup_troops": number("troops moved toward the northern border after the exercise"),
    "belarus_joins_probability": probability("chance Belarusian forces join an offensive"),
    "belarus_troops_committed": number("Belarusian troops committed if Belarus joins"),
    "defender_troops": number("Ukrainian troops defending the northern axis before any reserves arrive"),
    "force_ratio_threshold": number("attackers per defender needed before launching"),
}
CALENDAR = {"offensive_deadline": "last day an offensive can be launched this year"}


@dataclass(frozen=True)
class Launch:
    """What the combat component needs to know when an offensive starts."""

    attackers: float
    defenders: float
    day: float  # model day of the launch


def defenders_now(world: World) -> float:
    """Ukrainian troops on the northern axis: the garrison plus any reserves that have arrived."""
    reserves = world.signals.reserves_arrived.value if world.signals.reserves_arrived.triggered else 0
    return world.number("defender_troops") + float(reserves)


def run(world: World) -> Generator[simpy.Event, object, None]:
    """Assemble a force after the exercise, wait for readiness (and for any ceasefire to end), decide."""
    retained = yield world.signals.exercise_ended
    force = float(retained) + world.number("buildup_troops")  # type: ignore[arg-type]  # event value is an int
    world.signals.preparations_started.succeed(force)
    deadline = min(world.calendar_days["offensive_deadline"], world.horizon_day)
    ready_day = world.env.now + world.number("time_to_ready_days")
    if ready_day > deadline:
        _record_ratio(world, force)
        world.log("offensive", "option_lapsed", "not ready before the deadline")
        return
    yield world.wait_until(ready_day)
    if world.signals.ceasefire_in_force():
        world.log("offensive", "held_by_ceasefire", "ready, but a ceasefire is in force")
        yield world.signals.ceasefire_collapsed | world.wait_until(deadline)
        if world.signals.ceasefire_in_force():
            _record_ratio(world, force)
            world.log("offensive", "blocked_by_ceasefire", "the ceasefire outlasted the deadline")
            return
    intent = min(1.0, world.number("offensive_intent_probability") * diplomacy.escalation_factor(world))
    ordered = world.chance(intent)
    joins = world.chance(world.number("belarus_joins_probability"))
    attackers = force + (world.number("belarus_troops_committed") if joins else 0.0)
    ratio = _record_ratio(world, attackers)
    if not ordered:
        world.log("offensive", "not_ordered", f"ready, force ratio {ratio:.2f}, no order to attack")
    elif ratio < world.number("force_ratio_threshold"):
        world.log("offensive", "force_too_weak", f"force ratio {ratio:.2f} below the threshold")
    else:
        world.outcome.offensive = True
        world.outcome.offensive_date = world.date(world.env.now)
        world.outcome.belarus_joins = joins
        detected = world.signals.detected
        # Undetected until now: the attack reveals itself, with no warning.
        world.outcome.warning_days = world.env.now - float(detected.value) if detected.triggered else 0.0  # type: ignore[arg-type]  # event value is a day
        world.log("offensive", "launched", f"{attackers:.0f} attackers, force ratio {ratio:.2f}")
        world.signals.offensive_launched.succeed(Launch(attackers, defenders_now(world), world.env.now))


def _record_ratio(world: World, attackers: float) -> float:
    ratio = attackers / max(defenders_now(world), 1.0)
    world.outcome.force_ratio = ratio
    return ratio
