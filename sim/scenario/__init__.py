"""The scenario language: YAML files in, one validated and frozen `Scenario` out."""

from sim.scenario.errors import Position, Problem, ScenarioError
from sim.scenario.loader import load_scenario
from sim.scenario.schema import SCHEMA_VERSION, Scenario

__all__ = ["SCHEMA_VERSION", "Position", "Problem", "Scenario", "ScenarioError", "load_scenario"]
