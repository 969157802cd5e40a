"""Talks: the Alaska summit, a possible second summit with Zelenskyy, a ceasefire that can
collapse, and the "very severe consequences" after no deal (docs/model.md#diplomacy).
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.contract import POSITIVE, category, number, probability
from sim.model.world import World

SUMMIT_OUTCOMES = ("ceasefire", "progress", "no_deal")

PARAMETERS = {
    "summit_outcome": category("outcome of the Alaska summit", SUMMIT_OUTCOMES),
    "second_summit_probability": probability("chance of a trilateral summit after progress"),
    "second_summit_delay_days": number("days from the Alaska summit to the second summit"),
    "second_summit_ceasefire_probability": probability("chance the second summit agrees a ceasefire"),
    "ceasefire_collapse_shape": number(
        "Weibull shape of the time a ceasefire holds (>1: collapse risk grows)", POSITIVE
    ),
    "ceasefire_collapse_scale_days": number("Weibull scale of the time a ceasefire holds (days)", POSITIVE),
    "sanctions_probability": probability("chance the 'very severe consequences' follow no deal"),
    "sanctions_delay_days": number("days from a failed summit to the consequences"),
    "sanctions_escalation_multiplier": number("factor on the other side's propensity to escalate once sanctions bite"),
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
        yield from _ceasefire(world, "Alaska summit")
    elif outcome == "progress":
        yield from _second_summit(world)
    else:
        yield from _consequences(world)


def _second_summit(world: World) -> Generator[simpy.Event, object, None]:
    if not world.chance(world.number("second_summit_probability")):
        return
    yield world.env.timeout(world.number("second_summit_delay_days"))
    world.outcome.second_summit = True
    agreed = world.chance(world.number("second_summit_ceasefire_probability"))
    world.log("diplomacy", "second_summit", "ceasefire" if agreed else "no ceasefire")
    if agreed:
        yield from _ceasefire(world, "second summit")


def _ceasefire(world: World, where: str) -> Generator[simpy.Event, object, None]:
    """Agree a ceasefire, then let it run until it collapses (Weibull holding time) or the horizon."""
    world.outcome.ceasefire = True
    world.outcome.ceasefire_date = world.date(world.env.now)
    world.log("diplomacy", "ceasefire", f"agreed at the {where}")
    world.signals.ceasefire.succeed(world.env.now)
    holds_days = world.number("ceasefire_collapse_scale_days") * world.rng.weibull(
        world.number("ceasefire_collapse_shape")
    )
    yield world.env.timeout(holds_days)
    world.log("diplomacy", "ceasefire_collapsed", f"after {holds_days:.0f} days")
    world.signals.ceasefire_collapsed.succeed(world.env.now)


def _consequences(world: World) -> Generator[simpy.Event, object, None]:
    if not world.chance(world.number("sanctions_probability")):
        return
    yield world.env.timeout(world.number("sanctions_delay_days"))
    world.outcome.sanctions = True
    world.outcome.sanctions_date = world.date(world.env.now)
    world.log("diplomacy", "sanctions", "very severe consequences imposed")
    world.signals.sanctions.succeed(world.env.now)


def escalation_factor(world: World) -> float:
    """How sanctions in force scale the other side's propensity to escalate (1 without them)."""
    return world.number("sanctions_escalation_multiplier") if world.signals.sanctions.triggered else 1.0
