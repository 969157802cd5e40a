"""The variant rule: how a variant (or a hypothesis's changes) merges onto its base."""

from __future__ import annotations

from typing import Any


def merge_data(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` merged onto `base` by the variant rule: mappings key by key, null removes an
    entry, anything else replaces the base's value."""
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        if value is None and isinstance(old, dict):  # null removes an entry the base gave
            del merged[key]
        else:
            merged[key] = merge_data(old, value) if isinstance(old, dict) and mergeable(value) else value
    return merged


def mergeable(value: Any) -> bool:
    return isinstance(value, dict) and "dist" not in value
