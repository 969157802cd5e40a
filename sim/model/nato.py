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
    yield world.wait_until(first)

    def count_incidents(until: float) -> None:
        times = world.poisson_times(world.number("nato_incident_rate_per_week") / 7, first, min(until, last))
        threshold = world.number("nato_high_alert_incidents")
        for count, day in enumerate(times, start=1):
            world.events.append((day, "nato", "incident", f"number {count}"))
            if alert_level(count, threshold) != alert_level(count - 1, threshold):
                world.events.append((day, "nato", "alert_level", str(alert_level(count, threshold))))
        world.outcome.nato_incidents = len(times)
        world.outcome.nato_alert_level = alert_level(len(times), threshold)

    if last >= world.end_day:  # the window runs past the horizon: count what falls inside it
        world.at_close(lambda: count_incidents(world.end_day))
        return
    yield world.wait_until(last)
    count_incidents(last)
