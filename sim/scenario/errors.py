"""Errors a scenario author can fix, each pointing at a file, line, column and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Position:
    """Where a value sits in a YAML file (1-based line and column)."""

    file: Path
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Problem:
    """One mistake in a scenario: where, which field, and what is wrong."""

    position: Position | None
    field: str
    message: str
    file: Path | None = None

    def __str__(self) -> str:
        where = str(self.position) if self.position else str(self.file or "<scenario>")
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ScenarioError(Exception):
    """A user's mistake in a scenario; the CLI prints one line per problem and exits 2."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """Problems in reading order: by file, then line, then column."""

    def key(problem: Problem) -> tuple[str, int, int]:
        if problem.position is None:
            return (str(problem.file or ""), 0, 0)
        return (str(problem.position.file), problem.position.line, problem.position.col)

    return sorted(problems, key=key)
