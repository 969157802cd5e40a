"""Lanchester attrition solved in closed form, and the advance it allows (docs/model.md#combat).

Pure functions of numbers: no SimPy, no randomness. The combat component asks when an
engagement ends and what the forces are at any moment; between events nothing is stepped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

GRID_STEP_DAYS = 0.25  # resolution at which the advance is integrated and end times found


@dataclass(frozen=True)
class Engagement:
    """An offensive's opening forces and rates. Rates are casualties per enemy soldier per day."""

    attackers: float
    defenders: float
    attacker_effectiveness: float  # defenders put out of action per attacker per day
    defender_effectiveness: float  # attackers put out of action per defender per day, fortification included
    advance_rate_km_per_day: float  # advance at an overwhelming force ratio
    objective_km: float
    culmination_force_ratio: float  # the attack culminates when attackers/defenders falls below this
    culmination_loss_fraction: float  # ... or when it has lost this share of its strength

    def strengths(self, days: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Square-law strengths (attackers, defenders) after `days` of fighting, floored at 0.

        dA/dt = -b D, dD/dt = -a A  =>  A(t) = A0 cosh(gt) - sqrt(b/a) D0 sinh(gt), g = sqrt(ab).
        """
        a, b = self.attacker_effectiveness, self.defender_effectiveness
        t = np.asarray(days, dtype=float)
        if a == 0 or b == 0:
            return (
                np.maximum(self.attackers - b * self.defenders * t, 0.0),
                np.maximum(self.defenders - a * self.attackers * t, 0.0),
            )
        g = math.sqrt(a * b)
        cosh, sinh = np.cosh(g * t), np.sinh(g * t)
        attackers = self.attackers * cosh - math.sqrt(b / a) * self.defenders * sinh
        defenders = self.defenders * cosh - math.sqrt(a / b) * self.attackers * sinh
        return np.maximum(attackers, 0.0), np.maximum(defenders, 0.0)

    def advance_rate(self, attackers: np.ndarray, defenders: np.ndarray) -> np.ndarray:
        """km/day: zero at parity or worse, rising toward the maximum as the ratio grows."""
        ratio = attackers / np.maximum(defenders, 1.0)
        return self.advance_rate_km_per_day * np.clip(1.0 - 1.0 / np.maximum(ratio, 1e-9), 0.0, 1.0)

    def resolve(self, max_days: float) -> EngagementResult:
        """When the engagement ends on its own (culmination or objective), within `max_days`."""
        steps = max(1, math.ceil(max_days / GRID_STEP_DAYS))
        t = np.linspace(0.0, max_days, steps + 1)
        attackers, defenders = self.strengths(t)
        rate = self.advance_rate(attackers, defenders)
        advance = np.concatenate(([0.0], np.cumsum((rate[1:] + rate[:-1]) * 0.5 * np.diff(t))))
        culminated = (attackers < self.culmination_force_ratio * defenders) | (
            attackers <= (1.0 - self.culmination_loss_fraction) * self.attackers
        )
        arrived = advance >= self.objective_km
        ended = culminated | arrived
        end_index = int(np.argmax(ended)) if ended.any() else len(t) - 1
        reason = "objective" if arrived[end_index] else "culmination" if culminated[end_index] else "time"
        end_day = float(t[end_index])
        if reason == "objective" and end_index > 0:
            end_day = float(np.interp(self.objective_km, advance[end_index - 1 : end_index + 1], t[end_index - 1 : end_index + 1]))
        return EngagementResult(self, t, advance, end_day, reason)


@dataclass(frozen=True)
class EngagementResult:
    """The solved engagement: its natural end, and the state at any earlier moment."""

    engagement: Engagement
    grid_days: np.ndarray
    grid_advance_km: np.ndarray
    end_day: float
    reason: str  # "objective", "culmination" or "time"

    def state_at(self, day: float) -> tuple[float, float, float]:
        """(attackers, defenders, advance_km) after `day` days of fighting."""
        attackers, defenders = self.engagement.strengths(day)
        advance = float(np.interp(day, self.grid_days, self.grid_advance_km))
        return float(attackers), float(defenders), min(advance, self.engagement.objective_km)
