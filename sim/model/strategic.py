"""Strategic systems: Oreshnik in Belarus, nuclear warheads, and nuclear signalling.

Signals arrive as a Poisson process whose rate rises while a crisis is on: during the
exercise's active phase, once sanctions are imposed, once an offensive has begun
(docs/model.md#strategic). Nothing waits on these, so they are drawn at the horizon.
"""

from __future__ import annotations

import bisect
import itertools
import math

from sim.model.contract import flag, number
from sim.model.world import World

PARAMETERS = {
    "oreshnik_days_to_operational": number("days from the exercise's start until Oreshnik is operational in Belarus"),
    "warheads_present": flag("Russian nuclear warheads are in Belarus, not only delivery systems"),
    "nuclear_signal_rate_per_month": number("nuclear signals (statements, drills, deployments) a month in calm times"),
    "crisis_signal_multiplier": number("factor on the signalling rate while a crisis is on"),
}
CALENDAR: dict[str, str] = {}

DAYS_PER_MONTH = 30.44


def at_horizon(world: World) -> None:
    """Oreshnik, warheads and nuclear signalling, computed once the run reaches the horizon.

    Nothing in the model waits on them, and everything they depend on (the exercise, the
    sanctions, the launch) has its day recorded by then, so they are drawn exactly in
    closed form rather than stepped through.
    """
    world.outcome.warheads_present = world.flag("warheads_present")
    operational_day = world.calendar_days["exercise_start"] + world.number("oreshnik_days_to_operational")
    if operational_day < world.end_day:
        world.outcome.oreshnik_operational = True
        world.outcome.oreshnik_date = world.date(operational_day)
        world.events.append((operational_day, "strategic", "oreshnik_operational", "in Belarus"))
    _nuclear_signals(world)


def _nuclear_signals(world: World) -> None:
    """A Poisson process whose rate is constant between changes of the crisis state.

    One Poisson count over the whole horizon, then each signal's time by inverting the
    cumulative rate at a uniform: exactly the same process as a count per stretch, for
    one scalar draw instead of one per stretch.
    """
    stretches = _stretches(world)
    expected = [rate * length for _, length, _, rate in stretches]
    cumulative = list(itertools.accumulate(expected))
    count = int(world.rng.poisson(cumulative[-1])) if cumulative and cumulative[-1] > 0 else 0
    world.outcome.nuclear_signals = count
    if not count:
        return
    for u in world.rng.random(count).tolist():
        at = u * cumulative[-1]
        k = bisect.bisect_right(cumulative, at)  # the stretch whose share of the rate holds `at`
        start, _, crisis, rate = stretches[k]
        day = start + (at - (cumulative[k] - expected[k])) / rate
        world.events.append((day, "strategic", "nuclear_signal", "crisis" if crisis else "calm"))


def _stretches(world: World) -> list[tuple[float, float, bool, float]]:
    """(start, length, in crisis, signals a day) for each stretch of constant signalling rate."""
    signals = world.signals
    sanctions_day = float(signals.sanctions.value) if signals.sanctions.triggered else math.inf  # type: ignore[arg-type]  # event value is a day
    launch_day = signals.offensive_launched.value.day if signals.offensive_launched.triggered else math.inf  # type: ignore[union-attr]  # a Launch
    exercise_start, exercise_end = world.calendar_days["exercise_start"], world.calendar_days["exercise_end"]
    edges = sorted(
        {
            min(max(day, 0.0), world.end_day)
            for day in (0.0, exercise_start, exercise_end, sanctions_day, launch_day, world.end_day)
        }
    )
    base = world.number("nuclear_signal_rate_per_month") / DAYS_PER_MONTH
    crisis_factor = world.number("crisis_signal_multiplier")
    escalation = world.number("sanctions_escalation_multiplier")
    stretches = []
    for start, end in zip(edges[:-1], edges[1:], strict=True):
        middle = (start + end) / 2
        sanctioned = middle >= sanctions_day
        crisis = exercise_start <= middle < exercise_end or sanctioned or middle >= launch_day
        rate = base * (crisis_factor * (escalation if sanctioned else 1.0) if crisis else 1.0)
        stretches.append((start, end - start, crisis, rate))
    return stretches
