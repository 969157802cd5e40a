"""The closed-form attrition laws match an independent numerical solution of their ODEs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from sim.mechanics.lanchester import Advance, Attrition, fight

A0, D0 = 90_000.0, 40_000.0
DAYS = np.linspace(0.0, 30.0, 61)


def ode(law: str, a: float, b: float):
    """The right-hand side of each law, written independently of sim.mechanics.lanchester."""
    if law == "square":
        return lambda t, y: [-b * y[1], -a * y[0]]
    if law == "linear":
        return lambda t, y: [-(b / A0) * y[0] * y[1], -(a / D0) * y[0] * y[1]]
    return lambda t, y: [-b * y[1], -(a / D0) * y[0] * y[1]]  # mixed


@pytest.mark.parametrize("law", ["square", "linear", "mixed"])
@pytest.mark.parametrize(
    "a, b",
    [
        (0.004, 0.0096),  # attacker wins slowly
        (0.006, 0.032),  # defender strong: the attacker is worn down
        (0.01, 0.01),
    ],
)
def test_closed_form_matches_numerical_solution(law, a, b):
    """Relative tolerance 1e-6: far below any modelling effect, well above the solver's
    error at rtol=1e-11; a wrong sign, exponent or normalisation is off by percent."""
    attrition = Attrition(law, a, b, A0, D0)
    numeric = solve_ivp(ode(law, a, b), (0, DAYS[-1]), [A0, D0], t_eval=DAYS, rtol=1e-11, atol=1e-6)
    attackers, defenders = attrition.strengths(A0, D0, DAYS)
    alive = (numeric.y[0] > 1) & (numeric.y[1] > 1)  # the laws stop meaning anything once a side is gone
    np.testing.assert_allclose(attackers[alive], numeric.y[0][alive], rtol=1e-6)
    np.testing.assert_allclose(defenders[alive], numeric.y[1][alive], rtol=1e-6)


def test_square_law_conserves_its_invariant():
    attackers, defenders = Attrition("square", 0.004, 0.0096, A0, D0).strengths(A0, D0, DAYS)
    invariant = 0.004 * attackers**2 - 0.0096 * defenders**2
    np.testing.assert_allclose(invariant, invariant[0], rtol=1e-9)


def test_linear_law_conserves_its_invariant():
    attackers, defenders = Attrition("linear", 0.004, 0.0096, A0, D0).strengths(A0, D0, DAYS)
    invariant = (0.004 / D0) * attackers - (0.0096 / A0) * defenders
    np.testing.assert_allclose(invariant, invariant[0], rtol=1e-9, atol=1e-12)


def test_linear_law_is_exact_when_its_invariant_is_zero():
    # alpha A0 = beta D0 (alpha = a / D0, beta = b / A0): the logistic solution's degenerate case.
    a = 0.01
    b = a * (A0 / D0) ** 2
    attrition = Attrition("linear", a, b, A0, D0)
    numeric = solve_ivp(ode("linear", a, b), (0, 30), [A0, D0], t_eval=DAYS, rtol=1e-11, atol=1e-6)
    np.testing.assert_allclose(attrition.strengths(A0, D0, DAYS)[0], numeric.y[0], rtol=1e-6)


def test_all_laws_agree_on_the_opening_rate():
    rates = []
    for law in ("square", "linear", "mixed"):
        attackers, defenders = Attrition(law, 0.004, 0.0096, A0, D0).strengths(A0, D0, np.array([0.0, 1e-6]))
        rates.append(((attackers[0] - attackers[1]) / 1e-6, (defenders[0] - defenders[1]) / 1e-6))
    for attacker_rate, defender_rate in rates:
        assert attacker_rate == pytest.approx(0.0096 * D0, rel=1e-4)
        assert defender_rate == pytest.approx(0.004 * A0, rel=1e-4)


def test_advance_rate_is_zero_at_parity_or_worse():
    rates = Advance(20, 1.0, 0).rate(np.array([10.0, 10.0, 30.0]), np.array([20.0, 10.0, 10.0]))
    np.testing.assert_allclose(rates, [0, 0, 20 * (1 - 1 / 3)])


def test_fight_ends_at_culmination_when_losses_reach_the_limit():
    attrition = Attrition("square", 0.002, 0.01, 50_000, 40_000)
    segment = fight(attrition, Advance(20, 0.0, 40_000), 50_000, 40_000, 1_000, 100)
    assert segment.reason == "culmination"
    attackers, _, _ = segment.state_at(segment.end_day)
    # Found on a 0.25-day grid: the overshoot is at most one step's losses at the opening
    # rate (b * D0 = 400 a day), i.e. 100 troops.
    assert 40_000 - 100 <= attackers <= 40_000


def test_fight_reaches_objective_at_an_overwhelming_ratio():
    attrition = Attrition("square", 0.004, 0.004, 200_000, 20_000)
    segment = fight(attrition, Advance(20, 1.0, 100_000), 200_000, 20_000, 50, 100)
    assert segment.reason == "objective"
    assert segment.state_at(segment.end_day)[2] == pytest.approx(50)
    # Rate is near 20 * (1 - 1/10) = 18 km/day, so about three days.
    assert 2.5 < segment.end_day < 3.5


def test_fight_runs_to_the_horizon_when_nothing_stops_it():
    attrition = Attrition("square", 0.0, 0.0, 50_000, 10_000)
    segment = fight(attrition, Advance(1, 1.0, 0), 50_000, 10_000, 1_000, 10)
    assert segment.reason == "horizon" and segment.end_day == 10
    assert segment.state_at(10)[2] == pytest.approx(10 * (1 - 1 / 5))
