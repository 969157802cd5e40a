"""The JSON Schema of scenario files, for editors and for checking files with `jsonschema`.

A full scenario must match the pydantic model's schema. A variant (a file with
`extends:`) holds only overrides, so it is checked at the top level only: known fields,
right shapes for scalars; the merged result is checked by `wargame validate`.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.schema import Scenario

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema() -> dict[str, Any]:
    full = Scenario.model_json_schema(by_alias=True)
    definitions = full.pop("$defs", {})
    top_level = full["properties"]
    variant = {
        "type": "object",
        "required": ["extends"],
        "additionalProperties": False,
        "properties": {
            name: (
                spec
                if name in {"schema_version", "name", "title", "description", "extends", "start", "horizon", "as_of"}
                else {"type": "object"}
            )
            for name, spec in top_level.items()
        },
    }
    return {
        "$schema": DIALECT,
        "$id": "https://wargame-sim.invalid/schema/scenario-v1.json",
        "title": "Wargame scenario (schema_version 1)",
        "description": "A scenario for the wargame simulator. Reference: docs/scenarios.md.",
        "$defs": {**definitions, "FullScenario": full, "VariantScenario": variant},
        "if": {"type": "object", "required": ["extends"]},
        "then": {"$ref": "#/$defs/VariantScenario"},
        "else": {"$ref": "#/$defs/FullScenario"},
    }
