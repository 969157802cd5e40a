"""Run a batch of replications into a run directory, chunk by chunk, on any backend.

Each chunk is a contiguous range of replication indices whose rows depend only on
(seed, index): the tables are the same whatever the backend, worker count, chunk size
or order in which chunks finish. A batch is the one-point case of the chunk loop
(sim/runner/loop.py), which writes each finished chunk at once, atomically, so an
interrupted run can be resumed and computes only what is missing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.engine import SIMPY, VECTORISED, CompiledScenario, prepare_samplers
from sim.runner import store
from sim.runner.backends import BackendSpec
from sim.runner.loop import ChunkPlan, ChunkWork, Precision, Progress, run_chunks, utc_now, versions
from sim.runner.loop import RunInterrupted as RunInterrupted  # re-exported: the commands catch it from here
from sim.runner.tables import replications_schema
from sim.runner.work import compiled_from_json, compute_chunk
from sim.scenario.outcomes import YES_NO

MIN_CHUNK, MAX_CHUNK, TARGET_CHUNKS = 100, 5_000, 64
# The vectorised engine pays per step, not per replication: it wants fewer, larger chunks.
MIN_ARRAY_CHUNK, MAX_ARRAY_CHUNK, TARGET_ARRAY_CHUNKS = 1_000, 25_000, 16  # ~25,000: arrays stay in cache


@dataclass(frozen=True)
class BatchRequest:
    """What to run: a compiled scenario, how many replications (at most), from which seed, and where."""

    compiled: CompiledScenario
    replications: int
    seed: int
    out: Path
    chunk_size: int | None = None  # None: chosen from the replications and the worker count
    backend: BackendSpec = field(default_factory=lambda: BackendSpec("serial"))
    precision: Precision | None = None
    events: bool = True  # write the event log (events.parquet); the largest table by far


def new_seed() -> int:
    """A fresh root seed from the operating system, for runs that did not name one."""
    return int(np.random.SeedSequence().entropy % (2**32))


def automatic_chunk_size(replications: int, engine: str = SIMPY) -> int:
    """Enough chunks for smooth progress and load balance, each big enough to be cheap to ship.

    It depends on the replications and the engine alone, never on the workers, so a run
    stopped by a precision target stops at the same chunk boundary on any machine.
    """
    if engine == VECTORISED:
        return int(min(MAX_ARRAY_CHUNK, max(MIN_ARRAY_CHUNK, math.ceil(replications / TARGET_ARRAY_CHUNKS))))
    return int(min(MAX_CHUNK, max(MIN_CHUNK, math.ceil(replications / TARGET_CHUNKS))))


def yes_no_outcomes(compiled: CompiledScenario) -> list[str]:
    """Outcomes a precision target can be set on."""
    return compiled.outcomes.of_kind(YES_NO)


def run_batch(request: BatchRequest, progress: Progress | None = None) -> Path:
    """Run every replication (or until the precision target is met); return the run directory."""
    compiled, out = request.compiled, request.out
    scenario = compiled.scenario
    chunk_size = request.chunk_size or automatic_chunk_size(request.replications, request.backend.engine)
    with store.exclusive(out):
        store.prepare_run_directory(out, scenario.content_hash())
        return _start(request, chunk_size, progress)


def _start(request: BatchRequest, chunk_size: int, progress: Progress | None) -> Path:
    compiled, out = request.compiled, request.out
    scenario = compiled.scenario
    manifest: dict[str, Any] = {
        "format": 1,
        "status": "running",
        "scenario": scenario.name,
        "title": scenario.title,
        "scenario_files": list(scenario.files),
        "scenario_hash": scenario.content_hash(),
        "seed": request.seed,
        "replications_requested": request.replications,
        "replications": request.replications,
        "chunk_size": chunk_size,
        "precision": vars(request.precision) if request.precision else None,
        "events": request.events,
        "engine": request.backend.engine,
        "started_at": utc_now(),
        "versions": versions(),
        "scenario_as_run": scenario.as_data(),
        "outcomes": compiled.outcomes.to_data(),
    }
    store.write_manifest(out, manifest)
    store.write_scenario_as_run(out, scenario.as_data())
    return _complete(out, manifest, request.backend, progress)


def resume_batch(run_dir: Path, backend: BackendSpec, progress: Progress | None = None) -> Path:
    """Finish an interrupted run: compute only the chunks it lacks, then write its tables."""
    return store.resume(run_dir, "run", lambda path, manifest: _complete(path, manifest, backend, progress))


def _complete(out: Path, manifest: dict[str, Any], backend: BackendSpec, progress: Progress | None) -> Path:
    scenario_json = json.dumps(manifest["scenario_as_run"])  # in the order written: reports list states as declared
    compiled = compiled_from_json(scenario_json)
    if compiled.scenario.content_hash() != manifest["scenario_hash"]:
        raise store.RunDirectoryError(f"{out}: the manifest's scenario does not match its hash; cannot resume")
    plan = ChunkPlan(manifest["replications_requested"], manifest["chunk_size"])
    events, seed = manifest.get("events", True), manifest["seed"]
    precision = Precision(**manifest["precision"]) if manifest.get("precision") else None

    def arguments(index: int) -> tuple[Any, ...]:
        return (scenario_json, seed, index, plan.span(index).start, plan.span(index).stop, events)

    schema, prepare = replications_schema(compiled), lambda: prepare_samplers(compiled)
    work = ChunkWork(plan, compute_chunk, arguments, schema, prepare, events=events, precision=precision)
    return run_chunks(out, manifest, work, backend, progress)
