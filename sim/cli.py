"""The `wargame` command: validate scenarios, run batches, write reports, print the schema.

The only module that prints. A user's mistake exits 2 with one line per problem;
a traceback means a bug in this program.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import sim
from sim.engine import compile_scenario
from sim.runner.batch import BatchRequest, new_seed, run_batch
from sim.runner.store import RunDirectoryError, check_run_directory
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.json_schema import scenario_json_schema

USER_ERROR = 2


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
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wargame", description="Monte Carlo wargame scenarios: validate, run, report.")
    parser.add_argument("--version", action="version", version=f"wargame {sim.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    validate = commands.add_parser("validate", help="check scenario files and report every problem by line")
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="scenario YAML files")
    validate.set_defaults(handler=_validate)

    run = commands.add_parser("run", help="run a batch of replications of a scenario and write its report")
    run.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario YAML file")
    run.add_argument("--runs", type=_positive_int, default=10_000, help="replications to run (default 10000)")
    run.add_argument(
        "--seed", type=_non_negative_int, help="root seed (default: a fresh one, recorded in the manifest)"
    )
    run.add_argument("--out", type=Path, help="run directory (default results/<scenario>/<run-id>/)")
    run.add_argument("--no-report", action="store_true", help="write the tables only, no report")
    run.set_defaults(handler=_run)

    report = commands.add_parser("report", help="write report.md, report.html and plots/ for a finished run")
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    report.set_defaults(handler=_report)

    schema = commands.add_parser("schema", help="print the JSON Schema of scenario files, for editors")
    schema.set_defaults(handler=_schema)
    return parser


def _validate(args: argparse.Namespace) -> int:
    failed = False
    for path in args.paths:
        try:
            compile_scenario(load_scenario(path))
        except ScenarioError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        else:
            print(f"{path}: ok")
    return USER_ERROR if failed else 0


def _run(args: argparse.Namespace) -> int:
    compiled = compile_scenario(load_scenario(args.scenario))
    seed = new_seed() if args.seed is None else args.seed
    out = args.out or _default_run_dir(compiled.scenario.name)
    check_run_directory(out, compiled.scenario.content_hash())
    request = BatchRequest(compiled=compiled, replications=args.runs, seed=seed, out=out)
    print(f"running {args.runs} replications of {compiled.scenario.name!r}, seed {seed}", file=sys.stderr)
    with _progress_bar(args.runs) as progress:
        run_dir = run_batch(request, progress)
    if not args.no_report:
        from sim.report import write_report  # matplotlib loads only when a report is wanted

        print(f"report: {write_report(run_dir)}")
    print(run_dir)
    return 0


def _report(args: argparse.Namespace) -> int:
    from sim.report import write_report

    print(write_report(args.run_dir))
    return 0


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(scenario_json_schema(), indent=2))
    return 0


def _default_run_dir(scenario_name: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    base = Path("results") / scenario_name / stamp
    candidate, suffix = base, 1
    while candidate.exists():
        suffix += 1
        candidate = base.with_name(f"{stamp}-{suffix}")
    return candidate


@contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on a terminal; nothing when output is redirected."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("replications", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return value


if __name__ == "__main__":
    sys.exit(main())
