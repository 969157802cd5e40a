"""The model components behave as docs/model.md says, checked on pinned (noise-free) inputs."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from conftest import LAUNCH_READY, fixed, pinned_hypothesis
from scipy.integrate import solve_ivp

from sim.engine import run_replication
from sim.model.lanchester import Engagement


def run_pinned(variant, seed: int = 0, index: int = 0, **values):
    compiled = variant(hypotheses=pinned_hypothesis(), parameters={k: fixed(v) for k, v in values.items()})
    return run_replication(compiled, seed, index)


def test_ceasefire_at_summit_is_dated_on_the_summit(variant):
    row = run_pinned(variant, summit_outcome="ceasefire").row
    assert row["ceasefire"] and row["ceasefire_in_force_at_horizon"]
    assert row["ceasefire_date"] == dt.date(2025, 8, 15)
    assert not row["sanctions"]


def test_no_deal_brings_sanctions_after_their_delay(variant):
    row = run_pinned(variant, summit_outcome="no_deal", sanctions_probability=1.0, sanctions_delay_days=10).row
    assert row["sanctions"] and row["sanctions_date"] == dt.date(2025, 8, 25)
    assert not row["ceasefire"]


def test_progress_leads_to_a_second_summit_that_can_agree_a_ceasefire(variant):
    row = run_pinned(
        variant,
        summit_outcome="progress",
        second_summit_probability=1.0,
        second_summit_delay_days=20,
        second_summit_ceasefire_probability=1.0,
    ).row
    assert row["second_summit"] and row["ceasefire"]
    assert row["ceasefire_date"] == dt.date(2025, 9, 4)


def test_exercise_splits_troops_into_northern_and_retained(variant):
    row = run_pinned(variant, exercise_troops=100_000, northern_share=0.3, retained_share=0.5).row
    assert (row["exercise_troops"], row["northern_troops"], row["troops_retained"]) == (100_000, 30_000, 15_000)


def test_offensive_launches_when_ready_and_strong_enough(variant):
    row = run_pinned(variant, **LAUNCH_READY).row
    # Exercise ends 16 September; ready 10 days later.
    assert row["offensive"] and row["offensive_date"] == dt.date(2025, 9, 26)
    assert row["force_ratio"] == pytest.approx((60_000 + 40_000) / 30_000)
    assert row["combat_days"] > 0 and row["attacker_losses"] > 0 and row["defender_losses"] > 0


def test_ceasefire_in_force_blocks_launch(variant):
    row = run_pinned(variant, **{**LAUNCH_READY, "summit_outcome": "ceasefire"}).row
    assert row["ceasefire"]
    assert not row["offensive"] and row["offensive_date"] is None and row["combat_days"] == 0


def test_force_ratio_below_threshold_blocks_launch(variant):
    row = run_pinned(variant, **{**LAUNCH_READY, "force_ratio_threshold": 4.0}).row
    assert not row["offensive"]


def test_no_order_to_attack_means_no_launch(variant):
    row = run_pinned(variant, **{**LAUNCH_READY, "offensive_intent_probability": 0.0}).row
    assert not row["offensive"]


def test_option_lapses_when_readiness_comes_after_the_deadline(variant):
    # Exercise ends 16 September; the deadline is 20 December (95 days later).
    row = run_pinned(variant, **{**LAUNCH_READY, "time_to_ready_days": 96}).row
    assert not row["offensive"]
    row = run_pinned(variant, **{**LAUNCH_READY, "time_to_ready_days": 94}).row
    assert row["offensive"]


def test_belarus_joining_adds_its_troops_to_the_attack(variant):
    row = run_pinned(variant, **{**LAUNCH_READY, "belarus_joins_probability": 1.0, "belarus_troops_committed": 15_000}).row
    assert row["belarus_joins"]
    assert row["force_ratio"] == pytest.approx((60_000 + 40_000 + 15_000) / 30_000)


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
    assert row["offensive"] and row["ceasefire"]
    assert row["combat_days"] == pytest.approx(5.0)
    assert not row["objective_reached"]


def test_combat_reproduces_lanchester_square_law(variant):
    """Strengths match an independent numerical solution of dA/dt = -bD, dD/dt = -aA.

    Tolerance: relative 1e-6, far below any modelling effect and well above the ODE
    solver's error at rtol=1e-10; a wrong sign or swapped coefficient is off by percent.
    """
    engagement = Engagement(
        attackers=90_000,
        defenders=40_000,
        attacker_effectiveness=0.004,
        defender_effectiveness=0.0096,
        advance_rate_km_per_day=20,
        objective_km=100,
        culmination_force_ratio=1.2,
        culmination_loss_fraction=0.2,
    )
    days = np.linspace(0, 20, 41)
    solution = solve_ivp(
        lambda t, y: [-0.0096 * y[1], -0.004 * y[0]], (0, 20), [90_000, 40_000], t_eval=days, rtol=1e-10, atol=1e-6
    )
    attackers, defenders = engagement.strengths(days)
    np.testing.assert_allclose(attackers, solution.y[0], rtol=1e-6)
    np.testing.assert_allclose(defenders, solution.y[1], rtol=1e-6)
    # The square law's invariant: a*A^2 - b*D^2 is constant.
    invariant = 0.004 * attackers**2 - 0.0096 * defenders**2
    np.testing.assert_allclose(invariant, invariant[0], rtol=1e-9)


def test_engagement_ends_at_culmination_when_losses_reach_the_limit():
    engagement = Engagement(50_000, 40_000, 0.002, 0.01, 20, 1_000, 0.0, 0.2)
    result = engagement.resolve(max_days=100)
    assert result.reason == "culmination"
    attackers, _, _ = result.state_at(result.end_day)
    # Culmination is found on a 0.25-day grid: the overshoot is at most one step's losses
    # at the opening rate (b * D0 = 400 a day), i.e. 100 troops.
    assert 40_000 - 100 <= attackers <= 40_000


def test_engagement_reaches_objective_at_an_overwhelming_ratio():
    engagement = Engagement(200_000, 20_000, 0.004, 0.004, 20, 50, 1.0, 0.5)
    result = engagement.resolve(max_days=100)
    assert result.reason == "objective"
    assert result.state_at(result.end_day)[2] == pytest.approx(50)
    # Rate is near 20 * (1 - 1/10) = 18 km/day, so about three days.
    assert 2.5 < result.end_day < 3.5


def test_advance_rate_is_zero_at_parity_or_worse():
    engagement = Engagement(1, 1, 0, 0, 20, 50, 1.0, 0.5)
    rates = engagement.advance_rate(np.array([10.0, 10.0, 30.0]), np.array([20.0, 10.0, 10.0]))
    assert rates[0] == 0 and rates[1] == 0 and math.isclose(rates[2], 20 * (1 - 1 / 3))
