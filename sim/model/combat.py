"""Combat on the northern axis: square-law attrition and the advance it allows.

Solved in closed form at launch (sim.model.lanchester); the only event that can cut it
short is a ceasefire (docs/model.md#combat).
"""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.contract import number, probability
from sim.model.lanchester import Engagement
from sim.model.offensive import Launch
from sim.model.world import World

PARAMETERS = {
    "attacker_effectiveness": number("defenders put out of action per attacker per day"),
    "defender_effectiveness": number("attackers put out of action per defender per day, in the open"),
    "fortification_multiplier": number("how much prepared defences multiply defender effectiveness"),
    "advance_rate_km_per_day": number("advance per day at an overwhelming force ratio"),
    "objective_km": number("depth of the objective from the border (km)"),
    "culmination_force_ratio": number("force ratio below which the attack stalls"),
    "culmination_loss_fraction": probability("share of its strength an attack can lose before it stalls"),
}
CALENDAR: dict[str, str] = {}


def run(world: World) -> Generator[simpy.Event, object, None]:
    """Fight from launch until culmination, the objective, a ceasefire or the horizon."""
    launch: Launch = yield world.signals.offensive_launched  # type: ignore[assignment]  # event value
    start = world.env.now
    engagement = Engagement(
        attackers=launch.attackers,
        defenders=launch.defenders,
        attacker_effectiveness=world.number("attacker_effectiveness"),
        defender_effectiveness=world.number("defender_effectiveness") * world.number("fortification_multiplier"),
        advance_rate_km_per_day=world.number("advance_rate_km_per_day"),
        objective_km=world.number("objective_km"),
        culmination_force_ratio=world.number("culmination_force_ratio"),
        culmination_loss_fraction=world.number("culmination_loss_fraction"),
    )
    result = engagement.resolve(max_days=max(world.horizon_day - start, 0.0))
    natural_end = world.env.timeout(result.end_day)
    yield natural_end | world.signals.ceasefire
    days = world.env.now - start
    reason = "ceasefire" if days < result.end_day else result.reason
    attackers, defenders, advance_km = result.state_at(days)
    outcome = world.outcome
    outcome.combat_days = days
    outcome.advance_km = advance_km
    outcome.objective_reached = reason == "objective"
    outcome.attacker_losses = round(launch.attackers - attackers)
    outcome.defender_losses = round(launch.defenders - defenders)
    world.log("combat", "ends", f"{reason} after {days:.1f} days, {advance_km:.0f} km")
