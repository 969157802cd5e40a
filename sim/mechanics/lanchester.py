"""Lanchester attrition in closed form, and the advance it allows (docs/model.md#combat).

Pure functions of numbers: no SimPy, no randomness. Three laws, each with its exact
solution, so combat is evaluated at any moment without stepping through days:

- square (aimed fire both ways):   dA/dt = -b D,        dD/dt = -a A
- linear (area fire both ways):    dA/dt = -b A D / A0, dD/dt = -a A D / D0
- mixed (aimed fire on the attacker in the open, area fire on a defender under cover):
                                   dA/dt = -b D,        dD/dt = -a A D / D0

a and b are casualties per enemy soldier per day at the opening strengths A0, D0, so the
three laws agree on the first day's losses and differ in how losses evolve. Once a side is
destroyed nothing changes any more: the square law's solution is held at that day, the mixed
law's attacker stays at zero by itself, and the linear law destroys no one in finite time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LAWS = ("square", "linear", "mixed")
GRID_STEP_DAYS = 0.25  # resolution at which the advance is integrated and end times found


@dataclass(frozen=True)
class Attrition:
    """One attrition law with its coefficients, normalised by the battle's opening strengths."""

    law: str
    attacker_effectiveness: float  # a: defenders put out of action per attacker per day, at the opening
    defender_effectiveness: float  # b: attackers put out of action per defender per day, at the opening
    opening_attackers: float
    opening_defenders: float

    def strengths(self, attackers: float, defenders: float, days: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """(A, D) after `days` of fighting from strengths (attackers, defenders), floored at zero."""
        t = np.asarray(days, dtype=float)
        if self.law == "square":
            a_t, d_t = _square(attackers, defenders, self.attacker_effectiveness, self.defender_effectiveness, t)
        elif self.law == "linear":
            a_t, d_t = _linear(
                attackers,
                defenders,
                self.attacker_effectiveness / self.opening_defenders,
                self.defender_effectiveness / self.opening_attackers,
                t,
            )
        elif self.law == "mixed":
            a_t, d_t = _mixed(
                attackers,
                defenders,
                self.attacker_effectiveness / self.opening_defenders,
                self.defender_effectiveness,
                t,
            )
        else:
            raise ValueError(f"unknown attrition law {self.law!r}; expected one of {LAWS}")
        return np.maximum(a_t, 0.0), np.maximum(d_t, 0.0)


def _square(a0: float, d0: float, a: float, b: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A(t) = A0 cosh(gt) - sqrt(b/a) D0 sinh(gt), D(t) = D0 cosh(gt) - sqrt(a/b) A0 sinh(gt), g = sqrt(ab),
    up to the day one side is destroyed; from then on nothing changes (the survivor keeps what it had).

    Past that day the closed form no longer describes the battle: the dead side's negative "strength" would
    keep firing and the survivor would grow again. With one side's coefficient zero the other side's strength
    is constant and the first falls linearly (floored at zero by `Attrition.strengths`).
    """
    if a == 0 or b == 0:
        return a0 - b * d0 * t, d0 - a * a0 * t
    g = math.sqrt(a * b)
    defenders_as_attackers = math.sqrt(b / a) * d0  # the defence's worth in attackers: A0 below it loses
    attackers_as_defenders = math.sqrt(a / b) * a0
    end = _square_end(a0, d0, defenders_as_attackers, attackers_as_defenders, g)
    clamped = np.minimum(t, end)
    cosh, sinh = np.cosh(g * clamped), np.sinh(g * clamped)
    attackers, defenders = a0 * cosh - defenders_as_attackers * sinh, d0 * cosh - attackers_as_defenders * sinh
    if a0 < defenders_as_attackers:  # exactly zero once destroyed (the formula leaves a rounding error either way)
        attackers = np.where(t >= end, 0.0, attackers)
    elif d0 < attackers_as_defenders:
        defenders = np.where(t >= end, 0.0, defenders)
    return attackers, defenders


def _square_end(a0: float, d0: float, defenders_as_attackers: float, attackers_as_defenders: float, g: float) -> float:
    """The day the square law destroys one side: A(t*) = 0 at tanh(g t*) = A0 / defenders_as_attackers, or D(t*) = 0 at
    tanh(g t*) = D0 / attackers_as_defenders (the two ratios are each other's inverse: at most one is below 1). Infinite
    when neither is: at exactly 1 both sides fall toward zero together, A = A0 e^(-gt), and never reach it.
    """
    if a0 < defenders_as_attackers:
        return math.atanh(a0 / defenders_as_attackers) / g
    if d0 < attackers_as_defenders:
        return math.atanh(d0 / attackers_as_defenders) / g
    return math.inf


def _linear(a0: float, d0: float, alpha: float, beta: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dA/dt = -beta A D, dD/dt = -alpha A D. alpha A - beta D = c is constant, so A is logistic:

    A(t) = A0 / (alpha A0 (1 - e^{-ct}) / c + e^{-ct}), D = (alpha A - c) / beta.
    """
    if alpha == 0 or beta == 0:
        return a0 * np.exp(-beta * d0 * t), d0 * np.exp(-alpha * a0 * t)
    c = alpha * a0 - beta * d0
    decay = np.exp(-c * t)
    growth = t if abs(c) < 1e-15 else -np.expm1(-c * t) / c  # (1 - e^{-ct}) / c, exact as c -> 0
    attackers = a0 / (alpha * a0 * growth + decay)
    return attackers, (alpha * attackers - c) / beta


def _mixed(a0: float, d0: float, alpha: float, b: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dA/dt = -b D, dD/dt = -alpha A D. Then D = D0 + alpha (A^2 - A0^2) / (2b), and
    dA/dt = -k (A^2 - m2) with k = alpha / 2, m2 = A0^2 - 2 b D0 / alpha: a Riccati equation.
    """
    if alpha == 0 or b == 0:
        return a0 - b * d0 * t, d0 * np.exp(-alpha * a0 * t)
    k = alpha / 2
    m2 = a0 * a0 - 2 * b * d0 / alpha
    if m2 > 0:  # the defender is worn down toward zero while A falls toward m
        m = math.sqrt(m2)
        th = np.tanh(k * m * t)
        attackers = m * (a0 + m * th) / (m + a0 * th)
    elif m2 < 0:  # the attacker is destroyed at t = atan(A0 / n) / (k n)
        n = math.sqrt(-m2)
        phase = np.minimum(k * n * t, math.atan(a0 / n))
        attackers = n * np.tan(math.atan(a0 / n) - phase)
    else:
        attackers = a0 / (1 + k * a0 * t)
    return attackers, d0 + alpha * (attackers**2 - a0 * a0) / (2 * b)


@dataclass(frozen=True)
class Advance:
    """How fast the attack moves and when it stops of itself."""

    rate_km_per_day: float  # at an overwhelming force ratio
    culmination_force_ratio: float  # the attack stalls when attackers / defenders falls below this
    culmination_strength: float  # ... or when attackers fall to this many

    def rate(self, attackers: np.ndarray, defenders: np.ndarray) -> np.ndarray:
        """km/day: zero at parity or worse, rising toward the maximum as the ratio grows: v (1 - 1/r)."""
        ratio = attackers / np.maximum(defenders, 1.0)
        return self.rate_km_per_day * np.clip(1.0 - 1.0 / np.maximum(ratio, 1e-9), 0.0, 1.0)


@dataclass(frozen=True)
class Segment:
    """Fighting between two events, solved once: when it ends of itself, and the state at any moment."""

    attrition: Attrition
    advance: Advance
    grid_days: np.ndarray
    grid_attackers: np.ndarray
    grid_defenders: np.ndarray
    grid_advance_km: np.ndarray
    end_day: float
    reason: str  # "objective", "culmination" or "horizon"

    def state_at(self, day: float) -> tuple[float, float, float]:
        """(attackers, defenders, km advanced in this segment) after `day` days of it."""
        attackers, defenders = self.attrition.strengths(
            float(self.grid_attackers[0]), float(self.grid_defenders[0]), day
        )
        advance = float(np.interp(day, self.grid_days, self.grid_advance_km))
        return float(attackers), float(defenders), advance


def fight(
    attrition: Attrition,
    advance: Advance,
    attackers: float,
    defenders: float,
    objective_remaining_km: float,
    max_days: float,
) -> Segment:
    """Solve fighting from (attackers, defenders) for up to `max_days`: its natural end and its path."""
    steps = max(1, math.ceil(max_days / GRID_STEP_DAYS))
    t = np.linspace(0.0, max(max_days, 0.0), steps + 1)
    a_t, d_t = attrition.strengths(attackers, defenders, t)
    rate = advance.rate(a_t, d_t)
    km = np.concatenate(([0.0], np.cumsum((rate[1:] + rate[:-1]) * 0.5 * np.diff(t))))
    culminated = (a_t < advance.culmination_force_ratio * d_t) | (a_t <= advance.culmination_strength)
    arrived = km >= objective_remaining_km
    ended = culminated | arrived
    end_index = int(np.argmax(ended)) if ended.any() else len(t) - 1
    reason = "objective" if arrived[end_index] else "culmination" if culminated[end_index] else "horizon"
    end_day = float(t[end_index])
    if reason == "objective" and end_index > 0:
        window = slice(end_index - 1, end_index + 1)
        end_day = float(np.interp(objective_remaining_km, km[window], t[window]))
    return Segment(attrition, advance, t, a_t, d_t, km, end_day, reason)
