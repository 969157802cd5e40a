"""The `wargame` command: validate scenarios, run batches, write reports, print the schema.

The package is the only code that prints. Each module holds one group of commands and
registers its subcommands here; what they share is in sim/cli/common.py. A user's mistake
exits 2 with one line per problem; a traceback means a bug in this program.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

import pyarrow

import sim
from sim.cli import decide, experiments, forecast, replay, runs, scenarios
from sim.cli.common import CLOSED_OUTPUT, ENVIRONMENT_ERROR, INTERRUPTED, USER_ERROR, UsageError
from sim.mechanics.interpreter import MechanicsError
from sim.runner.backends import BackendError
from sim.runner.store import RESUMED_BY, RunDirectoryError, read_manifest
from sim.scenario import ScenarioError
from sim.scenario.loader import ALLOW_ROOT

GROUPS = (scenarios, runs, replay, experiments, decide, forecast)  # in the order `wargame --help` lists them

__all__ = ["UsageError", "main"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake in one line, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USER_ERROR, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Output closed early (`wargame schema | head -1`) ends it quietly, exit 141 as for SIGPIPE."""
    try:
        try:
            return _command(argv)
        finally:
            sys.stdout.flush()  # a closed pipe shows here, inside main, not as a message at exit
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError):  # no file descriptor under a test's capture
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the flush at exit writes nowhere
        return CLOSED_OUTPUT


def _command(argv: Sequence[str] | None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        with _allowing(args.allow_root):
            return int(args.handler(args))
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return USER_ERROR
    except RunDirectoryError as exc:
        print(exc, file=sys.stderr)
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
    except BrokenPipeError:
        raise  # our output was closed: main ends quietly
    except OSError as exc:  # the file system refused: an --out that cannot be written, a full disk
        if exc.errno in USERS_PATH_ERRORS:
            print(f"wargame {args.command}: {environment_error(exc, _target(args))}", file=sys.stderr)
            return USER_ERROR
        hint = _resume_hint(_target(args))
        print(f"wargame {args.command}: {environment_error(exc, _target(args))}{hint}", file=sys.stderr)
        return ENVIRONMENT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED


def environment_error(exc: OSError, target: Path | None) -> str:
    """One line for an error of the file system, by its errno: what went wrong, then the path it concerns.

    Without a file name (a write that failed on an open file) the path is the command's output.
    """
    words = _WORDS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
    path = Path(exc.filename) if exc.filename else target
    if exc.errno == errno.ENOTDIR and path is not None:
        blocking = next((parent for parent in (path, *path.parents) if parent.is_file()), None)
        if blocking is not None:
            return f"{blocking} is a file, not a directory (in {path})"
    return f"{words}: {path}" if path is not None else words


_WORDS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such file or directory (or one that cannot be created there)",
    errno.ENOTDIR: "not a directory",
    errno.EISDIR: "is a directory",
    errno.ENAMETOOLONG: "file name too long",
    errno.EIO: "input/output error (the disk or file system failed)",
}
# A path the user chose that cannot be used (exit 2); any other errno is the machine's (a full disk: exit 1).
USERS_PATH_ERRORS = frozenset(
    (
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.ENAMETOOLONG,
        errno.EEXIST,
    )
)


def _resume_hint(target: Path | None) -> str:
    """How to finish the run a failing disk left unfinished at `target`, if it did."""
    try:
        manifest = read_manifest(target) if target is not None else {"status": "complete"}
    except RunDirectoryError:
        return ""
    if manifest.get("status") == "complete":
        return ""
    return f"; once there is room, resume with: {RESUMED_BY[manifest.get('kind', 'run')]} --resume {target}"


def _target(args: argparse.Namespace) -> Path | None:
    """The path a command writes or reads: its --out, else its run directory."""
    for name in ("out", "run_dir", "resume"):
        value = getattr(args, name, None)
        if value is not None:
            return Path(value)
    return None


@contextlib.contextmanager
def _allowing(roots: list[Path]) -> Iterator[None]:
    """--allow-root DIR, for this command only: the loader reads allowed roots from the environment."""
    before = os.environ.get(ALLOW_ROOT)
    if roots:
        os.environ[ALLOW_ROOT] = os.pathsep.join([*(str(root) for root in roots), *([before] if before else [])])
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ALLOW_ROOT, None)
        else:
            os.environ[ALLOW_ROOT] = before


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="wargame", description="Monte Carlo wargame scenarios: validate, run, report.")
    parser.add_argument("--version", action="version", version=f"wargame {sim.__version__}")
    parser.add_argument(
        "--allow-root",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="a folder outside the scenario's project that `extends` may take bases from (repeatable)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for group in GROUPS:
        group.register(commands)
    for command in commands.choices.values():  # where users put it: `wargame validate --allow-root DIR ...` too
        command.add_argument(
            "--allow-root",
            action="append",
            type=Path,
            default=argparse.SUPPRESS,
            metavar="DIR",
            help="a folder outside the scenario's project that `extends` may take bases from",
        )
    return parser
