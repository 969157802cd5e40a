"""One writer per run directory, and chunks checked before they are trusted (docs/running.md#resume)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, REPO

from sim.engine import compile_scenario
from sim.runner import store
from sim.runner.backends import BackendSpec
from sim.runner.batch import BatchRequest, RunInterrupted, resume_batch, run_batch
from sim.scenario import load_scenario

SERIAL = BackendSpec("serial")


@pytest.fixture(scope="module")
def compiled():
    return compile_scenario(load_scenario(BASELINE))


def _interrupted_run(compiled, out: Path, chunks_before_stop: int = 3) -> None:
    """A run of 6 chunks of 50, stopped by Ctrl-C after a few chunks: chunks on disk, no tables."""
    seen = []

    def stop(done: int, planned: int) -> None:
        seen.append(done)
        if len(seen) > chunks_before_stop:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted):
        run_batch(BatchRequest(compiled, 300, 5, out, chunk_size=50, backend=SERIAL, events=False), stop)


@pytest.fixture(scope="module")
def whole(compiled, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("whole") / "run"
    run_batch(BatchRequest(compiled, 300, 5, out, chunk_size=50, backend=SERIAL, events=False))
    return out


def test_a_second_writer_is_refused_naming_the_first(tmp_path: Path):
    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom sim.runner import store\n"
         "with store.exclusive(Path(sys.argv[1])):\n    print('held', flush=True)\n    time.sleep(60)\n", str(out)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        command = [sys.executable, "-m", "sim.cli", "run", str(BASELINE), "--runs", "10", "--out", str(out)]
        second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stderr
        assert f"wargame process {holder.pid} is writing this run directory" in second.stderr
        assert "Traceback" not in second.stderr
        assert not (out / "manifest.json").exists()  # the second writer wrote nothing
    finally:
        holder.kill()
        holder.wait()
    # The holder was killed: its lock went with it, and the directory can be used at once.
    with store.exclusive(out):
        assert (out / store.LOCK).read_text() == f"wargame process {os.getpid()}"


def test_a_damaged_chunk_is_found_and_computed_again(compiled, whole: Path, tmp_path: Path):
    out = tmp_path / "run"
    _interrupted_run(compiled, out)
    chunk = store.chunk_file(out, "replications", 1)
    data = bytearray(chunk.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)  # 64 bytes zeroed inside a table buffer
    chunk.write_bytes(bytes(data))
    resume_batch(out, SERIAL)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["chunks_recomputed"] == ["chunk 1: replications table damaged (checksum differs); computed again"]
    assert pq.read_table(out / "replications.parquet").equals(pq.read_table(whole / "replications.parquet"))


def test_a_changed_chunk_size_in_the_manifest_recomputes_rather_than_losing_rows(compiled, whole, tmp_path: Path):
    out = tmp_path / "run"
    _interrupted_run(compiled, out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["chunk_size"] = 60
    (out / "manifest.json").write_text(json.dumps(manifest))
    resume_batch(out, SERIAL)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["replications"] == 300
    assert all("holds replications" in line for line in manifest["chunks_recomputed"])
    table = pq.read_table(out / "replications.parquet")
    assert table.column("replication").to_pylist() == list(range(300))
    assert table.equals(pq.read_table(whole / "replications.parquet"))


def test_a_chunk_without_its_check_file_is_not_trusted(compiled, whole, tmp_path: Path):
    out = tmp_path / "run"
    _interrupted_run(compiled, out)
    (out / "chunks" / "chunk-000000.check").unlink()  # killed between writing the table and its check file
    assert 0 not in store.finished_chunks(out, with_events=False)
    resume_batch(out, SERIAL)
    assert pq.read_table(out / "replications.parquet").equals(pq.read_table(whole / "replications.parquet"))


def test_a_scheduler_that_cannot_be_reached_is_one_line(tmp_path: Path):
    command = [sys.executable, "-m", "sim.cli", "run", str(BASELINE), "--runs", "10", "--quiet"]
    result = subprocess.run(
        [*command, "--scheduler", "nonsense::::", "--out", str(tmp_path / "r")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("wargame run: --scheduler nonsense::::: cannot reach a Dask scheduler there")
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["status"] == "interrupted"  # resumable


@pytest.mark.slow
def test_a_dask_cluster_without_workers_is_given_up_on(monkeypatch):
    """A scheduler whose workers are all gone: the run stops with a message instead of waiting for ever."""
    from distributed import LocalCluster

    from sim.runner import backends

    monkeypatch.setattr(backends, "NO_WORKERS_SECONDS", 6.0)
    with LocalCluster(n_workers=0, dashboard_address=None, processes=False) as cluster:
        spec = BackendSpec("dask", scheduler=cluster.scheduler_address)
        with pytest.raises(backends.BackendError, match="no workers for 6 s"):
            list(backends.execute(spec, pow, [(0, (2, 3))]))


def test_running_again_into_a_run_directory_removes_its_stale_assessments_and_scores(compiled, tmp_path: Path):
    out = tmp_path / "run"
    run_batch(BatchRequest(compiled, 20, 1, out, backend=SERIAL, events=False))
    for folder in ("assessments/zapad", "scores"):
        (out / folder).mkdir(parents=True)
        (out / folder / "old.csv").write_text("stale\n")
    run_batch(BatchRequest(compiled, 20, 2, out, backend=SERIAL, events=False))
    assert not (out / "assessments").exists() and not (out / "scores").exists()
