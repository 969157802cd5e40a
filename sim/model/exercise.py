"""The Zapad-2025 exercise: its troops, those facing Ukraine's north, and what stays after.

docs/model.md#exercise gives the logic and the claims behind each parameter.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.contract import number, probability
from sim.model.world import World

PARAMETERS = {
    "exercise_troops": number("all participants in Zapad-2025"),
    "northern_share": probability("share of participants positioned toward Ukraine's northern border"),
    "retained_share": probability("share of the northern force that stays in Belarus after the exercise"),
}
CALENDAR = {
    "exercise_start": "first day of the exercise's active phase",
    "exercise_end": "last day of the exercise's active phase",
}


def run(world: World) -> Generator[simpy.Event, object, None]:
    """Run the active phase, then leave behind the retained part of the northern force."""
    yield world.wait_until(world.calendar_days["exercise_start"])
    troops = round(world.number("exercise_troops"))
    northern = round(troops * world.number("northern_share"))
    world.outcome.exercise_troops = troops
    world.outcome.northern_troops = northern
    world.log("exercise", "active_phase_begins", f"{troops} troops, {northern} toward the northern border")
    yield world.wait_until(world.calendar_days["exercise_end"])
    retained = round(northern * world.number("retained_share"))
    world.outcome.troops_retained = retained
    world.log("exercise", "ends", f"{retained} troops stay in Belarus")
    world.signals.exercise_ended.succeed(retained)
