"""The vectorised engine against the SimPy engine (the reference), replication by replication.

Both engines key every draw by (seed, replication, site, occurrence), so they are fed the
same random numbers and must give the same tables: yes/no, dates, states, categories and
counts exactly; numbers within a relative 1e-12. They run the same floating-point
operations in the same order through the same numpy functions, so in practice the
numbers agree to the last bit (`test_every_scenario...` reports the largest relative
difference it saw); the tolerance only allows a libm and a SIMD loop to round one
ulp apart.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, SCENARIOS, wargame

from sim.engine import SIMPY, VECTORISED, compile_scenario, run_chunk
from sim.mechanics.interpreter import MechanicsError
from sim.runner.backends import BackendSpec
from sim.runner.batch import BatchRequest, RunInterrupted, run_batch
from sim.runner.tables import events_table, replications_schema, replications_table
from sim.scenario import load_scenario

FAMILY = sorted(SCENARIOS.glob("*.yaml")) + sorted((SCENARIOS / "examples").glob("*.yaml"))
RELATIVE_TOLERANCE = 1e-12


def assert_same_tables(reference: pa.Table, other: pa.Table) -> float:
    """Equal column by column (numbers within the tolerance); returns the largest relative difference."""
    assert reference.column_names == other.column_names
    largest = 0.0
    for name in reference.column_names:
        a, b = reference.column(name), other.column(name)
        if a.equals(b):
            continue
        assert pa.types.is_floating(a.type), f"{name} differs: {a.to_pylist()[:5]} vs {b.to_pylist()[:5]}"
        x, y = a.to_numpy(zero_copy_only=False), b.to_numpy(zero_copy_only=False)
        assert np.array_equal(np.isnan(x), np.isnan(y)), f"{name}: set in one engine, unset in the other"
        known = ~np.isnan(x)
        difference = np.abs(x[known] - y[known]) / np.maximum(np.abs(x[known]), 1e-300)
        largest = max(largest, float(difference.max()))
        assert largest <= RELATIVE_TOLERANCE, f"{name}: relative difference {largest:g}"
    return largest


def both_engines(path: Path, n: int, seed: int = 5):
    compiled = compile_scenario(load_scenario(path))
    schema = replications_schema(compiled)
    chunks = {engine: run_chunk(compiled, seed, range(n), engine=engine) for engine in (SIMPY, VECTORISED)}
    assert chunks[VECTORISED].engine == VECTORISED, chunks[VECTORISED].note  # no fall-back: the engine itself
    tables = {engine: replications_table(chunk, schema, compiled) for engine, chunk in chunks.items()}
    events = {engine: events_table(chunk, compiled.scenario.start) for engine, chunk in chunks.items()}
    return compiled, tables, events


@pytest.mark.parametrize("path", FAMILY, ids=[p.stem for p in FAMILY])
def test_every_scenario_gives_the_same_table_on_both_engines(path):
    _, tables, events = both_engines(path, 1500)
    assert_same_tables(tables[SIMPY], tables[VECTORISED])
    # The event logs list the same transitions on the same days; the vectorised one records
    # which transition fired where the SimPy one writes the scenario's log messages.
    columns = ["replication", "date", "component", "event"]
    assert events[SIMPY].select(columns).equals(events[VECTORISED].select(columns))


def test_the_offensive_path_agrees_where_combat_runs(tmp_path):
    """Combat runs in a few percent of baseline replications: enough of them to compare its outputs."""
    compiled, tables, _ = both_engines(SCENARIOS / "intent-offensive.yaml", 3000, seed=8)
    launched = tables[SIMPY].column("offensive.launched").to_numpy(zero_copy_only=False)
    assert launched.sum() >= 50, "too few battles to compare combat"
    ends = set(tables[SIMPY].column("combat_end").to_pylist()) - {None}
    assert {"culmination", "objective"} & ends
    assert_same_tables(tables[SIMPY], tables[VECTORISED])


def test_vectorised_tables_do_not_depend_on_chunking():
    compiled = compile_scenario(load_scenario(BASELINE))
    schema = replications_schema(compiled)
    whole = replications_table(run_chunk(compiled, 3, range(0, 2000), engine=VECTORISED), schema, compiled)
    parts = [
        replications_table(run_chunk(compiled, 3, range(lo, min(lo + 333, 2000)), engine=VECTORISED), schema, compiled)
        for lo in range(0, 2000, 333)
    ]
    assert pa.concat_tables(parts).equals(whole)


def test_a_batch_gives_the_same_replications_table_on_both_engines_and_any_backend(tmp_path):
    compiled = compile_scenario(load_scenario(BASELINE))

    def table(engine: str, backend: BackendSpec, chunk_size: int) -> pa.Table:
        spec = BackendSpec(backend.kind, workers=backend.workers, engine=engine)
        out = tmp_path / f"{engine}-{backend.kind}-{chunk_size}"
        return pq.read_table(run_batch(BatchRequest(compiled, 900, 11, out, chunk_size, spec)) / "replications.parquet")

    reference = table(SIMPY, BackendSpec("serial"), 900)
    vectorised = table(VECTORISED, BackendSpec("processes", workers=2), 128)
    assert_same_tables(reference, vectorised)
    assert table(VECTORISED, BackendSpec("serial"), 61).equals(vectorised)


def test_the_command_line_runs_either_engine_and_says_which(tmp_path):
    for engine in (VECTORISED, SIMPY):
        result = wargame(
            "run", str(BASELINE), "--runs", "300", "--seed", "4", "--engine", engine, "--workers", "1",
            "--no-report", "--out", str(tmp_path / engine),
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert f"{'vectorised' if engine == VECTORISED else 'SimPy'} engine" in result.stderr
    tables = [pq.read_table(tmp_path / engine / "replications.parquet") for engine in (SIMPY, VECTORISED)]
    assert_same_tables(*tables)


def dividing_scenario(expression: str = "1 / (gap if gap > 0 else 0)", name: str = "failing") -> str:
    """One actor that sets `ratio` to `expression` on day 3, `gap` uniform on [-1, 1]: the default divides
    by zero in about half the replications (tests/test_failures.py, tests/test_compare.py use it too)."""
    return f"""\
    schema_version: 1
    name: {name}
    title: A division by zero at run time
    start: 2025-01-01
    horizon: 2025-03-01
    hypotheses:
      only: {{weight: 1, description: the only one, assumption: a test}}
    parameters:
      gap: {{dist: uniform, low: -1, high: 1, assumption: a test}}
    variables:
      ratio: {{kind: number, assumption: a test}}
    actors:
      watch:
        initial: waiting
        states:
          waiting:
            transitions:
              compute:
                at: 3
                to: done
                assumption: a test
                effects: [{{set: {{ratio: "{expression}"}}}}]
          done: {{}}
