"""Load an experiment file with its scenario, checked end to end before anything runs."""

from __future__ import annotations

from pathlib import Path

from sim.engine import compile_scenario
from sim.experiments.settings import check_factors
from sim.experiments.spec import Experiment, load_experiment, located, outcome_problems, with_scenario_defaults
from sim.scenario import Scenario, ScenarioError, load_scenario


def load_checked_experiment(path: Path) -> tuple[Experiment, Scenario]:
    """The experiment (outcomes defaulted from the scenario) and its scenario; ScenarioError naming
    file and line for any mistake in either."""
    experiment, scenario_path, positions = load_experiment(path)
    if not scenario_path.is_file():
        message = f"scenario file {experiment.scenario!r} not found"
        raise ScenarioError([located(path, positions, ("scenario",), message)])
    scenario = load_scenario(scenario_path)
    catalogue = compile_scenario(scenario).outcomes  # a scenario that cannot run fails here
    experiment = with_scenario_defaults(experiment, scenario, catalogue)
    problems = [located(path, positions, *found) for found in outcome_problems(experiment, catalogue)]
    problems += check_factors(experiment, scenario, path, positions)
    if problems:
        raise ScenarioError(problems)
    return experiment, scenario
