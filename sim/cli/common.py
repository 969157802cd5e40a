"""What the `wargame` commands share: exit codes, the run, experiment and backend options, their
argument types, running (or resuming) the batch those options describe through the API, and
printing a finished run's result. Every command group imports from here, none from another group.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim import api
from sim.api import OptionError
from sim.engine import ENGINES, VECTORISED
from sim.runner import store
from sim.runner.backends import BackendSpec
from sim.runner.batch import RunInterrupted
from sim.runner.store import RunDirectoryError, read_manifest

USER_ERROR = 2
ENVIRONMENT_ERROR = 1  # the machine's fault, not the user's: a full disk, a failing device
REPLICATIONS_FAILED = 1  # more replications raised than --max-failures allows (the run is complete and kept)
INTERRUPTED = 130
CLOSED_OUTPUT = 141  # stdout closed early (`| head`): what a shell reports for a command ended by SIGPIPE

UsageError = OptionError  # options that do not fit together: one line, exit code 2 (the API raises the same)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """How many replications, from which seed, where to, resuming, precision: shared by run and assess."""
    parser.add_argument(
        "--runs",
        type=positive_int,
        default=10_000,
        help="replications, or at most that many with --precision (default 10000)",
    )
    parser.add_argument("--seed", type=non_negative_int, help="root seed (default: a fresh one, kept in the manifest)")
    parser.add_argument("--out", type=Path, help="run directory (default results/<scenario>/<run-id>/)")
    parser.add_argument(
        "--resume", type=Path, metavar="RUN_DIR", help="finish an interrupted run: compute what is missing"
    )
    parser.add_argument(
        "--precision", type=probability, metavar="H", help="stop once the 95%% interval is at most +/- H"
    )
    parser.add_argument("--metric", metavar="OUTCOME", help="the yes/no outcome --precision is about, ACTOR.STATE")
    parser.add_argument(
        "--max-failures",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="replications that may raise before the command exits 1 (default 0); each is in failures.parquet",
    )
    add_backend_options(parser)


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("where replications run (default: one process per core)")
    where.add_argument("--workers", type=positive_int, metavar="N", help="local processes (1: in this process)")
    where.add_argument("--dask-workers", type=positive_int, metavar="N", help="start a local Dask cluster of N workers")
    where.add_argument("--scheduler", metavar="ADDRESS", help="use a running Dask cluster, e.g. tcp://HOST:8786")
    where.add_argument(
        "--chunk-size", type=positive_int, metavar="K", help="replications per chunk (default: automatic)"
    )
    where.add_argument(
        "--engine",
        choices=ENGINES,
        help="vectorised (default: every replication of a chunk at once) or simpy (the reference, one at a time, "
        "with the narrative event log); same numbers. --resume keeps the run's own unless given",
    )


def execute_batch(args: argparse.Namespace, quiet: bool) -> Path:
    """Run the batch the run options describe (or resume one) through the API; return its run directory."""
    backend_of(args)  # clashing backend options are reported first
    shown: dict[str, Any] = {"progress": not quiet, "announce": None if quiet else say, "report": False}
    where = {"workers": args.workers, "dask_workers": args.dask_workers, "scheduler": args.scheduler}
    if args.resume:
        if args.scenario or args.out or args.seed is not None or args.precision is not None:
            raise UsageError("--resume takes the run directory alone (its manifest holds the rest)")
        manifest = read_manifest(args.resume)  # a directory that is no run fails here, before any work
        if manifest.get("kind") in ("experiment", "decision"):
            command = "sweep" if manifest.get("kind") == "experiment" else "decide"
            raise RunDirectoryError(
                f"{args.resume}: {'an experiment' if command == 'sweep' else 'a decision run'}; "
                f"resume it with: wargame {command} --resume {args.resume}"
            )
        events = False if getattr(args, "no_events", False) else None
        try:
            return api.resume(
                args.resume,
                **where,
                engine=args.engine,
                events=events,
                kind="run",
                max_failures=args.max_failures,
                **shown,
            ).path
        except api.ReplicationsFailed as failed:
            return _past_max_failures(args, failed)
    if args.scenario is None:
        raise UsageError("give a SCENARIO to run, or --resume RUN_DIR")
    try:
        return _start_run(args, where, shown)
    except api.ReplicationsFailed as failed:
        return _past_max_failures(args, failed)


def _start_run(args: argparse.Namespace, where: dict[str, Any], shown: dict[str, Any]) -> Path:
    return api.run(
        args.scenario,
        runs=args.runs,
        seed=args.seed,
        out=args.out,
        **where,
        engine=args.engine or VECTORISED,
        chunk_size=args.chunk_size,
        events=not getattr(args, "no_events", False),
        precision=args.precision,
        metric=args.metric,
        max_failures=args.max_failures,
        **shown,
    ).path


def _past_max_failures(args: argparse.Namespace, failed: api.ReplicationsFailed) -> Path:
    """Past --max-failures the run is complete and kept: the command goes on as usual (report, --json), and
    `failed_exit` ends it with one line and exit code 1."""
    args.replications_failed = failed
    return failed.run_dir


def failed_exit(args: argparse.Namespace) -> int:
    """0, or (past --max-failures) the one line that says so, and 1."""
    failed = getattr(args, "replications_failed", None)
    if failed is None:
        return 0
    print(f"wargame {args.command}: {failed}", file=sys.stderr)
    return REPLICATIONS_FAILED


def say(line: str) -> None:
    print(line, file=sys.stderr)


def interrupted(stopped: RunInterrupted, command: str = "run") -> int:
    print(f"{stopped}; resume with: wargame {command} --resume {stopped.run_dir}", file=sys.stderr)
    return INTERRUPTED


def backend_of(args: argparse.Namespace) -> BackendSpec:
    return api.backend_spec(args.workers, args.dask_workers, args.scheduler, getattr(args, "engine", None))


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie between 0 and 1, got {text}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


def add_experiment_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help="run directory (default results/<experiment>/<run-id>/)")
    parser.add_argument("--no-report", action="store_true", help="write the tables only, no report")
    parser.add_argument(
        "--resume", type=Path, metavar="RUN_DIR", help="finish an interrupted experiment: compute what is missing"
    )
    add_backend_options(parser)
    add_shown_options(parser)


def write_report(run_dir: Path) -> Path:
    return api.Run(run_dir).report()  # matplotlib loads only when a report is wanted


def print_result(
    args: argparse.Namespace, run_dir: Path, write_report: Callable[[Path], Path], summary_keys: tuple[str, ...]
) -> int:
    """Write the report unless --no-report; end with the run directory, or a JSON summary with --json."""
    report = None if args.no_report else write_report(run_dir)
    if args.json:
        manifest = read_manifest(run_dir)
        failures = {"failures": manifest.get("failures", 0)}
        if failures["failures"]:
            failures["failures_file"] = run_dir / store.FAILURES
        summary = {key: manifest.get(key) for key in summary_keys}
        print_json({"run_dir": run_dir, "report": report, **summary, **failures})
        return failed_exit(args)
    if report:
        print(f"report: {report}")
    print(run_dir)
    return failed_exit(args)


def add_shown_options(parser: argparse.ArgumentParser) -> None:
    """--quiet or --json: what every command that writes results prints besides them."""
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--quiet", action="store_true", help="no progress display")
    shown.add_argument(
        "--json", action="store_true", help="print one JSON document (with the paths written) and nothing else"
    )


def print_json(document: dict[str, Any]) -> None:
    """The one JSON document of --json on stdout: paths as strings, a value that is no number (NaN) as null."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(key): plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if hasattr(value, "item"):  # a numpy scalar
            return plain(value.item())
        return value

    print(json.dumps(plain(document)))
