"""The intent hypothesis (routine exercise, coercive signal, offensive preparation...).

Drawn once per replication, before any parameter, so each hypothesis's overrides decide
which distributions the rest of that replication draws from (docs/model.md#intent).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.scenario.distributions import pick_shares


def draw_hypotheses(u: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """The hypothesis at cumulative probability u of the prior weights, for each u."""
    index, _ = pick_shares(list(weights.values()), u)
    return np.array(list(weights), dtype=object)[index]
