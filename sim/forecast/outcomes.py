"""Reading outcomes from a replications table by the scenario's catalogue: whether a yes/no or
date outcome had happened by a date."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.scenario.outcomes import DATE, YES_NO, OutcomeCatalogue


def happened_by(table: pd.DataFrame, outcome: str, by: dt.date | None, catalogue: OutcomeCatalogue) -> np.ndarray:
    """For each replication, whether yes/no or date outcome `outcome` had happened on or before `by`."""
    spec = catalogue[outcome]
    return happened(table, outcome, spec.kind, spec.date_column, by)


def happened(table: pd.DataFrame, outcome: str, kind: str, date_column: str | None, by: dt.date | None) -> np.ndarray:
    """`happened_by` for an outcome of known kind and date column.

    Without `by` (or for a yes/no outcome with no date) the value over the whole simulated
    period is used.
    """
    if kind == YES_NO and (by is None or not date_column):
        return table[outcome].to_numpy(dtype=bool)
    column = outcome if kind == DATE else str(date_column)
    dates = pd.to_datetime(table[column]).to_numpy()
    if by is None:
        return ~np.isnat(dates)
    return dates <= np.datetime64(by)
