"""Load a scenario file: follow `extends`, merge, validate, and report every problem by line.

Merge rule for variants: mappings merge key by key, anything else is replaced; a
distribution given with its own `dist:` replaces the base's whole, so a variant can
swap a mixture for a uniform without leftover fields.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.scenario.checks import check_scenario
from sim.scenario.distributions import DISTRIBUTION_NAMES
from sim.scenario.errors import Problem, ScenarioError, sorted_problems
from sim.scenario.schema import Scenario
from sim.scenario.yaml_source import FieldPath, PositionMap, locate, read_yaml


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario; raise ScenarioError listing every problem."""
    path = Path(path)
    data, positions, files = _resolve(path, chain=())
    data.pop("extends", None)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(sorted_problems(_problems_from_pydantic(exc, data, positions))) from None
    scenario._positions = positions
    scenario._files = tuple(str(f) for f in files)
    findings = check_scenario(scenario)
    if findings:
        raise ScenarioError(sorted_problems([scenario.located(at, message) for at, message in findings]))
    return scenario


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], PositionMap, list[Path]]:
    """The merged data of `path` and its bases, with positions from whichever file gave each value."""
    document = read_yaml(path)
    base_name = document.data.get("extends")
    if base_name is None:
        return document.data, document.positions, [path]
    where = document.positions.get(("extends",))
    if not isinstance(base_name, str):
        raise ScenarioError([Problem(where, "extends", "must be the path of a base scenario file", file=path)])
    base_path = (path.parent / base_name).resolve()
    if base_path in chain or base_path == path.resolve():
        cycle = " -> ".join(str(p.name) for p in (*chain, path.resolve(), base_path))
        raise ScenarioError([Problem(where, "extends", f"extends itself in a cycle: {cycle}", file=path)])
    if not base_path.is_file():
        raise ScenarioError([Problem(where, "extends", f"base scenario {base_name!r} not found", file=path)])
    base_data, base_positions, files = _resolve(base_path, (*chain, path.resolve()))
    merged = _merge(base_data, document.data)
    positions = {p: pos for p, pos in base_positions.items() if not _overridden(p, document.data)}
    positions.update(document.positions)
    return merged, positions, [path, *files]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        merged[key] = _merge(old, value) if isinstance(old, dict) and _mergeable(value) else value
    return merged


def _mergeable(value: Any) -> bool:
    return isinstance(value, dict) and "dist" not in value


def _overridden(path: FieldPath, over: dict[str, Any]) -> bool:
    """Whether the override replaces the value at `path` or one of its ancestors."""
    node: Any = over
    for element in path:
        if not isinstance(node, dict) or element not in node:
            return False
        node = node[element]
        if not _mergeable(node):
            return True
    return False


def _problems_from_pydantic(exc: ValidationError, data: dict[str, Any], positions: PositionMap) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        field_path = _data_path(loc, data)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            field_path = (*field_path, "dist")
        message = _message(error, field_path)
        position = locate(positions, field_path)
        problems.append(Problem(position, ".".join(str(p) for p in field_path), message))
    return problems


def _data_path(loc: tuple[Any, ...], data: Any) -> FieldPath:
    """pydantic's error location with union tags dropped, so it matches the file's keys."""
    path: list[str | int] = []
    node = data
    for element in loc:
        if isinstance(node, dict) and element in node:
            path.append(element)
            node = node[element]
        elif isinstance(node, list) and isinstance(element, int) and element < len(node):
            path.append(element)
            node = node[element]
        elif isinstance(node, dict) and element == node.get("dist"):
            continue  # pydantic names the union branch ('uniform'); the file has no such key
        else:
            path.append(element)  # a missing or unknown field: name it
            node = None
    return tuple(path)


def _message(error: dict[str, Any], field_path: FieldPath) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        name = str(field_path[-1]) if field_path else "?"
        hint = _suggestion(name, error)
        return f"unknown field {name!r}{hint}"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        return f"unknown distribution {error['ctx']['tag']!r}; expected one of {error['ctx']['expected_tags']}"
    if kind == "union_tag_not_found":
        return f"a distribution needs a `dist:` field, one of: {', '.join(DISTRIBUTION_NAMES)}"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _suggestion(name: str, error: dict[str, Any]) -> str:
    """' (did you mean ...?)' from the fields valid where an unknown field was found."""
    candidates = _KNOWN_FIELDS
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    seen = seen or set()
    if model in seen:
        return set()
    seen.add(model)
    names = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for arg in _nested_models(info.annotation):
            names |= _field_names(arg, seen)
    return names


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    from typing import get_args

    found = []
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            found.append(item)
        else:
            stack.extend(get_args(item))
    return found


_KNOWN_FIELDS = sorted(_field_names(Scenario))
