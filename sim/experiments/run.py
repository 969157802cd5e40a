"""Run an experiment: every design point a batch of the scenario, into one run directory.

All points share the experiment's seed, so replication i of every point starts from the
same stream (common random numbers): differences between points come from the factors,
not from luck. Work is shipped as (point, chunk) tasks to any backend; each finished
chunk is written atomically and an interrupted experiment resumes like a run.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.engine import SIMPY, CompiledScenario, prepare_samplers, run_chunk
from sim.experiments.design import design_table
from sim.experiments.settings import Setting, compile_setting, setting_for
from sim.experiments.spec import Experiment, experiment_data
from sim.mechanics.interpreter import MechanicsError
from sim.runner import store
from sim.runner.backends import BackendSpec
from sim.runner.batch import MAX_CHUNK
from sim.runner.loop import ChunkPlan, ChunkWork, Progress, run_chunks, utc_now, versions
from sim.runner.tables import replications_schema, replications_table
from sim.runner.work import ChunkResult, deliver
from sim.scenario import Scenario
from sim.statistics import wilson_intervals

POINT_COLUMN = "point"


@dataclass(frozen=True)
class ExperimentRequest:
    """What to run: an experiment, its scenario, where, and on which backend."""

    experiment: Experiment
    scenario: Scenario
    out: Path
    experiment_file: str | None = None
    chunk_size: int | None = None  # None: a point's replications in one chunk (at most MAX_CHUNK)
    backend: BackendSpec = BackendSpec("serial")


def experiment_hash(experiment: Experiment, scenario: Scenario) -> str:
    """Identifies an experiment on a scenario: a run directory holds results of exactly this."""
    text = json.dumps({"experiment": experiment_data(experiment), "scenario": scenario.content_hash()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def run_experiment(request: ExperimentRequest, progress: Progress | None = None) -> Path:
    """Run every design point; return the run directory (tables, points table; no report)."""
    experiment, scenario, out = request.experiment, request.scenario, request.out
    identity = experiment_hash(experiment, scenario)
    with store.exclusive(out):
        store.prepare_run_directory(out, identity)
        return _start(request, identity, progress)


def _start(request: ExperimentRequest, identity: str, progress: Progress | None) -> Path:
    experiment, scenario, out = request.experiment, request.scenario, request.out
    design = design_table(experiment.design, experiment.factors)
    chunk_size = request.chunk_size or min(experiment.replications, MAX_CHUNK)
    manifest: dict[str, Any] = {
        "format": 1,
        "kind": "experiment",
        "status": "running",
        "experiment": experiment.name,
        "title": experiment.title or experiment.name,
        "experiment_file": request.experiment_file,
        "scenario": scenario.name,
        "scenario_files": list(scenario.files),
        "scenario_hash": identity,  # the run directory's identity: experiment and scenario together
        "base_scenario_hash": scenario.content_hash(),
        "seed": experiment.seed,
        "replications_per_point": experiment.replications,
        "points": len(design),
        "chunk_size": chunk_size,
        "started_at": utc_now(),
        "versions": versions(),
        "experiment_as_run": experiment_data(experiment),
        "scenario_as_run": scenario.as_data(),
    }
    store.atomic_write_table(out / store.DESIGN, pa.Table.from_pandas(design, preserve_index=False))
    store.write_yaml(out / store.EXPERIMENT_AS_RUN, experiment_data(experiment), "# The experiment as run.\n")
    store.write_scenario_as_run(out, scenario.as_data())
    store.write_manifest(out, manifest)
    return _complete(out, manifest, request.backend, progress)


def resume_experiment(run_dir: Path, backend: BackendSpec, progress: Progress | None = None) -> Path:
    """Finish an interrupted experiment: compute only the chunks it lacks."""
    return store.resume(run_dir, "experiment", lambda path, manifest: _complete(path, manifest, backend, progress))


def _complete(out: Path, manifest: dict[str, Any], backend: BackendSpec, progress: Progress | None) -> Path:
    experiment = Experiment.model_validate(manifest["experiment_as_run"])
    design = pq.read_table(out / store.DESIGN).to_pandas()
    settings = [
        setting_for(experiment.factors, values).to_json()
        for values in design[list(experiment.factors)].to_dict("records")
    ]

    def write_points() -> None:
        points = points_table(out, experiment, design)
        store.atomic_write_table(out / store.POINTS, pa.Table.from_pandas(points, preserve_index=False))
        store.atomic_write_text(out / "points.csv", points.to_csv(index=False))

    replications, seed = experiment.replications, experiment.seed
    return run_points(out, manifest, settings, replications, seed, backend, progress, write_points)


def run_points(
    out: Path,
    manifest: dict[str, Any],
    settings: list[str],
    replications: int,
    seed: int,
    backend: BackendSpec,
    progress: Progress | None,
    finish: Callable[[], None] | None = None,
) -> Path:
    """Run `replications` of every point (its `Setting` as JSON; point k is settings[k]) into one table.

    Every point shares `seed`, so replication i of each starts from the same streams. The
    chunk loop (sim/runner/loop.py) keeps finished chunks, records an interruption, and
    marks the run complete once `finish` has written the caller's own tables.
    """
    scenario_json = json.dumps(manifest["scenario_as_run"])  # in the order written
    plan = ChunkPlan(replications, manifest["chunk_size"], len(settings))

    def arguments(index: int) -> tuple[Any, ...]:
        point, span = plan.point(index), plan.span(index)
        return (scenario_json, settings[point], seed, point, index, span.start, span.stop)

    work = ChunkWork(plan, compute_point_chunk, arguments, point_schema(scenario_json), lambda: _prepare(scenario_json))
    return run_chunks(out, manifest, work, backend, progress, finish)


@functools.lru_cache(maxsize=4)
def point_schema(scenario_json: str) -> pa.Schema:
    """The replications table of an experiment: the design point, then a run's columns."""
    compiled = compile_setting(json.loads(scenario_json), Setting())
    return pa.schema([pa.field(POINT_COLUMN, pa.int64(), nullable=False), *replications_schema(compiled)])


