"""Throughput, scaling, engine overhead and memory of baseline runs.

    python benchmarks/throughput.py           # the full figures (a million replications: minutes)
    python benchmarks/throughput.py --quick   # the same figures from fewer replications (under a minute)

Prints, for scenarios/baseline.yaml:
- replications per second on one core (the engine alone, and a whole serial batch with its files);
- parallel efficiency at 2 workers: throughput at 2 / (2 x throughput at 1), whole batches;
- the engine's overhead against a bare SimPy model with the same number of events and
  random draws per replication;
- events per replication (SimPy events scheduled, and rows of the event log);
- wall time and peak memory (all processes) of a run of N replications through the CLI.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
import simpy

from sim.engine import CompiledScenario, compile_scenario, replication_stream, run_chunk
from sim.runner.backends import BackendSpec
from sim.runner.batch import BatchRequest, run_batch
from sim.scenario import load_scenario

ROUNDS = 5  # engine and bare-model timings: best of this many interleaved rounds
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def engine_rate(compiled: CompiledScenario, replications: int) -> float:
    started = time.perf_counter()
    for start in range(0, replications, 1000):
        run_chunk(compiled, 1, range(start, min(start + 1000, replications)))
    return replications / (time.perf_counter() - started)


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


def batch_rates(
    compiled: CompiledScenario, replications: int, backend: BackendSpec, folder: Path
) -> tuple[float, float]:
    """(whole batch, steady state) replications per second. Steady state leaves out the time
    to the first finished chunk (starting workers) and after the last (joining the tables)."""
    out = folder / f"batch-{backend.kind}-{backend.worker_count()}"
    marks: list[tuple[float, int]] = []
    started = time.perf_counter()
    request = BatchRequest(compiled, replications, 1, out, chunk_size=500, backend=backend)
    run_batch(request, lambda done, planned: marks.append((time.perf_counter(), done)))
    elapsed = time.perf_counter() - started
    shutil.rmtree(out)
    (first_time, first_done), (last_time, last_done) = marks[1], marks[-1]
    return replications / elapsed, (last_done - first_done) / (last_time - first_time)


class CountingEnvironment(simpy.Environment):
    """An Environment that counts the events it schedules and the draws made on its behalf."""

    scheduled = 0

    def schedule(self, event, priority=1, delay=0):  # type: ignore[no-untyped-def]  # SimPy's own signature
        CountingEnvironment.scheduled += 1
        super().schedule(event, priority, delay)


class CountingGenerator:
    """Wraps a numpy Generator to count the random numbers drawn from it."""

    def __init__(self, generator: np.random.Generator):
        self.generator, self.draws = generator, 0

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]  # proxies any Generator method
        method = getattr(self.generator, name)

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            result = method(*args, **kwargs)
            self.draws += int(np.size(result))
            return result

        return counted


def events_and_draws(compiled: CompiledScenario, replications: int) -> tuple[float, float, float]:
    """Mean SimPy events scheduled, random numbers drawn and event-log rows per replication."""
    import sim.engine as engine
    import sim.mechanics.interpreter as interpreter

    original_environment, original_stream = interpreter.simpy.Environment, engine.replication_stream
    streams: list[CountingGenerator] = []

    def counting_stream(seed: int, index: int) -> CountingGenerator:
        stream = CountingGenerator(original_stream(seed, index))
        streams.append(stream)
        return stream  # type: ignore[return-value]  # duck-typed Generator

    interpreter.simpy.Environment = CountingEnvironment  # type: ignore[misc]
    engine.replication_stream = counting_stream  # type: ignore[assignment]
    CountingEnvironment.scheduled = 0
    try:
        chunk = run_chunk(compiled, 1, range(replications))
    finally:
        interpreter.simpy.Environment, engine.replication_stream = original_environment, original_stream
    draws = sum(stream.draws for stream in streams)
    return CountingEnvironment.scheduled / replications, draws / replications, len(chunk.events) / replications


FIRST_EDITION_COMMIT = "8cea150"  # the last commit with the hand-written model (sim/model/)
FIRST_EDITION_SCRIPT = """
import sys, time
sys.path.insert(0, sys.argv[1])
from sim.engine import compile_scenario, run_chunk
from sim.scenario import load_scenario
compiled = compile_scenario(load_scenario(sys.argv[1] + "/scenarios/baseline.yaml"))
run_chunk(compiled, 1, range(200))
replications, rounds = int(sys.argv[2]), int(sys.argv[3])
for _ in range(rounds):
    started = time.perf_counter()
    for start in range(0, replications, 1000):
        run_chunk(compiled, 1, range(start, min(start + 1000, replications)))
    print(replications / (time.perf_counter() - started), flush=True)
