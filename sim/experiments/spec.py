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

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario import Scenario
from sim.scenario.errors import Problem, ScenarioError, sorted_problems
from sim.scenario.outcomes import NUMBER, YES_NO, OutcomeCatalogue, did_you_mean, headline_outcomes
from sim.scenario.pydantic_errors import problems_from_pydantic
from sim.scenario.yaml_source import PositionMap, locate, read_yaml

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
OutcomeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")]
METHODS = ("sobol", "morris", "lhs", "grid")
DEFAULT_OUTCOMES: tuple[str, ...] = ()  # empty: the scenario's headline outcomes (`with_scenario_defaults`)


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

    @field_validator("levels")
    @classmethod
    def _levels_within_range(cls, levels: tuple[float, ...] | None, info: ValidationInfo) -> tuple[float, ...] | None:
        """A grid level outside the factor's range would run points the analysis cannot place."""
        if levels is None:
            return levels
        low, high = info.data.get("low"), info.data.get("high")
        low, high = (0.0, 1.0) if low is None and high is None else (low, high)
        if low is None or high is None:
            return levels  # the missing end is reported by the check of the whole factor
        outside = [level for level in levels if not low <= level <= high]
        if outside:
            which = ", ".join(f"{level:g}" for level in outside)
            scale = "percentiles, 0 to 1" if info.data.get("low") is None else f"{low:g} to {high:g}"
            raise ValueError(f"level {which} outside the factor's range ({scale})")
        return levels

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

    outcome: OutcomeName | None = Field(None, description="default: the experiment's first outcome")
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
    seed: int = Field(
        0,
        ge=0,
        description="root seed of every design point's replications (absent: drawn, kept in the manifest)",
    )
    replications: int = Field(200, ge=1, description="replications per design point")
    design: Design = Design()
    factors: dict[Identifier, Factor] = Field(min_length=1)
    outcomes: tuple[OutcomeName, ...] = Field(
        DEFAULT_OUTCOMES, description="yes/no or numeric outcomes to analyse; default: the scenario's report headline"
    )
    discovery: Discovery = Discovery()

    @property
    def discovery_outcome(self) -> str:
        """The outcome scenario discovery looks at: the one named, else the first analysed."""
        return self.discovery.outcome or self.outcomes[0]

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
    return experiment, Path(os.path.normpath(path.parent / experiment.scenario)), document.positions


def located(path: Path, positions: PositionMap, field: tuple[str | int, ...], message: str) -> Problem:
    """A problem at the file position of `field` (or of its nearest ancestor)."""
    return Problem(locate(positions, field), ".".join(map(str, field)), message, file=path)


def with_scenario_defaults(experiment: Experiment, scenario: Scenario, catalogue: OutcomeCatalogue) -> Experiment:
    """The experiment with its outcomes filled in from the scenario when it names none."""
    if experiment.outcomes:
        return experiment
    outcomes = headline_outcomes(scenario.as_data(), catalogue)
    return experiment.model_copy(update={"outcomes": tuple(outcomes)})


def outcome_problems(experiment: Experiment, catalogue: OutcomeCatalogue) -> list[tuple[tuple[str | int, ...], str]]:
    """Every outcome the experiment names that the scenario lacks, or that is neither yes/no nor numeric."""
    known = analysable_outcomes(catalogue)
    named = [(("outcomes", index), name) for index, name in enumerate(experiment.outcomes)]
    if experiment.discovery.outcome is not None:
        named.append((("discovery", "outcome"), experiment.discovery.outcome))
    found = []
    for field, name in named:
        if name in known:
            continue
        spec = catalogue.get(name)
        if spec is None:
            found.append((field, f"unknown outcome {name!r}{did_you_mean(name, known)}"))
        else:
            found.append((field, f"{name!r} is a {spec.kind} outcome; an experiment analyses yes/no or number ones"))
    if not experiment.outcomes:
        found.append((("outcomes",), "the scenario has no yes/no outcome to analyse by default: name some"))
    return found


def analysable_outcomes(catalogue: OutcomeCatalogue) -> list[str]:
    """Outcome columns a design can be analysed on: yes/no and numeric ones."""
    return [name for name, spec in catalogue.items() if spec.kind in (YES_NO, NUMBER)]


def experiment_data(experiment: Experiment) -> dict[str, Any]:
    """The experiment as plain data, for the manifest and `experiment.yaml` of a run."""
    return experiment.model_dump(mode="json", exclude_none=True)
