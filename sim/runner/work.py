"""What a worker does: compute one chunk of replications into its two Arrow tables.

Workers receive the scenario as its JSON text (as it ran, bases merged) and compile it
once per process; nothing but plain data crosses to a worker, so the same function
serves the serial loop, a process pool and a remote Dask cluster. Where the worker sees
the run directory (this machine) it writes the chunk itself and sends back only counts;
otherwise it sends the tables back for the caller to write.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from sim.engine import SIMPY, CompiledScenario, compile_scenario, run_chunk
from sim.runner import store
from sim.runner.tables import events_table, failures_table, replications_schema, replications_table
from sim.scenario import Scenario


@dataclass(frozen=True)
class ChunkResult:
    """A finished chunk: its rows, how often each yes/no outcome happened, and its tables if not yet written."""

    yes_counts: dict[str, int]
    rows: int  # replications that finished (those that raised are in `failures`)
    replications: pa.Table | None = None
    events: pa.Table | None = None
    failures: pa.Table | None = None
    engine_note: str | None = None  # why the vectorised engine handed the chunk to the SimPy engine


@functools.lru_cache(maxsize=4)
def compiled_from_json(scenario_json: str) -> CompiledScenario:
    """The compiled scenario for its JSON text, built once per worker process."""
    return compile_scenario(Scenario.model_validate(json.loads(scenario_json)))


def compute_chunk(
    scenario_json: str,
    seed: int,
    chunk_index: int,
    start: int,
    stop: int,
    with_events: bool,
    run_dir: str | None,
    engine: str = SIMPY,
) -> ChunkResult:
    """Replications [start, stop) of a run seeded with `seed`, written into `run_dir` if given."""
    compiled = compiled_from_json(scenario_json)
    chunk = run_chunk(compiled, seed, range(start, stop), engine=engine, events=with_events, isolate_failures=True)
    replications = replications_table(chunk, replications_schema(compiled), compiled)
    events = events_table(chunk, compiled.scenario.start) if with_events else None
    failures = failures_table(chunk, seed)
    return deliver(run_dir, chunk_index, replications, events, failures, chunk.note, yes_counts(replications))


def deliver(
    run_dir: str | None,
    chunk_index: int,
    replications: pa.Table,
    events: pa.Table | None,
    failures: pa.Table | None,
    note: str | None,
    counts: dict[str, int],
) -> ChunkResult:
    """Write the chunk into `run_dir` and send back its counts; with no run directory here, send its tables."""
    if run_dir is None:
        return ChunkResult(counts, replications.num_rows, replications, events, failures, note)
    store.write_chunk(Path(run_dir), chunk_index, replications, events, failures)
    return ChunkResult(counts, replications.num_rows, engine_note=note)


def yes_counts(replications: pa.Table) -> dict[str, int]:
    """How many replications of a table had each yes/no outcome."""
    return {
        name: int(pc.sum(replications.column(name)).as_py() or 0)
        for name, kind in zip(replications.column_names, replications.schema.types, strict=True)
        if kind == pa.bool_() and not name.startswith("param.")
    }