"""


def first_edition_checkout(folder: Path) -> Path:
    """A worktree of the last commit with the hand-written model, to time it beside the language."""
    checkout = folder / "first-edition"
    repository = Path(__file__).resolve().parents[1]
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(checkout), FIRST_EDITION_COMMIT],
        cwd=repository,
        check=True,
        capture_output=True,
    )
    return checkout


class FirstEdition:
    """The first edition's engine in its own interpreter, timed a round at a time on demand."""

    def __init__(self, checkout: Path, replications: int, rounds: int):
        self.process = subprocess.Popen(
            [sys.executable, "-c", FIRST_EDITION_SCRIPT, str(checkout), str(replications), str(rounds)],
            stdout=subprocess.PIPE,
            text=True,
        )

    def rate(self) -> float:
        assert self.process.stdout is not None
        return float(self.process.stdout.readline())


def bare_simpy_rate(events: float, draws: float, replications: int, samplers: list[Sampler] | None = None) -> float:
    """A bare SimPy model: per replication, its own seeded stream, the same number of random
    draws, and processes that schedule the same number of events. No model logic, no records.

    Without `samplers` every draw is a plain uniform or exponential. With them, the
    parameters are drawn as a hand-written model would draw them, one numpy sampler call
    each from the same families (beta for PERT, lognormal, triangular...), and the rest of
    the draws stay plain.
    """
    processes = 8
    per_process = max(1, round(events / processes) - 2)  # each process also schedules its start and end
    plain = max(0, round(draws) - processes * per_process - len(samplers or []))

    def process(env: simpy.Environment, delays: np.ndarray):  # type: ignore[no-untyped-def]
        for delay in delays:
            yield env.timeout(delay)

    started = time.perf_counter()
    for index in range(replications):
        rng = replication_stream(1, index)
        for sampler in samplers or []:
            sampler(rng)
        rng.random(plain)
        env = simpy.Environment()
        for _ in range(processes):
            env.process(process(env, rng.exponential(1.0, per_process)))
        env.run()
    return replications / (time.perf_counter() - started)


Sampler = Callable[[np.random.Generator], object]


def native_samplers(compiled: CompiledScenario) -> list[Sampler]:
    """One numpy sampler per parameter, from the same family, as a bare model would draw it."""
    from sim.scenario import distributions as d

    def sampler(dist: d.DistributionBase) -> Sampler:
        if isinstance(dist, d.Uniform):
            return lambda rng: rng.uniform(dist.low, dist.high)
        if isinstance(dist, d.Triangular):
            return lambda rng: rng.triangular(dist.low, dist.mode, dist.high)
        if isinstance(dist, d.Pert):
            a, b = dist.beta_shape()
            return lambda rng: dist.low + (dist.high - dist.low) * rng.beta(a, b)
        if isinstance(dist, d.Normal):
            return lambda rng: rng.normal(dist.mean, dist.sd)
        if isinstance(dist, d.LogNormal):
            return lambda rng: rng.lognormal(math.log(dist.median), dist.sigma)
        if isinstance(dist, d.Beta):
            return lambda rng: rng.beta(dist.alpha, dist.beta)
        if isinstance(dist, d.Mixture):
            parts = [sampler(c) for c in dist.components]
            weights = np.array([c.weight or 0.0 for c in dist.components])
            return lambda rng: parts[int(np.searchsorted(np.cumsum(weights), rng.random()))](rng)
        return lambda rng: rng.random()  # fixed, bernoulli, categorical: one uniform

    hypothesis = next(iter(compiled.hypothesis_weights))
    return [lambda rng: rng.random()] + [sampler(dist) for dist in compiled.distributions[hypothesis].values()]


