"""`wargame replay`: one replication of a run again, alone, on the SimPy engine, to see what it did or why it failed."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import Any

from sim import api
from sim.cli.common import non_negative_int

FAILED = 1  # the replication raised: it is the scenario's (or the model's) failure, not the command's misuse


def register(commands: Any) -> None:
    replay = commands.add_parser(
        "replay",
        help="re-run one replication of a run alone on the SimPy engine: its event log and, if it fails, "
        "its full traceback",
    )
    replay.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory of `wargame run`")
    replay.add_argument(
        "--replication",
        type=non_negative_int,
        required=True,
        metavar="N",
        help="which replication (a row of failures.parquet, or any other)",
    )
    replay.set_defaults(handler=_replay)


def _replay(args: argparse.Namespace) -> int:
    replayed = api.replay(args.run_dir, replication=args.replication)
    values = ", ".join(f"{name}={value}" for name, value in replayed.parameters.items())
    print(f"replication {replayed.replication}, hypothesis {replayed.hypothesis}; parameters: {values or 'none'}")
    for _, date, component, event, detail in replayed.events:
        print(f"{date}  {component}  {event}" + (f"  {detail}" if detail else ""))
    if replayed.error is None:
        print("finished: " + ", ".join(f"{name}={value}" for name, value in (replayed.row or {}).items()))
        return 0
    # A traceback is what the user asked for here: where, in the scenario and in the model, it broke.
    print("".join(traceback.format_exception(replayed.error)), end="", file=sys.stderr)
    return FAILED
