"""The `wargame` command: validate scenarios, run batches, write reports, print the schema.

The package is the only code that prints. Each module holds one group of commands and
registers its subcommands here; what they share is in sim/cli/common.py. A user's mistake
exits 2 with one line per problem; a traceback means a bug in this program.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

import pyarrow

import sim
from sim.cli import decide, experiments, forecast, runs, scenarios
from sim.cli.common import INTERRUPTED, USER_ERROR, UsageError
from sim.mechanics.interpreter import MechanicsError
from sim.runner.backends import BackendError
from sim.runner.store import RunDirectoryError
from sim.scenario import ScenarioError

GROUPS = (scenarios, runs, experiments, decide, forecast)  # in the order `wargame --help` lists them

__all__ = ["UsageError", "main"]


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
    for group in GROUPS:
        group.register(commands)
    return parser
