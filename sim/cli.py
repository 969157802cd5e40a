"""The `wargame` command: validate scenarios, run batches, write reports, print the schema.

The only module that prints. A user's mistake exits 2 with one line per problem;
a traceback means a bug in this program.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pyarrow
from pydantic import ValidationError

import sim
from sim import api
from sim.cli_common import (
    INTERRUPTED,
    USER_ERROR,
    UsageError,
    add_backend_options,
    add_run_options,
    backend_of,
    execute_batch,
    interrupted,
    non_negative_int,
    positive_int,
    say,
)
from sim.decisions.courses import MAX_COURSES, RUNS_PER_COURSE
from sim.engine import VECTORISED, compile_scenario
from sim.experiments.spec import (
    DEFAULT_OUTCOMES,
    Design,
    Discovery,
    Experiment,
    outcome_problems,
    with_scenario_defaults,
)
from sim.mechanics.interpreter import MechanicsError
from sim.runner.backends import BackendError
from sim.runner.batch import RunInterrupted
from sim.runner.store import RunDirectoryError, read_manifest
from sim.scenario import Problem, ScenarioError, load_scenario
from sim.scenario.json_schema import scenario_json_schema

if TYPE_CHECKING:
    from sim.experiments.run import ExperimentRequest


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake in one line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USER_ERROR, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return USER_ERROR
    except RunDirectoryError as exc:
        print(exc, file=sys.stderr)
        return USER_ERROR
    except (PermissionError, IsADirectoryError, NotADirectoryError) as exc:  # e.g. an --out that cannot be written
        print(f"{exc.filename}: {exc.strerror}", file=sys.stderr)
        return USER_ERROR
    except UsageError as exc:
        print(f"wargame {args.command}: {exc}", file=sys.stderr)
        return USER_ERROR
    except BackendError as exc:  # a Dask scheduler out of reach, a cluster without workers
        print(f"wargame {args.command}: {exc}", file=sys.stderr)
        return USER_ERROR
    except pyarrow.ArrowException as exc:  # a table in a run directory damaged or cut short
        print(f"wargame {args.command}: a table in the run directory is damaged or unreadable: {exc}", file=sys.stderr)
        return USER_ERROR
    except MechanicsError as exc:  # the scenario's mechanics did something impossible: the author's to fix
        print(f"wargame {args.command}: the scenario's mechanics failed at run time: {exc}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wargame", description="Monte Carlo wargame scenarios: validate, run, report.")
    parser.add_argument("--version", action="version", version=f"wargame {sim.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

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

    run = commands.add_parser("run", help="run a batch of replications of a scenario and write its report")
    run.add_argument("scenario", type=Path, nargs="?", metavar="SCENARIO", help="scenario YAML file")
    add_run_options(run)
    run.add_argument("--no-report", action="store_true", help="write the tables only, no report")
    run.add_argument(
        "--no-events",
        action="store_true",
        help="write no event log (events.parquet, the largest table; the report then draws no flow figures)",
    )
    shown = run.add_mutually_exclusive_group()
    shown.add_argument("--quiet", action="store_true", help="no progress display")
    shown.add_argument("--json", action="store_true", help="print only a JSON summary, with the run directory")
    run.set_defaults(handler=_run)

    report = commands.add_parser(
        "report", help="write report.md, report.html and plots/ for a finished run or experiment"
    )
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    report.set_defaults(handler=_report)

    compare = commands.add_parser(
        "compare", help="compare scenarios side by side: run scenario files with one seed, or take finished runs"
    )
    compare.add_argument("items", nargs="+", type=Path, metavar="SCENARIO_OR_RUN", help="the first is the reference")
    compare.add_argument(
        "--runs", type=positive_int, default=2_000, help="replications per scenario file (default 2000)"
    )
    compare.add_argument("--seed", type=non_negative_int, help="one seed for every scenario (default: a fresh one)")
    compare.add_argument("--out", type=Path, help="output directory (default results/compare/<time>/)")
    compare.add_argument("--quiet", action="store_true", help="no progress display")
    add_backend_options(compare)
    compare.set_defaults(handler=_compare)

    sweep = commands.add_parser(
        "sweep", help="run an experiment file: every design point a batch, then indices, tornado and PRIM"
    )
    sweep.add_argument("experiment", type=Path, nargs="?", metavar="EXPERIMENT", help="experiment YAML file")
    sweep.add_argument("--runs", type=positive_int, help="replications per design point (default: the file's)")
    sweep.add_argument("--seed", type=non_negative_int, help="root seed of every point (default: the file's)")
    sweep.add_argument(
        "--samples", type=positive_int, help="the design's samples (default: the file's); fewer for a quick look"
    )
    _add_experiment_options(sweep)
    sweep.set_defaults(handler=_sweep)

    sensitivity = commands.add_parser(
        "sensitivity", help="global sensitivity of a scenario's outcomes to some of its parameters"
    )
    sensitivity.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    sensitivity.add_argument(
        "--params",
        required=True,
        metavar="A,B,C",
        help="factors: NAME (its percentile in its own distribution), NAME=LOW:HIGH (fixed values), "
        "or a branch such as hypotheses.offensive=0:0.5",
    )
    sensitivity.add_argument(
        "--samples", type=positive_int, default=64, help="base samples (sobol), trajectories (morris), points (lhs)"
    )
    sensitivity.add_argument("--method", choices=("sobol", "morris", "lhs"), default="sobol", help="design")
    sensitivity.add_argument("--runs", type=positive_int, default=200, help="replications per design point")
    sensitivity.add_argument("--seed", type=non_negative_int, default=0, help="root seed of every point")
    sensitivity.add_argument(
        "--outcomes", metavar="A,B", help="outcomes to analyse (default: the scenario's report headline)"
    )
    _add_experiment_options(sensitivity)
    sensitivity.set_defaults(handler=_sensitivity)

    decide = commands.add_parser(
        "decide",
        help="evaluate every course of action (one option per lever) on the same replications: "
        "regret, robustness, value of information",
    )
    decide.add_argument("scenario", type=Path, nargs="?", metavar="SCENARIO", help="scenario with levers and criteria")
    decide.add_argument("--runs", type=positive_int, help=f"replications per course (default {RUNS_PER_COURSE:,})")
    decide.add_argument("--seed", type=non_negative_int, help="root seed of every course (default: a fresh one)")
    decide.add_argument(
        "--max-courses",
        type=positive_int,
        help=f"evaluate every combination up to this many (default {MAX_COURSES}); past it, a design: "
        "each single change, then random ones",
    )
    _add_experiment_options(decide)
    decide.set_defaults(handler=_decide)

    schema = commands.add_parser("schema", help="print the JSON Schema of scenario (or experiment) files, for editors")
    schema.add_argument("--experiment", action="store_true", help="the schema of experiment files instead")
    schema.set_defaults(handler=_schema)

    from sim import cli_forecast  # assess and score

    cli_forecast.register(commands)
    return parser


def _add_experiment_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="run directory (default results/<experiment>/<run-id>/)")
    parser.add_argument("--no-report", action="store_true", help="write the tables only, no report")
    parser.add_argument(
        "--resume", type=Path, metavar="RUN_DIR", help="finish an interrupted experiment: compute what is missing"
    )
    add_backend_options(parser)
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--quiet", action="store_true", help="no progress display")
    shown.add_argument("--json", action="store_true", help="print only a JSON summary, with the run directory")


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


def _run(args: argparse.Namespace) -> int:
    try:
        run_dir = execute_batch(args, quiet=args.quiet or args.json)
    except RunInterrupted as stopped:
        return interrupted(stopped)
    note = read_manifest(run_dir).get("engine_note")
    if note and not (args.quiet or args.json):
        print(
            f"note: the vectorised engine handed chunks to the SimPy engine (same numbers, slower): {note}",
            file=sys.stderr,
        )

    summary = ("status", "scenario", "seed", "replications", "elapsed_seconds", "engine", "engine_note")
    return _print_result(args, run_dir, _write_report, summary)


def _write_report(run_dir: Path) -> Path:
    return api.Run(run_dir).report()  # matplotlib loads only when a report is wanted


def _print_result(
    args: argparse.Namespace, run_dir: Path, write_report: Callable[[Path], Path], summary_keys: tuple[str, ...]
) -> int:
    """Write the report unless --no-report; end with the run directory, or a JSON summary with --json."""
    report = None if args.no_report else write_report(run_dir)
    if args.json:
        manifest = read_manifest(run_dir)
        summary = {key: manifest.get(key) for key in summary_keys}
        print(json.dumps({"run_dir": str(run_dir), "report": str(report) if report else None, **summary}))
        return 0
    if report:
        print(f"report: {report}")
    print(run_dir)
    return 0


def _report(args: argparse.Namespace) -> int:
    from sim.report import write_experiment_report, write_report

    kind = read_manifest(args.run_dir).get("kind")
    if kind == "decision":
        from sim.report.decision import write_decision_report

        print(write_decision_report(args.run_dir))
        return 0
    print((write_experiment_report if kind == "experiment" else write_report)(args.run_dir))
    return 0


def _compare(args: argparse.Namespace) -> int:
    try:
        out = api.compare(
            args.items,
            runs=args.runs,
            seed=args.seed,
            out=args.out,
            workers=args.workers,
            dask_workers=args.dask_workers,
            scheduler=args.scheduler,
            engine=args.engine or VECTORISED,
            chunk_size=args.chunk_size,
            progress=not args.quiet,
            announce=None if args.quiet else say,
        )
    except RunInterrupted as stopped:
        return interrupted(stopped)
    print(f"report: {out / 'comparison.html'}")
    print(out)
    return 0


def _sweep(args: argparse.Namespace) -> int:
    if args.resume:
        if args.experiment or args.out or args.seed is not None or args.runs is not None or args.samples:
            raise UsageError("--resume takes the run directory alone (its manifest holds the rest)")
        return _run_experiment(args, None)
    if args.experiment is None:
        raise UsageError("give an EXPERIMENT file to run, or --resume RUN_DIR")
    return _run_experiment(
        args, api.experiment_request(args.experiment, runs=args.runs, seed=args.seed, samples=args.samples)
    )


def _sensitivity(args: argparse.Namespace) -> int:
    from sim.experiments.run import ExperimentRequest
    from sim.experiments.settings import check_factors

    if args.resume:
        raise UsageError("resume an interrupted analysis with: wargame sweep --resume RUN_DIR")
    scenario = load_scenario(args.scenario)
    compiled = compile_scenario(scenario)
    outcomes = tuple(_names(args.outcomes)) if args.outcomes else DEFAULT_OUTCOMES
    try:
        experiment = Experiment(
            name=f"{scenario.name}_sensitivity",
            title=f"Sensitivity of {scenario.title}",
            scenario=str(args.scenario),
            seed=args.seed,
            replications=args.runs,
            design=Design(method=args.method, samples=args.samples),
            factors=dict(_factor_option(text) for text in _names(args.params)),
            outcomes=outcomes,
            discovery=Discovery(outcome=outcomes[0] if outcomes else None),
        )
        experiment = with_scenario_defaults(experiment, scenario, compiled.outcomes)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise UsageError(f"{'.'.join(map(str, error['loc']))}: {error['msg'].removeprefix('Value error, ')}") from None
    problems = check_factors(experiment, scenario, Path("--params"), {})
    problems += [
        Problem(None, f"outcomes.{field[1]}", message, file=Path("--outcomes"))
        for field, message in outcome_problems(experiment, compiled.outcomes)
        if field[0] == "outcomes"  # the discovery outcome is the first of them: reported once
    ]
    if problems:
        raise ScenarioError(problems)
    return _run_experiment(args, ExperimentRequest(experiment, scenario, Path(), None))


def _factor_option(text: str) -> tuple[str, dict[str, object]]:
    """NAME, NAME=LOW:HIGH or a branch path=LOW:HIGH, as a factor of the command line."""
    target, _, bounds = text.partition("=")
    factor: dict[str, object] = {"weight" if "." in target else "parameter": target}
    if bounds:
        low, _, high = bounds.partition(":")
        try:
            factor.update(low=float(low), high=float(high))
        except ValueError:
            raise UsageError(f"--params: {text!r}: give a range as LOW:HIGH, e.g. {target}=0.1:0.5") from None
    return target.replace(".", "_"), factor


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _run_experiment(args: argparse.Namespace, request: ExperimentRequest | None) -> int:
    """Run or resume an experiment through the API, then write its report (SALib and PRIM load only here)."""
    backend = backend_of(args)
    shown: dict[str, Any] = {"progress": not (args.quiet or args.json), "report": False}
    shown["announce"] = None if args.quiet or args.json else say
    try:
        if request is None:
            where = {"workers": args.workers, "dask_workers": args.dask_workers, "scheduler": args.scheduler}
            run_dir = api.resume(args.resume, **where, engine=backend.engine, kind="experiment", **shown).path
        else:
            options = {"out": args.out, "backend": backend, "chunk_size": args.chunk_size}
            run_dir = api.run_experiment(request, **options, **shown).path
    except RunInterrupted as stopped:
        return interrupted(stopped, "sweep")
    keys = ("status", "experiment", "scenario", "seed", "points", "replications", "elapsed_seconds")
    return _print_result(args, run_dir, _write_report, keys)


def _decide(args: argparse.Namespace) -> int:
    """Run or resume the courses of action of a scenario through the API, then write the decision report."""
    backend = backend_of(args)
    shown: dict[str, Any] = {"progress": not (args.quiet or args.json), "report": not args.no_report}
    shown["announce"] = None if args.quiet or args.json else say
    where = {"workers": args.workers, "dask_workers": args.dask_workers, "scheduler": args.scheduler}
    try:
        if args.resume:
            if (
                args.scenario
                or args.out
                or args.seed is not None
                or args.runs is not None
                or args.max_courses is not None
            ):
                raise UsageError("--resume takes the run directory alone (its manifest holds the rest)")
            manifest = read_manifest(args.resume)
            if manifest.get("kind") != "decision":
                raise RunDirectoryError(f"{args.resume}: not a decision run (it holds a {manifest.get('kind', 'run')})")
            run = api.resume(args.resume, **where, engine=backend.engine, kind="decision", **shown)
        else:
            if args.scenario is None:
                raise UsageError("give a SCENARIO with levers and criteria, or --resume RUN_DIR")
            given = {"runs": args.runs, "max_courses": args.max_courses}  # the API's defaults where not given
            run = api.decide(
                args.scenario,
                seed=args.seed,
                out=args.out,
                **{name: value for name, value in given.items() if value is not None},
                **where,
                engine=backend.engine,
                chunk_size=args.chunk_size,
                **shown,
            )
    except RunInterrupted as stopped:
        return interrupted(stopped, "decide")
    report = None if args.no_report else run.path / "report.html"
    if args.json:
        manifest = run.manifest
        keys = ("status", "scenario", "seed", "courses", "replications_per_course", "elapsed_seconds")
        summary = {key: manifest.get(key) for key in keys} | run.decision_summary()
        print(json.dumps({"run_dir": str(run.path), "report": str(report) if report else None, **summary}))
        return 0
    if report:
        print(f"report: {report}")
    print(run.path)
    return 0


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


_default_run_dir = api.default_run_dir


if __name__ == "__main__":
    sys.exit(main())
