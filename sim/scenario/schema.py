"""The scenario language, version 1: what a scenario file may say, validated once and frozen.

Field reference for authors: docs/scenarios.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from sim.scenario.actors import Actor, Variable
from sim.scenario.distributions import Distribution, FrozenDict
from sim.scenario.errors import Position, Problem
from sim.scenario.yaml_source import FieldPath, PositionMap, locate

SCHEMA_VERSION = 1

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
OutcomeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){0,2}$")]
ClaimId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
# A number written as one: finite, and not `true` or a quoted "0.5" read as one.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Claim(_Frozen):
    """A statement of the source report that parameters can cite with `source:`."""

    quote: str = Field(description="the words of the report, verbatim")
    by: str = Field(description="who said it, as the report attributes it")
    note: str | None = None


class CalendarDate(_Frozen):
    """A named date that expressions in `actors:` can use (an `at:` trigger, a deadline)."""

    date: dt.date
    description: str | None = None
    source: str | None = None
    assumption: str | None = None


class Hypothesis(_Frozen):
    """A competing explanation of what is going on, drawn once per replication with its prior weight.

    `overrides` replaces the distribution of any parameter while this hypothesis holds.
    """

    weight: float = Field(ge=0, le=1)
    description: str
    source: str | None = None
    assumption: str | None = None
    overrides: dict[str, Distribution] = Field(default_factory=dict)
    actors: dict[Identifier, Any] = Field(
        default_factory=dict,
        description="changes to the mechanics while this hypothesis holds, merged onto `actors:` like a variant",
    )

    @field_validator("overrides", "actors")
    @classmethod
    def _frozen(cls, overrides: dict[str, Any]) -> dict[str, Any]:
        return FrozenDict(overrides)


class Question(_Frozen):
    """A forecast question over one outcome, listed in every report and scored once resolved.

    Yes/no when `outcome` is a yes/no or date column (`by` sets the deadline), numeric
    when it is a number; which is which the model's outcome table decides (docs/evidence.md).
    """

    text: str = Field(description="the question as an analyst would ask it")
    outcome: OutcomeName = Field(
        description="the outcome column it is about: ACTOR.STATE, ACTOR.STATE.date or a variable"
    )
    by: dt.date | None = Field(None, description="deadline of a yes/no question: it happened on or before this date")
    baseline_range: tuple[Number, Number] | None = Field(
        None, description="numeric questions: range of the uniform no-skill forecast they are scored against"
    )
    resolution: str | None = Field(
        None, description="the resolution criterion: what must be reported, by whom, for the answer to be yes"
    )
    source_kind: str | None = Field(
        None, description="the kind of source that resolves it, e.g. official statement, open-source reporting"
    )
    baseline_target: Identifier | None = Field(
        None, description="the target (under `targets:`) scored as this question's no-skill baseline"
    )
    source: str | None = None
    assumption: str | None = None

    @field_validator("baseline_range")
    @classmethod
    def _ordered(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not value[0] < value[1]:
            raise ValueError(f"low must be below high, got {list(value)}")
        return value


class Target(_Frozen):
    """A rate or forecast published before `as_of`, shown beside the model's value as a plausibility check.

    Not a number to fit: the report shows the gap, docs/model.md explains gaps over ten points.
    """

    outcome: OutcomeName = Field(
        description="the outcome column the target is about: a yes/no ACTOR.STATE, or a variable"
    )
    by: dt.date | None = Field(None, description="yes/no outcomes: happened on or before this date")
    value: Number | None = Field(None, description="the published probability (or number)")
    range: tuple[Number, Number] | None = Field(None, description="the published range, low and high")
    published: dt.date = Field(description="when the rate or forecast was published; on or before `as_of`")
    description: str = Field(description="what was published, by whom")
    source: str | None = None
    assumption: str | None = None

    @field_validator("range")
    @classmethod
    def _ordered(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not value[0] <= value[1]:
            raise ValueError(f"low must not be above high, got {list(value)}")
        return value

    @model_validator(mode="after")
    def _one_value(self) -> Target:
        if (self.value is None) == (self.range is None):
            raise ValueError("give exactly one of `value` and `range`")
        return self


class Option(_Frozen):
    """One choice of a lever: the changes it makes to the scenario, merged on like a variant.

    `parameters` replaces whole distributions; `actors` merges onto the mechanics by the
    variant rule (null removes). The lever's default option is the scenario as written.
    """

    label: str | None = None
    description: str = Field(description="what the side does under this option, in plain words")
    parameters: dict[Identifier, Distribution] = Field(
        default_factory=dict, description="parameters this option sets, each with its source or assumption"
    )
    actors: dict[Identifier, Any] = Field(
        default_factory=dict, description="changes to the mechanics under this option, merged onto `actors:`"
    )
    source: str | None = None
    assumption: str | None = None

    @field_validator("parameters", "actors")
    @classmethod
    def _frozen(cls, changes: dict[str, Any]) -> dict[str, Any]:
        return FrozenDict(changes)


class Lever(_Frozen):
    """A decision of one side, with a few named options (docs/decisions.md)."""

    side: str = Field(description="who decides, e.g. a government or an alliance")
    label: str | None = None
    description: str | None = None
    default: Identifier = Field(description="the option the scenario as written already takes")
    options: dict[Identifier, Option] = Field(min_length=2)

    @field_validator("options")
    @classmethod
    def _frozen(cls, options: dict[str, Option]) -> dict[str, Option]:
        return FrozenDict(options)

    @model_validator(mode="after")
    def _default_is_an_option(self) -> Lever:
        if self.default not in self.options:
            raise ValueError(f"default {self.default!r} is not one of the options: {', '.join(self.options)}")
        return self


class Criterion(_Frozen):
    """What the analyst wants of one outcome in every future: a yes/no value or a bound on a number."""

    outcome: OutcomeName = Field(description="a yes/no or numeric outcome column")
    is_: bool | None = Field(None, alias="is", description="yes/no outcomes: the value wanted (e.g. false)")
    at_most: Number | None = Field(None, description="numeric outcomes: the largest acceptable value")
    at_least: Number | None = Field(None, description="numeric outcomes: the smallest acceptable value")
    missing: Literal["meets", "fails"] = Field(
        "fails", description="numeric outcomes: whether a replication with no value meets the criterion"
    )
    description: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_test(self) -> Criterion:
        given = [name for name in ("is_", "at_most", "at_least") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of `is` (yes/no outcomes), `at_most` or `at_least` (numbers)")
        return self


class ReportSettings(_Frozen):
    """What a run's report puts first; every name is an outcome column (or `param.NAME` in groups)."""

    headline: tuple[OutcomeName, ...] = Field((), description="yes/no outcomes that open the report")
    timeline: tuple[OutcomeName, ...] = Field((), description="dated yes/no outcomes drawn as cumulative curves")
    distributions: tuple[OutcomeName, ...] = Field((), description="numeric outcomes drawn as histograms")
    given: OutcomeName | None = Field(
        None, description="a yes/no outcome: `given_outcomes` are summarised where it is true"
    )
    given_outcomes: tuple[OutcomeName, ...] = Field(
        (), description="numeric outcomes that only mean something given `given`"
    )
    groups: tuple[str, ...] = Field(
        ("hypothesis",), description="category outcomes or `param.NAME` to break results down by"
    )
    convergence: OutcomeName | None = Field(None, description="the yes/no outcome whose running estimate is drawn")
    hypothesis_label: str = Field(
        "hypothesis", description="what reports call one of the scenario's hypotheses, e.g. 'intent hypothesis'"
    )


