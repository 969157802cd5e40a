"""The intent hypothesis (routine exercise, coercive signal, offensive preparation...).

Drawn once per replication, before any parameter, so each hypothesis's overrides decide
which distributions the rest of that replication draws from (docs/model.md#intent).
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.scenario.distributions import pick_share


def draw_hypothesis(u: float, weights: Mapping[str, float]) -> str:
    """The hypothesis at cumulative probability `u` of the prior weights."""
    names = list(weights)
    index, _ = pick_share(list(weights.values()), u)
    return names[index]
