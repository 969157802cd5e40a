"""P(observation | replication): how likely each replication makes each observation.

Yes/no: the detection rate if the replication says it is so, the false-alarm rate if
not (for observed = yes; their complements for observed = no). Numeric: 1 inside a
reported band and 0 outside; or the density of the measurement error at the measured
value. ABC widens numeric observations by a stated relative tolerance (docs/evidence.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.evidence.schema import EvidenceFile, Observation
from sim.forecast.outcomes import happened_by
from sim.scenario.outcomes import OutcomeCatalogue


def log_likelihoods(
    evidence: EvidenceFile,
    table: pd.DataFrame,
    events: pd.DataFrame | None,
    catalogue: OutcomeCatalogue,
    abc_tolerance: float | None = None,
) -> pd.DataFrame:
    """One column per observation (file order), one row per replication: log P(observation | replication)."""
    with np.errstate(divide="ignore"):  # log(0) = -inf: a replication the observation rules out
        columns = {
            name: np.log(observation_likelihood(observation, table, events, catalogue, abc_tolerance))
            for name, observation in evidence.observations.items()
        }
    return pd.DataFrame(columns, index=table.index)


def observation_likelihood(
    observation: Observation,
    table: pd.DataFrame,
    events: pd.DataFrame | None,
    catalogue: OutcomeCatalogue,
    abc_tolerance: float | None,
) -> np.ndarray:
    if observation.is_yes_no:
        truth = _state(observation, table, events, catalogue)
        detection, false_alarm = observation.rates
        seen_yes = np.where(truth, detection, false_alarm)
        return seen_yes if observation.observed else 1.0 - seen_yes
    assert observation.outcome is not None  # numeric observations name an outcome (schema)
    true_values = table[observation.outcome].to_numpy(dtype=float)
    tolerance = abc_tolerance or 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        if observation.between is not None:
            low, high = observation.between
            slack = tolerance * max(abs(low), abs(high))
            likelihood = ((true_values >= low - slack) & (true_values <= high + slack)).astype(float)
        elif observation.sd is not None:
            sd = float(np.hypot(observation.sd, tolerance * abs(observation.value or 0.0)))
            likelihood = stats.norm.pdf(observation.value, loc=true_values, scale=sd)
        else:
            log_sd = float(np.hypot(observation.log_sd or 0.0, tolerance))
            ratio = np.log(float(observation.value or 0.0)) - np.log(np.where(true_values > 0, true_values, np.nan))
            likelihood = stats.norm.pdf(ratio, scale=log_sd)
    return np.nan_to_num(likelihood, nan=0.0)  # no value (a number never set in that replication): ruled out


def _state(
    observation: Observation, table: pd.DataFrame, events: pd.DataFrame | None, catalogue: OutcomeCatalogue
) -> np.ndarray:
    """Whether what was observed was so in each replication, as of the observation's date.

    An event that is a state entry (ACTOR.STATE) is read from its outcome columns, which also
    know an initial state; a process's row (ACTOR.PROCESS.EVENT) from the event log.
    """
    named = observation.outcome if observation.outcome is not None else str(observation.event)
    if named in catalogue:
        return happened_by(table, named, observation.date, catalogue)
    if events is None:
        raise ValueError("event observations need the events table")
    component, name = named.split(".", 1)
    dates = pd.to_datetime(events["date"]).to_numpy()
    chosen = events.loc[
        (events["component"] == component).to_numpy()
        & (events["event"] == name).to_numpy()
        & (dates <= np.datetime64(observation.date)),
        "replication",
    ]
    return table["replication"].isin(chosen.unique()).to_numpy()
