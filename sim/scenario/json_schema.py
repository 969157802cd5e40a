"""The JSON Schema of scenario files, for editors and for checking files with `jsonschema`.

A full scenario must match the pydantic model's schema. A variant (a file with
`extends:`) holds only overrides, so it is checked at the top level only: known fields,
right shapes for scalars; the merged result is checked by `wargame validate`. Made for one
scenario (`wargame schema --for`), a variant of it may name only its parameters (under
`parameters:`, a hypothesis's `overrides:` and a lever option's `parameters:`).
"""

from __future__ import annotations

from typing import Any

from sim.scenario.names import scenario_names
from sim.scenario.schema import Scenario

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def scenario_json_schema(names_of: Scenario | None = None) -> dict[str, Any]:
    """The schema of scenario files; with `names_of`, a variant may name only that scenario's parameters
    (`wargame schema --for`), so an editor flags a misspelt one where it is typed."""
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
    if names_of is not None:
        variant["properties"].update(_named_sections(names_of))
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


def _named_sections(scenario: Scenario) -> dict[str, Any]:
    """The sections of a variant that name the scenario's parameters, each name with its meaning."""
    described = {row.name: row for row in scenario_names(scenario) if row.kind == "parameter"}
    parameters = {
        "type": "object",
        "properties": {
            name: {"type": ["object", "null"], "description": f"{row.value}. {row.meaning}".strip()}
            for name, row in described.items()
        },
        "additionalProperties": False,
    }
    hypothesis = {"type": ["object", "null"], "properties": {"overrides": {**parameters, "type": ["object", "null"]}}}
    option = {"type": ["object", "null"], "properties": {"parameters": {**parameters, "type": ["object", "null"]}}}
    lever = {"type": ["object", "null"], "properties": {"options": {"type": "object", "additionalProperties": option}}}
    return {
        "parameters": parameters,
        "hypotheses": {"type": "object", "additionalProperties": hypothesis},
        "levers": {"type": "object", "additionalProperties": lever},
    }
