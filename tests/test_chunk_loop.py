"""The one chunk loop (sim/runner/loop.py): its plan, bounded memory whatever --runs, the --runs maximum,
and Ctrl-C on local Dask workers as one line (docs/running.md)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import BASELINE, REPO

import sim
from sim.cli import main
from sim.runner import store
from sim.runner.backends import BackendSpec
from sim.runner.loop import MAX_REPLICATIONS, ChunkPlan, ChunkWork, RunInterrupted, run_chunks
from sim.runner.work import ChunkResult


@pytest.mark.parametrize("replications, chunk_size, points", [(1, 1, 1), (1000, 100, 1), (1001, 100, 3), (7, 50, 4)])
def test_the_plan_has_the_chunks_both_old_loops_listed(replications, chunk_size, points):
    """Chunk k is chunk k % n of point k // n, as the experiments' loop numbered them; one point is a plain run."""
    ranges = [range(low, min(low + chunk_size, replications)) for low in range(0, replications, chunk_size)]
    plan = ChunkPlan(replications, chunk_size, points)
    assert len(plan) == points * len(ranges)
    assert [plan.span(k) for k in range(len(plan))] == [ranges[k % len(ranges)] for k in range(len(plan))]
    assert [plan.point(k) for k in range(len(plan))] == [k // len(ranges) for k in range(len(plan))]
    assert [plan.replications_before(k) for k in range(len(plan) + 1)] == [
        sum(len(ranges[i % len(ranges)]) for i in range(k)) for k in range(len(plan) + 1)
    ]
    assert plan.span(len(plan)) == range(0)  # past the plan: nothing (a stray chunk file fails its check)


def _numbers_only(index: int, first: int, stop: int, run_dir: str, engine: str) -> ChunkResult:
    """A chunk of replication numbers alone, computed at once: the loop's own bookkeeping is what is measured."""
    table = pa.table({"replication": pa.array(range(first, stop), pa.int64())})
    store.write_chunk(Path(run_dir), index, table, None)
    return ChunkResult({}, stop - first)


def test_planning_a_billion_replications_allocates_nothing_proportional(tmp_path: Path):
    """10**9 replications in chunks of 100 are 10**7 chunks: listed, their ranges alone would take over 400 MB."""
    plan = ChunkPlan(MAX_REPLICATIONS, 100)
    schema = pa.schema([pa.field("replication", pa.int64())])
    work = ChunkWork(plan, _numbers_only, lambda k: (k, plan.span(k).start, plan.span(k).stop), schema)
    out = tmp_path / "huge"
    (out / store.CHUNKS).mkdir(parents=True)
    seen = []

    def stop_after_200_chunks(done: int, planned: int) -> None:
        seen.append((done, planned))
        if len(seen) > 200:
            raise KeyboardInterrupt

    tracemalloc.start()
    try:
        with pytest.raises(RunInterrupted):
            run_chunks(out, {"status": "running"}, work, BackendSpec("serial"), stop_after_200_chunks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen[0] == (0, MAX_REPLICATIONS) and seen[-1] == (20_000, MAX_REPLICATIONS)
    assert json.loads((out / store.MANIFEST).read_text())["replications_done"] == 20_000  # kept, to resume
    # 200 chunks' bookkeeping fits in a few hundred kilobytes; a list of every range would be over 400 MB.
    assert peak < 4_000_000, f"peak {peak:,} bytes"


def test_runs_past_the_maximum_are_refused_in_one_line(capsys):
    assert main(["run", str(BASELINE), "--runs", str(MAX_REPLICATIONS + 1), "--out", "unused"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"at most {MAX_REPLICATIONS:,}" in error
    assert not Path("unused").exists()
    with pytest.raises(sim.OptionError, match="--runs: at most"):
        sim.run(BASELINE, runs=10**15)


@pytest.mark.slow
def test_ctrl_c_on_a_run_with_local_dask_workers_is_one_line(tmp_path: Path):
    """Ctrl-C reaches every process of the terminal's group; only the command may answer it."""
    out = tmp_path / "dask"
    command = [sys.executable, "-m", "sim.cli", "run", str(BASELINE), "--runs", "400000", "--seed", "1",
               "--dask-workers", "2", "--quiet", "--no-report", "--out", str(out)]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list((out / store.CHUNKS).glob("chunk-*.check")):
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)  # as the terminal does: the whole group
    _, error = process.communicate(timeout=120)
    assert process.returncode == 130
    assert error.strip().count("\n") == 0 and error.startswith("interrupted after "), error
    assert json.loads((out / store.MANIFEST).read_text())["status"] == "interrupted"
