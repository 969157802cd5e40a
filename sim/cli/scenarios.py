"""`wargame validate` and `wargame schema`: checking files and describing what they may hold."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sim.cli.common import USER_ERROR, UsageError
from sim.engine import compile_scenario
from sim.experiments.spec import Experiment
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.json_schema import scenario_json_schema


def register(commands: Any) -> None:
    validate = commands.add_parser(
        "validate", help="check scenario and experiment files and report every problem by line"
    )
    validate.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="scenario, experiment, evidence or resolutions YAML files"
    )
    validate.add_argument(
        "--scenario", type=Path, metavar="SCENARIO", help="scenario to check evidence and resolutions files against"
    )
    validate.set_defaults(handler=_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of scenario (or experiment) files, for editors")
    schema.add_argument("--experiment", action="store_true", help="the schema of experiment files instead")
    schema.set_defaults(handler=_schema)


def _validate(args: argparse.Namespace) -> int:
    failed = False
    for path in args.paths:
        try:
            _check_file(path, args.scenario)
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        else:
            print(f"{path}: ok")
    return USER_ERROR if failed else 0


def _check_file(path: Path, scenario_path: Path | None) -> None:
    """Check one file of whichever kind it is (told by its top-level keys); ScenarioError if it is wrong."""
    from sim.experiments.loading import load_checked_experiment
    from sim.scenario.yaml_source import read_yaml

    keys = read_yaml(path).data.keys()
    if "factors" in keys:
        load_checked_experiment(path)
        return
    if "observations" not in keys and "resolutions" not in keys:
        compile_scenario(load_scenario(path))
        return
    if scenario_path is None:
        raise UsageError(f"{path}: evidence and resolutions files are checked against a scenario: add --scenario FILE")
    scenario = load_scenario(scenario_path)
    compile_scenario(scenario)
    if "observations" in keys:
        from sim.evidence.loader import load_evidence

        load_evidence(path, scenario)
    else:
        from sim.forecast.questions import questions_of
        from sim.forecast.resolutions import load_resolutions

        load_resolutions(path, questions_of(scenario.as_data()))


def _schema(args: argparse.Namespace) -> int:
    if args.experiment:
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Wargame experiment (schema_version 1)",
            "description": "An experiment over a scenario's parameters. Reference: docs/experiments.md.",
            **Experiment.model_json_schema(),
        }
        print(json.dumps(schema, indent=2))
        return 0
    print(json.dumps(scenario_json_schema(), indent=2))
    return 0
