"""The one chunk loop: plain runs, experiments and decision runs all finish through `run_chunks`.

A plain run is one point; an experiment has a design point, a decision run a course, each
a point on the same seed. Chunk k is chunk k % per_point of point k // per_point, so chunk
indices and files are what each kind always had. Only here: partial files removed,
finished chunks verified, resume, a precision target, replications that raised gathered,
interruption, assembly and completion.
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import simpy

import sim
from sim.mechanics.interpreter import MechanicsError
from sim.runner import store
from sim.runner.backends import BackendSpec, execute
from sim.runner.tables import EVENTS_SCHEMA, FAILURES_SCHEMA
from sim.runner.work import ChunkResult, yes_counts
from sim.statistics import wilson_half_width

Progress = Callable[[int, int], None]  # (replications done, replications planned)

MAX_REPLICATIONS = store.MAX_REPLICATIONS  # the most replications one run (or one point) may ask for


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
class ChunkPlan:
    """`points` points of `replications` each, cut into chunks of `chunk_size`: computed per index, never listed."""

    replications: int
    chunk_size: int
    points: int = 1

    @property
    def per_point(self) -> int:
        return -(-self.replications // self.chunk_size)

    def __len__(self) -> int:
        return self.points * self.per_point

    def point(self, index: int) -> int:
        return index // self.per_point

    def span(self, index: int) -> range:
        """The replications of chunk `index` (empty past the plan)."""
        if not 0 <= index < len(self):
            return range(0)
        low = (index % self.per_point) * self.chunk_size
        return range(low, min(low + self.chunk_size, self.replications))

    def replications_before(self, chunks: int) -> int:
        """Replications in chunks 0 .. chunks-1, across points."""
        whole, rest = divmod(chunks, self.per_point)
        return whole * self.replications + min(rest * self.chunk_size, self.replications)


@dataclass(frozen=True)
class ChunkWork:
    """What the loop runs: a plan, and the worker that computes chunk i as `compute(*arguments(i), run_dir, engine)`.

    The worker returns a ChunkResult (sim/runner/work.py) and is a module-level function,
    so a process pool or a Dask cluster can ship it.
    """

    plan: ChunkPlan
    compute: Callable[..., ChunkResult]
    arguments: Callable[[int], tuple[Any, ...]]
    schema: pa.Schema  # of the replications table
    prepare: Callable[[], object] | None = None  # set-up done once before workers fork
    failures_schema: pa.Schema = FAILURES_SCHEMA
    events: bool = False  # write the event log
    precision: Precision | None = None


def run_chunks(
    out: Path,
    manifest: dict[str, Any],
    work: ChunkWork,
    backend: BackendSpec,
    progress: Progress | None = None,
    finish: Callable[[], None] | None = None,
) -> Path:
    """Compute the chunks `out` lacks, assemble its tables, call `finish` (the caller's own tables), mark it complete.

    Ctrl-C raises RunInterrupted; on it or any error (a full or read-only disk) the manifest
    says `interrupted`, no partial table is left, and `--resume` goes on from the chunks kept.
    A run in which every replication raised is written, then raised as a MechanicsError.
    """
    plan = work.plan
    tally = _Tally(plan, work.precision)
    store.remove_partial_files(out)
    recomputed = store.verify_chunks(out, plan.span, work.events)
    if recomputed:
        manifest["chunks_recomputed"] = [*manifest.get("chunks_recomputed", []), *recomputed]
    for index in store.finished_chunks(out, with_events=work.events):
        if index < len(plan):
            if work.precision:
                table = store.read_chunk(out, index)
                tally.add(index, yes_counts(table), table.num_rows)
            else:
                tally.add(index, {}, len(plan.span(index)))
    done = tally.replications_finished()
    started = time.perf_counter()
    if progress:
        progress(done, tally.planned_replications())
    run_dir = None if backend.remote() else str(out)  # workers on this machine write their own chunks
    tasks = (
        (index, (*work.arguments(index), run_dir, backend.engine)) for index in range(len(plan)) if not tally.has(index)
    )
    results: Iterator[tuple[int, ChunkResult]] = iter(())
    assembler = None
    try:
        assembler = store.TableAssembler(out, work.schema, EVENTS_SCHEMA if work.events else None)
        if not tally.reached():
            results = execute(backend, work.compute, tasks, prepare=work.prepare)
            for index, result in results:
                if result.replications is not None:
                    store.write_chunk(out, index, result.replications, result.events, result.failures)
                tally.add(index, result.yes_counts, result.rows)
                if result.engine_note and "engine_note" not in manifest:
                    manifest["engine_note"] = result.engine_note  # said once, kept in the manifest
                assembler.append_up_to(min(tally.prefix, tally.kept_chunks()))
                done += len(plan.span(index))
                if progress:
                    progress(done, tally.planned_replications())
                if tally.reached():
                    break
        close_results(results)  # a precision target met: cancel what is queued
        kept = tally.kept_chunks()
        failures = store.assemble_failures(out, kept, work.failures_schema)
        assembler.finish(kept)
        if finish:
            finish()
        manifest["failures"] = failures
        if work.precision:
            manifest["precision_reached"] = tally.half_width()
        record_completion(out, manifest, plan.replications_before(kept) - failures, started, backend)
    except BaseException as exc:
        close_results(results)  # cancel what is queued; chunks already running finish and are kept
        if assembler:
            assembler.abandon()
        finished = [i for i in store.finished_chunks(out, with_events=work.events) if i < len(plan)]
        done = sum(len(plan.span(i)) for i in finished)
        _record_interruption(out, manifest, done, started)
        if isinstance(exc, KeyboardInterrupt):
            raise RunInterrupted(out, done, tally.planned_replications()) from None
        raise  # an OSError (a full disk) is the command's to say in one line (sim/cli/__init__.py)
    if failures and failures == plan.replications_before(kept):
        raise MechanicsError(_all_failed(out, failures))
    return out


def _all_failed(out: Path, failures: int) -> str:
    """Not one replication finished: the scenario's to fix, said with the first failure (the rest are alike)."""
    first = pq.read_table(out / store.FAILURES).slice(0, 1).to_pylist()[0]
    return (
        f"every replication failed ({failures:,}, listed in {out / store.FAILURES}); the first, replication "
        f"{first['replication']} (hypothesis {first['hypothesis']}): {first['message']}"
    )


def _record_interruption(out: Path, manifest: dict[str, Any], done: int, started: float) -> None:
    """Mark a run interrupted after `done` replications, carrying its time over to the resumed part.

    On a disk too full even for the manifest, it stays `running`, which resumes the same way.
    """
    manifest.update(
        status="interrupted",
        replications_done=done,
        elapsed_seconds=round(time.perf_counter() - started + manifest.get("elapsed_seconds", 0.0), 3),
    )
    try:
        manifest["failures"] = store.count_failures(out)
        store.write_manifest(out, manifest)
    except (OSError, pa.ArrowException):  # the interruption itself is what the user must hear of
        pass


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
    where it stops does not depend on the order chunks finish in: reproducible. Chunks in
    that run are folded into sums, so memory grows with chunks out of order, not with the plan.
    """

    def __init__(self, plan: ChunkPlan, precision: Precision | None):
        self.plan, self.precision = plan, precision
        self.ahead: dict[int, tuple[int, int]] = {}  # finished past the prefix: (successes, trials)
        self.prefix = 0  # chunks 0 .. prefix-1 are finished
        self.successes = self.trials = 0  # of the prefix
        self.stop_at: int | None = None

    def add(self, index: int, yes_counts: dict[str, int], trials: int) -> None:
        self.ahead[index] = (yes_counts[self.precision.metric] if self.precision else 0, trials)
        while self.prefix in self.ahead:
            successes, trials = self.ahead.pop(self.prefix)
            self.successes, self.trials = self.successes + successes, self.trials + trials
            self.prefix += 1
            if self.precision and self.stop_at is None and self.trials:
                if self.half_width() <= self.precision.half_width:
                    self.stop_at = self.prefix

    def has(self, index: int) -> bool:
        return index < self.prefix or index in self.ahead

    def replications_finished(self) -> int:
        return self.plan.replications_before(self.prefix) + sum(len(self.plan.span(i)) for i in self.ahead)

    def half_width(self) -> float:
        return wilson_half_width(self.successes, self.trials)

    def reached(self) -> bool:
        return self.stop_at is not None or self.prefix + len(self.ahead) >= len(self.plan)

    def kept_chunks(self) -> int:
        return self.stop_at if self.stop_at is not None else len(self.plan)

    def planned_replications(self) -> int:
        return self.plan.replications_before(self.kept_chunks())


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def versions() -> dict[str, str]:
    return {
        "sim": sim.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
    }
