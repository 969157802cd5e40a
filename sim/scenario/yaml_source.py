"""Read YAML safely into plain Python data plus a map from field path to file position.

ruamel.yaml's round-trip loader builds only plain containers and scalars (no arbitrary
objects) and remembers where each key and item was, which is what lets every later
error name `file:line:col`.

Files come from users and from other people's repositories, so the reader is guarded:
only regular files up to `MAX_BYTES`; no tags beyond YAML's own; at most `MAX_VALUES`
values after aliases are expanded (a "billion laughs" file stops here, not in memory);
nesting at most `MAX_DEPTH` deep; integers of at most `MAX_DIGITS` digits; numbers
finite (`.nan` and `.inf` are refused wherever a number is read). Each limit is one
error line with its position.
"""

from __future__ import annotations

import math
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from sim.scenario.errors import Position, Problem, ScenarioError

FieldPath = tuple[str | int, ...]
VALUE = "<value>"  # path element: where a text value itself starts (not its key)
PositionMap = dict[FieldPath, Position]
MAX_BYTES = 5_000_000  # the baseline is about 70 kB
MAX_VALUES = 200_000  # keys, items and scalars after alias expansion; the baseline has about 5,000
MAX_DEPTH = 40  # the baseline nests 12 deep
MAX_DIGITS = 18  # integers beyond this are no count, seed or date a scenario needs
_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + name for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
}


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
    text = _read_text(path)
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _DatesAsText
    yaml.preserve_quotes = True  # so a column inside a quoted expression can be placed exactly
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(path, mark.line + 1, mark.column + 1) if mark else None
        message = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise ScenarioError([Problem(where, "", f"invalid YAML: {message}", file=path)]) from None
    except YAMLError as exc:
        raise ScenarioError([Problem(None, "", f"invalid YAML: {exc}", file=path)]) from None
    except RecursionError:
        message = f"invalid YAML: nested more than the reader follows (at most {MAX_DEPTH} levels)"
        raise ScenarioError([Problem(None, "", message, file=path)]) from None
    except (TypeError, ValueError) as exc:  # a tag ruamel cannot build, an integer too long for Python
        reason = "an integer of thousands of digits" if "digits" in str(exc) else _one_line(exc)
        raise ScenarioError([Problem(None, "", f"invalid YAML: {reason}", file=path)]) from None
    if not isinstance(root, CommentedMap):
        raise ScenarioError([Problem(Position(path, 1, 1), "", f"{what} must be a YAML mapping of fields", file=path)])
    positions: PositionMap = {(): Position(path, 1, 1)}
    guard = _Guard(path)
    data = _plain(root, (), path, positions, text.splitlines(), guard)
    if guard.problems:  # numbers out of bounds: every one, by line
        raise ScenarioError(guard.problems)
    return YamlDocument(path, data, positions)


