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

OUTCOME_COLUMNS = (
    "hypothesis summit_outcome second_summit ceasefire ceasefire_date ceasefire_in_force_at_horizon sanctions "
    "sanctions_date exercise_troops northern_troops troops_retained belarus_joins offensive offensive_date "
    "detection_date warning_days reserves_moved combat_days advance_km objective_reached attacker_losses "
    "defender_losses oreshnik_operational oreshnik_date warheads_present nuclear_signals nato_incidents"
).split()
TYPES = {
    "bool": "second_summit ceasefire ceasefire_in_force_at_horizon sanctions belarus_joins offensive objective_reached "
    "oreshnik_operational warheads_present",
    "date32[day]": "ceasefire_date sanctions_date offensive_date detection_date oreshnik_date",
    "int64": "exercise_troops northern_troops troops_retained reserves_moved attacker_losses defender_losses "
    "nuclear_signals nato_incidents",
}
SEED = 20250815


def run(name: str, replications: int, out):
    compiled = compile_scenario(load_scenario(SCENARIOS / f"{name}.yaml"))
    run_dir = run_batch(BatchRequest(compiled, replications=replications, seed=SEED, out=out))
    return pq.read_table(run_dir / "replications.parquet")


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_scenario_runs_and_writes_every_column(path, tmp_path):
    table = run(path.stem, 200, tmp_path / "run")
    assert table.num_rows == 200
    for column in OUTCOME_COLUMNS:
        assert column in table.column_names, column
    for arrow_type, names in TYPES.items():
        for column in names.split():
            assert str(table.schema.field(column).type) == arrow_type, column
    params = [c for c in table.column_names if c.startswith("param.")]
    assert len(params) == len(load_scenario(path).parameters)


def test_intent_routine_gives_a_lower_offensive_probability_than_intent_offensive(tmp_path):
    """n = 2000 each, same seed. The difference must exceed 4 standard errors of a difference
    of two independent proportions (conservative: common random numbers only narrow it)."""
    routine = run("intent-routine", 2000, tmp_path / "r").column("offensive").to_numpy()
    offensive = run("intent-offensive", 2000, tmp_path / "o").column("offensive").to_numpy()
    p_r, p_o = routine.mean(), offensive.mean()
    se = math.sqrt(p_r * (1 - p_r) / 2000 + p_o * (1 - p_o) / 2000)
    assert p_o - p_r > 4 * se, (p_r, p_o)


def test_latvian_estimate_gives_earlier_detection_and_a_higher_force_ratio(tmp_path):
    """Common random numbers: replication i of both runs shares every draw but the troops,
    so the paired differences isolate the estimate. Undetected forces count as detected
    the day after the horizon (censored). Each mean paired difference must exceed 4 of its
    standard errors."""
    belarus = run("troops-belarus-13k", 1500, tmp_path / "b").to_pandas()
    latvia = run("troops-latvia-100-150k", 1500, tmp_path / "l").to_pandas()
    assert (belarus["hypothesis"] == latvia["hypothesis"]).all()  # same streams, same hypotheses

    def detection_day(table):
        censored = table["detection_date"].fillna(np.datetime64("2026-01-01")).astype("datetime64[ns]")
        return (censored - np.datetime64("2025-08-14")).dt.days.to_numpy(dtype=float)

    for difference in (detection_day(belarus) - detection_day(latvia), latvia["force_ratio"] - belarus["force_ratio"]):
        difference = np.asarray(difference, dtype=float)
        assert difference.mean() > 4 * difference.std(ddof=1) / math.sqrt(len(difference)), difference.mean()
