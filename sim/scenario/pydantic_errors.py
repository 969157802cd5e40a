"""pydantic's validation errors as located problems: `file:line:col: field.path: message`.

Shared by every YAML file the tool reads (scenarios, evidence, resolutions), so each
reports mistakes the same way, with a did-you-mean for unknown fields.
"""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.scenario.distributions import DISTRIBUTION_NAMES
from sim.scenario.errors import Problem
from sim.scenario.yaml_source import FieldPath, PositionMap, locate


def problems_from_pydantic(
    exc: ValidationError, data: dict[str, Any], positions: PositionMap, root: type[BaseModel]
) -> list[Problem]:
    """One located problem per pydantic error, for a file validated against model `root`."""
    problems = []
    for error in _merged_scalar_unions(exc.errors()):
        field_path, model = _walk(tuple(error["loc"]), data, root)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            field_path = (*field_path, "dist")
        message = _message(error, field_path, model)
        position = locate(positions, field_path)
        problems.append(Problem(position, ".".join(str(p) for p in field_path), message))
    return problems


_SCALAR_MEMBERS = {"float", "int", "bool", "str"}


def _merged_scalar_unions(errors: list[Any]) -> list[Any]:
    """One error, not four, when a value fits none of an expression's forms (number, yes/no, text)."""
    merged: list[Any] = []
    seen: set[tuple[Any, ...]] = set()
    for error in errors:
        loc = tuple(error["loc"])
        if loc and loc[-1] in _SCALAR_MEMBERS and error["type"].endswith("_type") or error["type"] == "finite_number":
            if loc[-1] not in _SCALAR_MEMBERS:
                merged.append(error)
                continue
            key = loc[:-1]
            if key not in seen:
                seen.add(key)
                merged.append({**error, "loc": key, "msg": "expected a number, true/false, or an expression in text"})
            continue
        if loc and loc[-1] in _SCALAR_MEMBERS and tuple(loc[:-1]) in seen:
            continue
        merged.append(error)
    return merged


def _walk(loc: tuple[Any, ...], data: Any, root: type[BaseModel]) -> tuple[FieldPath, type[BaseModel] | None]:
    """pydantic's error location as a path of the file's keys, and the model holding its last field.

    Union tags (pydantic names the branch, e.g. 'uniform') and dict-key markers are not
    keys in the file, so they are dropped; the schema types are followed alongside to
    tell a tag from a field of the same name (a beta distribution has a field `beta`).
    """
    path: list[str | int] = []
    node: Any = data
    annotation: Any = root
    holder: type[BaseModel] | None = None
    for element in loc:
        annotation = _unwrap(annotation)
        branches = _union_branches(annotation)
        if branches is not None and element in branches:
            annotation = branches[element]
            continue
        if element == "[key]":
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            holder = annotation
            annotation = _field_annotation(annotation, element)
        elif get_origin(annotation) in (dict, tuple, list):
            annotation = get_args(annotation)[-1] if get_origin(annotation) is dict else get_args(annotation)[0]
        else:
            annotation = None
        if isinstance(node, dict) and element in node:
            node = node[element]
        elif isinstance(node, list) and isinstance(element, int) and element < len(node):
            node = node[element]
        else:
            node = None
        path.append(element)
    return tuple(path), holder


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _union_branches(annotation: Any) -> dict[str, type[BaseModel]] | None:
    """For a union of models told apart by `dist`, the model of each tag."""
    if get_origin(annotation) not in (Union, types.UnionType):
        return None
    branches = {}
    for member in get_args(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel) and "dist" in member.model_fields:
            branches[get_args(member.model_fields["dist"].annotation)[0]] = member
    return branches


def _field_annotation(model: type[BaseModel], name: Any) -> Any:
    for field_name, info in model.model_fields.items():
        if name in (field_name, info.alias):
            return info.annotation
    return None


def _message(error: dict[str, Any], field_path: FieldPath, model: type[BaseModel] | None) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        name = str(field_path[-1]) if field_path else "?"
        return f"unknown field {name!r}{_suggestion(name, model)}"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        return f"unknown distribution {error['ctx']['tag']!r}; expected one of {error['ctx']['expected_tags']}"
    if kind == "union_tag_not_found":
        return f"a distribution needs a `dist:` field, one of: {', '.join(DISTRIBUTION_NAMES)}"
    if kind == "string_pattern_mismatch" and "[key]" in error["loc"]:
        rule = "lower-case letters, digits and '_' ('-' too in claim ids), starting with a letter or digit"
        return f"name {error['input']!r} must be {rule}"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _suggestion(name: str, model: type[BaseModel] | None) -> str:
    """' (did you mean ...?)' from the fields valid where an unknown field was found."""
    if model is None:
        return ""
    candidates = [info.alias or field for field, info in model.model_fields.items()]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""
