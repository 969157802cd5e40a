"""`wargame sweep` and `wargame sensitivity`: experiments over a scenario's parameters."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from sim import api
from sim.cli.common import (
    UsageError,
    add_experiment_options,
    backend_of,
    interrupted,
    non_negative_int,
    positive_int,
    print_result,
    say,
    write_report,
)
from sim.engine import compile_scenario
from sim.experiments.spec import (
    DEFAULT_OUTCOMES,
    Design,
    Discovery,
    Experiment,
    outcome_problems,
    with_scenario_defaults,
)
from sim.runner.batch import RunInterrupted, new_seed
from sim.scenario import Problem, ScenarioError, load_scenario

if TYPE_CHECKING:
    from sim.experiments.run import ExperimentRequest


def register(commands: Any) -> None:
    sweep = commands.add_parser(
        "sweep", help="run an experiment file: every design point a batch, then indices, tornado and PRIM"
    )
    sweep.add_argument("experiment", type=Path, nargs="?", metavar="EXPERIMENT", help="experiment YAML file")
    sweep.add_argument("--runs", type=positive_int, help="replications per design point (default: the file's)")
    sweep.add_argument(
        "--seed", type=non_negative_int, help="root seed of every point (default: the file's, else a fresh one)"
    )
    sweep.add_argument(
        "--samples", type=positive_int, help="the design's samples (default: the file's); fewer for a quick look"
    )
    add_experiment_options(sweep)
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
        "or a branch such as hypotheses.NAME=0:0.5",
    )
    sensitivity.add_argument(
        "--samples", type=positive_int, default=64, help="base samples (sobol), trajectories (morris), points (lhs)"
    )
    sensitivity.add_argument("--method", choices=("sobol", "morris", "lhs"), default="sobol", help="design")
    sensitivity.add_argument("--runs", type=positive_int, default=200, help="replications per design point")
    sensitivity.add_argument(
        "--seed", type=non_negative_int, help="root seed of every point (default: a fresh one, kept in the manifest)"
    )
    sensitivity.add_argument(
        "--outcomes", metavar="A,B", help="outcomes to analyse (default: the scenario's report headline)"
    )
    add_experiment_options(sensitivity)
    sensitivity.set_defaults(handler=_sensitivity)


def _sweep(args: argparse.Namespace) -> int:
    if args.resume:
        if args.experiment or args.out or args.seed is not None or args.runs is not None or args.samples:
            raise UsageError("--resume takes the run directory alone (its manifest holds the rest)")
        return _run_experiment(args, None)
    if args.experiment is None:
        raise UsageError("give an EXPERIMENT file to run, or --resume RUN_DIR")
    request = api.experiment_request(args.experiment, runs=args.runs, seed=args.seed, samples=args.samples)
    return _run_experiment(args, request)


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
            seed=new_seed() if args.seed is None else args.seed,
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
    return print_result(args, run_dir, write_report, keys)
