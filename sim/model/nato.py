"""Incidents on NATO's border during the exercise (airspace violations, drones), and the
alert level they raise (docs/model.md#nato).
"""

from __future__ import annotations

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


def at_horizon(world: World) -> None:
    """Incidents from the exercise's build-up to the end of its draw-down, a Poisson stream,
    drawn once the run reaches the horizon (nothing in the model waits on them)."""
    first, last = exercise_window(world)
    times = world.poisson_times(world.number("nato_incident_rate_per_week") / 7, first, min(last, world.end_day))
    threshold = world.number("nato_high_alert_incidents")
    for count, day in enumerate(times, start=1):
        world.events.append((day, "nato", "incident", f"number {count}"))
        if alert_level(count, threshold) != alert_level(count - 1, threshold):
            world.events.append((day, "nato", "alert_level", str(alert_level(count, threshold))))
    world.outcome.nato_incidents = len(times)
    world.outcome.nato_alert_level = alert_level(len(times), threshold)
