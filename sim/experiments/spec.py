"""The experiment language: which scenario, which factors over which ranges, which design.

An experiment file names a scenario and its uncertain factors; every design point is a
batch of that scenario with the factors set, all batches sharing one seed (common
random numbers). Field reference for authors: docs/experiments.md.

A factor is one of three kinds:
- `parameter` with `low`/`high`: the parameter is fixed at a value in that range;
- `parameter` alone: the factor is the parameter's percentile in its own distribution
  (in every hypothesis), so the design spans the uncertainty the scenario states;
- `weight` with `low`/`high`: the probability of one branch (a hypothesis, a category of
  a categorical parameter, a component of a mixture); the other branches keep their
  proportions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from sim.model.outcomes import NUMBER, YES_NO, did_you_mean, outcome_kinds
from sim.scenario.errors import Problem, ScenarioError, sorted_problems
from sim.scenario.pydantic_errors import problems_from_pydantic
from sim.scenario.yaml_source import PositionMap, locate, read_yaml

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
METHODS = ("sobol", "morris", "lhs", "grid")
DEFAULT_OUTCOMES = ("offensive", "objective_reached", "ceasefire", "sanctions")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Factor(_Strict):
    """One uncertain input the design varies."""

    parameter: Identifier | None = Field(None, description="a scenario parameter")
    weight: str | None = Field(
        None,
        description="a branch probability: hypotheses.NAME, parameters.NAME.CATEGORY or parameters.NAME.INDEX",
    )
    low: float | None = None
    high: float | None = None
    levels: tuple[float, ...] | None = Field(None, description="values for a grid design (default: evenly spaced)")
    description: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Factor:
        if (self.parameter is None) == (self.weight is None):
            raise ValueError("give either `parameter` or `weight`")
        if (self.low is None) != (self.high is None):
            raise ValueError("give both `low` and `high`, or neither")
        if self.weight is not None and self.low is None:
            raise ValueError("a `weight` factor needs `low` and `high` (probabilities)")
        if self.low is not None and not self.low < self.high:
            raise ValueError(f"`low` ({self.low:g}) must be below `high` ({self.high:g})")
        if self.weight is not None and not 0 <= self.low < self.high <= 1:
            raise ValueError("a weight's `low` and `high` must lie between 0 and 1")
        return self

    @property
    def percentile(self) -> bool:
        """Whether the factor is a parameter's percentile in its own distribution (values in 0..1)."""
        return self.parameter is not None and self.low is None

    def bounds(self) -> tuple[float, float]:
        return (0.0, 1.0) if self.percentile else (float(self.low), float(self.high))

    def swing(self) -> tuple[float, float, float]:
        """Low, centre and high values for one-at-a-time swings (5th and 95th percentile for a percentile)."""
        if self.percentile:
            return 0.05, 0.5, 0.95
        return float(self.low), (float(self.low) + float(self.high)) / 2, float(self.high)


class Design(_Strict):
    """How design points are chosen (SALib samplers; a grid is every combination of levels)."""

    method: Literal["sobol", "morris", "lhs", "grid"] = "sobol"
    samples: int = Field(32, ge=2, description="sobol: base samples N; morris: trajectories; lhs: points")
    levels: int = Field(4, ge=2, le=20, description="grid: levels per factor; morris: levels of its grid")
    seed: int = Field(0, ge=0, description="seed of the design's sampler")


class Discovery(_Strict):
    """Scenario discovery: which factor ranges make an outcome likely."""

    outcome: Identifier = "offensive"
    above: float | None = Field(
        None, description="a point is of interest when its outcome is at least this (default: its 75th percentile)"
    )


class Experiment(_Strict):
    """An experiment file, validated; `scenario` is resolved against the file's folder."""

    schema_version: Literal[1] = 1
    name: Identifier
    title: str | None = None
    description: str | None = None
    scenario: str = Field(description="the scenario file, relative to this file")
    seed: int = Field(0, ge=0, description="root seed of every design point's replications")
    replications: int = Field(200, ge=1, description="replications per design point")
    design: Design = Design()
    factors: dict[Identifier, Factor] = Field(min_length=1)
    outcomes: tuple[Identifier, ...] = DEFAULT_OUTCOMES
    discovery: Discovery = Discovery()

    @field_validator("factors")
    @classmethod
    def _alphabetical(cls, factors: dict[str, Factor]) -> dict[str, Factor]:
        """One factor order everywhere (designs, manifests as JSON, analysis): Saltelli's layout depends on it."""
        return dict(sorted(factors.items()))


def load_experiment(path: str | Path) -> tuple[Experiment, Path, PositionMap]:
    """Read and validate an experiment file: the experiment, its scenario's path and positions."""
    path = Path(path)
    document = read_yaml(path)
    try:
        experiment = Experiment.model_validate(document.data)
    except ValidationError as exc:
        raise ScenarioError(
            sorted_problems(problems_from_pydantic(exc, document.data, document.positions, root=Experiment))
        ) from None
    problems = [located(path, document.positions, *found) for found in outcome_problems(experiment)]
    if problems:
        raise ScenarioError(problems)
    return experiment, Path(os.path.normpath(path.parent / experiment.scenario)), document.positions


def located(path: Path, positions: PositionMap, field: tuple[str | int, ...], message: str) -> Problem:
    """A problem at the file position of `field` (or of its nearest ancestor)."""
    return Problem(locate(positions, field), ".".join(map(str, field)), message, file=path)


def outcome_problems(experiment: Experiment) -> list[tuple[tuple[str | int, ...], str]]:
    known = analysable_outcomes()
    found = []
    for index, name in enumerate(experiment.outcomes):
        if name not in known:
            found.append((("outcomes", index), f"unknown outcome {name!r}{did_you_mean(name, known)}"))
    discovery = experiment.discovery.outcome
    if discovery not in known:
        found.append((("discovery", "outcome"), f"unknown outcome {discovery!r}{did_you_mean(discovery, known)}"))
    return found


def analysable_outcomes() -> list[str]:
    """Outcome columns a design can be analysed on: yes/no and numeric ones."""
    return [name for name, kind in outcome_kinds().items() if kind in (YES_NO, NUMBER)]


def experiment_data(experiment: Experiment) -> dict[str, Any]:
    """The experiment as plain data, for the manifest and `experiment.yaml` of a run."""
    return experiment.model_dump(mode="json", exclude_none=True)
