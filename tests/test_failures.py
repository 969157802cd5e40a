"""Replications that raise are recorded, not fatal; `wargame replay` shows one; a full disk leaves a resumable run.

docs/results.md (failures.parquet, replay) and docs/running.md (--max-failures, resume).
"""

from __future__ import annotations

import errno
import json
import textwrap
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from test_engines import ZERO_DIVISION

import sim
from sim import engine as engine_module
from sim.cli import main
from sim.engine import SIMPY, VECTORISED, compile_scenario, run_chunk
from sim.mechanics import keyed
from sim.runner import store
from sim.runner.backends import BackendSpec
from sim.runner.batch import BatchRequest, RunInterrupted, resume_batch, run_batch
from sim.scenario import load_scenario

RUNS, SEED, CHUNK = 120, 7, 40

FAILING = ZERO_DIVISION  # `gap` is at most 0 in about half the draws: then a transition divides by zero


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("failing") / "failing.yaml"
    path.write_text(textwrap.dedent(FAILING))
    return path


@pytest.fixture(scope="module")
def compiled(scenario_file):
    return compile_scenario(load_scenario(scenario_file))


@pytest.fixture(scope="module")
def expected_failures(compiled) -> list[int]:
    """The replications whose drawn gap is at most 0, read from the draws themselves, not from a run."""
    _, parameters = engine_module.chunk_inputs(compiled, keyed.seed_key(SEED), np.arange(RUNS))
    failing = np.flatnonzero(parameters["gap"] <= 0).tolist()
    assert RUNS // 4 < len(failing) < 3 * RUNS // 4  # many fail, many do not: the tests can tell them apart
    return failing


def _batch(compiled, out: Path, engine: str = SIMPY, **options) -> Path:
    spec = BackendSpec("serial", engine=engine)
    return run_batch(BatchRequest(compiled, RUNS, SEED, out, chunk_size=CHUNK, backend=spec, **options))


@pytest.fixture(scope="module")
def whole(compiled, tmp_path_factory) -> Path:
    return _batch(compiled, tmp_path_factory.mktemp("whole") / "run")


def test_replications_that_raise_are_listed_and_the_others_kept(whole, expected_failures):
    failures = pq.read_table(whole / store.FAILURES).to_pylist()
    assert [row["replication"] for row in failures] == expected_failures
    kept = pq.read_table(whole / store.REPLICATIONS).column("replication").to_pylist()
    assert kept == sorted(set(range(RUNS)) - set(expected_failures))
    k0, k1 = keyed.seed_key(SEED)
    for row in failures:
        assert (row["seed"], row["stream_key"], row["hypothesis"]) == (str(SEED), f"{k0:08x}{k1:08x}", "only")
        assert (row["component"], row["error"]) == ("watch.waiting.compute", "ZeroDivisionError")
        assert "division by zero" in row["message"]
    manifest = store.read_manifest(whole)
    assert manifest["status"] == "complete" and manifest["failures"] == len(expected_failures)
    assert manifest["replications"] == RUNS - len(expected_failures)


def test_the_vectorised_engine_hands_the_failing_chunks_over_and_lists_the_same(compiled, whole, tmp_path):
    out = _batch(compiled, tmp_path / "v", engine=VECTORISED)
    for name in (store.FAILURES, store.REPLICATIONS):
        assert pq.read_table(out / name).equals(pq.read_table(whole / name)), name
    assert "division by zero" in store.read_manifest(out)["engine_note"]


def test_a_chunk_the_vectorised_engine_did_not_foresee_failing_is_redone_replication_by_replication(
    compiled, expected_failures, monkeypatch
):
    def broken(*args, **kwargs):
        raise FloatingPointError("overflow in an array")

    monkeypatch.setattr(engine_module, "_run_vectorised", broken)
    with pytest.raises(FloatingPointError):  # not asked to isolate failures: raised as before
        run_chunk(compiled, SEED, range(RUNS), engine=VECTORISED)
    chunk = run_chunk(compiled, SEED, range(RUNS), engine=VECTORISED, isolate_failures=True)
    assert chunk.note == "a replication raised FloatingPointError: overflow in an array"
    assert [failure.replication for failure in chunk.failures] == expected_failures
    assert len(chunk.indices) == RUNS - len(expected_failures)


def test_an_interrupted_run_with_failures_resumes_to_the_same_tables(compiled, whole, tmp_path):
    out = tmp_path / "stopped"
    calls = []

    def stop(done: int, planned: int) -> None:
        calls.append(done)
        if len(calls) > 2:  # after the first two chunks
            raise KeyboardInterrupt

    request = BatchRequest(compiled, RUNS, SEED, out, chunk_size=CHUNK, backend=BackendSpec("serial", engine=SIMPY))
    with pytest.raises(RunInterrupted):
        run_batch(request, stop)
    assert store.read_manifest(out)["status"] == "interrupted"
    resume_batch(out, BackendSpec("serial", engine=SIMPY))
    for name in (store.FAILURES, store.REPLICATIONS, store.EVENTS):
        assert pq.read_table(out / name).equals(pq.read_table(whole / name)), name
    assert store.read_manifest(out)["failures"] == store.read_manifest(whole)["failures"]


