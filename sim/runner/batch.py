"""Run a batch of replications into a run directory, chunk by chunk, on any backend.

Each chunk is a contiguous range of replication indices whose rows depend only on
(seed, index): the tables are the same whatever the backend, worker count, chunk size
or order in which chunks finish. Each finished chunk is written at once, atomically,
so an interrupted run can be resumed and computes only what is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import simpy

import sim
from sim.engine import SIMPY, VECTORISED, CompiledScenario, prepare_samplers
from sim.runner import store
from sim.runner.backends import BackendSpec, execute
from sim.runner.tables import EVENTS_SCHEMA, replications_schema
from sim.runner.work import compiled_from_json, compute_chunk, yes_counts
from sim.scenario.outcomes import YES_NO
from sim.statistics import wilson_half_width

Progress = Callable[[int, int], None]  # (replications done, replications planned)

MIN_CHUNK, MAX_CHUNK, TARGET_CHUNKS = 100, 5_000, 64
# The vectorised engine pays per step, not per replication: it wants fewer, larger chunks.
MIN_ARRAY_CHUNK, MAX_ARRAY_CHUNK, TARGET_ARRAY_CHUNKS = 1_000, 25_000, 16  # ~25,000: arrays stay in cache


class RunInterrupted(Exception):
    """The user stopped the run; finished chunks are kept and the run can be resumed."""

    def __init__(self, run_dir: Path, done: int, planned: int):
        self.run_dir, self.done, self.planned = run_dir, done, planned
        super().__init__(f"interrupted after {done} of {planned} replications")


@dataclass(frozen=True)
class Precision:
    """Stop once the 95% interval of `metric`'s probability is at most `half_width` either side."""

    half_width: float
    metric: str


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


def chunk_ranges(replications: int, chunk_size: int) -> list[range]:
    return [range(lo, min(lo + chunk_size, replications)) for lo in range(0, replications, chunk_size)]


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
    planned = chunk_ranges(manifest["replications_requested"], manifest["chunk_size"])
    precision = Precision(**manifest["precision"]) if manifest.get("precision") else None
    tally = _Tally(planned, precision)
    store.remove_partial_files(out)
    events = manifest.get("events", True)
    recomputed = store.verify_chunks(out, lambda i: planned[i] if i < len(planned) else range(0), events)
    if recomputed:
        manifest["chunks_recomputed"] = [*manifest.get("chunks_recomputed", []), *recomputed]
    for index in store.finished_chunks(out, with_events=events):
        if index < len(planned):
            tally.add(index, yes_counts(store.read_chunk(out, index)) if precision else {})
    done = sum(len(planned[i]) for i in tally.finished)
    started = time.perf_counter()
    if progress:
        progress(done, tally.planned_replications())
    schema = replications_schema(compiled)
    assembler = store.TableAssembler(out, schema, EVENTS_SCHEMA if events else None)
    run_dir = None if backend.remote() else str(out)  # workers on this machine write their own chunks
    tasks = (
        (i, (scenario_json, manifest["seed"], i, r.start, r.stop, run_dir, backend.engine, events))
        for i, r in enumerate(planned)
        if i not in tally.finished
    )
    results: Iterator[tuple[int, Any]] = iter(())
    try:
        if not tally.reached():
            results = execute(backend, compute_chunk, tasks, prepare=lambda: prepare_samplers(compiled))
            for index, result in results:
                if result.replications is not None:
                    store.write_chunk(out, index, result.replications, result.events)
                tally.add(index, result.yes_counts)
                if result.engine_note and "engine_note" not in manifest:
                    manifest["engine_note"] = result.engine_note  # said once, kept in the manifest
                assembler.append_up_to(min(tally.prefix, tally.kept_chunks()))
                done += len(planned[index])
                if progress:
                    progress(done, tally.planned_replications())
                if tally.reached():
                    break
    except BaseException as exc:
        close_results(results)  # cancel what is queued; chunks already running finish and are kept
        assembler.abandon()
        finished = store.finished_chunks(out, with_events=events)
        done = sum(len(planned[i]) for i in finished if i < len(planned))
        record_interruption(out, manifest, done, started)
        if isinstance(exc, KeyboardInterrupt):
            raise RunInterrupted(out, done, tally.planned_replications()) from None
        raise
    close_results(results)
    kept = tally.kept_chunks()
    store.discard_chunks(out, [i for i in store.finished_chunks(out, with_events=events) if i >= kept])
    assembler.finish(kept)
    if precision:
        manifest["precision_reached"] = tally.half_width()
    record_completion(out, manifest, sum(len(r) for r in planned[:kept]), started, backend)
    return out


def record_interruption(out: Path, manifest: dict[str, Any], done: int, started: float) -> None:
    """Mark a run interrupted after `done` replications, carrying its time over to the resumed part."""
    manifest.update(
        status="interrupted",
        replications_done=done,
        elapsed_seconds=round(time.perf_counter() - started + manifest.get("elapsed_seconds", 0.0), 3),
    )
    store.write_manifest(out, manifest)


def record_completion(
    out: Path, manifest: dict[str, Any], replications: int, started: float, backend: BackendSpec
) -> None:
    """Mark a run complete: replications, time taken (all its parts), speed and backend."""
    elapsed = time.perf_counter() - started + manifest.get("elapsed_seconds", 0.0)
    manifest.update(
        status="complete",
        replications=replications,
        finished_at=utc_now(),
        elapsed_seconds=round(elapsed, 3),
        replications_per_second=round(replications / elapsed, 1) if elapsed > 0 else None,
        backend=backend.describe(),
        engine=backend.engine,
    )
    manifest.pop("replications_done", None)
    store.write_manifest(out, manifest)


def close_results(results: Iterator[tuple[int, Any]]) -> None:
    close = getattr(results, "close", None)
    if close:
        close()


class _Tally:
    """Which chunks are done and, for a precision target, whether their leading run meets it.

    The stopping rule looks only at the longest run of finished chunks from chunk 0, so
    where it stops does not depend on the order chunks finish in: reproducible.
    """

    def __init__(self, planned: list[range], precision: Precision | None):
        self.planned, self.precision = planned, precision
        self.finished: set[int] = set()
        self.successes: dict[int, int] = {}
        self.prefix = 0  # chunks 0 .. prefix-1 are finished
        self.stop_at: int | None = None

    def add(self, index: int, yes_counts: dict[str, int]) -> None:
        self.finished.add(index)
        if self.precision:
            self.successes[index] = yes_counts[self.precision.metric]
        while self.prefix in self.finished:
            self.prefix += 1
            if self.precision and self.stop_at is None and self.half_width() <= self.precision.half_width:
                self.stop_at = self.prefix

    def half_width(self) -> float:
        trials = sum(len(self.planned[i]) for i in range(self.prefix))
        return wilson_half_width(sum(self.successes[i] for i in range(self.prefix)), trials)

    def reached(self) -> bool:
        return self.stop_at is not None or len(self.finished) >= len(self.planned)

    def kept_chunks(self) -> int:
        return self.stop_at if self.stop_at is not None else len(self.planned)

    def planned_replications(self) -> int:
        return sum(len(r) for r in self.planned[: self.kept_chunks()])


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    return {
        "sim": sim.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
    }
