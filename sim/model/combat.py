"""Combat on the northern axis: Lanchester attrition and the advance it allows.

Fighting is solved in closed form between events (sim.model.lanchester); only a
ceasefire or Ukrainian reserves arriving start a new segment (docs/model.md#combat).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import simpy

from sim.model.contract import category, number, probability
from sim.model.lanchester import LAWS, Advance, Attrition, Segment, fight
from sim.model.offensive import Launch
from sim.model.world import World

PARAMETERS = {
    "attrition_law": category("Lanchester law: square, linear or mixed", LAWS),
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
    began = world.env.now
    attrition = Attrition(
        law=world.category("attrition_law"),
        attacker_effectiveness=world.number("attacker_effectiveness"),
        defender_effectiveness=world.number("defender_effectiveness") * world.number("fortification_multiplier"),
        opening_attackers=launch.attackers,
        opening_defenders=launch.defenders,
    )
    advance = Advance(
        rate_km_per_day=world.number("advance_rate_km_per_day"),
        culmination_force_ratio=world.number("culmination_force_ratio"),
        culmination_strength=(1.0 - world.number("culmination_loss_fraction")) * launch.attackers,
    )
    attackers, defenders, advanced_km, reinforcements = launch.attackers, launch.defenders, 0.0, 0.0
    ceasefire = world.signals.ceasefire if not world.signals.ceasefire.triggered else world.env.event()
    reserves = world.signals.reserves_arrived if not world.signals.reserves_arrived.triggered else world.env.event()
    while True:
        segment_start = world.env.now
        remaining_km = world.number("objective_km") - advanced_km
        segment = fight(attrition, advance, attackers, defenders, remaining_km, world.end_day - segment_start)
        progress = _Progress(launch, began, segment_start, advanced_km, reinforcements)
        # Record the segment's natural end now: if the run stops first, that is the state at the horizon.
        progress.record(world, segment, segment.end_day, segment.reason)
        natural_end = world.env.timeout(segment.end_day)
        yield natural_end | ceasefire | reserves
        if natural_end.processed:
            break
        elapsed = world.env.now - segment_start
        if ceasefire.triggered:
            progress.record(world, segment, elapsed, "ceasefire")
            break
        attackers, defenders, km = segment.state_at(elapsed)
        advanced_km += km
        arrived = float(reserves.value)  # type: ignore[arg-type]  # event value is a troop count
        defenders += arrived
        reinforcements += arrived
        world.log("combat", "reinforced", f"{arrived:.0f} Ukrainian reserves join the defence")
        reserves = world.env.event()  # reserves arrive once
    outcome = world.outcome
    world.log(
        "combat", "ends", f"{outcome.combat_end} after {outcome.combat_days:.1f} days, {outcome.advance_km:.0f} km"
    )


@dataclass(frozen=True)
class _Progress:
    """Where the battle stood when a segment began."""

    launch: Launch
    began: float  # model day of the launch
    segment_start: float  # model day the segment began
    advanced_km: float  # before this segment
    reinforcements: float  # defenders who joined before this segment

    def record(self, world: World, segment: Segment, day: float, reason: str) -> None:
        """Write the combat outcome as it stands `day` days into `segment`."""
        attackers, defenders, km = segment.state_at(day)
        outcome = world.outcome
        outcome.combat_days = self.segment_start + day - self.began
        outcome.combat_end = reason
        outcome.advance_km = min(self.advanced_km + km, world.number("objective_km"))
        outcome.objective_reached = reason == "objective"
        outcome.attacker_losses = round(self.launch.attackers - attackers)
        outcome.defender_losses = round(self.launch.defenders + self.reinforcements - defenders)
