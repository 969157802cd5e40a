"""Throughput, cost split and memory of baseline runs on the two engines.

    python benchmarks/throughput.py --quick   # about 2 minutes: a CLI run of 200,000
    python benchmarks/throughput.py           # more rounds, a CLI run of 1,000,000 and a 10,000,000 precision run

Prints, for scenarios/baseline.yaml:
- replications per second on one core of the SimPy engine (chunks of 1,000) and of the
  vectorised engine (chunks of 25,000, with the event log and without), measured in
  interleaved rounds (best and median), and the ratio vectorised / SimPy;
- where a vectorised chunk of 25,000 spends its time, per replication: drawing the inputs,
  the engine, building the two tables, writing them as a worker does (Arrow IPC);
- wall time and peak memory (the command and its workers together) of `wargame run` of N
  replications on 2 workers, with the event log and without;
- (full mode) the same for 10,000,000 replications of a precision run that cannot stop early.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from sim.engine import SIMPY, VECTORISED, CompiledScenario, chunk_inputs, compile_scenario, run_chunk
from sim.mechanics import keyed
from sim.mechanics.vectorised import run_arrays
from sim.runner import store
from sim.runner.batch import MAX_ARRAY_CHUNK
from sim.runner.tables import events_table, replications_schema, replications_table
from sim.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
SIMPY_CHUNK, ARRAY_CHUNK = 1_000, MAX_ARRAY_CHUNK  # the automatic chunk size of a large vectorised run
SEED = 1


def chunk_rate(compiled: CompiledScenario, engine: str, size: int, events: bool = True) -> Callable[[], float]:
    """A measure: replications per second of one chunk of `size` on `engine`, in this process.

    Each round runs a fresh block of replications (other indices, the same cost), so no
    round reuses anything an earlier one computed.
    """
    rounds = iter(range(1, 10**6))

    def measure() -> float:
        start = next(rounds) * size
        started = time.perf_counter()
        chunk = run_chunk(compiled, SEED, range(start, start + size), engine=engine, events=events)
        elapsed = time.perf_counter() - started
        if chunk.note:
            raise SystemExit(f"the {engine} engine handed the chunk to the reference: {chunk.note}")
        return size / elapsed

    return measure


def interleaved_rates(measures: dict[str, Callable[[], float]], rounds: int) -> dict[str, tuple[float, float]]:
    """(best, median) of each rate over `rounds` rounds, the measures taking turns.

    Taking turns exposes every measure to the same drift of this shared machine, and the
    best round is the usual estimate of what the code itself costs (as `timeit` advises);
    the median says how much the machine moved it.
    """
    samples: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            samples[name].append(measure())
    return {name: (max(rates), float(np.median(rates))) for name, rates in samples.items()}


def cost_split(compiled: CompiledScenario, folder: Path, repeats: int) -> dict[str, float]:
    """Microseconds per replication of each step of a vectorised chunk of ARRAY_CHUNK, as a worker
    takes them (sim/runner/work.py), best of `repeats`; the engine also without the event log."""
    key = keyed.seed_key(SEED)
    indices = np.arange(ARRAY_CHUNK, dtype=np.int64)
    (machine,) = {id(m): m for m in compiled.machines.values()}.values()  # the baseline shares one mechanics
    schema = replications_schema(compiled)
    (folder / store.CHUNKS).mkdir(parents=True, exist_ok=True)
    best: dict[str, float] = {}

    def note(name: str, started: float) -> None:
        micros = (time.perf_counter() - started) / ARRAY_CHUNK * 1e6
        best[name] = min(best.get(name, float("inf")), micros)

    for _ in range(repeats):
        started = time.perf_counter()
        _, parameters = chunk_inputs(compiled, key, indices)
        note("inputs", started)
        started = time.perf_counter()
        run_arrays(machine, key, indices, parameters, events=True)
        note("engine", started)
        started = time.perf_counter()
        run_arrays(machine, key, indices, parameters, events=False)
        note("engine, no event log", started)
        # the whole of run_chunk, to see what it adds around the two steps above (merging the mechanics' columns)
        started = time.perf_counter()
        chunk = run_chunk(compiled, SEED, range(ARRAY_CHUNK), engine=VECTORISED)
        note("run_chunk", started)
        started = time.perf_counter()
        replications = replications_table(chunk, schema, compiled)
        note("replications table", started)
        started = time.perf_counter()
        events = events_table(chunk, compiled.scenario.start)
        note("events table", started)
        started = time.perf_counter()
        store.write_chunk(folder, 0, replications, None)
        note("write replications", started)
        started = time.perf_counter()
        store.write_chunk(folder, 1, replications, events)
        note("write events", started)
    best["write events"] = max(0.0, best["write events"] - best["write replications"])  # that call writes both
    best["assembling the chunk"] = max(0.0, best.pop("run_chunk") - best["inputs"] - best["engine"])
    best["event-log rows"] = len(chunk.events) / ARRAY_CHUNK
    return best


def cli_run(replications: int, folder: Path, options: list[str]) -> tuple[float, float, dict[str, Any]]:
    """Wall time and peak memory of `wargame run` on 2 workers: RSS summed over the command and its
    workers, sampled every 50 ms (forked workers share pages, so the sum counts some twice); and its
    manifest (the replications it kept, its chunk size)."""
    out = folder / "cli-run"
    command = [sys.executable, "-m", "sim.cli", "run", str(BASELINE), "--runs", str(replications), "--seed", "1"]
    command += ["--out", str(out), "--workers", "2", "--no-report", "--quiet", *options]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    parent, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            total = 0
            for member in tree:
                try:
                    total += member.memory_info().rss
                except psutil.Error:  # a worker that ended between listing and reading
                    pass
            peak = max(peak, total)
        except psutil.Error:
            pass
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"wargame run {' '.join(options)} failed with exit code {process.returncode}")
    manifest = store.read_manifest(out)
    shutil.rmtree(out)
    return elapsed, peak / 2**30, manifest


def code_version() -> str:
    """The commit measured, and whether sim/ differs from it (others may be editing the tree)."""
    root = BASELINE.parents[1]
    git = ["git", "-C", str(root)]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        changed = subprocess.run([*git, "status", "--porcelain", "sim"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "code version unknown"
    return f"commit {head.stdout.strip()}" + (" + uncommitted changes in sim/" if changed.stdout.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds and a CLI run of 200,000 (about 2 minutes)")
    args = parser.parse_args()
    rounds, repeats, cli_n = (3, 2, 200_000) if args.quick else (5, 3, 1_000_000)
    compiled = compile_scenario(load_scenario(BASELINE))
    run_chunk(compiled, SEED, range(200))  # warm up imports, caches and the samplers' tables
    run_chunk(compiled, SEED, range(2_000), engine=VECTORISED)

    rates = interleaved_rates(
        {
            "simpy": chunk_rate(compiled, SIMPY, SIMPY_CHUNK),
            "vectorised": chunk_rate(compiled, VECTORISED, ARRAY_CHUNK),
            "vectorised, no events": chunk_rate(compiled, VECTORISED, ARRAY_CHUNK, events=False),
        },
        rounds,
    )
    simpy_best, simpy_median = rates["simpy"]
    array_best, array_median = rates["vectorised"]
    bare_best, bare_median = rates["vectorised, no events"]
    cores = psutil.cpu_count()
    lines = [
        f"baseline scenario, {'quick' if args.quick else 'full'} run on {cores} cores"
        f" (load average {psutil.getloadavg()[0]:.1f} at the start), {code_version()}",
        f"vectorised engine: {array_best:,.0f} replications/s on one core (best of {rounds}),"
        f" {array_best / simpy_best:.0f}x the SimPy engine",
        f"vectorised engine, no event log: {bare_best:,.0f} replications/s on one core (best of {rounds}),"
        f" {bare_best / simpy_best:.0f}x the SimPy engine",
        "",
        f"replications/s, one core, best of {rounds} interleaved rounds (median)",
        f"  SimPy engine, chunks of {SIMPY_CHUNK:,}                {simpy_best:10,.0f}  ({simpy_median:,.0f})",
        f"  vectorised, chunks of {ARRAY_CHUNK:,}, event log     {array_best:10,.0f}  ({array_median:,.0f})"
        f"  target >= 100,000: ratio {array_best / 100_000:.2f}; >= 300,000: {array_best / 300_000:.2f}",
        f"  vectorised, chunks of {ARRAY_CHUNK:,}, no event log  {bare_best:10,.0f}  ({bare_median:,.0f})"
        f"  target >= 100,000: ratio {bare_best / 100_000:.2f}; >= 300,000: {bare_best / 300_000:.2f}",
        f"  vectorised / SimPy: {array_best / simpy_best:.1f} with the event log"
        f" (medians {array_median / simpy_median:.1f}), {bare_best / simpy_best:.1f} without"
        f" ({bare_median / simpy_median:.1f})",
    ]
    print("\n".join(lines), flush=True)

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        split = cost_split(compiled, work / "split", repeats)
        rows = split.pop("event-log rows")
        bare_engine = split.pop("engine, no event log")
        total = sum(split.values())
        lines = [
            "",
            f"one vectorised chunk of {ARRAY_CHUNK:,}, us per replication (best of {repeats};"
            f" {rows:.1f} event-log rows per replication)",
        ]
        for name, micros in split.items():
            lines.append(f"  {name:<22}{micros:8.1f}  {micros / total:4.0%}")
        lines.append(f"  {'total':<22}{total:8.1f}  = {1e6 / total:,.0f} replications/s for the whole chunk")
        dominant = max(split, key=split.__getitem__)
        no_log = total - split["engine"] + bare_engine - split["events table"] - split["write events"]
        lines += [
            f"  dominant: {dominant} ({split[dominant] / total:.0%})",
            f"  without the event log: engine {bare_engine:.1f} us, total {no_log:.1f} us"
            f" = {1e6 / no_log:,.0f} replications/s",
        ]
        print("\n".join(lines), flush=True)

        lines = [
            "",
            f"wargame run, {cli_n:,} replications, --workers 2 --no-report (vectorised engine, automatic chunk size)",
        ]
        for label, options in (("event log", []), ("--no-events", ["--no-events"])):
            seconds, gib, manifest = cli_run(cli_n, work, options)
            lines.append(
                f"  {label:<12} {seconds:6.1f} s  {cli_n / seconds:9,.0f} replications/s"
                f"  peak memory {gib:.2f} GiB (all processes), chunks of {manifest['chunk_size']:,}"
                + (f"; a million at this rate: about {seconds * 1_000_000 / cli_n:.0f} s" if cli_n < 1_000_000 else "")
            )
        print("\n".join(lines), flush=True)

        if not args.quick:
            big_n = 10_000_000
            options = ["--precision", "0.0001", "--metric", "offensive.launched", "--no-events"]
            seconds, gib, manifest = cli_run(big_n, work, options)
            done = manifest["replications"]
            print(
                f"\nwargame run, {big_n:,} replications, {' '.join(options)}, --workers 2 --no-report\n"
                f"  {seconds:.1f} s for {done:,} replications  {done / seconds:,.0f} replications/s"
                f"  peak memory {gib:.2f} GiB (all processes), chunks of {manifest['chunk_size']:,}",
                flush=True,
            )
    print(f"\nload average {psutil.getloadavg()[0]:.1f} at the end (other work on this machine slows every figure)")


if __name__ == "__main__":
    main()