"""


ZERO_DIVISION = dividing_scenario()


def test_a_replication_that_would_raise_is_handed_to_the_reference_which_names_the_problem(tmp_path):
    path = tmp_path / "failing.yaml"
    path.write_text(textwrap.dedent(ZERO_DIVISION))
    compiled = compile_scenario(load_scenario(path))
    messages = []
    for engine in (SIMPY, VECTORISED):
        with pytest.raises(MechanicsError) as raised:
            run_chunk(compiled, 1, range(200), engine=engine)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]
    assert "watch.waiting.compute" in messages[0] and "ZeroDivisionError" in messages[0]


RUNAWAY = """\
    schema_version: 1
    name: busy
    title: A replication that fires thousands of transitions
    start: 2025-01-01
    horizon: 2025-02-01
    hypotheses:
      only: {weight: 1, description: the only one, assumption: a test}
    parameters: {}
    variables:
      pings: {kind: count, assumption: a test}
    actors:
      radar:
        initial: on
        states:
          on:
            transitions:
              ping: {rate: 300, to: on, effects: [{add: {pings: 1}}], assumption: 300 a day}
              saturate: {when: pings >= 8000, to: off, assumption: a test}
          off: {}
"""


def test_a_chunk_the_vectorised_engine_hands_over_gives_the_reference_s_table_and_says_so(tmp_path):
    """Past MAX_STEPS firings in one replication the SimPy engine runs the chunk; the run notes it."""
    path = tmp_path / "busy.yaml"
    path.write_text(textwrap.dedent(RUNAWAY))
    compiled = compile_scenario(load_scenario(path))
    chunk = run_chunk(compiled, 2, range(3), engine=VECTORISED)
    assert chunk.engine == SIMPY and "more than 5,000 transitions" in (chunk.note or "")
    result = wargame("run", str(path), "--runs", "3", "--seed", "2", "--workers", "1", "--no-report",
                     "--out", str(tmp_path / "run"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "note: the vectorised engine handed chunks to the SimPy engine" in result.stderr
    assert "more than 5,000 transitions" in json.loads((tmp_path / "run" / "manifest.json").read_text())["engine_note"]


@pytest.mark.slow
def test_a_run_without_the_event_log_writes_its_tables_and_report(tmp_path):
    result = wargame("run", str(BASELINE), "--runs", "400", "--seed", "3", "--workers", "1", "--no-events",
                     "--out", str(tmp_path / "run"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / "run"
    assert not (run_dir / "events.parquet").exists()
    assert (run_dir / "report.html").is_file()
    assert "without its event log" in (run_dir / "report.md").read_text()
    assert "without its event log" in (run_dir / "report.html").read_text()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["events"] is False and manifest["engine"] == VECTORISED
    assert pq.read_table(run_dir / "replications.parquet").num_rows == 400


def test_a_resumed_run_keeps_the_engine_it_started_on(tmp_path):
    """Resuming without --engine finishes on the run's own engine, so all its chunks write the same log."""
    compiled = compile_scenario(load_scenario(BASELINE))
    out = tmp_path / "run"
    calls = []

    def stop_after_the_first_chunk(done: int, planned: int) -> None:
        calls.append(done)
        if done > 0:
            raise KeyboardInterrupt

    request = BatchRequest(compiled, 600, 9, out, 200, BackendSpec("serial", engine=SIMPY))
    with pytest.raises(RunInterrupted):
        run_batch(request, stop_after_the_first_chunk)
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    result = wargame("run", "--resume", str(out), "--workers", "1", "--no-report")
    assert result.returncode == 0, result.stderr
    assert "SimPy engine" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["engine"] == SIMPY
    details = pq.read_table(out / "events.parquet", columns=["replication", "detail"]).to_pandas()
    assert details[details.replication >= 400].detail.str.contains("troops in all").any()  # SimPy's log text


