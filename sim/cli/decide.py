"""`wargame decide`: every course of action of a scenario on the same replications."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim import api
from sim.cli.common import (
    UsageError,
    add_experiment_options,
    backend_of,
    interrupted,
    non_negative_int,
    positive_int,
    print_json,
    say,
)
from sim.decisions.courses import MAX_COURSES, RUNS_PER_COURSE
from sim.runner.batch import RunInterrupted
from sim.runner.store import RunDirectoryError, read_manifest


def register(commands: Any) -> None:
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
    add_experiment_options(decide)
    decide.set_defaults(handler=_decide)


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
        print_json({"run_dir": run.path, "report": report, **summary})
        return 0
    if report:
        print(f"report: {report}")
    print(run.path)
    return 0
