"""The resolutions file: how each forecast question turned out, checked against the run's questions."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    field_validator,
)

from sim.forecast.questions import BINARY, AskedQuestion, question_kind
from sim.scenario import Problem, ScenarioError
from sim.scenario.errors import sorted_problems
from sim.scenario.outcomes import did_you_mean
from sim.scenario.pydantic_errors import problems_from_pydantic
from sim.scenario.yaml_source import FieldPath, locate, read_yaml


class Resolution(BaseModel):
    """The answer to one question once events resolved it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: StrictBool | float = Field(description="yes/no for a binary question, a finite number for a numeric one")
    resolved_on: dt.date | None = Field(None, description="when the answer became known")
    source: str | None = None
    assumption: str | None = None

    @field_validator("answer", mode="before")
    @classmethod
    def _a_finite_number_or_yes_no(cls, value: object) -> object:
        # a quoted "100" is text, as everywhere in these files; NaN or infinity would score as nothing
        if isinstance(value, bool):
            return value
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"an answer is true, false or a finite number, got {value!r}")
        return value


class ResolutionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    description: str = ""
    resolutions: dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")], Resolution] = Field(min_length=1)


def load_resolutions(path: str | Path, questions: Mapping[str, AskedQuestion]) -> ResolutionsFile:
    """Read and validate a resolutions file against the questions of a run; every problem by line."""
    path = Path(path)
    document = read_yaml(path, "a resolutions file")
    try:
        resolutions = ResolutionsFile.model_validate(document.data)
    except ValidationError as exc:
        raise ScenarioError(
            sorted_problems(problems_from_pydantic(exc, document.data, document.positions, ResolutionsFile))
        ) from None
    findings = list(_check_against(resolutions, questions))
    if findings:
        located = [Problem(locate(document.positions, at), ".".join(map(str, at)), message) for at, message in findings]
        raise ScenarioError(sorted_problems(located))
    return resolutions


def _check_against(
    resolutions: ResolutionsFile, questions: Mapping[str, AskedQuestion]
) -> Iterator[tuple[FieldPath, str]]:
    if not questions:
        yield ("resolutions",), "the run's scenario asks no questions (add a `questions:` section to the scenario)"
        return
    for name, resolution in resolutions.resolutions.items():
        question = questions.get(name)
        if question is None:
            yield ("resolutions", name), f"unknown question {name!r}{did_you_mean(name, questions)}"
            continue
        binary = question_kind(question) == BINARY
        if binary and not isinstance(resolution.answer, bool):
            yield ("resolutions", name, "answer"), "a binary question is answered true or false"
        if not binary and isinstance(resolution.answer, bool):
            yield ("resolutions", name, "answer"), f"a numeric question ({question.outcome}) is answered with a number"
