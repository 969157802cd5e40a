"""Read YAML safely into plain Python data plus a map from field path to file position.

ruamel.yaml's round-trip loader builds only plain containers and scalars (no arbitrary
objects) and remembers where each key and item was, which is what lets every later
error name `file:line:col`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sim.scenario.errors import Position, Problem, ScenarioError

FieldPath = tuple[str | int, ...]
VALUE = "<value>"  # path element: where a text value itself starts (not its key)
PositionMap = dict[FieldPath, Position]


class YamlDocument:
    """A YAML mapping as plain data, with the position of every key and list item."""

    def __init__(self, path: Path, data: dict[str, Any], positions: PositionMap):
        self.path = path
        self.data = data
        self.positions = positions


def read_yaml(path: Path, what: str = "a scenario") -> YamlDocument:
    """Load one YAML file; raise ScenarioError (with position) if it is not a mapping.

    `what` names the kind of file in that message (a scenario, an evidence file...).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(None, "", "file not found", file=path)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(None, "", f"cannot read file: {exc}", file=path)]) from None
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _DatesAsText
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(path, mark.line + 1, mark.column + 1) if mark else None
        message = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise ScenarioError([Problem(where, "", f"invalid YAML: {message}", file=path)]) from None
    except YAMLError as exc:
        raise ScenarioError([Problem(None, "", f"invalid YAML: {exc}", file=path)]) from None
    if not isinstance(root, CommentedMap):
        raise ScenarioError([Problem(Position(path, 1, 1), "", f"{what} must be a YAML mapping of fields", file=path)])
    positions: PositionMap = {(): Position(path, 1, 1)}
    data = _plain(root, (), path, positions)
    return YamlDocument(path, data, positions)


class _DatesAsText(RoundTripConstructor):
    """Leave dates as text: the schema parses them, so a bad date gets a field and a line."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def _plain(node: Any, at: FieldPath, path: Path, positions: PositionMap) -> Any:
    """Convert ruamel containers to dict/list, recording each child's position."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            line, col = node.lc.key(key)
            child = (*at, str(key))
            positions[child] = Position(path, line + 1, col + 1)
            if isinstance(node[key], str):  # expressions report errors at a column of their text
                value_line, value_col = node.lc.value(key)
                positions[(*child, VALUE)] = Position(path, value_line + 1, value_col + 1)
            out[str(key)] = _plain(node[key], child, path, positions)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            line, col = node.lc.item(index)
            child = (*at, index)
            positions[child] = Position(path, line + 1, col + 1)
            items.append(_plain(item, child, path, positions))
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def locate(positions: Mapping[FieldPath, Position], at: FieldPath) -> Position | None:
    """The position of `at`, or of its deepest ancestor that has one.

    Path elements with no position of their own (such as pydantic's union tags) are
    skipped, so ('parameters', 'x', 'uniform', 'low') finds ('parameters', 'x', 'low').
    """
    found: FieldPath = ()
    for element in at:
        if (*found, element) in positions:
            found = (*found, element)
    return positions.get(found)
