"""Warning and response: Ukraine detects the assembling force, and moves reserves north.

Detection takes less time the larger the force; an attack that comes first is detected
when it starts. Warning time = launch day - detection day (docs/model.md#warning).
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.contract import POSITIVE, number
from sim.model.world import World

PARAMETERS = {
    "detection_median_days": number("median days to detect preparations by a force of the reference size", POSITIVE),
    "detection_reference_troops": number("force size at which detection takes its median time", POSITIVE),
    "detection_force_elasticity": number("how strongly a larger force shortens detection (0: not at all)"),
    "detection_spread": number("spread (sd of the log) of detection time around its median"),
    "reserve_troops": number("Ukrainian troops moved north from other fronts on detection"),
    "reserve_move_delay_days": number("days from detection until the reserves are in place"),
}
CALENDAR: dict[str, str] = {}


def detection_days(world: World, force: float) -> float:
    """Days to detect a force: median x (reference / force)^elasticity x lognormal noise."""
    scale = (world.number("detection_reference_troops") / max(force, 1.0)) ** world.number("detection_force_elasticity")
    noise = world.rng.lognormal(0.0, world.number("detection_spread")) if world.number("detection_spread") > 0 else 1.0
    return world.number("detection_median_days") * scale * float(noise)


def run(world: World) -> Generator[simpy.Event, object, None]:
    """Detect the assembling force (or the attack itself), then move reserves north."""
    force = yield world.signals.preparations_started
    found = world.env.timeout(detection_days(world, float(force)))  # type: ignore[arg-type]  # event value is a number
    yield found | world.signals.offensive_launched
    world.outcome.detection_date = world.date(world.env.now)
    world.log("warning", "detected", "preparations" if found.processed else "the attack itself")
    world.signals.detected.succeed(world.env.now)
    yield world.env.timeout(world.number("reserve_move_delay_days"))
    reserves = round(world.number("reserve_troops"))
    world.outcome.reserves_moved = reserves
    world.log("warning", "reserves_arrived", f"{reserves} troops drawn from other fronts")
    world.signals.reserves_arrived.succeed(reserves)
