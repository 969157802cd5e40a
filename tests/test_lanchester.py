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


# One side destroyed: (a, b, A0, D0). The first is the defect a review found: past the attackers' destruction
# (day 40.4) the closed form had the 100,000 defenders grow back, by 2,000 by day 60, because the dead side's
# negative "strength" kept firing.
ANNIHILATIONS = {
    "attackers destroyed": (0.006, 0.02, 70_000.0, 100_000.0),
    "defenders destroyed": (0.01, 0.004, 90_000.0, 40_000.0),
    "defenders destroyed slowly": (0.004, 0.0096, A0, D0),
}


@pytest.mark.parametrize("case", ANNIHILATIONS)
def test_square_law_stops_when_one_side_is_destroyed(case):
    """Until t* the invariant a A^2 - b D^2 holds (rtol 1e-9, as above); from t* on the loser is exactly zero and
    the survivor keeps sqrt(D0^2 - (a/b) A0^2) (or sqrt(A0^2 - (b/a) D0^2)) to rtol 1e-9, and on a 0.01-day grid
    out to ten times t* the survivor never rises (by more than 1e-12 of its opening strength: rounding, where
    the defect regrew by thousands)."""
    a, b, a0, d0 = ANNIHILATIONS[case]
    g = np.sqrt(a * b)
    attackers_lose = a * a0**2 < b * d0**2
    t_end = np.arctanh(a0 / (np.sqrt(b / a) * d0) if attackers_lose else d0 / (np.sqrt(a / b) * a0)) / g
    days = np.arange(0.0, 10 * t_end, 0.01)
    attackers, defenders = Attrition("square", a, b, a0, d0).strengths(a0, d0, days)
    loser, survivor = (attackers, defenders) if attackers_lose else (defenders, attackers)
    survivor_opening = d0 if attackers_lose else a0
    before, after = days < t_end * (1 - 1e-9), days > t_end * (1 + 1e-9)
    assert before.sum() > 1000 and after.sum() > 10_000
    invariant = a * attackers**2 - b * defenders**2
    np.testing.assert_allclose(invariant[before], a * a0**2 - b * d0**2, rtol=1e-9)
    assert (loser[before] > 0).all() and (loser[after] == 0).all()
    left = np.sqrt(d0**2 - (a / b) * a0**2) if attackers_lose else np.sqrt(a0**2 - (b / a) * d0**2)
    np.testing.assert_allclose(survivor[after], left, rtol=1e-9)
    assert np.diff(survivor).max() <= 1e-12 * survivor_opening
    assert np.diff(loser).max() <= 0


def test_square_law_without_an_enemy_changes_nothing():
    """No defenders (or no attackers) from the start: nobody fires, so the other side stays as it is (the closed
    form alone gave A0 cosh(gt), growing)."""
    days = np.linspace(0.0, 200.0, 801)
    attrition = Attrition("square", 0.004, 0.0096, A0, D0)
    attackers, defenders = attrition.strengths(A0, 0.0, days)
    assert (attackers == A0).all() and (defenders == 0).all()
    attackers, defenders = attrition.strengths(0.0, D0, days)
    assert (attackers == 0).all() and (defenders == D0).all()


def test_square_law_at_parity_falls_toward_zero_together():
    """a A0^2 == b D0^2: neither side is destroyed in finite time (no day is clamped); both fall as e^(-gt).
    Over 200 days (gt = 4.5) to rtol 1e-9, never rising."""
    a, b = 0.01, 0.01 * (A0 / D0) ** 2
    days = np.linspace(0.0, 200.0, 8001)
    attackers, defenders = Attrition("square", a, b, A0, D0).strengths(A0, D0, days)
    g = np.sqrt(a * b)
    np.testing.assert_allclose(attackers, A0 * np.exp(-g * days), rtol=1e-9)
    np.testing.assert_allclose(defenders, D0 * np.exp(-g * days), rtol=1e-9)
    assert np.diff(attackers).max() <= 0 and np.diff(defenders).max() <= 0


@pytest.mark.parametrize(
    "law, a, b, destroyed",
    [
        ("square", 0.0, 0.0096, "attackers"),  # a == 0: the defenders fire at a constant rate, A falls linearly
        ("square", 0.004, 0.0, "defenders"),
        ("square", 0.006, 0.032, "attackers"),
        ("square", 0.004, 0.0096, "defenders"),
        ("linear", 0.004, 0.0096, None),
        ("linear", 0.006, 0.032, None),
        ("linear", 0.01, 0.01, None),
        ("linear", 0.0, 0.01, None),
        ("mixed", 0.004, 0.0096, None),  # m2 > 0: the defender is worn toward zero, the attacker toward m
        ("mixed", 0.03, 0.001, None),  # m2 > 0, the defender next to nothing for most of the run
        ("mixed", 0.006, 0.032, "attackers"),  # m2 < 0: the attacker is destroyed
        ("mixed", 0.01, 0.01, None),
        ("mixed", 0.0, 0.01, "attackers"),
    ],
)
def test_no_side_ever_grows(law, a, b, destroyed):
    """Over 2,000 days on a 0.005-day grid neither side goes below zero or rises (by more than 1e-10 of the larger
    opening strength, 1e-5 troops: the closed forms' rounding near their asymptotes, about 3e-9 troops at most in
    these cases). A side destroyed in finite time is exactly zero from then on and the other exactly constant. The
    linear law and the mixed law with m2 >= 0 destroy nobody: a side only tends to zero (and may show as zero once
    its last fraction of a soldier is below the rounding), while the other still tends to its limit."""
    days = np.linspace(0.0, 2000.0, 400_001)
    attackers, defenders = Attrition(law, a, b, A0, D0).strengths(A0, D0, days)
    for side in (attackers, defenders):
        assert (side >= 0).all()
        assert np.diff(side).max() <= 1e-10 * A0
    if destroyed is not None:
        dead, other = (attackers, defenders) if destroyed == "attackers" else (defenders, attackers)
        gone = int(np.argmax(dead == 0))
        assert 0 < gone < len(days) // 2 and (dead[gone:] == 0).all()
        assert (other[gone:] == other[gone]).all() and other[gone] > 0
