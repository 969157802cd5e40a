"""Run a batch of replications into a run directory, chunk by chunk.

Each chunk is a contiguous range of replication indices; its rows depend only on
(seed, index), so the tables do not depend on the chunk size.
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import simpy

import sim
from sim.engine import CompiledScenario, run_chunk
from sim.runner import store
from sim.runner.tables import EVENTS_SCHEMA, events_table, replications_schema, replications_table

DEFAULT_CHUNK_SIZE = 500

Progress = Callable[[int, int], None]  # (replications done, replications in all)


@dataclass(frozen=True)
class BatchRequest:
    """What to run: a compiled scenario, how many replications, from which seed, and where."""

    compiled: CompiledScenario
    replications: int
    seed: int
    out: Path
    chunk_size: int = DEFAULT_CHUNK_SIZE


def new_seed() -> int:
    """A fresh root seed from the operating system, for runs that did not name one."""
    return int(np.random.SeedSequence().entropy % (2**32))


def chunk_ranges(replications: int, chunk_size: int) -> list[range]:
    return [range(lo, min(lo + chunk_size, replications)) for lo in range(0, replications, chunk_size)]


def run_batch(request: BatchRequest, progress: Progress | None = None) -> Path:
    """Run every replication, write the run directory, and return its path.

    The manifest says `running` until the tables are complete; an interrupted run
    is marked `interrupted` and keeps the chunks it finished.
    """
    compiled, out = request.compiled, request.out
    scenario = compiled.scenario
    store.prepare_run_directory(out, scenario.content_hash())
    started = time.perf_counter()
    manifest = {
        "format": 1,
        "status": "running",
        "scenario": scenario.name,
        "title": scenario.title,
        "scenario_files": list(scenario.files),
        "scenario_hash": scenario.content_hash(),
        "seed": request.seed,
        "replications": request.replications,
        "chunk_size": request.chunk_size,
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": {
            "sim": sim.__version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "simpy": simpy.__version__,
        },
        "scenario_as_run": scenario.as_data(),
    }
    store.write_manifest(out, manifest)
    store.write_scenario_as_run(out, scenario.as_data())
    schema = replications_schema(compiled)
    chunks = chunk_ranges(request.replications, request.chunk_size)
    done = 0
    try:
        for chunk_index, indices in enumerate(chunks):
            chunk = run_chunk(compiled, request.seed, indices)
            store.write_chunk(out, chunk_index, replications_table(chunk, schema), events_table(chunk, scenario.start))
            done += len(indices)
            if progress:
                progress(done, request.replications)
        store.finish_tables(out, len(chunks), schema, EVENTS_SCHEMA)
    except BaseException:
        manifest.update(status="interrupted", replications_done=done)
        store.write_manifest(out, manifest)
        raise
    elapsed = time.perf_counter() - started
    manifest.update(
        status="complete",
        finished_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        elapsed_seconds=round(elapsed, 3),
        replications_per_second=round(request.replications / elapsed, 1) if elapsed > 0 else None,
    )
    store.write_manifest(out, manifest)
    return out