def compute_point_chunk(
    scenario_json: str,
    setting_json: str,
    seed: int,
    point: int,
    chunk_index: int,
    start: int,
    stop: int,
    run_dir: str | None,
    engine: str = SIMPY,
) -> ChunkResult:
    """Replications [start, stop) of one design point; written into `run_dir` if given, else returned.

    A replication that raises stops the run naming the point: here a failure is usually a
    course's or a design point's own (an option's mechanics, a factor's extreme value).
    """
    setting = Setting.from_json(setting_json)
    compiled = _compiled(scenario_json, setting_json)
    try:
        chunk = run_chunk(compiled, seed, range(start, stop), pins=setting.pins, engine=engine, events=False)
    except MechanicsError as exc:
        raise MechanicsError(f"{_point_words(point, setting)}: {exc}") from None
    schema = point_schema(scenario_json)
    rows = replications_table(chunk, pa.schema(list(schema)[1:]), compiled)
    table = rows.add_column(0, schema.field(POINT_COLUMN), pa.array(np.full(len(rows), point, dtype=np.int64)))
    return deliver(run_dir, chunk_index, table, None, None, chunk.note, {})


def _point_words(point: int, setting: Setting) -> str:
    if setting.course:
        return "course " + (", ".join(f"{lever}={option}" for lever, option in setting.course.items()))
    values = {**setting.fixed, **setting.weights, **setting.pins}
    return f"design point {point} (" + ", ".join(f"{name}={value:g}" for name, value in values.items()) + ")"


def _prepare(scenario_json: str) -> None:
    """The scenario's samplers, built before workers fork (design points share their shapes)."""
    prepare_samplers(compile_setting(json.loads(scenario_json), Setting()))


@functools.lru_cache(maxsize=64)
def _compiled(scenario_json: str, setting_json: str) -> CompiledScenario:
    """A design point's compiled scenario, built once per worker process."""
    return compile_setting(json.loads(scenario_json), Setting.from_json(setting_json))


def points_table(out: Path, experiment: Experiment, design: pd.DataFrame) -> pd.DataFrame:
    """One row per design point: its factor values, then each outcome with its 95% interval.

    Yes/no outcomes get the probability and its Wilson interval; numeric ones the mean of
    the replications that have a value, with a normal interval from its standard error.
    """
    columns = [POINT_COLUMN, *experiment.outcomes]
    rows = pq.read_table(out / store.REPLICATIONS, columns=columns).to_pandas()
    grouped = rows.groupby(POINT_COLUMN, sort=True)
    table = design.set_index(POINT_COLUMN)
    z = 1.959963984540054  # two-sided 95%
    for name in experiment.outcomes:
        series = grouped[name]
        if pd.api.types.is_bool_dtype(rows[name]):
            successes, trials = series.sum(), series.count()
            table[name] = successes / trials
            table[f"{name}_ci_low"], table[f"{name}_ci_high"] = wilson_intervals(successes, trials)
        else:
            mean, sd, count = series.mean(), series.std(ddof=1), series.count()
            half = z * sd / np.sqrt(count.clip(lower=1))
            table[name] = mean
            table[f"{name}_ci_low"] = mean - half
            table[f"{name}_ci_high"] = mean + half
        table[f"{name}_n"] = series.count()
    return table.reset_index()


def expected_points(experiment: Experiment) -> int:
    """Design points including the one-at-a-time points (for messages before running)."""
    return len(design_table(experiment.design, experiment.factors))
