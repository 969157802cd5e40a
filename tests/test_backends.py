"""Batches give the same table on every backend, survive interruption, and stop at a precision."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, REPO, wargame

from sim.engine import compile_scenario
from sim.runner import backends
from sim.runner.backends import BackendSpec
from sim.runner.batch import BatchRequest, Precision, resume_batch, run_batch
from sim.scenario import load_scenario
from sim.statistics import wilson_half_width

SEED = 77


@pytest.fixture(scope="module")
def baseline():
    return compile_scenario(load_scenario(BASELINE))


def tables(run_dir: Path):
    return pq.read_table(run_dir / "replications.parquet"), pq.read_table(run_dir / "events.parquet")


@pytest.fixture(scope="module")
def serial_600(baseline, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "run"
    return tables(run_batch(BatchRequest(baseline, 600, SEED, out, chunk_size=600, backend=BackendSpec("serial"))))


@pytest.mark.parametrize(
    "backend, chunk_size, start",
    [
        (BackendSpec("serial"), 37, None),
        (BackendSpec("processes", workers=2), 50, "fork"),
        (BackendSpec("processes", workers=2), 128, "spawn"),
        (BackendSpec("dask", workers=2), 45, None),
    ],
    ids=["serial-37", "processes-fork-50", "processes-spawn-128", "dask-local-45"],
)
def test_every_backend_and_chunk_size_gives_the_same_tables(
    baseline, serial_600, tmp_path, monkeypatch, backend, chunk_size, start
):
    if start:
        monkeypatch.setattr(backends, "start_method", lambda: start)
    run_dir = run_batch(BatchRequest(baseline, 600, SEED, tmp_path / "run", chunk_size=chunk_size, backend=backend))
    replications, events = tables(run_dir)
    assert replications.equals(serial_600[0])
    assert events.equals(serial_600[1])
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "complete"


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_workers_are_forked_only_while_no_other_thread_runs(monkeypatch):
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert backends.start_method() == "spawn"  # a fork would copy that thread's locks, not the thread
    finally:
        release.set()
        other.join()
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # earlier tests may leave Dask's threads behind
    assert backends.start_method() == "fork"


@pytest.mark.slow
def test_a_dask_worker_killed_mid_run_has_its_chunks_recomputed(baseline, serial_600, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            pids = list(client.run(os.getpid).values())
            killed: list[int] = []

            def kill_a_worker(done: int, planned: int) -> None:
                if done > 0 and not killed:
                    os.kill(pids[0], signal.SIGKILL)  # abrupt: no goodbye to the scheduler
                    killed.append(pids[0])

            spec = BackendSpec("dask", scheduler=cluster.scheduler_address)
            run_dir = run_batch(
                BatchRequest(baseline, 600, SEED, tmp_path / "run", chunk_size=20, backend=spec), kill_a_worker
            )
    assert killed
    replications, events = tables(run_dir)
    assert replications.equals(serial_600[0]) and events.equals(serial_600[1])


def start_run(out: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "sim.cli", "run", str(BASELINE), "--runs", "6000", "--seed", str(SEED)]
    command += ["--out", str(out), "--chunk-size", "100", "--no-report", *extra]
    return subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_for_chunks(out: Path, count: int, process: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list((out / "chunks").glob("events-*.arrow"))) >= count:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    raise AssertionError("the run wrote no chunks in time")


@pytest.fixture(scope="module")
def uninterrupted_6000(baseline, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "run"
    return tables(
        run_batch(BatchRequest(baseline, 6000, SEED, out, chunk_size=1000, backend=BackendSpec("processes", 2)))
    )


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_resume_completes_the_same_table(uninterrupted_6000, tmp_path):
    out = tmp_path / "run"
    process = start_run(out, "--workers", "2")
    wait_for_chunks(out, 3, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert f"resume with: wargame run --resume {out}" in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and 0 < manifest["replications_done"] < 6000
    assert manifest["replications_done"] == 100 * len(list((out / "chunks").glob("events-*.arrow")))
    assert manifest["elapsed_seconds"] > 0  # carried over, so the resumed run reports the whole time
    assert not (out / "replications.parquet").exists()

    resumed = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", "--resume", str(out), "--workers", "2", "--no-report"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.strip().splitlines()[-1] == str(out)
    replications, events = tables(out)
    assert replications.equals(uninterrupted_6000[0]) and events.equals(uninterrupted_6000[1])


@pytest.mark.slow
def test_sigkill_of_the_whole_run_loses_only_chunks_in_flight(uninterrupted_6000, tmp_path):
    out = tmp_path / "run"
    process = start_run(out, "--workers", "2")
    wait_for_chunks(out, 4, process)
    os.killpg(process.pid, signal.SIGKILL)  # the command and its workers, mid-write
    process.communicate()
    kept = len(list((out / "chunks").glob("chunk-*.check")))  # a chunk counts once its check file is written, last
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"

    computed: list[int] = []
    resume_batch(out, BackendSpec("serial"), lambda done, planned: computed.append(done))
    assert computed[0] >= kept * 100  # finished chunks are kept, not recomputed
    replications, events = tables(out)
    assert replications.num_rows == 6000
    assert replications.equals(uninterrupted_6000[0]) and events.equals(uninterrupted_6000[1])


def test_resuming_a_complete_run_changes_nothing(baseline, tmp_path):
    run_dir = run_batch(BatchRequest(baseline, 50, SEED, tmp_path / "run"))
    before = (run_dir / "replications.parquet").stat().st_mtime_ns
    assert resume_batch(run_dir, BackendSpec("serial")) == run_dir
    assert (run_dir / "replications.parquet").stat().st_mtime_ns == before


def test_precision_target_stops_at_the_first_chunk_count_that_meets_it(baseline, tmp_path):
    """+/- 4 points on a share near 0.3 takes about 500 replications: five or six chunks."""
    target = Precision(half_width=0.04, metric="consequences.imposed")
    runs = []
    for name, backend in (("serial", BackendSpec("serial")), ("processes", BackendSpec("processes", 2))):
        request = BatchRequest(
            baseline, 20_000, SEED, tmp_path / name, chunk_size=100, backend=backend, precision=target
        )
        runs.append(pq.read_table(run_batch(request) / "replications.parquet"))
    assert runs[0].equals(runs[1])  # reproducible whatever the backend
    imposed = runs[0].column("consequences.imposed").to_numpy(zero_copy_only=False)
    n = len(imposed)
    assert n < 20_000 and n % 100 == 0
    assert wilson_half_width(int(imposed.sum()), n) <= 0.04
    assert wilson_half_width(int(imposed[: n - 100].sum()), n - 100) > 0.04  # one chunk fewer would not do
    manifest = json.loads((tmp_path / "serial" / "manifest.json").read_text())
    assert manifest["replications"] == n and manifest["precision_reached"] <= 0.04


def test_precision_runs_stop_at_the_same_place_whatever_the_worker_count(baseline, tmp_path):
    """The chunk size chosen for 10,000 replications (157) does not depend on the workers."""
    target = Precision(half_width=0.04, metric="consequences.imposed")
    runs = []
    for name, backend in (("one", BackendSpec("serial")), ("two", BackendSpec("processes", 2))):
        request = BatchRequest(baseline, 10_000, SEED, tmp_path / name, backend=backend, precision=target)
        runs.append(pq.read_table(run_batch(request) / "replications.parquet"))
    assert runs[0].num_rows < 10_000 and runs[0].equals(runs[1])


def test_progress_is_plain_lines_when_not_a_terminal_and_json_summarises(tmp_path):
    small_run = ("run", BASELINE, "--runs", 300, "--seed", 1, "--workers", 1)
    shown = wargame(*small_run, "--out", tmp_path / "a", "--no-report")
    assert "progress: 300/300 replications (100%)" in shown.stderr
    quiet = wargame(*small_run, "--out", tmp_path / "b", "--quiet", "--no-report")
    assert quiet.stderr == "" and quiet.stdout.strip() == str(tmp_path / "b")
    # Without its report (test_cli.py times one): reports take several times longer than 300 replications.
    data = json.loads(wargame(*small_run, "--out", tmp_path / "c", "--json", "--no-report").stdout)
    assert data["run_dir"] == str(tmp_path / "c") and data["status"] == "complete" and data["replications"] == 300
    assert data["report"] is None and not (tmp_path / "c" / "report.html").exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("run", "--resume", "."), "not a run directory"),
        (("run",), "give a SCENARIO to run, or --resume RUN_DIR"),
        (("run", str(BASELINE), "--precision", "0.01"), "--precision and --metric go together"),
        (("run", str(BASELINE), "--precision", "0.01", "--metric", "troops"), "is not a yes/no outcome"),
        (
            ("run", str(BASELINE), "--precision", "0.01", "--metric", "offensive.launch"),
            "did you mean 'offensive.launched'?",
        ),
        (("run", str(BASELINE), "--precision", "0.01", "--metric", "offensive"), "'offensive' is an actor"),
        (("run", str(BASELINE), "--precision", "2", "--metric", "offensive.launched"), "must lie between 0 and 1"),
        (("run", str(BASELINE), "--dask-workers", "2", "--scheduler", "tcp://127.0.0.1:1"), "not both"),
    ],
)
def test_run_option_mistakes_are_one_line(args, fragment):
    result = wargame(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and fragment in result.stderr