class Scenario(_Frozen):
    """A whole scenario after `extends` has been applied."""

    schema_version: Literal[1] = Field(description="version of the scenario language; 1 for now")
    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")] = Field(
        description="short name, used for the results folder"
    )
    title: str
    description: str = ""
    extends: str | None = Field(None, description="path of a base scenario, relative to this file")
    start: dt.date = Field(description="first day simulated")
    horizon: dt.date = Field(description="last day simulated")
    as_of: dt.date | None = Field(
        None, description="the date of the knowledge the priors use; later facts belong in evidence files"
    )
    claims: dict[ClaimId, Claim] = Field(default_factory=dict)
    calendar: dict[Identifier, CalendarDate] = Field(default_factory=dict)
    hypotheses: dict[Identifier, Hypothesis]
    parameters: dict[Identifier, Distribution]
    questions: dict[Identifier, Question] = Field(
        default_factory=dict, description="forecast questions over the outcomes (docs/evidence.md)"
    )
    targets: dict[Identifier, Target] = Field(
        default_factory=dict, description="published rates and forecasts shown beside the model's values"
    )
    variables: dict[Identifier, Variable] = Field(
        default_factory=dict, description="values each replication carries; outcome columns (docs/scenarios.md#actors)"
    )
    report: ReportSettings = Field(default_factory=ReportSettings, description="what the report puts first")
    levers: dict[Identifier, Lever] = Field(
        default_factory=dict, description="decisions with named options, for `wargame decide` (docs/decisions.md)"
    )
    criteria: dict[Identifier, Criterion] = Field(
        default_factory=dict, description="what a course of action should achieve, per future (docs/decisions.md)"
    )
    actors: dict[Identifier, Actor] = Field(
        default_factory=dict,
        description="the mechanics: actors, their states and transitions (docs/scenarios.md#actors)",
    )

    @model_validator(mode="after")
    def _freeze_maps(self) -> Scenario:
        maps = ("claims", "calendar", "hypotheses", "parameters", "questions", "targets", "variables", "actors")
        for name in (*maps, "levers", "criteria"):
            object.__setattr__(self, name, FrozenDict(getattr(self, name)))
        return self

    _positions: PositionMap = PrivateAttr(default_factory=dict)
    _files: tuple[str, ...] = PrivateAttr(default=())

    def located(self, at: FieldPath, message: str) -> Problem:
        """A problem at field path `at`, placed at the line it came from."""
        field = ".".join(str(part) for part in at)
        position: Position | None = locate(self._positions, at)
        return Problem(position, field, message)

    @property
    def files(self) -> tuple[str, ...]:
        """The scenario file and every base it extends, the file itself first."""
        return self._files

    def as_data(self) -> dict:
        """The scenario as plain JSON-ready data, as it runs (bases merged in).

        No questions (or targets, levers, criteria), no such key: scenarios written before they
        existed keep their data and hash, so their earlier runs still match.
        """
        optional = ("questions", "targets", "levers", "criteria")
        left_out = {"extends"} | {name for name in optional if not getattr(self, name)}
        return self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude=left_out)

    def content_hash(self) -> str:
        """SHA-256 of the scenario as it runs: equal hashes, equal inputs."""
        canonical = json.dumps(self.as_data(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def day_of(self, date: dt.date) -> float:
        """Model time (days since `start`) of a calendar date."""
        return float((date - self.start).days)
