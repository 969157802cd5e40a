"""Evaluate every course of action on the same replications, into one run directory.

Each course is a point of the experiments' point loop (sim/experiments/run.py): the same
seed for all, chunks written atomically, any backend, an interrupted run resumed with
`wargame decide --resume`. The analysis (sim/decisions/analysis.py) reads the table.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.decisions.courses import MAX_COURSES, all_courses, course_label, courses_of
from sim.decisions.criteria import meets_all
from sim.engine import CompiledScenario
from sim.experiments.run import POINT_COLUMN, run_points
from sim.experiments.settings import Setting
from sim.runner import store
from sim.runner.backends import BackendSpec
from sim.runner.batch import MAX_CHUNK
from sim.runner.loop import Progress, utc_now, versions
from sim.scenario import Scenario
from sim.scenario.errors import Problem, ScenarioError

COURSES = "courses.parquet"
COURSE_COLUMN = "course"


@dataclass(frozen=True)
class DecisionRequest:
    """What to decide: a compiled scenario with levers and criteria, how many futures, where."""

    compiled: CompiledScenario
    replications: int
    seed: int
    out: Path
    max_courses: int = MAX_COURSES
    chunk_size: int | None = None  # None: a course's replications in one chunk (at most MAX_CHUNK)
    backend: BackendSpec = BackendSpec("serial")


def check_decidable(scenario: Scenario) -> None:
    """A scenario `wargame decide` can work on: it has levers and criteria."""
    missing = [name for name in ("levers", "criteria") if not getattr(scenario, name)]
    if missing:
        message = (
            f"the scenario has no {' and no '.join(missing)}: `wargame decide` needs both "
            "(docs/decisions.md; scenarios/decisions/ has the baseline's)"
        )
        file = Path(scenario.files[0]) if scenario.files else None
        raise ScenarioError([Problem(None, missing[0], message, file=file)])


def courses_table(request: DecisionRequest) -> pd.DataFrame:
    """One row per course: its point, its label, then each lever's option."""
    levers = request.compiled.scenario.levers
    courses = courses_of(levers, request.max_courses, request.seed)
    rows = [{POINT_COLUMN: k, COURSE_COLUMN: course_label(c, levers), **c} for k, c in enumerate(courses)]
    return pd.DataFrame(rows)


def decision_hash(scenario: Scenario, courses: pd.DataFrame, replications: int) -> str:
    """Identifies a decision run: the scenario, the courses evaluated and the replications per course."""
    text = json.dumps(
        {
            "scenario": scenario.content_hash(),
            "courses": courses.to_dict("records"),
            "replications": replications,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def run_decision(request: DecisionRequest, progress: Progress | None = None) -> Path:
    """Run every course on the same replications; return the run directory (tables, no report)."""
    scenario, out = request.compiled.scenario, request.out
    check_decidable(scenario)
    courses = courses_table(request)
    with store.exclusive(out):
        store.prepare_run_directory(out, decision_hash(scenario, courses, request.replications))
        return _start(request, courses, progress)


def _start(request: DecisionRequest, courses: pd.DataFrame, progress: Progress | None) -> Path:
    scenario, out = request.compiled.scenario, request.out
    manifest: dict[str, Any] = {
        "format": 1,
        "kind": "decision",
        "status": "running",
        "scenario": scenario.name,
        "title": scenario.title,
        "scenario_files": list(scenario.files),
        "scenario_hash": decision_hash(scenario, courses, request.replications),
        "base_scenario_hash": scenario.content_hash(),
        "seed": request.seed,
        "replications_per_course": request.replications,
        "courses": len(courses),
        "courses_possible": all_courses(scenario.levers),
        "chunk_size": request.chunk_size or min(request.replications, MAX_CHUNK),
        "started_at": utc_now(),
        "versions": versions(),
        "outcomes": request.compiled.outcomes.to_data(),
        "scenario_as_run": scenario.as_data(),
    }
    store.atomic_write_table(out / COURSES, pa.Table.from_pandas(courses, preserve_index=False))
    store.write_scenario_as_run(out, scenario.as_data())
    store.write_manifest(out, manifest)
    return _complete(out, manifest, request.backend, progress)


def resume_decision(run_dir: Path, backend: BackendSpec, progress: Progress | None = None) -> Path:
    """Finish an interrupted decision run: compute only the chunks it lacks."""
    return store.resume(run_dir, "decision", lambda path, manifest: _complete(path, manifest, backend, progress))


def _complete(out: Path, manifest: dict[str, Any], backend: BackendSpec, progress: Progress | None) -> Path:
    levers = list(manifest["scenario_as_run"]["levers"])
    courses = read_courses(out, levers)
    settings = [Setting(course={name: row[name] for name in levers}).to_json() for _, row in courses.iterrows()]
    replications, seed = manifest["replications_per_course"], manifest["seed"]
    return run_points(out, manifest, settings, replications, seed, backend, progress)


def read_courses(run_dir: Path, levers: list[str] | None = None) -> pd.DataFrame:
    """The courses a decision run evaluates; a missing or damaged table is the user's to know about."""
    path = run_dir / COURSES
    try:
        courses = pq.read_table(path).to_pandas()
    except FileNotFoundError:
        raise store.RunDirectoryError(f"{path}: missing; this decision run cannot be used (run it again)") from None
    except (OSError, pa.ArrowException) as exc:
        raise store.RunDirectoryError(f"{path}: damaged ({exc}); run the decision again") from None
    missing = [name for name in [POINT_COLUMN, COURSE_COLUMN, *(levers or [])] if name not in courses.columns]
    if missing:
        raise store.RunDirectoryError(f"{path}: not this run's courses (no column {', '.join(missing)})")
    return courses


def criteria_met(run_dir: Path, scenario: Scenario) -> pd.DataFrame:
    """One row per (course, replication): its hypothesis and whether it met each criterion, then `all`."""
    outcomes = sorted({criterion.outcome for criterion in scenario.criteria.values()})
    columns = [POINT_COLUMN, "replication", "hypothesis", *outcomes]
    rows = pq.read_table(run_dir / store.REPLICATIONS, columns=columns).to_pandas()
    labels = read_courses(run_dir, list(scenario.levers)).set_index(POINT_COLUMN)[COURSE_COLUMN]
    met = meets_all(scenario.criteria, rows)
    met.insert(0, "hypothesis", rows["hypothesis"].to_numpy())
    met.insert(0, "replication", rows["replication"].to_numpy())
    met.insert(0, COURSE_COLUMN, rows[POINT_COLUMN].map(labels).to_numpy())
    return met
