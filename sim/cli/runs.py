"""`wargame run`, `wargame report` and `wargame compare`: batches of one scenario, their reports, and comparisons."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim import api
from sim.cli.common import (
    add_backend_options,
    add_run_options,
    add_shown_options,
    execute_batch,
    interrupted,
    non_negative_int,
    positive_int,
    print_json,
    print_result,
    say,
    write_report,
)
from sim.engine import VECTORISED
from sim.runner.batch import RunInterrupted, new_seed
from sim.runner.store import read_manifest


def register(commands: Any) -> None:
    run = commands.add_parser("run", help="run a batch of replications of a scenario and write its report")
    run.add_argument("scenario", type=Path, nargs="?", metavar="SCENARIO", help="scenario YAML file")
    add_run_options(run)
    run.add_argument("--no-report", action="store_true", help="write the tables only, no report")
    run.add_argument(
        "--no-events",
        action="store_true",
        help="write no event log (events.parquet, the largest table; the report then draws no flow figures)",
    )
    add_shown_options(run)
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
    compare.add_argument(
        "--seed", type=non_negative_int, help="one seed for every scenario file (default: a fresh one, announced)"
    )
    compare.add_argument("--out", type=Path, help="output directory (default results/compare/<time>/)")
    add_shown_options(compare)
    add_backend_options(compare)
    compare.set_defaults(handler=_compare)


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
    return print_result(args, run_dir, write_report, summary)


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
    seed = new_seed() if args.seed is None else args.seed  # drawn here so that --json can say it
    quiet = args.quiet or args.json
    try:
        out = api.compare(
            args.items,
            runs=args.runs,
            seed=seed,
            out=args.out,
            workers=args.workers,
            dask_workers=args.dask_workers,
            scheduler=args.scheduler,
            engine=args.engine or VECTORISED,
            chunk_size=args.chunk_size,
            progress=not quiet,
            announce=None if quiet else say,
        )
    except RunInterrupted as stopped:
        return interrupted(stopped)
    if args.json:
        ran = any(not item.is_dir() for item in args.items)  # finished runs keep their own seeds
        print_json({"comparison": out, "report": out / "comparison.html", "seed": seed if ran else None})
        return 0
    print(f"report: {out / 'comparison.html'}")
    print(out)
    return 0
