"""The Python API, for notebooks and scripts: what the `wargame` command does, as functions.

    import sim

    scenario = sim.load("scenarios/baseline.yaml")           # ScenarioError if anything is wrong
    run = sim.run(scenario, runs=2000, seed=1)               # a Run: the run directory, opened
    run.probabilities()                                      # the report's table of yes/no outcomes
    faster = sim.vary(scenario, time_to_ready_days=5, assumption="the force is ready in five days")
    sim.run(faster, runs=2000, seed=1).probabilities()

The command line calls these same functions (`wargame run` is `run`, `wargame decide` is
`decide`...), so a table made here is the table the command makes from the same scenario
and seed. Mistakes are reported as the command reports them: `ScenarioError` (one
`FILE:LINE:COL: field: message` problem each), `OptionError` (options that do not fit
together, named as the command line spells them: `--precision` is `precision=`),
`RunDirectoryError` (a run directory that cannot be used as asked). Reference: docs/api.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sim
from sim.decisions.courses import MAX_COURSES, RUNS_PER_COURSE
from sim.engine import (
    ENGINES,
    SIMPY,
    VECTORISED,
    CompiledScenario,
    Replayed,
    compile_scenario,
    replay_replication,
    unsupported,
)
from sim.runner import store
from sim.runner.backends import BackendError as BackendError  # re-exported: sim.__all__
from sim.runner.backends import BackendSpec
from sim.runner.batch import BatchRequest, Precision, new_seed, resume_batch, run_batch, yes_no_outcomes
from sim.runner.batch import RunInterrupted as RunInterrupted  # re-exported: sim.__all__
from sim.runner.loop import MAX_REPLICATIONS
from sim.runner.store import RunDirectoryError, check_run_directory, read_manifest
from sim.scenario import Problem, Scenario, ScenarioError, load_scenario
from sim.scenario.outcomes import did_you_mean

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.evidence.run_assessment import RunAssessment
    from sim.experiments.run import ExperimentRequest
    from sim.forecast.run_scores import RunScores
    from sim.report.decision import DecisionAnalysis

__all__ = list(sim.__all__)  # one list of the public names: sim/__init__.py, which loads this lazily

ProgressOption = bool | Callable[[int, int], None]
Announce = Callable[[str], None]
PathLike = str | Path


class OptionError(ValueError):
    """Options that do not fit together; the command line reports it in one line, exit code 2."""


# Defined with the work they describe, and loaded only when used (evidence and scoring load more).
_ELSEWHERE = {
    "EvidenceImpossible": "sim.evidence.assessment",
    "RunAssessment": "sim.evidence.run_assessment",
    "RunScores": "sim.forecast.run_scores",
}


def __getattr__(name: str) -> Any:
    if name in _ELSEWHERE:
        import importlib

        return getattr(importlib.import_module(_ELSEWHERE[name]), name)
    raise AttributeError(f"module 'sim.api' has no attribute {name!r}")


# Loading and changing scenarios ---------------------------------------------------------


def load(path: PathLike) -> Scenario:
    """Load a scenario file and check it as `wargame validate` does; raise ScenarioError if it is wrong.

    The file's `extends` chain is merged; the scenario is checked field by field, across
    fields, and against what the model reads (its mechanics compile). Every problem is in
    the error's `problems`, each printing as `FILE:LINE:COL: field: message`.
    """
    scenario = load_scenario(Path(path))
    compile_scenario(scenario)
    return scenario


def vary(
    scenario: Scenario | PathLike,
    *,
    assumption: str,
    name: str | None = None,
    title: str | None = None,
    **parameters: Any,
) -> Scenario:
    """A copy of a scenario with some parameters fixed or given new distributions, checked like a file.

    Each keyword names a parameter: a number (or yes/no, or category name) fixes it; a
    mapping such as `{"dist": "uniform", "low": 5, "high": 10}` (or a distribution object)
    gives it a new distribution. `assumption` is required: it becomes each changed
    parameter's `assumption:` (a mapping's own `source:` or `assumption:` wins), so the
    report's provenance says why. A parameter a hypothesis overrides is changed under every
    hypothesis (the override is dropped), as an experiment's fixed factor is. `name` and
    `title` rename the copy (its default run directory is `results/<name>/`).
    Raises ScenarioError (the copy's own problems read `vary(NAME): field: message`) or
    OptionError (no parameters, no assumption).
    """
    from sim.scenario.loader import scenario_from_data

    if not isinstance(assumption, str) or not assumption.strip():
        raise OptionError("vary: give the reason for the change as assumption='...' (every number needs its grounds)")
    if not parameters:
        raise OptionError("vary: name a parameter to change, e.g. vary(scenario, NAME=VALUE, assumption=...)")
    base = scenario if isinstance(scenario, Scenario) else load(scenario)
    data = base.as_data()
    where = Path(f"vary({name or base.name})")
    problems = []
    for parameter, value in parameters.items():
        if parameter not in data["parameters"]:
            message = f"no such parameter in {base.name!r}{did_you_mean(parameter, data['parameters'])}"
            problems.append(Problem(None, f"parameters.{parameter}", message, file=where))
            continue
        data["parameters"][parameter] = _distribution_data(value, assumption)
        for hypothesis in data["hypotheses"].values():
            hypothesis.get("overrides", {}).pop(parameter, None)
    if problems:
        raise ScenarioError(problems)
    if name is not None:
        data["name"] = name
    if title is not None:
        data["title"] = title
    changed = ", ".join(parameters)
    data["description"] = f"{data.get('description', '')}\n\nChanged from Python ({changed}): {assumption}".strip()
    changed_paths = {("parameters", p) for p in parameters} | {
        ("hypotheses", h, "overrides", p) for h in data["hypotheses"] for p in parameters
    }
    positions = {
        at: position
        for at, position in base._positions.items()
        if not any(at[: len(path)] == path for path in changed_paths)
    }
    try:
        varied = scenario_from_data(data, positions, base.files)
        problems = [
            varied.located(("parameters", p), f"was a {base.parameters[p].kind}; give it a {base.parameters[p].kind}")
            for p in parameters
            if varied.parameters[p].kind != base.parameters[p].kind
        ]
        if problems:
            raise ScenarioError(problems)
        compile_scenario(varied)
    except ScenarioError as exc:
        raise ScenarioError([_placed(problem, set(parameters), where) for problem in exc.problems]) from None
    return varied


def _distribution_data(value: Any, assumption: str) -> dict[str, Any]:
    from sim.scenario.distributions import DistributionBase

    if isinstance(value, DistributionBase):
        value = value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, Mapping):
        entry = dict(value)
        if not entry.get("source") and not entry.get("assumption"):
            entry["assumption"] = assumption
        return entry
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    return {"dist": "fixed", "value": value, "assumption": assumption}


def _placed(problem: Problem, changed: set[str], where: Path) -> Problem:
    """A problem in a changed parameter is the call's, not a line of the file it came from."""
    parts = problem.field.split(".")
    if len(parts) >= 2 and parts[0] == "parameters" and parts[1] in changed:
        return dataclasses.replace(problem, position=None, file=where)
    return problem


def _scenario(scenario: Scenario | PathLike) -> CompiledScenario:
    return compile_scenario(scenario if isinstance(scenario, Scenario) else load_scenario(Path(scenario)))


def params(scenario: Scenario | PathLike) -> pd.DataFrame:
    """Every name a scenario defines, as `wargame params` lists them: one row each, with columns kind
    (parameter, hypothesis, actor, state, variable, date, lever), name, value (a distribution, weight,
    initial state...), source (a claim id, or "assumption"), overridden_by and meaning."""
    import pandas as pd

    from sim.scenario.names import NameRow, rows_as_data, scenario_names

    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(Path(scenario))
    columns = [field.name for field in dataclasses.fields(NameRow)]
    return pd.DataFrame(rows_as_data(scenario_names(loaded)), columns=columns)


def show(scenario: Scenario | PathLike) -> str:
    """The scenario merged with its bases as YAML with no `extends` (`wargame show`): it loads as the same
    scenario (same content hash). The files' comments are kept; a scenario changed in Python (`vary`)
    is written from its data, without them."""
    from sim.scenario.show import merged_yaml, plain_yaml

    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(Path(scenario))
    files = loaded.files
    if files and all(Path(file).is_file() for file in files):
        if load_scenario(files[0]).content_hash() == loaded.content_hash():
            return merged_yaml(files)
    return plain_yaml(loaded.as_data(), f"{loaded.name}: made in Python, written from its data (`sim.show`)")


# Where and how replications run ---------------------------------------------------------


def backend_spec(
    workers: int | None = None,
    dask_workers: int | None = None,
    scheduler: str | None = None,
    engine: str | None = None,
) -> BackendSpec:
    """Where replications run, from the options every running command takes (OptionError if they clash)."""
    if scheduler and dask_workers:
        raise OptionError("--scheduler or --dask-workers: a running cluster or a local one, not both")
    engine = engine or VECTORISED
    if engine not in ENGINES:
        raise OptionError(f"--engine: {engine!r} is not an engine (choose from {', '.join(ENGINES)})")
    for option, value in (("--workers", workers), ("--dask-workers", dask_workers)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise OptionError(f"{option}: must be at least 1, got {value}")
    if scheduler:
        return BackendSpec("dask", scheduler=scheduler, engine=engine)
    if dask_workers:
        return BackendSpec("dask", workers=dask_workers, engine=engine)
    if workers == 1:
        return BackendSpec("serial", engine=engine)
    return BackendSpec("processes", workers=workers, engine=engine)


def default_run_dir(name: str) -> Path:
    """`results/<name>/<UTC time>/`, with `-2`, `-3`... added if that folder exists."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    base = Path("results") / name / stamp
    candidate, suffix = base, 1
    while candidate.exists():
        suffix += 1
        candidate = base.with_name(f"{stamp}-{suffix}")
    return candidate


def engine_phrase(compiled: CompiledScenario, backend: BackendSpec) -> str:
    """Which engine runs the scenario, and why not the one asked for when it falls back."""
    if backend.engine == VECTORISED:
        reason = unsupported(compiled)
        if reason:
            return f"SimPy engine (the vectorised one cannot: {reason})"
        return "vectorised engine"
    return "SimPy engine"


@contextmanager
def _progress(progress: ProgressOption) -> Iterator[Callable[[int, int], None] | None]:
    """A callable as it is; True: the command line's display (a bar on a terminal, lines otherwise)."""
    if callable(progress):
        yield progress
        return
    from sim.progress import progress_display

    with progress_display(quiet=not progress) as update:
        yield update


def _carry_out(
    text: str,
    work: Callable[[Callable[[int, int], None] | None], Path],
    progress: ProgressOption,
    announce: Announce | None,
    report: bool,
) -> Run:
    """Say what is about to run, run it under the progress display, and open the result: a decision
    run's tables are written always, the report unless `report` is false."""
    if announce:
        announce(text)
    with _progress(progress) as update:
        result = Run(work(update))
    if result.kind == "decision":
        result._write_decision_tables()
    if report:
        result.report()
    return result


def _positive(option: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise OptionError(f"{option}: must be at least 1, got {value}")
    if option == "--runs" and value is not None and value > MAX_REPLICATIONS:
        raise OptionError(f"--runs: at most {MAX_REPLICATIONS:,} (docs/running.md, How many), got {value:,}")


class ReplicationsFailed(Exception):
    """More replications raised than `max_failures` allows; the run is complete and written all the same."""

    def __init__(self, run_dir: Path, failures: int, max_failures: int):
        import pyarrow.parquet as pq

        self.run_dir, self.failures, self.max_failures = run_dir, failures, max_failures
        first = pq.read_table(run_dir / store.FAILURES, columns=["replication"]).column(0)[0].as_py()
        super().__init__(
            f"{failures:,} replication{'s' if failures != 1 else ''} failed (more than --max-failures "
            f"{max_failures}); they are listed in {run_dir / store.FAILURES}; see one with: "
            f"wargame replay {run_dir} --replication {first}"
        )


def _within_failures(result: Run, max_failures: int | None) -> Run:
    """The run, unless more replications failed than allowed: then ReplicationsFailed (after all is written)."""
    _non_negative("--max-failures", max_failures)
    failures = result.manifest.get("failures", 0)
    if max_failures is not None and failures > max_failures:
        raise ReplicationsFailed(result.path, failures, max_failures)
    return result


def _non_negative(option: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise OptionError(f"{option}: must be 0 or more, got {value}")


# Running ---------------------------------------------------------------------------------


def run(
    scenario: Scenario | PathLike,
    *,
    runs: int = 2_000,
    seed: int | None = None,
    out: PathLike | None = None,
    workers: int | None = None,
    dask_workers: int | None = None,
    scheduler: str | None = None,
    engine: str = VECTORISED,
    chunk_size: int | None = None,
    events: bool = True,
    precision: float | None = None,
    metric: str | None = None,
    progress: ProgressOption = False,
    report: bool = True,
    announce: Announce | None = None,
    max_failures: int | None = None,
) -> Run:
    """Run replications of a scenario (a Scenario, or a file's path) into a run directory; return the Run.

    As `wargame run`: `runs` replications from root `seed` (default: a fresh one, kept in
    the manifest) into `out` (default `results/<name>/<UTC time>/`); `workers` local
    processes (1: this process; default: one per core), or `dask_workers` in a local Dask
    cluster, or a running cluster at `scheduler`; `engine` "vectorised" or "simpy" (same
    numbers); `events=False` writes no event log; `precision` and `metric` together stop
    once P(metric) is known to +/- precision. `progress`: True shows the command's display,
    a callable is called with (done, planned). `report=False` skips report.html (the
    tables are written either way). `announce` is called once with a line saying what is
    about to run. Ctrl-C raises RunInterrupted; `resume(path)` finishes the run. A replication
    that raises is left out and listed in failures.parquet; past `max_failures` of them (None:
    no limit) ReplicationsFailed is raised once everything is written.
    """
    backend = backend_spec(workers, dask_workers, scheduler, engine)
    _positive("--runs", runs)
    _non_negative("--max-failures", max_failures)
    _positive("--chunk-size", chunk_size)
    if (precision is None) != (metric is None):
        raise OptionError("--precision and --metric go together")
    if precision is not None and not 0 < precision < 1:
        raise OptionError(f"--precision: must lie between 0 and 1, got {precision}")
    compiled = _scenario(scenario)
    target = None
    if precision is not None and metric is not None:
        known = yes_no_outcomes(compiled)
        if metric not in known:
            spec = compiled.outcomes.get(metric)
            if spec is not None and spec.actor is not None and spec.state is None:  # an actor: offer its states
                states = [name for name in known if compiled.outcomes[name].actor == metric]
                raise OptionError(
                    f"--metric: {metric!r} is an actor (its column is its final state); "
                    f"a yes/no outcome is one of its states: {', '.join(states)}"
                )
            raise OptionError(f"--metric: {metric!r} is not a yes/no outcome{did_you_mean(metric, known)}")
        target = Precision(precision, metric)
    request = BatchRequest(
        compiled=compiled,
        replications=runs,
        seed=new_seed() if seed is None else seed,
        out=Path(out) if out is not None else default_run_dir(compiled.scenario.name),
        chunk_size=chunk_size,
        backend=backend,
        precision=target,
        events=events,
    )
    check_run_directory(request.out, compiled.scenario.content_hash())
    text = (
        f"running {'up to ' if request.precision else ''}{request.replications:,} replications of "
        f"{compiled.scenario.name!r} on {backend.describe()}, {engine_phrase(compiled, backend)}, "
        f"seed {request.seed}"
    )
    result = _carry_out(text, lambda update: run_batch(request, update), progress, announce, report)
    return _within_failures(result, max_failures)


def resume(
    path: PathLike,
    *,
    workers: int | None = None,
    dask_workers: int | None = None,
    scheduler: str | None = None,
    engine: str | None = None,
    events: bool | None = None,
    kind: str | None = None,
    progress: ProgressOption = False,
    report: bool = True,
    announce: Announce | None = None,
    max_failures: int | None = None,
) -> Run:
    """Finish an interrupted run, experiment or decision run: compute only what is missing; return the Run.

    Its scenario, seed and chunk plan come from its manifest. A plain run finishes on the
    engine it started on (`engine` may only repeat it; `events=False` is refused on a run
    that writes its event log). `kind` ("run", "experiment", "decision") refuses a
    directory of another kind. A complete run computes nothing. `report=False` skips the
    report (a decision run's CSV tables are written either way). `max_failures` as for `run`.
    """
    from sim.decisions.run import resume_decision
    from sim.experiments.run import resume_experiment

    path = Path(path)
    backend = backend_spec(workers, dask_workers, scheduler, engine)
    manifest = read_manifest(path)  # a directory that is no run fails here, before any work
    kind = kind or manifest.get("kind", "run")
    if kind == "run":
        started_on = manifest.get("engine", VECTORISED)
        if engine not in (None, started_on):
            raise OptionError(
                f"--resume: this run started on the {started_on} engine and finishes on it "
                "(its event log would otherwise mix two kinds of detail); leave out --engine"
            )
        if events is False and manifest.get("events", True):
            raise OptionError("--resume: this run writes its event log; --no-events applies to a new run only")
        backend = dataclasses.replace(backend, engine=started_on)
        text = (
            f"resuming {path} ({manifest.get('scenario')!r}, {manifest.get('status')}) on {backend.describe()}, "
            f"{'SimPy' if backend.engine == SIMPY else 'vectorised'} engine"
        )

        def work(update: Callable[[int, int], None] | None) -> Path:
            return resume_batch(path, backend, update)
    elif kind == "decision":
        text = f"resuming decision run {path} ({manifest.get('scenario')!r}) on {backend.describe()}"

        def work(update: Callable[[int, int], None] | None) -> Path:
            return resume_decision(path, backend, update)
    elif kind == "experiment":
        text = f"resuming experiment {path} ({manifest.get('experiment')!r}) on {backend.describe()}"

        def work(update: Callable[[int, int], None] | None) -> Path:
            return resume_experiment(path, backend, update)
    else:
        raise OptionError(f"kind: {kind!r} is not one of run, experiment, decision")
    _non_negative("--max-failures", max_failures)
    return _within_failures(_carry_out(text, work, progress, announce, report), max_failures)


def decide(
    scenario: Scenario | PathLike,
    *,
    runs: int = RUNS_PER_COURSE,
    seed: int | None = None,
    out: PathLike | None = None,
    max_courses: int = MAX_COURSES,
    workers: int | None = None,
    dask_workers: int | None = None,
    scheduler: str | None = None,
    engine: str = VECTORISED,
    chunk_size: int | None = None,
    progress: ProgressOption = False,
    report: bool = True,
    announce: Announce | None = None,
) -> Run:
    """Run every course of action of a scenario with levers and criteria on the same futures; return the Run.

    As `wargame decide`: `runs` replications per course, one `seed` for all (default: a
    fresh one), every combination of options up to `max_courses` (past it, a design), into
    `out` (default `results/<name>-decide/<UTC time>/`). The decision's CSV tables
    (robustness, regret, choices, value_of_information, pareto, pairing, outcomes,
    courses) are written always, the report unless `report=False`; read them with
    `Run.table(name)` and `Run.decision_summary()`. Other options as for `run`.
    """
    from sim.decisions.run import DecisionRequest, check_decidable, courses_table, decision_hash, run_decision

    backend = backend_spec(workers, dask_workers, scheduler, engine)
    _positive("--runs", runs)
    _positive("--max-courses", max_courses)
    _positive("--chunk-size", chunk_size)
    compiled = _scenario(scenario)
    check_decidable(compiled.scenario)
    seed = new_seed() if seed is None else seed
    out = Path(out) if out is not None else default_run_dir(f"{compiled.scenario.name}-decide")
    request = DecisionRequest(compiled, runs, seed, out, max_courses, chunk_size, backend)
    courses = courses_table(request)
    check_run_directory(out, decision_hash(compiled.scenario, courses, runs))
    text = (
        f"running {len(courses):,} courses of action x {runs:,} replications of "
        f"{compiled.scenario.name!r} on {backend.describe()}, {engine_phrase(compiled, backend)}, seed {seed}"
    )
    return _carry_out(text, lambda update: run_decision(request, update), progress, announce, report)


def sweep(
    experiment: PathLike,
    *,
    runs: int | None = None,
    seed: int | None = None,
    samples: int | None = None,
    out: PathLike | None = None,
    workers: int | None = None,
    dask_workers: int | None = None,
    scheduler: str | None = None,
    engine: str = VECTORISED,
    chunk_size: int | None = None,
    progress: ProgressOption = False,
    report: bool = True,
    announce: Announce | None = None,
) -> Run:
    """Run an experiment file (every design point a batch), then its indices, tornado and PRIM; return the Run.

    As `wargame sweep`: `runs` (replications per point), `seed` and `samples` override the
    file's; `out` defaults to `results/<experiment>/<UTC time>/`. Other options as for `run`.
    """
    backend = backend_spec(workers, dask_workers, scheduler, engine)
    _positive("--chunk-size", chunk_size)
    request = experiment_request(experiment, runs=runs, seed=seed, samples=samples)
    return run_experiment(
        request, out=out, backend=backend, chunk_size=chunk_size, progress=progress, report=report, announce=announce
    )


def experiment_request(
    experiment: PathLike, *, runs: int | None = None, seed: int | None = None, samples: int | None = None
) -> ExperimentRequest:
    """An experiment file, checked, with the replications, seed and samples given in place of its own."""
    from sim.experiments.loading import load_checked_experiment
    from sim.experiments.run import ExperimentRequest

    for option, value in (("--runs", runs), ("--samples", samples)):
        _positive(option, value)
    spec, scenario = load_checked_experiment(Path(experiment))
    changes = {"replications": runs, "seed": seed}
    spec = spec.model_copy(update={k: v for k, v in changes.items() if v is not None})
    if "seed" not in spec.model_fields_set:  # neither the file nor `seed` gave one: a fresh one, kept in the manifest
        spec = spec.model_copy(update={"seed": new_seed()})
    if samples is not None:
        spec = spec.model_copy(update={"design": spec.design.model_copy(update={"samples": samples})})
    return ExperimentRequest(spec, scenario, Path(), str(experiment))


def run_experiment(
    request: ExperimentRequest,
    *,
    out: PathLike | None = None,
    backend: BackendSpec | None = None,
    chunk_size: int | None = None,
    progress: ProgressOption = False,
    report: bool = True,
    announce: Announce | None = None,
) -> Run:
    """Run an experiment already built (`sweep` and `wargame sensitivity` build one); return the Run."""
    from sim.experiments.run import expected_points, experiment_hash
    from sim.experiments.run import run_experiment as run_points_of

    backend = backend or BackendSpec("processes")
    experiment = request.experiment
    target = Path(out) if out is not None else default_run_dir(experiment.name)
    request = dataclasses.replace(request, out=target, chunk_size=chunk_size, backend=backend)
    check_run_directory(target, experiment_hash(experiment, request.scenario))
    text = (
        f"running {expected_points(experiment):,} design points x {experiment.replications:,} replications of "
        f"{request.scenario.name!r} ({experiment.design.method} design) on {backend.describe()}, "
        f"{'SimPy' if backend.engine == SIMPY else 'vectorised'} engine, seed {experiment.seed}"
    )
    return _carry_out(text, lambda update: run_points_of(request, update), progress, announce, report)


def compare(
    items: Sequence[Scenario | Run | PathLike],
    *,
    runs: int = 2_000,
    seed: int | None = None,
    out: PathLike | None = None,
    workers: int | None = None,
    dask_workers: int | None = None,
    scheduler: str | None = None,
    engine: str = VECTORISED,
    chunk_size: int | None = None,
    progress: ProgressOption = False,
    announce: Announce | None = None,
) -> Path:
    """Compare scenarios side by side (the first is the reference); return the comparison's folder.

    As `wargame compare`: each item is a scenario (a Scenario or a file), run for `runs`
    replications with one `seed`, or a finished run (a Run or its directory). The folder
    (default `results/compare/<UTC time>/`) holds comparison.html, side_by_side.csv and
    differences.csv (each difference re-weighted, paired or independent: docs/reports.md), and
    `runs/`. Every input is checked (finished runs must be complete) before anything runs.
    """
    if len(items) < 2:
        raise OptionError("give at least two scenarios or runs to compare")
    backend = backend_spec(workers, dask_workers, scheduler, engine)
    _positive("--runs", runs)
    target = Path(out) if out is not None else default_run_dir("compare")
    if target.exists() and any(target.iterdir()):
        raise RunDirectoryError(f"{target}: directory exists and is not empty; choose another --out")
    seed = new_seed() if seed is None else seed
    from sim.report import complete_manifest, write_comparison  # matplotlib loads only when a report is wanted

    # Check every input before running anything (a finished run must be complete): a mistake
    # costs nothing and writes nothing, so the same command can be run again once it is fixed.
    plan: list[tuple[Path, BatchRequest | None]] = []
    for item in items:
        if isinstance(item, Run):
            item = item.path
        if not isinstance(item, Scenario) and Path(item).is_dir():
            complete_manifest(Path(item))
            plan.append((Path(item), None))
        else:
            compiled = _scenario(item)
            run_dir = target / "runs" / f"{len(plan) + 1}-{compiled.scenario.name}"
            plan.append((run_dir, BatchRequest(compiled, runs, seed, run_dir, chunk_size, backend=backend)))
    run_dirs = []
    for run_dir, request in plan:
        if request is not None:
            if announce:
                announce(
                    f"running {request.replications:,} replications of {request.compiled.scenario.name!r}, "
                    f"{engine_phrase(request.compiled, backend)}, seed {seed}"
                )
            with _progress(progress) as update:
                run_batch(request, update)
        run_dirs.append(run_dir)
    write_comparison(target, run_dirs)
    return target


def assess(
    run_or_scenario: Run | Scenario | PathLike,
    evidence: PathLike,
    *,
    abc_tolerance: float | None = None,
    runs: int | None = None,
    seed: int | None = None,
    out: PathLike | None = None,
    workers: int | None = None,
    dask_workers: int | None = None,
    scheduler: str | None = None,
    engine: str = VECTORISED,
    chunk_size: int | None = None,
    events: bool = True,
    precision: float | None = None,
    metric: str | None = None,
    progress: ProgressOption = False,
    announce: Announce | None = None,
) -> RunAssessment:
    """Weigh a run's replications by an evidence file: posterior hypotheses, ACH matrix, re-forecasts.

    As `wargame assess`: a finished run (a Run or its directory) is assessed as it is; a
    scenario (a Scenario or a file) is run first, after its evidence is checked, with the
    options of `run` (`runs` default 2000, `seed`, `out`, `workers`... `report` excepted).
    `abc_tolerance` widens numeric observations by that relative tolerance (above 0, at most
    10). Writes `RUN_DIR/assessments/<evidence file's name>/` and returns a RunAssessment
    (its tables as DataFrames, `folder`, `report`). Raises ScenarioError (the evidence's
    problems), OptionError, RunDirectoryError, and EvidenceImpossible when no replication is
    compatible with the evidence (nothing is written).
    """
    from sim.evidence.loader import load_evidence
    from sim.evidence.run_assessment import assess_run

    if abc_tolerance is not None and not 0 < abc_tolerance <= 10:
        raise OptionError(f"--abc-tolerance: must lie above 0 and at most 10, got {abc_tolerance}")
    evidence = Path(evidence)
    if isinstance(run_or_scenario, Run):
        run_or_scenario = run_or_scenario.path
    if not isinstance(run_or_scenario, Scenario) and Path(run_or_scenario).is_dir():
        options = {"--runs": runs, "--seed": seed, "--out": out, "--precision": precision}
        given = [option for option, value in options.items() if value is not None]
        if given:
            raise OptionError(f"a finished run is assessed as it is: {', '.join(given)} do not apply")
        return assess_run(Path(run_or_scenario), evidence, abc_tolerance)
    scenario = run_or_scenario if isinstance(run_or_scenario, Scenario) else load_scenario(Path(run_or_scenario))
    load_evidence(evidence, scenario)  # checked before anything is run: a mistake costs nothing
    ran = run(
        scenario,
        runs=2_000 if runs is None else runs,
        seed=seed,
        out=out,
        workers=workers,
        dask_workers=dask_workers,
        scheduler=scheduler,
        engine=engine,
        chunk_size=chunk_size,
        events=events,
        precision=precision,
        metric=metric,
        progress=progress,
        report=False,
        announce=announce,
    )
    return assess_run(ran.path, evidence, abc_tolerance)


def score(
    run: Run | PathLike,
    resolutions: PathLike,
    *,
    assessment: RunAssessment | PathLike | None = None,
    out: PathLike | None = None,
) -> RunScores:
    """Score a run's forecast questions against a resolutions file; a RunScores (the table as a DataFrame).

    As `wargame score`: each question against its baseline (Brier, log score, CRPS, skill).
    `assessment` (a RunAssessment, its folder, or its name under RUN_DIR/assessments/) also
    scores the forecasts re-weighted by it, beside the run's own. Writes scores.csv,
    scores.json, score.md and score.html into `out` (default RUN_DIR/scores/, or the
    assessment's scores/). Raises ScenarioError (the resolutions' problems), OptionError,
    RunDirectoryError.
    """
    from sim.evidence.run_assessment import RunAssessment
    from sim.forecast.run_scores import ScoringError, score_run

    run_dir = run.path if isinstance(run, Run) else Path(run)
    if isinstance(assessment, RunAssessment):
        assessment = assessment.folder
    try:
        return score_run(
            run_dir,
            Path(resolutions),
            Path(assessment) if assessment is not None else None,
            Path(out) if out is not None else None,
        )
    except ScoringError as exc:
        raise OptionError(str(exc)) from None


def open_run(path: PathLike) -> Run:
    """Open an existing run directory (a run, an experiment or a decision run) for reading."""
    return Run(path)


# The run, opened -------------------------------------------------------------------------


class Run:
    """A run directory opened for reading: its tables as pandas frames, its outcome tables, figures, report.

    `kind` is "run" (`wargame run`), "decision" (`wargame decide`) or "experiment"
    (`wargame sweep`, `wargame sensitivity`). Reading methods read the files each time:
    a Run is only a path and its manifest.
    """

    def __init__(self, path: PathLike):
        self.path = Path(path)
        self._manifest = read_manifest(self.path)  # RunDirectoryError if it is no run directory
        self._decision: DecisionAnalysis | None = None

    @property
    def manifest(self) -> dict[str, Any]:
        """The run's manifest.json, read again (a resumed or finished run's is up to date)."""
        self._manifest = read_manifest(self.path)
        return self._manifest

    @property
    def kind(self) -> str:
        """ "run", "decision" or "experiment"."""
        return str(self._manifest.get("kind", "run"))

    @property
    def status(self) -> str:
        """ "complete", "running" or "interrupted" (see `resume`)."""
        return str(self.manifest.get("status"))

    @property
    def seed(self) -> int:
        """The root seed every replication's random numbers are keyed by."""
        return int(self._manifest["seed"])

    @property
    def scenario(self) -> Scenario:
        """The scenario as it ran (bases merged), from the manifest: runs again with `run`."""
        return Scenario.model_validate(self._manifest["scenario_as_run"])

    @property
    def title(self) -> str:
        return str(self._manifest.get("title") or self._manifest.get("scenario"))

    def replications(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """replications.parquet as a DataFrame, one row a replication (all columns, or those named).

        Date columns (`ACTOR.STATE.date`) hold `datetime.date` objects (object dtype), None
        where the state was never entered; yes/no columns are bool, text columns str.
        A decision or experiment run has a `point` column: the course or design point.
        """
        import pyarrow.parquet as pq

        self._complete()
        return pq.read_table(self.path / store.REPLICATIONS, columns=list(columns) if columns else None).to_pandas()

    def events(self) -> pd.DataFrame:
        """events.parquet as a DataFrame: replication, date (`datetime.date`), component, event, detail."""
        import pyarrow.parquet as pq

        self._complete()
        if not (self.path / store.EVENTS).is_file():
            raise RunDirectoryError(f"{self.path}: no event log (the run was made with events=False / --no-events)")
        return pq.read_table(self.path / store.EVENTS).to_pandas()

    def probabilities(self) -> pd.DataFrame:
        """The report's yes/no outcomes: outcome, label, count, replications, probability, 95% Wilson interval."""
        from sim.analysis.summary import probability_table

        table, plan = self._outcomes()
        return _labelled(probability_table(table, plan.probabilities), plan)

    def numbers(self) -> pd.DataFrame:
        """The report's numeric outcomes: mean with its standard error and 95% interval, sd, percentiles."""
        from sim.analysis.summary import numeric_table

        table, plan = self._outcomes()
        return _labelled(numeric_table(table, plan.numeric), plan)

    def headline(self) -> pd.DataFrame:
        """The rows of `probabilities()` the scenario's `report: headline` names, in its order."""
        from sim.analysis.summary import probability_table

        table, plan = self._outcomes()
        yes_no = set(plan.probabilities)
        return _labelled(probability_table(table, [name for name in plan.headline if name in yes_no]), plan)

    def figures(self) -> dict[str, Figure]:
        """The report's figures, by file name (as under plots/), as matplotlib Figures; builds the report."""
        return {item.name: item.figure for item in self._build_report().figures}

    def table(self, name: str) -> pd.DataFrame:
        """A CSV table the run wrote, by name: e.g. 'robustness', 'regret' (decision), 'points', 'sensitivity'
        (experiment), 'flows', 'targets' (a run's report)."""
        import pandas as pd

        file = self.path / (name if name.endswith(".csv") else f"{name}.csv")
        if not file.is_file():
            written = sorted(p.stem for p in self.path.glob("*.csv"))
            raise RunDirectoryError(f"{file}: no such table; this run has: {', '.join(written) or 'none yet'}")
        return pd.read_csv(file)

    def decision_summary(self) -> dict[str, Any]:
        """A decision run's decision in a few numbers: best_course, best_value, as_written_value, evpi."""
        return self._decision_analysis().summary()

    def report(self) -> Path:
        """Write report.html, report.md and plots/ (as `wargame report`); return the HTML path."""
        if self.kind == "decision":
            from sim.report.decision import write_decision_report

            return write_decision_report(self.path, self._decision_analysis())
        if self.kind == "experiment":
            from sim.report import write_experiment_report

            return write_experiment_report(self.path)
        from sim.report import write_report

        return write_report(self.path)

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}, kind={self.kind!r}, status={self._manifest.get('status')!r})"

    def _repr_html_(self) -> str:
        manifest = self.manifest
        facts = [("kind", self.kind), ("status", manifest.get("status")), ("seed", manifest.get("seed"))]
        if self.kind == "run":
            facts.append(("replications", f"{manifest.get('replications', 0):,}"))
        elif self.kind == "decision":
            facts += [("courses", manifest.get("courses")), ("per course", manifest.get("replications_per_course"))]
        else:
            facts += [("points", manifest.get("points")), ("per point", manifest.get("replications_per_point"))]
        facts.append(("path", str(self.path)))
        head = " &middot; ".join(f"{html.escape(k)} <b>{html.escape(str(v))}</b>" for k, v in facts)
        parts = [f"<div><h4>{html.escape(self.title)}</h4><p>{head}</p>"]
        if manifest.get("status") == "complete":
            parts.append(self._headline_html())
        parts.append("</div>")
        return "".join(parts)

    def _headline_html(self) -> str:
        if self.kind == "run":
            rows = [
                (r.label, f"{r.probability:.1%}", f"{r.ci_low:.1%} to {r.ci_high:.1%}")
                for r in self.headline().itertuples()
            ]
            header = ("outcome", "probability", "95% interval")
        elif self.kind == "decision":
            robustness = self.table("robustness").sort_values("value", ascending=False, kind="stable").head(3)
            rows = [
                (r.course, f"{r.value:.1%}", f"{r.value_ci_low:.1%} to {r.value_ci_high:.1%}")
                for r in robustness.itertuples()
            ]
            header = ("best courses", "meets every criterion", "95% interval")
        else:
            return ""
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
        )
        heading = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        return f"<table><thead><tr>{heading}</tr></thead><tbody>{cells}</tbody></table>"

    def _complete(self) -> None:
        if self.manifest.get("status") != "complete":
            raise RunDirectoryError(
                f"{self.path}: run is {self._manifest.get('status')}, not complete; finish it with sim.resume"
            )

    def _outcomes(self) -> tuple[pd.DataFrame, Any]:
        """The outcome table and report plan a run's report is built from."""
        from sim.report import complete_manifest, outcome_table
        from sim.report.plan import group_columns, report_plan
        from sim.scenario.outcomes import OutcomeCatalogue

        if self.kind != "run":
            raise OptionError(
                f"{self.path}: a {self.kind} run has no single outcome table; read its tables with .table(NAME)"
            )
        manifest = complete_manifest(self.path)
        table = outcome_table(self.path, group_columns(manifest["scenario_as_run"]))
        plan = report_plan(manifest["scenario_as_run"], OutcomeCatalogue.from_manifest(manifest), list(table.columns))
        return table, plan

    def _build_report(self) -> Any:
        if self.kind == "decision":
            from sim.report.decision import build_decision_report

            return build_decision_report(self._decision_analysis())
        if self.kind == "experiment":
            import pyarrow.parquet as pq

            from sim.report import complete_manifest
            from sim.report.experiment import build_experiment_report

            manifest = complete_manifest(self.path, "experiment")
            return build_experiment_report(manifest, pq.read_table(self.path / store.POINTS).to_pandas()).report
        from sim.report import run_report

        return run_report(self.path)

    def _decision_analysis(self) -> DecisionAnalysis:
        if self.kind != "decision":
            raise OptionError(f"{self.path}: a {self.kind}, not a decision run")
        if self._decision is None:
            from sim.report.decision import analyse_decision

            self._decision = analyse_decision(self.path)
        return self._decision

    def _write_decision_tables(self) -> None:
        from sim.report.decision import write_decision_tables

        self._decision = write_decision_tables(self.path)


def _labelled(frame: pd.DataFrame, plan: Any) -> pd.DataFrame:
    frame.insert(1, "label", [plan.label(name) for name in frame["outcome"]])
    return frame


def replay(path: PathLike, *, replication: int) -> Replayed:
    """Re-run one replication of a run alone on the SimPy engine (the reference), with the run's scenario and seed.

    As `wargame replay`: for a row of failures.parquet, or any replication. The result has
    its event log (up to the failure), its outcome row, or the exception it raised with the
    original one chained on: `traceback.format_exception(replayed.error)` is the whole story.
    """
    path = Path(path)
    manifest = read_manifest(path)
    if manifest.get("kind", "run") != "run":
        raise OptionError(f"{path}: replay takes a run of `wargame run`, not {manifest.get('kind')!r}")
    try:
        scenario, seed = Scenario.model_validate(manifest["scenario_as_run"]), manifest["seed"]
        requested = int(manifest["replications_requested"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RunDirectoryError(f"{path / store.MANIFEST}: not a run's manifest ({exc})") from None
    if isinstance(replication, bool) or not isinstance(replication, int) or not 0 <= replication < requested:
        raise OptionError(f"--replication: this run has replications 0 to {requested - 1}, got {replication}")
    return replay_replication(compile_scenario(scenario), seed, replication)
