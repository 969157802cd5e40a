"""Wargame scenario simulator: YAML scenarios, a Monte Carlo engine, reports; and its Python API.

The API (reference and a worked example: docs/api.md; module sim.api):

    load(path)                    load and check a scenario; ScenarioError if anything is wrong
    vary(scenario, assumption=..., NAME=VALUE)  a copy with parameters fixed or re-distributed
    run(scenario, runs=, seed=)   run replications into a run directory; a Run
    resume(path)                  finish an interrupted run, experiment or decision run; a Run
    open_run(path)                open an existing run directory; a Run
    replay(path, replication=)    one replication again, alone, on the SimPy engine: its log or its failure
    decide(scenario, runs=)       every course of action on the same futures; a Run
    sweep(experiment)             an experiment file: design points, indices, PRIM; a Run
    compare(items)                scenarios or runs side by side; the comparison's folder
    params(scenario)              every name a scenario defines (parameters, actors, states...); a DataFrame
    show(scenario)                the scenario merged with its bases, as YAML with no extends
    assess(run, evidence)         weigh a run (or a scenario, run first) by evidence; a RunAssessment
    score(run, resolutions)       score a run's forecast questions (and an assessment's); a RunScores
    Run                           a run directory: frames, outcome tables, figures, report
    RunAssessment, RunScores      an assessment's and a scoring's tables as frames, folder and report
    Scenario, ScenarioError, OptionError, RunDirectoryError, RunInterrupted, EvidenceImpossible,
    BackendError, ReplicationsFailed  the errors a caller may catch, each one line for a user

`import sim` stays light: the API loads on first use of one of these names.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("wargame-sim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "BackendError",
    "EvidenceImpossible",
    "OptionError",
    "ReplicationsFailed",
    "Run",
    "RunAssessment",
    "RunDirectoryError",
    "RunInterrupted",
    "RunScores",
    "Scenario",
    "ScenarioError",
    "assess",
    "compare",
    "decide",
    "load",
    "open_run",
    "params",
    "replay",
    "resume",
    "run",
    "score",
    "show",
    "sweep",
    "vary",
]

if TYPE_CHECKING:
    from sim.api import (
        BackendError,
        EvidenceImpossible,
        OptionError,
        ReplicationsFailed,
        Run,
        RunAssessment,
        RunDirectoryError,
        RunInterrupted,
        RunScores,
        Scenario,
        ScenarioError,
        assess,
        compare,
        decide,
        load,
        open_run,
        params,
        replay,
        resume,
        run,
        score,
        show,
        sweep,
        vary,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
