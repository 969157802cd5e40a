"""`wargame validate`, `schema`, `params` and `show`: checking files, describing what they may hold, finding names."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sim.cli.common import USER_ERROR, UsageError
from sim.engine import compile_scenario
from sim.experiments.spec import Experiment
from sim.mechanics.compile import compile_machine
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.json_schema import scenario_json_schema
from sim.scenario.loader import names_first, read_scenario
from sim.scenario.names import KINDS, NameRow, rows_as_data, scenario_names
from sim.scenario.show import merged_yaml


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
    which = schema.add_mutually_exclusive_group()
    which.add_argument("--experiment", action="store_true", help="the schema of experiment files instead")
    which.add_argument(
        "--for",
        dest="names_of",
        type=Path,
        metavar="SCENARIO",
        help="a schema that knows SCENARIO's names: a variant of it may name only its parameters",
    )
    schema.set_defaults(handler=_schema)

    params = commands.add_parser(
        "params", help="list a scenario's names: parameters, hypotheses, actors, states, variables, dates, levers"
    )
    params.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file (bases merged)")
    params.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    params.set_defaults(handler=_params)

    show = commands.add_parser("show", help="print a scenario merged with its bases, as YAML with no extends")
    show.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    show.set_defaults(handler=_show)


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
    kind = _kind_of(keys)
    if kind == "an experiment file":
        load_checked_experiment(path)
        return
    if kind == "a scenario":
        _check_scenario(path)
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


def _kind_of(keys: Iterable[str]) -> str:
    """What a YAML file is, told by its top-level keys."""
    kinds = {"factors": "an experiment file", "observations": "an evidence file", "resolutions": "a resolutions file"}
    return next((kinds[key] for key in kinds if key in keys), "a scenario")


def _check_scenario(path: Path) -> None:
    """A scenario's problems in one round, names first: where the cross-field checks fail, the mechanics are
    still compiled, so a misspelt name in an expression or one no expression reads is in the same list."""
    scenario, problems = read_scenario(path)
    if not problems:
        try:
            compile_scenario(scenario)
        except ScenarioError as exc:
            raise ScenarioError(names_first(exc.problems)) from None
        return
    _, mechanics_problems = compile_machine(scenario)
    seen = {str(problem) for problem in problems}
    problems += [problem for problem in mechanics_problems if str(problem) not in seen]
    raise ScenarioError(names_first(problems))


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
    names_of = _read_for_names(args.names_of) if args.names_of else None
    print(json.dumps(scenario_json_schema(names_of), indent=2))
    return 0


def _read_for_names(path: Path) -> Scenario:
    """A scenario whose fields are valid, for its names; its other problems are noted, not fatal (finding
    a name is often how they get fixed)."""
    from sim.scenario.yaml_source import read_yaml

    kind = _kind_of(read_yaml(path).data.keys())
    if kind != "a scenario":
        raise UsageError(f"{path} is {kind}, not a scenario: give the scenario it is about")
    scenario, problems = read_scenario(path)
    if problems:
        print(f"note: {path} has {len(problems)} problem(s); `wargame validate {path}` lists them", file=sys.stderr)
    return scenario


def _params(args: argparse.Namespace) -> int:
    scenario = _read_for_names(args.scenario)
    rows = scenario_names(scenario)
    if args.json:
        document = {"scenario": scenario.name, "files": list(scenario.files), "names": rows_as_data(rows)}
        print(json.dumps(document, indent=2, ensure_ascii=False))
    elif sys.stdout.isatty():
        _print_rich(rows)
    else:
        _print_plain(rows)
    return 0


_COLUMNS = ("name", "value", "source", "overridden_by", "meaning")
_VALUE_WIDTH = 60  # a long initial expression is cut in the table; --json has it whole
_RATIOS = {"name": 3, "value": 3, "source": 2, "overridden_by": 2, "meaning": 6}


def _groups(rows: list[NameRow]) -> list[tuple[str, list[NameRow]]]:
    return [(kind, [r for r in rows if r.kind == kind]) for kind in KINDS if any(r.kind == kind for r in rows)]


def _cells(row: NameRow) -> list[str]:
    value = row.value if len(row.value) <= _VALUE_WIDTH else row.value[: _VALUE_WIDTH - 3] + "..."
    return [row.name, value, row.source, row.overridden_by, row.meaning]


def _print_plain(rows: list[NameRow]) -> None:
    """Aligned text, one name a line, for grep and pipes."""
    for index, (kind, group) in enumerate(_groups(rows)):
        columns = [c for c in _COLUMNS if any(getattr(r, c) for r in group)]
        header = [c.replace("_", " ") for c in columns]  # the same headings as the terminal's table
        cells = [header, *([cell for cell, c in zip(_cells(r), _COLUMNS, strict=True) if c in columns] for r in group)]
        widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
        print(("\n" if index else "") + f"{KINDS[kind]} ({len(group)})")
        for row in cells:
            print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _print_rich(rows: list[NameRow]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for kind, group in _groups(rows):
        columns = [c for c in _COLUMNS if any(getattr(r, c) for r in group)]
        table = Table(title=f"{KINDS[kind]} ({len(group)})", title_justify="left", expand=True)
        for column in columns:  # shares of the terminal's width, each column folded within its own
            table.add_column(column.replace("_", " "), overflow="fold", ratio=_RATIOS[column])
        for row in group:
            table.add_row(*[cell for cell, c in zip(_cells(row), _COLUMNS, strict=True) if c in columns])
        console.print(table)


def _show(args: argparse.Namespace) -> int:
    scenario = _read_for_names(args.scenario)
    print(merged_yaml(scenario.files), end="")
    return 0
