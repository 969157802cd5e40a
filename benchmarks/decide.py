"""Time `wargame decide` on the baseline's courses of action against a plain run of as many replications.

    python benchmarks/decide.py --quick   # 8 courses x 250 replications, 3 rounds (about half a minute)
    python benchmarks/decide.py           # all 54 courses x 1,000 replications, 2 rounds (a few minutes)

Prints, for scenarios/decisions/baseline.yaml on 2 worker processes (vectorised engine):
- courses, replications, wall time and replications per second of `run_decision` (the
  tables `wargame decide` writes before its report), best and median of interleaved rounds;
- the same for `run_batch` of scenarios/baseline.yaml with as many replications in all and no
  event log (a decision run keeps none), at its automatic chunk size, and the ratio of the two;
- the decision report's own time (analysis, bootstrap, figures, CSV), measured once;
- on one core, where a course's extra cost comes from: compiling a course's scenario, and a
  vectorised chunk of a course's size against a chunk of the plain run's size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil
from throughput import code_version  # the same commit stamp as the other benchmarks (this folder is on sys.path)

from sim.decisions.courses import courses_of
from sim.decisions.run import DecisionRequest, run_decision
from sim.engine import VECTORISED, CompiledScenario, compile_course, compile_scenario, run_chunk
from sim.runner import store
from sim.runner.backends import BackendSpec
from sim.runner.batch import BatchRequest, automatic_chunk_size, run_batch
from sim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
DECISIONS = REPO / "scenarios" / "decisions" / "baseline.yaml"
BASELINE = REPO / "scenarios" / "baseline.yaml"
SEED = 1


def timed_runs(folder: Path, make: Callable[[Path], Path]) -> Callable[[], tuple[float, dict]]:
    """A measure: wall seconds of one whole run into a fresh directory, and its manifest."""
    rounds = iter(range(1, 10**6))

    def measure() -> tuple[float, dict]:
        out = folder / f"run-{next(rounds)}"
        started = time.perf_counter()
        make(out)
        elapsed = time.perf_counter() - started
        return elapsed, store.read_manifest(out)

    return measure


def one_core_split(
    decisions: CompiledScenario, baseline: CompiledScenario, courses: int, runs: int, plain_chunk: int
) -> list[str]:
    """What a course adds on one core: its compilation, and its chunk size against the plain run's."""
    scenario = decisions.scenario
    data = scenario.as_data()
    chosen = courses_of(scenario.levers, courses, SEED)
    started = time.perf_counter()
    for course in chosen:
        compile_course(data, course)
    compile_seconds = (time.perf_counter() - started) / len(chosen)
    run_chunk(baseline, SEED, range(1_000), engine=VECTORISED, events=False)  # warm up the samplers

    def rate(size: int, start: int) -> float:
        best = float("inf")
        for k in range(2):
            first = start + k * size
            began = time.perf_counter()
            run_chunk(baseline, SEED, range(first, first + size), engine=VECTORISED, events=False)
            best = min(best, time.perf_counter() - began)
        return size / best

    course_rate, plain_rate = rate(runs, 10**6), rate(plain_chunk, 2 * 10**6)
    return [
        "",
        "one core, the baseline's engine without the event log (best of 2)",
        f"  compiling a course's scenario       {compile_seconds * 1000:8.1f} ms"
        f"  ({compile_seconds * len(chosen):.2f} s for all {len(chosen)})",
        f"  chunk of {runs:>6,} (a course)        {course_rate:8,.0f} replications/s"
        f"  {1 / course_rate * 1e6:8.0f} us a replication",
        f"  chunk of {plain_chunk:>6,} (the plain run)    {plain_rate:8,.0f} replications/s"
        f"  {1 / plain_rate * 1e6:8.0f} us a replication",
        f"  small-chunk penalty: {plain_rate / course_rate:.1f}x per replication",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 courses x 250 replications, 3 rounds")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    courses, runs, rounds = (8, 250, 3) if args.quick else (54, 1_000, 2)
    backend = BackendSpec("processes", workers=args.workers, engine=VECTORISED)
    decisions = compile_scenario(load_scenario(DECISIONS))
    baseline = compile_scenario(load_scenario(BASELINE))
    total = courses * runs
    plain_chunk = automatic_chunk_size(total, VECTORISED)
    print(
        f"{'quick' if args.quick else 'full'} run on {psutil.cpu_count()} cores, {args.workers} workers"
        f" (load average {psutil.getloadavg()[0]:.1f} at the start), {code_version()}",
        flush=True,
    )

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        measures = {
            "decide": timed_runs(
                work / "decide",
                lambda out: run_decision(DecisionRequest(decisions, runs, SEED, out, courses, backend=backend)),
            ),
            "plain": timed_runs(
                work / "plain",
                lambda out: run_batch(BatchRequest(baseline, total, SEED, out, None, backend, events=False)),
            ),
        }
        samples: dict[str, list[float]] = {name: [] for name in measures}
        manifests: dict[str, dict] = {}
        for _ in range(rounds):
            for name, measure in measures.items():
                seconds, manifests[name] = measure()
                samples[name].append(seconds)
        decided = manifests["decide"]
        if decided["courses"] != courses or decided["replications"] != total:
            raise SystemExit(f"expected {courses} courses x {runs}, ran {decided['courses']} x {runs}")
        started = time.perf_counter()
        from sim.report.decision import write_decision_report  # matplotlib loads only here, as in the command

        write_decision_report(work / "decide" / "run-1")
        report_seconds = time.perf_counter() - started

    best = {name: min(values) for name, values in samples.items()}
    median = {name: float(np.median(values)) for name, values in samples.items()}
    lines = [
        "",
        f"wall time, best of {rounds} interleaved rounds (median), {args.workers} worker processes",
        f"  wargame decide work   {courses:>3} courses x {runs:>6,} = {total:>7,} replications, chunks of {runs:,}:"
        f"  {best['decide']:6.1f} s ({median['decide']:.1f})  {total / best['decide']:8,.0f} replications/s",
        f"  plain baseline run                  {total:>7,} replications, chunks of {plain_chunk:,}:"
        f"  {best['plain']:6.1f} s ({median['plain']:.1f})  {total / best['plain']:8,.0f} replications/s",
        f"  ratio decide / plain, replications per second: {best['plain'] / best['decide']:.2f}"
        f" (medians {median['plain'] / median['decide']:.2f}); the decide run takes"
        f" {best['decide'] / best['plain']:.1f}x as long",
        f"  decision report of that run (analysis, bootstrap, figures, CSV): {report_seconds:.1f} s",
    ]
    print("\n".join(lines), flush=True)
    print("\n".join(one_core_split(decisions, baseline, courses, runs, plain_chunk)), flush=True)
    print(f"\nload average {psutil.getloadavg()[0]:.1f} at the end (other work on this machine slows every figure)")


if __name__ == "__main__":
    main()
