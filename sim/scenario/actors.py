"""The mechanics of a scenario as data: variables, actors, their states and transitions.

A scenario's `actors:` form a generalised semi-Markov process: every actor sits in one
named state; each transition out of it has a clock (a date, a delay, a hazard rate, or
a condition) and the first clock to ring wins. Field reference: docs/scenarios.md#actors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from sim.scenario.distributions import Distribution, FrozenDict
from sim.scenario.merge import merge_data

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
# An expression of the condition language (docs/scenarios.md#expressions), or a plain number.
Expression = float | int | bool | str


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Provenance(_Frozen):
    description: str | None = None
    source: str | None = Field(None, description="id of the claim the numbers written here rest on")
    assumption: str | None = Field(None, description="the author's reason for the numbers written here")

    def has_provenance(self) -> bool:
        return bool(self.source or self.assumption)


class Variable(_Provenance):
    """A value each replication carries (a number, a counter, a flag or a category).

    Its value at the horizon is an outcome column of the same name.
    """

    kind: Literal["number", "count", "flag", "category"] = "number"
    initial: Expression | None = Field(
        None, description="expression of parameters and dates; default 0 (count), false (flag), none otherwise"
    )
    label: str | None = Field(None, description="how reports name it")
    unit: str | None = Field(None, description="unit shown beside numbers, e.g. troops, km, days")
    internal: bool | None = Field(
        None, description="bookkeeping the mechanics need: kept in the tables, left out of reports' tables and figures"
    )


class Branch(_Frozen):
    """One possible target of a transition, taken with its probability."""

    to: Identifier
    probability: Expression | None = None
    otherwise: bool = Field(False, description="takes whatever probability the other branches leave")

    @model_validator(mode="after")
    def _one_weight(self) -> Branch:
        if (self.probability is None) == (not self.otherwise):
            raise ValueError("give either a probability or `otherwise: true`")
        return self


class Factor(_Frozen):
    """Multiplies a hazard rate while a condition holds."""

    while_: Expression = Field(alias="while", description="condition under which the factor applies")
    times: Expression = Field(description="the factor")


class Start(_Frozen):
    """Start a built-in process (docs/scenarios.md#built-in-processes)."""

    process: Identifier
    inputs: dict[Identifier, Expression] = Field(default_factory=dict)
    outputs: dict[Identifier, Identifier] = Field(default_factory=dict, description="process output -> variable")


class Effect(_Frozen):
    """One thing a transition does when it fires: exactly one of set, add, log or start."""

    set: dict[Identifier, Expression] | None = Field(None, description="variable -> new value, in order")
    add: dict[Identifier, Expression] | None = Field(None, description="variable -> amount added")
    log: str | None = Field(None, description="event-log detail; {expression} is replaced by its value")
    start: Start | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Effect:
        given = [name for name in ("set", "add", "log", "start") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"an effect is exactly one of set, add, log or start (got {given or 'none'})")
        return self


class Transition(_Provenance):
    """A way out of a state: one trigger, one target (or branches), and effects."""

    at: Expression | None = Field(None, description="fires on this model day: a calendar name or expression")
    after: Expression | Distribution | None = Field(
        None, description="fires this many days after the state is entered: expression or distribution"
    )
    rate: Expression | None = Field(None, description="hazard per day; fires at the first event of this rate")
    factors: tuple[Factor, ...] = Field((), description="with rate: multipliers that hold while a condition holds")
    when: Expression | None = Field(None, description="fires the moment this condition is (or becomes) true")
    to: Identifier | dict[str, Identifier] | None = Field(None, description="target state (with branch_on: a map)")
    branches: tuple[Branch, ...] | None = None
    branch_on: Identifier | None = Field(None, description="a categorical or yes/no parameter choosing the target")
    effects: tuple[Effect, ...] = ()
    label: str | None = None

    @model_validator(mode="after")
    def _one_trigger_one_target(self) -> Transition:
        triggers = [name for name in ("at", "after", "rate", "when") if getattr(self, name) is not None]
        if len(triggers) != 1:
            raise ValueError(f"a transition has exactly one of at, after, rate or when (got {triggers or 'none'})")
        if self.factors and self.rate is None:
            raise ValueError("factors apply only to a rate")
        if self.branches is not None:
            if self.to is not None or self.branch_on is not None:
                raise ValueError("give either `to` or `branches`, not both")
            if not self.branches:
                raise ValueError("branches needs at least one branch")
        elif self.branch_on is not None:
            if not isinstance(self.to, dict):
                raise ValueError("with branch_on, `to` maps each category (or true/false) to a state")
        elif not isinstance(self.to, str):
            raise ValueError("needs a target: `to: STATE`, `branches`, or `branch_on` with a map")
        return self

    @property
    def trigger(self) -> str:
        return next(name for name in ("at", "after", "rate", "when") if getattr(self, name) is not None)


class State(_Frozen):
    """A named state of an actor; entering it is an outcome column (yes/no, and its first date)."""

    label: str | None = None
    description: str | None = None
    transitions: dict[Identifier, Transition | None] = Field(
        default_factory=dict, description="name -> transition; a variant removes one by setting it to null"
    )

    @field_validator("transitions")
    @classmethod
    def _drop_removed(cls, transitions: dict[str, Transition | None]) -> dict[str, Transition]:
        return FrozenDict({name: t for name, t in transitions.items() if t is not None})


class Actor(_Frozen):
    """Anything that changes state over a replication: a party, a process, a system."""

    label: str | None = None
    description: str | None = None
    initial: Identifier = Field(description="the state every replication starts in")
    states: dict[Identifier, State | None]

    @field_validator("states")
    @classmethod
    def _empty_states(cls, states: dict[str, State | None]) -> dict[str, State]:
        return FrozenDict({name: state or State() for name, state in states.items()})


def actors_under(actors: Mapping[str, Actor], changes: Mapping[str, Any]) -> dict[str, Actor]:
    """`actors` with a hypothesis's `changes` merged on by the variant rule.

    Raises pydantic's ValidationError if the result is not a valid set of actors.
    """
    base = {name: actor.model_dump(by_alias=True, exclude_none=True) for name, actor in actors.items()}
    return dict(ActorSet.model_validate({"actors": merge_data(base, dict(changes))}).actors)


class ActorSet(_Frozen):
    """Actors on their own: what a hypothesis's merged mechanics are validated as."""

    actors: dict[Identifier, Actor]
