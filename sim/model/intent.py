"""The intent hypothesis (routine exercise, coercive signal, offensive preparation...).

Drawn once per replication, before any parameter, so each hypothesis's overrides decide
which distributions the rest of that replication draws from (docs/model.md#intent).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.scenario.distributions import pick_shares


def draw_hypotheses(u: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """The hypothesis at cumulative probability u of the prior weights, for each u.

    Hypotheses share [0, 1) in alphabetical order: the draw depends on the weights alone,
    not on the order a file lists them in.
    """
    names = sorted(weights)
    index, _ = pick_shares([weights[name] for name in names], u)
    return np.array(names, dtype=object)[index]
