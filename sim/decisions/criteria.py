"""Criteria: whether each future meets what the analyst wants of a course (checked by sim/scenario/levers.py).

A criterion is a test on one outcome column of a replication: a yes/no outcome must take
the value wanted (`is`), a number must stay within a bound (`at_most`, `at_least`). A
future meets the criteria when it passes every one; the share of futures that do is a
course's satisficing robustness, and the decision value regret and the value of
information are measured in.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.scenario.outcomes import OutcomeCatalogue
from sim.scenario.schema import Criterion


def meets(criterion: Criterion, values: pd.Series) -> np.ndarray:
    """Whether each replication meets `criterion` (a boolean array)."""
    if criterion.is_ is not None:
        return values.fillna(False).to_numpy(dtype=bool) == criterion.is_
    numbers = values.to_numpy(dtype=float)
    missing = np.isnan(numbers)
    with np.errstate(invalid="ignore"):
        inside = numbers <= criterion.at_most if criterion.at_most is not None else numbers >= criterion.at_least
    return np.where(missing, criterion.missing == "meets", inside)


def meets_all(criteria: Mapping[str, Criterion], rows: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per criterion, then `all`: whether the replication meets every one."""
    table = pd.DataFrame({name: meets(c, rows[c.outcome]) for name, c in criteria.items()}, index=rows.index)
    table["all"] = table.all(axis=1)
    return table


def describe(criterion: Criterion, catalogue: OutcomeCatalogue | None = None) -> str:
    """A criterion in words, e.g. 'the objective is reached: no'."""
    label = catalogue.label(criterion.outcome) if catalogue else criterion.outcome
    if criterion.is_ is not None:
        return f"{label}: {'yes' if criterion.is_ else 'no'}"
    unit = (catalogue[criterion.outcome].unit or "") if catalogue and criterion.outcome in catalogue else ""
    bound, word = (criterion.at_most, "at most") if criterion.at_most is not None else (criterion.at_least, "at least")
    return f"{label}: {word} {bound:g}{' ' + unit if unit else ''}"


def better_is_lower(criterion: Criterion) -> bool:
    """Which way an outcome's mean improves: lower for `is: false` and `at_most`, higher otherwise."""
    return criterion.at_most is not None or criterion.is_ is False