def test_resume_refuses_another_engine_or_dropping_the_event_log(tmp_path):
    compiled = compile_scenario(load_scenario(BASELINE))
    out = tmp_path / "run"

    def stop(done: int, planned: int) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted):
        run_batch(BatchRequest(compiled, 400, 9, out, 200, BackendSpec("serial", engine=VECTORISED)), stop)
    for extra, message in ((["--engine", "simpy"], "started on the vectorised engine"), (["--no-events"], "new run")):
        result = wargame("run", "--resume", str(out), "--workers", "1", "--no-report", *extra)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


COUNTER_RUNAWAY = """\
    schema_version: 1
    name: counter
    title: A counter at a million a day
    start: 2025-01-01
    horizon: 2025-03-01
    hypotheses:
      only: {weight: 1, description: the only one, assumption: a test}
    parameters:
      incident_rate: {dist: fixed, value: 1000000, assumption: a test}
    variables:
      counted: {kind: count, assumption: a test}
    actors:
      radar:
        initial: s
        states:
          s:
            transitions:
              tick: {rate: incident_rate, to: s, effects: [{add: {counted: 1}}]}
"""

ZERO_DEFENDERS = """\
    schema_version: 1
    name: empty-field
    title: A battle with no defenders under the linear law
    start: 2025-01-01
    horizon: 2025-03-01
    hypotheses:
      only: {weight: 1, description: the only one, assumption: a test}
    parameters: {}
    variables:
      combat_end: {kind: category, assumption: a test}
    actors:
      army:
        initial: massing
        states:
          massing:
            transitions:
              attack:
                at: 2
                to: attacking
                assumption: a test
                effects:
                  - start:
                      process: lanchester_combat
                      inputs: {attackers: 1000, defenders: 0, law: "'linear'", attacker_effectiveness: 0.01,
                               defender_effectiveness: 0.01, advance_rate_km_per_day: 2, objective_km: 50,
                               culmination_force_ratio: 1, culmination_strength: 100}
                      outputs: {end: combat_end}
          attacking: {}
"""


FAILING = [(COUNTER_RUNAWAY, "more than 100,000 transitions"), (ZERO_DEFENDERS, "ZeroDivisionError")]


@pytest.mark.parametrize("body, fragment", FAILING, ids=["counter", "combat"])
def test_a_failing_replication_is_one_line_on_either_engine(tmp_path, body, fragment):
    """A counter at a million a day stops (it used to fill the memory); combat that cannot start is named."""
    path = tmp_path / "failing.yaml"
    path.write_text(textwrap.dedent(body))
    for engine in (SIMPY, VECTORISED):
        result = wargame("run", str(path), "--runs", "3", "--seed", "1", "--workers", "1", "--no-report",
                         "--engine", engine, "--out", str(tmp_path / engine))  # fmt: skip
        assert result.returncode == 2, result.stderr
        assert fragment in result.stderr and "Traceback" not in result.stderr