def cli_run(replications: int, folder: Path) -> tuple[float, float]:
    """Wall time and peak memory (parent and workers together) of `wargame run`, no report."""
    out = folder / "cli-run"
    command = [sys.executable, "-m", "sim.cli", "run", str(BASELINE), "--runs", str(replications), "--seed", "1"]
    command += ["--out", str(out), "--no-report", "--quiet"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    parent, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"wargame run failed with exit code {process.returncode}")
    shutil.rmtree(out)
    return elapsed, peak / 2**30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer replications: under a minute")
    parser.add_argument(
        "--first-edition",
        action="store_true",
        help=f"also time the hand-written model it replaced (a git worktree of {FIRST_EDITION_COMMIT})",
    )
    args = parser.parse_args()
    engine_n, batch_n, big_n = (5_000, 12_000, 50_000) if args.quick else (20_000, 60_000, 1_000_000)
    compiled = compile_scenario(load_scenario(BASELINE))
    run_chunk(compiled, 1, range(200))  # warm up imports and caches

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        events, draws, log_rows = events_and_draws(compiled, 2_000)
        samplers = native_samplers(compiled)
        measures = {
            "engine": lambda: engine_rate(compiled, engine_n // ROUNDS),
            "bare": lambda: bare_simpy_rate(events, draws, 2_000),
            "bare native": lambda: bare_simpy_rate(events, draws, 2_000, samplers),
        }
        if args.first_edition:
            first = FirstEdition(first_edition_checkout(work), engine_n // ROUNDS, ROUNDS)
            measures["first edition"] = first.rate
        rates = interleaved_rates(measures, ROUNDS)
        per_core, per_core_median = rates["engine"]
        bare, bare_median = rates["bare"]
        bare_native = rates["bare native"][0]
        serial, serial_steady = batch_rates(compiled, batch_n, BackendSpec("serial"), work)
        parallel, parallel_steady = batch_rates(compiled, batch_n, BackendSpec("processes", workers=2), work)
        big_seconds, big_gib = cli_run(big_n, work)

    lines = [
        f"baseline scenario, {'quick' if args.quick else 'full'} run on {psutil.cpu_count()} cores",
        f"replications/s, one core, engine only        {per_core:9,.0f}  target >= 5,000: ratio {per_core / 5000:.2f}"
        f"  (best of {ROUNDS} rounds; median {per_core_median:,.0f})",
        f"replications/s, one core, whole batch        {serial:9,.0f}  (steady state {serial_steady:,.0f})",
        f"replications/s, 2 workers, whole batch       {parallel:9,.0f}  (steady state {parallel_steady:,.0f})",
        f"parallel efficiency at 2 workers, batch      {parallel / (2 * serial):9.2f}  target >= 0.9",
        f"parallel efficiency at 2 workers, steady     {parallel_steady / (2 * serial_steady):9.2f}",
        f"bare SimPy model, same events and draws      {bare:9,.0f}  replications/s",
        f"overhead ratio, engine time / bare time      {bare / per_core:9.2f}  target <= 2"
        f"  (best rounds; medians give {bare_median / per_core_median:.2f})",
        f"bare SimPy model drawing parameters natively  {bare_native:9,.0f}  replications/s",
        f"overhead ratio against that model            {bare_native / per_core:9.2f}  target <= 2",
        f"SimPy events per replication                 {events:9.1f}",
        f"random numbers drawn per replication         {draws:9.1f}",
        f"event-log rows per replication               {log_rows:9.1f}",
        f"{big_n:,} replications via the CLI: {big_seconds:.1f} s, peak memory {big_gib:.2f} GiB (all processes)",
        # The same ratio over the big run: start-up (about a second a worker) is spread over it.
        f"parallel efficiency at 2 workers, that run   {big_n / big_seconds / (2 * serial):9.2f}"
        "  (its rate against 2 x the one-core batch rate)",
    ]
    if args.first_edition:
        first_rate, first_median = rates["first edition"]
        lines.insert(
            2,
            f"replications/s, one core, first edition      {first_rate:9,.0f}  language / hand-written:"
            f" {per_core / first_rate:.2f}  (medians {per_core_median / first_median:.2f})",
        )
        subprocess.run(["git", "worktree", "prune"], cwd=BASELINE.parents[1], check=False)
    if big_n < 1_000_000:
        lines.append(
            f"  at that rate 1,000,000 take about {big_seconds * 1_000_000 / big_n:.0f} s (target < 120 s, < 1 GiB)"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
