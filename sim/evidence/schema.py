"""The evidence file: what an observation may say, validated once (field reference: docs/evidence.md).

An observation is about one outcome column or one event of the event log, as of its
date. Yes/no observations carry the observer's detection and false-alarm rates, so no
single report can rule a replication out; numeric ones a band or a measurement error.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from sim.scenario.schema import OutcomeName

ObservationId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
# ACTOR.STATE (the actor entered the state), or ACTOR.PROCESS.EVENT (a built-in process it started logged it)
EventName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$")]

DEFAULT_DETECTION_RATE = 0.99
DEFAULT_FALSE_ALARM_RATE = 0.01


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Observation(_Frozen):
    """One dated observation and how much to trust it."""

    date: dt.date = Field(description="when it was observed; dated outcomes and events are read as of this day")
    text: str = Field(description="what was observed, in words")
    outcome: OutcomeName | None = Field(None, description="the outcome column observed, e.g. northern_troops")
    event: EventName | None = Field(
        None, description="or an event of the log: ACTOR.STATE, or ACTOR.PROCESS.EVENT for a built-in process's row"
    )
    observed: bool | None = Field(None, description="yes/no observations: what was seen")
    detection_rate: float | None = Field(None, gt=0, le=1, description="P(seen as yes | it is so)")
    false_alarm_rate: float | None = Field(None, ge=0, lt=1, description="P(seen as yes | it is not so)")
    between: tuple[float, float] | None = Field(None, description="numeric: the reported range [low, high]")
    value: float | None = Field(None, description="numeric: the measured value")
    sd: float | None = Field(None, gt=0, description="normal measurement error of `value`, in its units")
    log_sd: float | None = Field(None, gt=0, description="lognormal (multiplicative) error of `value`")
    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _one_reading(self) -> Observation:
        if (self.outcome is None) == (self.event is None):
            raise ValueError("give exactly one of `outcome` or `event`")
        numeric = self.between is not None or self.value is not None
        if self.observed is None and not numeric:
            raise ValueError("say what was seen: `observed` (yes/no), `between` (a range) or `value` (a measurement)")
        if self.observed is not None and numeric:
            raise ValueError("a yes/no observation (`observed`) takes no `between` or `value`")
        if numeric:
            if self.event is not None:
                raise ValueError("an event is seen or not: use `observed`, not `between` or `value`")
            if self.detection_rate is not None or self.false_alarm_rate is not None:
                raise ValueError("detection and false-alarm rates belong to yes/no observations")
            if self.between is not None and self.value is not None:
                raise ValueError("give `between` or `value`, not both")
            if self.between is not None:
                if not self.between[0] < self.between[1]:
                    raise ValueError(f"between: low must be below high, got {list(self.between)}")
                if self.sd is not None or self.log_sd is not None:
                    raise ValueError("`sd`/`log_sd` go with `value`; a `between` range is its own error band")
            elif (self.sd is None) == (self.log_sd is None):
                raise ValueError("a measured `value` needs exactly one error: `sd` (normal) or `log_sd` (lognormal)")
            elif self.log_sd is not None and self.value is not None and self.value <= 0:
                raise ValueError("a lognormal error needs a positive `value`")
        elif self.sd is not None or self.log_sd is not None:
            raise ValueError("`sd`/`log_sd` belong to a measured `value`")
        if self.observed is not None and not self.rates[0] > self.rates[1]:
            raise ValueError(
                f"detection_rate ({self.rates[0]:g}) must exceed false_alarm_rate ({self.rates[1]:g}),"
                " or the observation says the opposite of what was seen"
            )
        return self

    @property
    def rates(self) -> tuple[float, float]:
        """(detection rate, false-alarm rate), with the stated defaults when not given."""
        detection = DEFAULT_DETECTION_RATE if self.detection_rate is None else self.detection_rate
        false_alarm = DEFAULT_FALSE_ALARM_RATE if self.false_alarm_rate is None else self.false_alarm_rate
        return detection, false_alarm

    @property
    def is_yes_no(self) -> bool:
        return self.observed is not None


class EvidenceFile(_Frozen):
    """A file of observations, to be weighed against a scenario's hypotheses."""

    title: str
    description: str = ""
    observations: dict[ObservationId, Observation] = Field(min_length=1)
