"""Load a scenario file: follow `extends`, merge, validate, and report every problem by line.

Merge rule for variants: mappings merge key by key, anything else is replaced; a
distribution given with its own `dist:` replaces the base's whole, so a variant can
swap a mixture for a uniform without leftover fields.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.checks import check_scenario
from sim.scenario.errors import Problem, ScenarioError, sorted_problems
from sim.scenario.merge import merge_data, mergeable
from sim.scenario.pydantic_errors import problems_from_pydantic
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import FieldPath, PositionMap, read_yaml


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario; raise ScenarioError listing every problem."""
    scenario, problems = read_scenario(path)
    if problems:
        raise ScenarioError(problems)
    return scenario


def read_scenario(path: str | Path) -> tuple[Scenario, list[Problem]]:
    """The scenario, valid field by field, and its cross-field problems (names first) unraised, so that
    `wargame validate` can add the mechanics' problems to the same round. ScenarioError if a field is wrong."""
    path = Path(path)
    data, positions, files = _resolve(path, chain=(), roots=(project_root(path), *allowed_roots()))
    data.pop("extends", None)
    return _validated(data, positions, files)


def scenario_from_data(data: dict[str, Any], positions: PositionMap, files: list[Path] | tuple[str, ...]) -> Scenario:
    """Validate merged scenario data as a file's would be (the Python API's `vary` comes here too)."""
    scenario, problems = _validated(data, positions, files)
    if problems:
        raise ScenarioError(problems)
    return scenario


def _validated(
    data: dict[str, Any], positions: PositionMap, files: list[Path] | tuple[str, ...]
) -> tuple[Scenario, list[Problem]]:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_pydantic(exc, data, positions, Scenario)
        raise ScenarioError(names_first(_misspelt_entries(problems, data))) from None
    scenario._positions = positions
    scenario._files = tuple(str(f) for f in files)
    return scenario, names_first([scenario.located(at, message) for at, message in check_scenario(scenario)])


_ENTRY_SECTIONS = ("hypotheses", "parameters", "actors", "levers", "criteria")


def _misspelt_entries(problems: list[Problem], data: dict[str, Any]) -> list[Problem]:
    """A variant's entry that lacks required fields, named like one its base has, is likelier a misspelling
    (`routne:` for `routine:`) than a new entry: say so, with the did-you-mean, instead of only the
    fields a new one would need."""
    said: list[Problem] = []
    for problem in problems:
        parts = problem.field.split(".")
        section = data.get(parts[0]) if len(parts) >= 3 and parts[0] in _ENTRY_SECTIONS else None
        if isinstance(section, dict) and problem.message == "required field is missing":
            close = difflib.get_close_matches(parts[1], [k for k in section if k != parts[1]], n=1, cutoff=0.75)
            if close:
                message = f"required field is missing for a new entry {parts[1]!r} (did you mean {close[0]!r}?)"
                problem = dataclasses.replace(problem, message=message)
        said.append(problem)
    return said


_NAME_PROBLEM = re.compile(r"\bunknown\b|\(did you mean |^no transition, effect or variable reads ")


def names_first(problems: list[Problem]) -> list[Problem]:
    """Problems in reading order, those about a name (unknown, misspelt, read nowhere) first: a misspelt
    name is the likeliest cause of the problems after it, and its did-you-mean the quickest fix."""
    ordered = sorted_problems(problems)
    return [p for p in ordered if _NAME_PROBLEM.search(p.message)] + [
        p for p in ordered if not _NAME_PROBLEM.search(p.message)
    ]


PROJECT_MARKERS = (".git", "pyproject.toml", ".wargame-root")
ALLOW_ROOT = "WARGAME_ALLOW_ROOT"  # folders (os.pathsep between them) bases may also come from; --allow-root sets it


def project_root(path: Path) -> Path:
    """The project a scenario belongs to: the nearest folder above it holding .git, pyproject.toml or
    .wargame-root, else the scenario's own folder. Its bases must lie inside (or in an allowed root)."""
    folder = path.resolve().parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in PROJECT_MARKERS):
            return candidate
    return folder


def allowed_roots() -> tuple[Path, ...]:
    return tuple(Path(entry).resolve() for entry in os.environ.get(ALLOW_ROOT, "").split(os.pathsep) if entry)


def _resolve(
    path: Path, chain: tuple[Path, ...], roots: tuple[Path, ...]
) -> tuple[dict[str, Any], PositionMap, list[Path]]:
    """The merged data of `path` and its bases, with positions from whichever file gave each value.

    A base must resolve (symbolic links followed) inside one of `roots`: a scenario cannot make the
    program open files elsewhere on the machine, whatever its `extends` says."""
    document = read_yaml(path)
    base_name = document.data.get("extends")
    if base_name is None:
        return document.data, document.positions, [path]
    where = document.positions.get(("extends",))
    if not isinstance(base_name, str):
        raise ScenarioError([Problem(where, "extends", "must be the path of a base scenario file", file=path)])
    base_path = Path(
        os.path.normpath(path.parent / base_name)
    )  # relative if the variant's path is: errors read as typed
    if not any(base_path.resolve().is_relative_to(root) for root in roots):
        message = (
            f"base scenario {base_name!r} lies outside this scenario's project ({roots[0]}); keep bases inside it, "
            f"or allow another folder with: wargame --allow-root DIR ... (or {ALLOW_ROOT}=DIR)"
        )
        raise ScenarioError([Problem(where, "extends", message, file=path)])
    if base_path.resolve() in chain or base_path.resolve() == path.resolve():
        cycle = " -> ".join(str(p.name) for p in (*chain, path.resolve(), base_path.resolve()))
        raise ScenarioError([Problem(where, "extends", f"extends itself in a cycle: {cycle}", file=path)])
    if not base_path.is_file():
        raise ScenarioError([Problem(where, "extends", f"base scenario {base_name!r} not found", file=path)])
    if base_path.suffix.lower() not in (".yaml", ".yml"):
        message = f"base scenario {base_name!r} must be a .yaml or .yml file"
        raise ScenarioError([Problem(where, "extends", message, file=path)])
    base_document = read_yaml(base_path)
    if not {"schema_version", "extends"} & base_document.data.keys():
        # Not a scenario: say so once, rather than echo its keys back as unknown fields.
        message = f"base {base_name!r} is not a scenario file (it has neither schema_version nor extends)"
        raise ScenarioError([Problem(where, "extends", message, file=path)])
    base_data, base_positions, files = _resolve(base_path, (*chain, path.resolve()), roots)
    merged = merge_data(base_data, document.data)
    positions = {p: pos for p, pos in base_positions.items() if not _overridden(p, document.data)}
    positions.update(document.positions)
    return merged, positions, [path, *files]


def _overridden(path: FieldPath, over: dict[str, Any]) -> bool:
    """Whether the override replaces the value at `path` or one of its ancestors."""
    node: Any = over
    for element in path:
        if not isinstance(node, dict) or element not in node:
            return False
        node = node[element]
        if not mergeable(node):
            return True
    return False