def _read_text(path: Path) -> str:
    """The file's text, if it is a regular file within the size limit (a FIFO or a device would block)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError([Problem(None, "", "file not found", file=path)]) from None
    except OSError as exc:
        raise ScenarioError([Problem(None, "", f"cannot read file: {exc.strerror or exc}", file=path)]) from None
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError([Problem(None, "", "not a regular file (a directory, pipe or device)", file=path)])
    if info.st_size > MAX_BYTES:
        message = f"file is {info.st_size / 1e6:.1f} MB; a file this reader takes is at most {MAX_BYTES / 1e6:g} MB"
        raise ScenarioError([Problem(None, "", message, file=path)])
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # the file may have grown since stat
        if len(raw) > MAX_BYTES:
            raise ScenarioError([Problem(None, "", f"file is over {MAX_BYTES / 1e6:g} MB", file=path)])
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(None, "", f"cannot read file: {exc}", file=path)]) from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


class _Guard:
    """Counts values while the document is turned into plain data, and refuses what is out of bounds."""

    def __init__(self, path: Path):
        self.path, self.values = path, 0
        self.problems: list[Problem] = []  # numbers out of bounds, all reported; the limits stop at once

    def check(self, node: Any, at: FieldPath, positions: PositionMap) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            self.fail(at, positions, f"more than {MAX_VALUES:,} values (aliases expanding without end?)")
        if len(at) > MAX_DEPTH:
            self.fail(at, positions, f"nested more than {MAX_DEPTH} levels deep")
        tag = getattr(getattr(node, "tag", None), "value", None)
        if isinstance(node, TaggedScalar) or (tag is not None and tag not in _PLAIN_TAGS):
            self.fail(at, positions, f"tag {tag or getattr(node, 'tag', '?')!s} is not allowed: write plain values")
        if isinstance(node, bool):
            return
        if isinstance(node, int) and len(str(abs(int(node)))) > MAX_DIGITS:
            self.problems.append(self.problem(at, positions, f"an integer of more than {MAX_DIGITS} digits"))
        if isinstance(node, float) and not math.isfinite(node):
            self.problems.append(self.problem(at, positions, f"{float(node)} is not a finite number"))

    def problem(self, at: FieldPath, positions: PositionMap, message: str) -> Problem:
        return Problem(locate(positions, at), ".".join(str(part) for part in at), message, file=self.path)

    def fail(self, at: FieldPath, positions: PositionMap, message: str) -> None:
        raise ScenarioError([self.problem(at, positions, message)])


class _DatesAsText(RoundTripConstructor):
    """Leave dates as text: the schema parses them, so a bad date gets a field and a line."""


_DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def _plain(node: Any, at: FieldPath, path: Path, positions: PositionMap, lines: list[str], guard: _Guard) -> Any:
    """Convert ruamel containers to dict/list, recording each child's position.

    A text value also gets the position where its text starts (`VALUE`), and a block
    scalar (`>-`, `|`) the start of each of its lines (`VALUE, k`), so a mistake at a
    column of an expression can be placed on its own line.
    """
    guard.check(node, at, positions)
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            line, col = node.lc.key(key)
            child = (*at, str(key))
            positions[child] = Position(path, line + 1, col + 1)
            if isinstance(node[key], str):  # expressions report errors at a column of their text
                _record_text(node[key], node.lc.value(key), col, child, path, positions, lines)
            out[str(key)] = _plain(node[key], child, path, positions, lines, guard)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            line, col = node.lc.item(index)
            child = (*at, index)
            positions[child] = Position(path, line + 1, col + 1)
            items.append(_plain(item, child, path, positions, lines, guard))
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


def _record_text(
    value: str,
    start: tuple[int, int],
    key_col: int,
    at: FieldPath,
    path: Path,
    positions: PositionMap,
    lines: list[str],
) -> None:
    line, col = start
    if isinstance(value, FoldedScalarString | LiteralScalarString):
        k = 0
        for number in range(line + 1, len(lines)):
            source = lines[number]
            if source.strip() and len(source) - len(source.lstrip()) <= key_col:
                break  # back at the key's indentation: the block has ended
            if source.strip():
                indent = len(source) - len(source.lstrip())
                positions[(*at, VALUE, k)] = Position(path, number + 1, indent + 1)
                k += 1
        return
    quoted = isinstance(value, SingleQuotedScalarString | DoubleQuotedScalarString)
    positions[(*at, VALUE)] = Position(path, line + 1, col + 1 + int(quoted))


def text_position(positions: Mapping[FieldPath, Position], at: FieldPath, column: int) -> Position | None:
    """Where column `column` (1-based) of the text value at `at` sits in its file, if known.

    A block scalar's lines are joined by one character each (a space when folded, a
    newline when literal), so the column is walked through its lines as they are in the file.
    """
    single = positions.get((*at, VALUE))
    if single is not None:
        return Position(single.file, single.line, single.col + column - 1)
    first = positions.get((*at, VALUE, 0))
    if first is None:
        return None
    try:
        source = first.file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return first
    offset, k = column - 1, 0
    while (here := positions.get((*at, VALUE, k))) is not None:
        length = len(source[here.line - 1].rstrip()) - (here.col - 1)
        if offset <= length:
            return Position(here.file, here.line, here.col + offset)
        offset -= length + 1
        k += 1
    return first


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
