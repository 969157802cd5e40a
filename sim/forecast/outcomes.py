"""Whether a yes/no or date outcome had happened by a date, read from a replications table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.model.outcomes import DATE, DATE_OF, YES_NO, outcome_kinds


def happened_by(table: pd.DataFrame, outcome: str, by: dt.date | None) -> np.ndarray:
    """For each replication, whether yes/no or date outcome `outcome` had happened on or before `by`.

    Without `by` (or for an outcome the model does not date) the value over the whole
    simulated period is used.
    """
    kind = outcome_kinds()[outcome]
    if kind == YES_NO and (by is None or outcome not in DATE_OF):
        return table[outcome].to_numpy(dtype=bool)
    column = outcome if kind == DATE else DATE_OF[outcome]
    dates = pd.to_datetime(table[column]).to_numpy()
    if by is None:
        return ~np.isnat(dates)
    return dates <= np.datetime64(by)