def test_the_command_exits_1_past_max_failures_naming_the_table_and_replay(
    scenario_file, expected_failures, tmp_path, capsys
):
    out = tmp_path / "cli"
    command = ["run", str(scenario_file), "--runs", str(RUNS), "--seed", str(SEED), "--workers", "1"]
    assert main([*command, "--engine", "simpy", "--no-report", "--quiet", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out == f"{out}\n"  # the run's result as usual, then the line on stderr
    line = captured.err.strip()
    assert "\n" not in line and f"{len(expected_failures)} replications failed" in line
    assert str(out / "failures.parquet") in line
    assert f"wargame replay {out} --replication {expected_failures[0]}" in line
    assert store.read_manifest(out)["status"] == "complete"  # everything written before the exit
    allowed = [*command, "--no-report", "--quiet", "--max-failures", str(len(expected_failures))]
    assert main([*allowed, "--out", str(tmp_path / "allowed")]) == 0


def test_json_past_max_failures_is_one_document_with_the_failures(scenario_file, expected_failures, tmp_path, capsys):
    out = tmp_path / "json"
    command = ["run", str(scenario_file), "--runs", str(RUNS), "--seed", str(SEED), "--workers", "1", "--no-report"]
    assert main([*command, "--json", "--out", str(out)]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["failures"] == len(expected_failures)
    assert document["failures_file"] == str(out / "failures.parquet")
    assert main([*command, "--json", "--max-failures", "1000", "--out", str(tmp_path / "allowed")]) == 0
    assert json.loads(capsys.readouterr().out)["failures"] == len(expected_failures)


def test_replay_prints_the_failure_with_its_whole_traceback(whole, expected_failures, capsys):
    assert main(["replay", str(whole), "--replication", str(expected_failures[0])]) == 1
    printed = capsys.readouterr()
    assert printed.out.startswith(f"replication {expected_failures[0]}, hypothesis only; parameters: gap=-")
    assert "Traceback" in printed.err and "ZeroDivisionError: division by zero" in printed.err
    assert "MechanicsError: watch.waiting.compute: ZeroDivisionError" in printed.err


def test_replay_of_a_replication_that_finished_gives_its_row_and_event_log(whole, expected_failures, capsys):
    good = next(i for i in range(RUNS) if i not in expected_failures)
    replayed = sim.replay(whole, replication=good)
    row = pq.read_table(whole / store.REPLICATIONS).to_pandas().set_index("replication").loc[good]
    assert replayed.error is None and replayed.row["ratio"] == row["ratio"]
    events = pq.read_table(whole / store.EVENTS).to_pandas()
    logged = events[events["replication"] == good]
    assert [(e[1], e[2], e[3]) for e in replayed.events] == list(
        zip(logged["date"], logged["component"], logged["event"], strict=True)
    )
    assert main(["replay", str(whole), "--replication", str(good)]) == 0
    assert "finished: " in capsys.readouterr().out
    assert main(["replay", str(whole), "--replication", str(RUNS)]) == 2  # past the run: one line, exit 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_full_disk_leaves_the_run_interrupted_and_resumable(compiled, whole, tmp_path, monkeypatch):
    out = tmp_path / "full"
    write = store._atomic_write_chunk_table
    written = []

    def fills_up(target: Path, table) -> None:
        written.append(target)
        if len(written) > 4:  # two chunks of replications and events fit, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        write(target, table)

    monkeypatch.setattr(store, "_atomic_write_chunk_table", fills_up)
    with pytest.raises(OSError) as stopped:  # the command says it in one line (tests/test_cli_errors.py)
        _batch(compiled, out)
    assert stopped.value.errno == errno.ENOSPC
    assert store.read_manifest(out)["status"] == "interrupted"
    assert not list(out.glob(".*.assembling"))
    monkeypatch.setattr(store, "_atomic_write_chunk_table", write)
    resume_batch(out, BackendSpec("serial", engine=SIMPY))
    for name in (store.FAILURES, store.REPLICATIONS, store.EVENTS):
        assert pq.read_table(out / name).equals(pq.read_table(whole / name)), name


def test_a_disk_full_while_assembling_leaves_no_partial_table(compiled, tmp_path, monkeypatch):
    out = tmp_path / "assembling"
    replace = store.os.replace

    def refuses_tables(source, target) -> None:
        if str(source).endswith(".assembling"):
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        replace(source, target)

    monkeypatch.setattr(store.os, "replace", refuses_tables)
    with pytest.raises(OSError):
        _batch(compiled, out)
    assert store.read_manifest(out)["status"] == "interrupted"
    assert not list(out.glob(".*.assembling")) and not (out / store.REPLICATIONS).exists()
    assert json.loads((out / store.MANIFEST).read_text())["replications_done"] == RUNS
