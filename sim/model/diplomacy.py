"""The Alaska summit, a possible second summit with Zelenskyy, and sanctions after no deal.

docs/model.md#diplomacy gives the logic and the claims behind each parameter.
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.contract import category, number, probability
from sim.model.world import World

SUMMIT_OUTCOMES = ("ceasefire", "progress", "no_deal")

PARAMETERS = {
    "summit_outcome": category("outcome of the Alaska summit", SUMMIT_OUTCOMES),
    "second_summit_probability": probability("chance of a trilateral summit after progress"),
    "second_summit_delay_days": number("days from the Alaska summit to the second summit"),
    "second_summit_ceasefire_probability": probability("chance the second summit agrees a ceasefire"),
    "sanctions_probability": probability("chance the 'very severe consequences' follow no deal"),
    "sanctions_delay_days": number("days from a failed summit to the consequences"),
}
CALENDAR = {"summit": "date of the Alaska summit"}


def run(world: World) -> Generator[simpy.Event, object, None]:
    """Hold the summit on its date, then follow its outcome."""
    yield world.wait_until(world.calendar_days["summit"])
    outcome = world.category("summit_outcome")
    world.outcome.summit_outcome = outcome
    world.log("diplomacy", "summit", outcome)
    world.signals.summit_held.succeed(outcome)
    if outcome == "ceasefire":
        _agree_ceasefire(world, "Alaska summit")
    elif outcome == "progress":
        yield from _second_summit(world)
    else:
        yield from _consequences(world)


def _second_summit(world: World) -> Generator[simpy.Event, object, None]:
    if not world.chance("second_summit_probability"):
        return
    yield world.env.timeout(world.number("second_summit_delay_days"))
    if world.env.now > world.horizon_day:
        return
    world.outcome.second_summit = True
    agreed = world.chance("second_summit_ceasefire_probability")
    world.log("diplomacy", "second_summit", "ceasefire" if agreed else "no ceasefire")
    if agreed:
        _agree_ceasefire(world, "second summit")


def _consequences(world: World) -> Generator[simpy.Event, object, None]:
    if not world.chance("sanctions_probability"):
        return
    yield world.env.timeout(world.number("sanctions_delay_days"))
    if world.env.now > world.horizon_day:
        return
    world.outcome.sanctions = True
    world.outcome.sanctions_date = world.date(world.env.now)
    world.log("diplomacy", "sanctions", "very severe consequences imposed")
    world.signals.sanctions.succeed(world.env.now)


def _agree_ceasefire(world: World, where: str) -> None:
    world.outcome.ceasefire = True
    world.outcome.ceasefire_date = world.date(world.env.now)
    world.outcome.ceasefire_in_force_at_horizon = True
    world.log("diplomacy", "ceasefire", f"agreed at the {where}")
    world.signals.ceasefire.succeed(world.env.now)
