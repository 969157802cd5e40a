"""The Zapad-2025 exercise: build-up, active phase, draw-down, and what stays in Belarus.

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
    "drawdown_days": number("days after the active phase until the other participants have left"),
}
CALENDAR = {
    "exercise_buildup_start": "first day troops move in for the exercise",
    "exercise_start": "first day of the exercise's active phase",
    "exercise_end": "last day of the exercise's active phase",
}
CALENDAR_ORDER = (("exercise_buildup_start", "exercise_start"), ("exercise_start", "exercise_end"))


def run(world: World) -> Generator[simpy.Event, object, None]:
    """Build up, run the active phase, then leave behind the retained part of the northern force."""
    yield world.wait_until(world.calendar_days["exercise_buildup_start"])
    troops = round(world.number("exercise_troops"))
    northern = round(troops * world.number("northern_share"))
    world.outcome.exercise_troops = troops
    world.outcome.northern_troops = northern
    world.log("exercise", "buildup", f"{troops} troops arriving, {northern} toward the northern border")
    yield world.wait_until(world.calendar_days["exercise_start"])
    world.log("exercise", "active_phase", "begins")
    world.signals.exercise_started.succeed(troops)
    yield world.wait_until(world.calendar_days["exercise_end"])
    retained = round(northern * world.number("retained_share"))
    world.outcome.troops_retained = retained
    world.log("exercise", "active_phase_ends", f"{retained} of the northern force will stay in Belarus")
    world.signals.exercise_ended.succeed(retained)
    yield world.env.timeout(world.number("drawdown_days"))
    world.log("exercise", "drawdown_complete", f"{retained} troops remain")


def exercise_window(world: World) -> tuple[float, float]:
    """(first, last) model day of the exercise period: build-up through draw-down."""
    return (
        world.calendar_days["exercise_buildup_start"],
        world.calendar_days["exercise_end"] + world.number("drawdown_days"),
    )
