"""A scenario merged with its bases, as one YAML file that keeps the files' comments (`wargame show`).

The merge is sim/scenario/merge.py's variant rule, done in place on ruamel's round-trip
trees instead of plain dicts, so each value keeps the comments written beside it. What it
prints loads back to the same scenario: same content hash, same runs.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from sim.scenario.merge import mergeable


def merged_yaml(files: tuple[str, ...] | list[str]) -> str:
    """YAML of the scenario file `files[0]` merged onto its bases `files[1:]` (as `Scenario.files` lists
    them, already checked by the loader), with no `extends`."""
    yaml = _round_trip()
    documents = [yaml.load(Path(file).read_text(encoding="utf-8")) for file in files]
    merged = documents[-1]
    for over in reversed(documents[:-1]):
        _merge_into(merged, over)
    merged.pop("extends", None)
    bases = ", ".join(os.path.relpath(file, Path(files[0]).parent) for file in files[1:])
    header = [f"{files[0]}{f' merged with its bases ({bases})' if bases else ''}: `wargame show`, no extends."]
    own = documents[0].ca.comment[1] if documents[0].ca.comment and documents[0].ca.comment[1] else []
    header += [token.value.strip().removeprefix("#").strip() for token in own if token.value.strip()]
    merged.ca.comment = None
    merged.yaml_set_start_comment("\n".join(header))
    return dump(merged)


def plain_yaml(data: dict[str, Any], header: str) -> str:
    """YAML of plain scenario data (a scenario made in Python, with no file behind it)."""
    tree = CommentedMap(data)
    tree.yaml_set_start_comment(header)
    return dump(tree)


def dump(tree: Any) -> str:
    out = io.StringIO()
    _round_trip().dump(tree, out)
    return out.getvalue()


def _round_trip() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096  # long expressions stay on their line, as written
    return yaml


def _merge_into(base: CommentedMap, over: CommentedMap) -> None:
    """`over` merged onto `base` in place by the variant rule (sim.scenario.merge.merge_data)."""
    for key, value in over.items():
        old = base.get(key)
        if value is None and isinstance(old, dict):  # null removes an entry the base gave
            del base[key]
        elif isinstance(old, dict) and mergeable(value):
            _merge_into(old, value)
        else:
            base[key] = value
