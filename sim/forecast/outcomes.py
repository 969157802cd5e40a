"""Which outcome columns exist, of which kind, and whether a yes/no outcome had happened by a date.

Evidence and forecast questions both name outcome columns; this is the one place that
knows the columns (from the model's `Outcome`) and how a date turns one into yes/no.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from collections.abc import Iterable

import numpy as np
import pandas as pd

from sim.model.world import Outcome

YES_NO, DATE, NUMBER, CATEGORY = "yes/no", "date", "number", "category"

# Yes/no outcomes whose date the model records: `offensive` by D means offensive_date <= D.
DATE_OF = {
    "ceasefire": "ceasefire_date",
    "sanctions": "sanctions_date",
    "offensive": "offensive_date",
    "oreshnik_operational": "oreshnik_date",
}


def outcome_kinds() -> dict[str, str]:
    """Each outcome column of replications.parquet and its kind, read from `Outcome`'s types."""
    kinds = {}
    for name, hint in typing.get_type_hints(Outcome).items():
        members = set(typing.get_args(hint)) - {type(None)} or {hint}
        if members == {bool}:
            kinds[name] = YES_NO
        elif members == {dt.date}:
            kinds[name] = DATE
        elif members <= {int, float}:
            kinds[name] = NUMBER
        else:
            kinds[name] = CATEGORY
    return kinds


def did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_yes_no_reference(outcome: str, by: dt.date | None, *, by_required: bool) -> str | None:
    """Why `outcome` (with deadline `by`) cannot be read as yes/no, or None if it can."""
    kinds = outcome_kinds()
    kind = kinds.get(outcome)
    if kind is None:
        return f"unknown outcome {outcome!r}{did_you_mean(outcome, kinds)}"
    if kind == DATE:
        return "a date outcome needs a date (`by`) to become a yes/no" if by is None and by_required else None
    if kind != YES_NO:
        return f"{outcome!r} is a {kind} outcome, not a yes/no or date one"
    if by is not None and outcome not in DATE_OF and by_required:
        dated = ", ".join(sorted(DATE_OF))
        return f"{outcome!r} has no date in the model, so it cannot be asked 'by' a date (dated: {dated})"
    return None


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
