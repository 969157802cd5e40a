"""The shipped scenarios: each runs and writes every outcome column, and the variants move
the outcomes the way the report's claims say they should."""

from __future__ import annotations

import math

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import SCENARIOS

from sim.engine import compile_scenario
from sim.runner.batch import BatchRequest, run_batch
from sim.scenario import load_scenario

# Outcomes of the baseline's actors that reports, questions and evidence read by name.
OUTCOME_COLUMNS = (
    "hypothesis talks talks.progress talks.second_summit talks.ceasefire talks.ceasefire.date alaska_outcome "
    "consequences.imposed consequences.imposed.date consequences.russia_measures consequences.buyer_measures "
    "exercise_troops belarus_troops northern_troops official_troops_figure western_estimate_troops troops_retained "
    "preparation_signs pressure.applied coercive_actions belarus_joins offensive offensive.launched "
    "offensive.launched.date warning.detected.date warning_days reserves_moved combat_days combat_end advance_km "
    "objective_reached attacker_losses defender_losses airspace.violated airspace_violations nato.article4 "
    "nuclear.announced nuclear_announcements oreshnik.declared oreshnik.declared.date oreshnik.verified "
    "oreshnik.verified.date nuclear_use.used warheads.present nato param.attrition_law"
).split()
TYPES = {
    "bool": "talks.second_summit talks.ceasefire consequences.imposed belarus_joins offensive.launched "
    "objective_reached oreshnik.declared oreshnik.verified nato.article4 nuclear_use.used warheads.present",
    "date32[day]": "talks.ceasefire.date consequences.imposed.date offensive.launched.date warning.detected.date "
    "oreshnik.declared.date oreshnik.verified.date",
    "int64": "exercise_troops belarus_troops northern_troops official_troops_figure western_estimate_troops "
    "troops_retained reserves_moved attacker_losses defender_losses nuclear_announcements airspace_violations "
    "coercive_actions preparation_signs",
    "double": "warning_days combat_days advance_km force_ratio",
    "string": "hypothesis talks offensive nato combat_end alaska_outcome param.attrition_law",
}
SEED = 20250815
FAMILY = sorted(SCENARIOS.glob("*.yaml")) + sorted((SCENARIOS / "examples").glob("*.yaml"))
FAMILY += sorted((SCENARIOS / "checks").glob("*.yaml"))


def run(path, replications: int, out):
    compiled = compile_scenario(load_scenario(path))
    run_dir = run_batch(BatchRequest(compiled, replications=replications, seed=SEED, out=out))
    return compiled, pq.read_table(run_dir / "replications.parquet")


@pytest.mark.parametrize("path", FAMILY, ids=lambda p: p.stem)
def test_every_scenario_runs_and_writes_every_column(path, tmp_path):
    compiled, table = run(path, 200, tmp_path / "run")
    assert table.num_rows == 200
    # Every outcome of the scenario's catalogue (every actor, state, date and variable), then its parameters.
    params = [f"param.{name}" for name in sorted(compiled.scenario.parameters)]
    assert table.column_names == ["replication", *compiled.outcomes, *params]
    removed = {f"talks.{state}" for state in ("alaska_ceasefire", "progress", "no_deal")} - set(compiled.outcomes)
    for column in OUTCOME_COLUMNS:  # the summit variants remove the Alaska states they rule out
        assert column in table.column_names or column in removed, column
    for arrow_type, names in TYPES.items():
        for column in names.split():
            assert str(table.schema.field(column).type) == arrow_type, column
    for actor, spec in compiled.scenario.actors.items():  # final states are states of their actor
        assert set(table.column(actor).to_pylist()) <= set(spec.states), actor


def test_intent_routine_gives_a_lower_offensive_probability_than_intent_offensive(tmp_path):
    """n = 600 each, same seed. The difference must exceed 4 standard errors of a difference
    of two independent proportions (conservative: common random numbers only narrow it).
    At this seed the shares are 0 and 0.29, 15 SE apart: a margin for other seeds and for
    model changes, while a routine exercise as likely to end in an attack fails at once."""
    n = 600
    _, routine = run(SCENARIOS / "intent-routine.yaml", n, tmp_path / "r")
    _, offensive = run(SCENARIOS / "intent-offensive.yaml", n, tmp_path / "o")
    p_r = routine.column("offensive.launched").to_numpy().mean()
    p_o = offensive.column("offensive.launched").to_numpy().mean()
    se = math.sqrt(p_r * (1 - p_r) / n + p_o * (1 - p_o) / n)
    assert p_o - p_r > 4 * se, (p_r, p_o)


def test_forces_in_belarus_beyond_the_official_figure_give_earlier_detection_and_a_higher_force_ratio(tmp_path):
    """The baseline reads Belarus's figure as capped at the observer threshold, so under coercion
    and offensive more forces are in Belarus than troops-belarus-13k.yaml allows. Common random
    numbers: replication i of both runs shares every draw but the forces in Belarus, so the
    paired differences isolate the reading. Undetected forces count as detected the day after
    the horizon (censored). Each mean paired difference must exceed 4 of its standard errors
    (n = 600 pairs)."""
    n = 600
    _, belarus = run(SCENARIOS / "troops-belarus-13k.yaml", n, tmp_path / "b")
    _, baseline = run(SCENARIOS / "baseline.yaml", n, tmp_path / "l")
    belarus, baseline = belarus.to_pandas(), baseline.to_pandas()
    assert (belarus["hypothesis"] == baseline["hypothesis"]).all()  # same streams, same hypotheses

    def detection_day(table):
        detected = table["warning.detected.date"]
        censored = detected.fillna(np.datetime64("2026-01-01")).astype("datetime64[ns]")
        return (censored - np.datetime64("2025-08-14")).dt.days.to_numpy(dtype=float)

    ratio = (baseline["force_ratio"] - belarus["force_ratio"]).fillna(0)
    for difference in (detection_day(belarus) - detection_day(baseline), ratio):
        difference = np.asarray(difference, dtype=float)
        assert difference.mean() > 4 * difference.std(ddof=1) / math.sqrt(len(difference)), difference.mean()
