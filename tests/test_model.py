"""The baseline's mechanics behave as docs/model.md says, checked on pinned (noise-free) inputs.

The mechanics live in scenarios/baseline.yaml (`actors:`); each test runs a small variant
of it (fixed parameters, one hypothesis) through the engine and reads the outcome
columns: `actor.state` (entered), `actor.state.date`, `actor` (state at the horizon) and
the variables.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import LAUNCH_READY, fixed, pinned_hypothesis

from sim.engine import CompiledScenario, Replication, outcome_row, run_chunk, run_replication

DAYS_PER_MONTH = 30.44  # the baseline's nuclear signalling rate: per month / 30.44 (its assumption)
Variant = Callable[..., CompiledScenario]


def pinned(variant: Variant, **values: Any) -> CompiledScenario:
    return variant(hypotheses=pinned_hypothesis(), parameters={k: fixed(v) for k, v in values.items()})


def run_pinned(variant: Variant, seed: int = 0, index: int = 0, **values: Any) -> Replication:
    return run_replication(pinned(variant, **values), seed, index)


def batch_pinned(variant: Variant, n: int, **values: Any) -> list[dict[str, Any]]:
    compiled = pinned(variant, **values)
    chunk = run_chunk(compiled, 99, range(n))
    return [outcome_row(compiled, chunk, i) for i in range(n)]


def events_of(replication: Replication, actor: str) -> list[tuple[dt.date, str, str]]:
    """(date, event, detail) of one actor: `event` is the state entered, or `process.event`."""
    return [(date, event, detail) for _, date, comp, event, detail in replication.events if comp == actor]


# Diplomacy


def test_ceasefire_at_summit_is_dated_on_the_summit_and_holds(variant):
    row = run_pinned(variant, summit_outcome="ceasefire", ceasefire_collapse_scale_days=100_000).row
    assert row["talks.ceasefire"] and row["talks"] == "ceasefire"
    assert row["talks.ceasefire.date"] == dt.date(2025, 8, 15)
    assert not row["consequences.imposed"]


def test_ceasefire_collapses_after_its_weibull_holding_time(variant):
    # Shape 1000 makes the Weibull holding time the scale to within 0.5%: 60 days after 15 August.
    row = run_pinned(
        variant, summit_outcome="ceasefire", ceasefire_collapse_shape=1000, ceasefire_collapse_scale_days=60
    ).row
    assert row["talks.ceasefire"] and row["talks"] == "collapsed"
    assert abs((row["talks.collapsed.date"] - dt.date(2025, 10, 14)).days) <= 1


def test_ceasefire_holding_time_follows_the_weibull(variant):
    """Share of ceasefires collapsed by the end of the horizon (139 days) = 1 - exp(-(139/s)^k).

    n = 400; 4 binomial standard errors (0.1 at most) separate a right answer from a
    wrong law (exponential instead of Weibull here differs by 0.2)."""
    rows = batch_pinned(
        variant, 400, summit_outcome="ceasefire", ceasefire_collapse_shape=2.0, ceasefire_collapse_scale_days=120
    )
    collapsed = np.mean([row["talks"] != "ceasefire" for row in rows])
    expected = 1 - math.exp(-((139 / 120) ** 2))
    assert abs(collapsed - expected) < 4 * math.sqrt(expected * (1 - expected) / 400)


def test_no_deal_brings_sanctions_after_their_delay(variant):
    row = run_pinned(variant, summit_outcome="no_deal", sanctions_probability=1.0, sanctions_delay_days=10).row
    assert row["consequences.imposed"] and row["consequences.imposed.date"] == dt.date(2025, 8, 25)
    assert not row["talks.ceasefire"]


def test_progress_leads_to_a_second_summit_that_can_agree_a_ceasefire(variant):
    row = run_pinned(
        variant,
        summit_outcome="progress",
        second_summit_probability=1.0,
        second_summit_delay_days=20,
        second_summit_ceasefire_probability=1.0,
    ).row
    assert row["talks.second_summit"] and row["talks.ceasefire"]
    assert row["talks.second_summit.date"] == row["talks.ceasefire.date"] == dt.date(2025, 9, 4)


def test_sanctions_scale_the_propensity_to_attack(variant):
    """Intent 0.5 doubled by sanctions is certain: all 30 replications launch. Without the
    multiplier about half would (the chance all 30 launch is 1e-9)."""
    values = {
        **LAUNCH_READY,
        "offensive_intent_probability": 0.5,
        "sanctions_probability": 1.0,
        "sanctions_delay_days": 5,
    }
    doubled = batch_pinned(variant, 30, **{**values, "sanctions_escalation_multiplier": 2.0})
    assert all(row["offensive.launched"] for row in doubled)
    unchanged = batch_pinned(variant, 30, **{**values, "sanctions_escalation_multiplier": 1.0})
    assert 0 < sum(row["offensive.launched"] for row in unchanged) < 30


# Exercise and offensive decision


def test_exercise_splits_troops_into_northern_and_retained(variant):
    row = run_pinned(variant, exercise_troops=100_000, northern_share=0.3, retained_share=0.5).row
    assert (row["exercise_size"], row["northern_troops"], row["troops_retained"]) == (100_000, 30_000, 15_000)


def test_offensive_launches_when_ready_and_strong_enough(variant):
    row = run_pinned(variant, **LAUNCH_READY).row
    # Exercise ends 16 September; ready 10 days later.
    assert row["offensive.launched"] and row["offensive.launched.date"] == dt.date(2025, 9, 26)
    assert row["force_ratio"] == pytest.approx((60_000 + 40_000) / 30_000)
    assert row["combat_days"] > 0 and row["attacker_losses"] > 0 and row["defender_losses"] > 0


def test_ceasefire_in_force_blocks_launch(variant):
    row = run_pinned(variant, **{**LAUNCH_READY, "summit_outcome": "ceasefire"}).row
    assert row["talks.ceasefire"] and row["talks"] == "ceasefire"
    assert row["offensive"] == "blocked_by_ceasefire" and row["offensive.held"]
    assert not row["offensive.launched"] and row["offensive.launched.date"] is None and row["combat_days"] == 0


def test_launch_follows_the_collapse_of_a_ceasefire(variant):
    # Ready 26 September, held by the ceasefire until it collapses about 15 October (61 days after the summit).
    values = {
        **LAUNCH_READY,
        "summit_outcome": "ceasefire",
        "ceasefire_collapse_shape": 1000,
        "ceasefire_collapse_scale_days": 61,
    }
    row = run_pinned(variant, **values).row
    assert row["offensive.held.date"] == dt.date(2025, 9, 26)
    assert row["offensive.launched"] and abs((row["offensive.launched.date"] - dt.date(2025, 10, 15)).days) <= 1
    assert row["offensive.launched.date"] == row["talks.collapsed.date"]


def test_force_ratio_below_threshold_blocks_launch(variant):
    row = run_pinned(variant, **{**LAUNCH_READY, "force_ratio_threshold": 4.0}).row
    assert not row["offensive.launched"] and row["offensive"] == "too_weak"


def test_no_order_to_attack_means_no_launch(variant):
    row = run_pinned(variant, **{**LAUNCH_READY, "offensive_intent_probability": 0.0}).row
    assert not row["offensive.launched"] and row["offensive"] == "not_ordered"


def test_option_lapses_when_readiness_comes_after_the_deadline(variant):
    # Exercise ends 16 September; the deadline is 20 December (95 days later).
    late = run_pinned(variant, **{**LAUNCH_READY, "time_to_ready_days": 96}).row
    assert not late["offensive.launched"] and late["offensive"] == "lapsed"
    assert run_pinned(variant, **{**LAUNCH_READY, "time_to_ready_days": 94}).row["offensive.launched"]


def test_belarus_joining_adds_its_troops_to_the_attack(variant):
    row = run_pinned(
        variant, **{**LAUNCH_READY, "belarus_joins_probability": 1.0, "belarus_troops_committed": 15_000}
    ).row
    assert row["belarus_joins"]
    assert row["force_ratio"] == pytest.approx((60_000 + 40_000 + 15_000) / 30_000)


# Warning and response


def test_detection_takes_the_median_for_a_reference_force(variant):
    # Force = 60,000 retained + 40,000 built up = 2 x the 50,000 reference; elasticity 1 halves 10 days.
    values = {
        **LAUNCH_READY,
        "detection_median_days": 10,
        "detection_reference_troops": 50_000,
        "detection_force_elasticity": 1.0,
    }
    row = run_pinned(variant, **{**values, "time_to_ready_days": 30}).row
    assert row["warning.detected.date"] == dt.date(2025, 9, 21)  # 16 September + 5 days
    assert row["warning_days"] == pytest.approx(25.0)  # launch 16 October


def test_a_larger_force_is_detected_sooner(variant):
    base = {
        **LAUNCH_READY,
        "detection_median_days": 20,
        "detection_force_elasticity": 1.0,
        "offensive_intent_probability": 0.0,
    }
    small = run_pinned(variant, **{**base, "buildup_troops": 0}).row["warning.detected.date"]
    large = run_pinned(variant, **{**base, "buildup_troops": 140_000}).row["warning.detected.date"]
    assert large < small


def test_an_attack_before_detection_gives_no_warning(variant):
    values = {**LAUNCH_READY, "detection_median_days": 500, "time_to_ready_days": 10}
    row = run_pinned(variant, **values).row
    assert row["offensive.launched"] and row["warning_days"] == 0
    assert row["warning.detected.date"] == row["offensive.launched.date"]


def test_reserves_move_north_after_detection_and_deter_a_launch(variant):
    # Detected 21 September, reserves of 30,000 in place 7 days later: defenders 60,000, ratio 100/60 < 2.
    values = {
        **LAUNCH_READY,
        "detection_median_days": 10,
        "detection_force_elasticity": 1.0,
        "reserve_troops": 30_000,
        "reserve_move_delay_days": 7,
        "time_to_ready_days": 20,
    }
    row = run_pinned(variant, **values).row
    assert row["reserves_moved"] == 30_000 and row["warning.reserves_arrived.date"] == dt.date(2025, 9, 28)
    assert row["force_ratio"] == pytest.approx(100_000 / 60_000)
    assert not row["offensive.launched"] and row["offensive"] == "too_weak"


def test_reserves_arriving_during_combat_reinforce_the_defence(variant):
    values = {
        **LAUNCH_READY,
        "detection_median_days": 500,  # detected only when the attack starts, 26 September
        "reserve_troops": 20_000,
        "reserve_move_delay_days": 3,
        "objective_km": 10_000,
        "advance_rate_km_per_day": 1.0,
        "culmination_loss_fraction": 0.9,
        "culmination_force_ratio": 0.5,
    }
    replication = run_pinned(variant, **values)
    events = events_of(replication, "offensive")
    assert [date for date, event, _ in events if event == "lanchester_combat.reinforced"] == [dt.date(2025, 9, 29)]
    row = replication.row
    assert row["reserves_moved"] == 20_000
    assert row["combat_end"] == "culmination" and row["offensive.launched.date"] == dt.date(2025, 9, 26)
    # The 20,000 who arrive fight on: the defence's losses and what is left count them.
    assert 0 < row["defender_losses"] < 30_000 + 20_000
    assert row["defenders_left"] == pytest.approx(30_000 + 20_000 - row["defender_losses"], abs=1)


# Combat


def test_ceasefire_during_combat_stops_it(variant):
    # Fighting starts 26 September; a second summit on 1 October (47 days after 15 August) agrees a ceasefire.
    values = {
        **LAUNCH_READY,
        "summit_outcome": "progress",
        "second_summit_probability": 1.0,
        "second_summit_delay_days": 47,
        "second_summit_ceasefire_probability": 1.0,
        "culmination_loss_fraction": 0.9,
        "culmination_force_ratio": 0.1,
        "advance_rate_km_per_day": 1.0,
        "objective_km": 1000,
    }
    row = run_pinned(variant, **values).row
    assert row["offensive.launched"] and row["talks.ceasefire"] and row["combat_end"] == "stopped"
    assert row["combat_days"] == pytest.approx(5.0)
    assert not row["objective_reached"]


def test_combat_still_going_at_the_horizon_is_recorded_there(variant):
    values = {
        **LAUNCH_READY,
        "culmination_loss_fraction": 0.99,
        "culmination_force_ratio": 0.0,
        "objective_km": 100_000,
        "attacker_effectiveness": 0.0,
        "defender_effectiveness": 0.0,
    }
    row = run_pinned(variant, **values).row
    # 26 September to the end of 31 December: 97 days.
    assert row["combat_end"] == "horizon" and row["combat_days"] == pytest.approx(97.0)


@pytest.mark.parametrize("law", ["square", "linear", "mixed"])
def test_every_attrition_law_runs_in_the_model(variant, law):
    row = run_pinned(variant, **{**LAUNCH_READY, "attrition_law": law}).row
    assert row["offensive.launched"] and row["combat_end"] in ("objective", "culmination")
    assert row["attacker_losses"] > 0


# Strategic systems and NATO


def test_oreshnik_becomes_operational_after_its_delay(variant):
    row = run_pinned(variant, oreshnik_days_to_operational=30).row
    assert row["oreshnik.operational"] and row["oreshnik.operational.date"] == dt.date(2025, 10, 12)
    row = run_pinned(variant, oreshnik_days_to_operational=200).row
    assert not row["oreshnik.operational"] and row["oreshnik.operational.date"] is None


def test_warheads_present_follows_its_parameter(variant):
    assert run_pinned(variant, warheads_present=True).row["warheads.present"]
    row = run_pinned(variant, warheads_present=False).row
    assert not row["warheads.present"] and row["warheads"] == "absent"


# No sanctions, no offensive: the exercise's active phase is the only crisis.
ACTIVE_PHASE_THE_ONLY_CRISIS = {
    "summit_outcome": "progress",
    "second_summit_probability": 0.0,
    "offensive_intent_probability": 0.0,
    "nuclear_signal_rate_per_month": 3.0,
    "crisis_signal_multiplier": 20.0,
}
HORIZON_DAYS = (dt.date(2026, 1, 1) - dt.date(2025, 8, 14)).days
CRISIS_DAYS = 4  # the active phase, 12 to 16 September


def test_nuclear_signals_are_poisson_with_a_crisis_rate(variant):
    """Mean count = rate x (calm days + multiplier x crisis days). Only the exercise's active
    phase (12-16 September, 4 days) is a crisis here: no sanctions, no offensive.

    n = 300 replications; the mean is within 4 standard errors (sqrt(mean / n)). A model
    ignoring the crisis would miss by 7 SE."""
    counts = [row["nuclear_signals"] for row in batch_pinned(variant, 300, **ACTIVE_PHASE_THE_ONLY_CRISIS)]
    expected = 3.0 / DAYS_PER_MONTH * ((HORIZON_DAYS - CRISIS_DAYS) + 20.0 * CRISIS_DAYS)
    assert abs(np.mean(counts) - expected) < 4 * math.sqrt(expected / 300)


def test_nuclear_signal_times_follow_the_crisis_rate(variant):
    """Signals are placed by inverting the cumulative rate: the share dated in the active
    phase (12-15 September) is the crisis share of the expected count,
    20 x 4 / ((days - 4) + 20 x 4), about 0.37.

    About 6,400 signals over 300 replications: the share's standard error is about 0.006;
    the tolerance is 4 of them. Spreading signals evenly in time would give 0.03."""
    compiled = pinned(variant, **ACTIVE_PHASE_THE_ONLY_CRISIS)
    signals = [
        date
        for i in range(300)
        for date, event, detail in events_of(run_replication(compiled, 99, i), "nuclear")
        if (event, detail) == ("signalling", "signal")
    ]
    crisis = [date for date in signals if dt.date(2025, 9, 12) <= date < dt.date(2025, 9, 16)]
    share = 20.0 * CRISIS_DAYS / ((HORIZON_DAYS - CRISIS_DAYS) + 20.0 * CRISIS_DAYS)
    standard_error = math.sqrt(share * (1 - share) / len(signals))
    assert abs(len(crisis) / len(signals) - share) < 4 * standard_error


def test_nato_incidents_are_poisson_over_the_exercise_period(variant):
    """1 September to 16 September + 14 days of draw-down = 29 days at 2 a week.
    n = 300; within 4 standard errors of the mean."""
    rows = batch_pinned(variant, 300, nato_incident_rate_per_week=2.0, drawdown_days=14)
    expected = 2.0 / 7 * 29
    assert abs(np.mean([row["nato_incidents"] for row in rows]) - expected) < 4 * math.sqrt(expected / 300)


def test_nato_alert_level_rises_with_incidents(variant):
    """Normal with no incident, raised from the first, high from the third (the threshold),
    never lower again; the high alert is dated on the third incident.

    At 0.7 a week over 29 days (mean 2.9) each level turns up in 200 replications: the
    chance that none has zero incidents is 0.945^200, about 1e-5."""
    compiled = pinned(variant, nato_incident_rate_per_week=0.7, drawdown_days=14, nato_high_alert_incidents=3)
    chunk = run_chunk(compiled, 5, range(200))
    levels = {}
    for position, result in enumerate(chunk.results):
        row = outcome_row(compiled, chunk, position)
        incidents = row["nato_incidents"]
        expected = "normal" if incidents == 0 else "raised" if incidents < 3 else "high"
        assert row["nato"] == expected, (incidents, row["nato"])
        levels[expected] = levels.get(expected, 0) + 1
        incident_days = sorted(day for day, actor, _, event in result.events if actor == "nato" and event == "incident")
        assert len(incident_days) == incidents
        if incidents >= 3:
            assert result.entered["nato.high"] == incident_days[2]
            assert result.entered["nato.raised"] == incident_days[0]
    assert set(levels) == {"normal", "raised", "high"}
