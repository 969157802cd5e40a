"""Incidents on NATO's border during the exercise (airspace violations, drones), and the
alert level they raise (docs/model.md#nato).
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.contract import POSITIVE, number
from sim.model.exercise import exercise_window
from sim.model.world import World

PARAMETERS = {
    "nato_incident_rate_per_week": number("incidents on NATO's border per week during the exercise period"),
    "nato_high_alert_incidents": number("incidents that raise NATO's alert to high", POSITIVE),
}
CALENDAR: dict[str, str] = {}


def alert_level(incidents: int, high_alert_incidents: float) -> int:
    """0 normal, 1 raised (any incident), 2 high (at least the threshold)."""
    if incidents >= high_alert_incidents:
        return 2
    return 1 if incidents > 0 else 0


def run(world: World) -> Generator[simpy.Event, object, None]:
    """A Poisson stream of incidents from the exercise's build-up to the end of its draw-down."""
    first, last = exercise_window(world)
    rate_per_day = world.number("nato_incident_rate_per_week") / 7
    yield world.wait_until(first)
    if rate_per_day <= 0:
        return
    while True:
        yield world.env.timeout(world.rng.exponential(1 / rate_per_day))
        if world.env.now > last:
            return
        world.outcome.nato_incidents += 1
        level = alert_level(world.outcome.nato_incidents, world.number("nato_high_alert_incidents"))
        if level != world.outcome.nato_alert_level:
            world.log("nato", "alert_level", str(level))
        world.outcome.nato_alert_level = level
        world.log("nato", "incident", f"number {world.outcome.nato_incidents}")
