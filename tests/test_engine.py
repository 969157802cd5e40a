"""Replications are reproducible, independent of how a batch is split, and draw as configured."""

from __future__ import annotations

import math

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE

from sim.engine import compile_scenario, draw_inputs, run_replication
from sim.runner.batch import BatchRequest, run_batch
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def baseline():
    return compile_scenario(load_scenario(BASELINE))


def test_same_seed_and_index_give_the_same_replication(baseline):
    first, second = run_replication(baseline, 7, 123), run_replication(baseline, 7, 123)
    assert first.row == second.row and first.events == second.events


def test_replications_differ_across_indices_and_seeds(baseline):
    rows = [run_replication(baseline, 7, i).row for i in range(5)] + [run_replication(baseline, 8, 0).row]
    troops = {row["param.exercise_troops"] for row in rows}
    assert len(troops) == len(rows)


def test_replication_does_not_depend_on_what_ran_before(baseline):
    alone = run_replication(baseline, 3, 50).row
    for i in range(50):
        run_replication(baseline, 3, i)
    assert run_replication(baseline, 3, 50).row == alone


def test_table_does_not_depend_on_chunk_size(baseline, tmp_path):
    tables = []
    for chunk_size in (7, 100, 1000):
        out = run_batch(
            BatchRequest(baseline, replications=150, seed=11, out=tmp_path / f"c{chunk_size}", chunk_size=chunk_size)
        )
        tables.append((pq.read_table(out / "replications.parquet"), pq.read_table(out / "events.parquet")))
    for replications, events in tables[1:]:
        assert replications.equals(tables[0][0])
        assert events.equals(tables[0][1])


def test_hypotheses_are_drawn_with_their_prior_weights(baseline):
    """Frequencies within 4 binomial standard errors of the weights (n=20,000).

    At 4 SE a correct sampler fails with probability about 6e-5 per hypothesis (the seed is
    fixed, so the test is deterministic); a swapped weight is off by 25+ SE.
    """
    n = 20_000
    rng = np.random.default_rng(2024)
    drawn = [draw_inputs(baseline, rng.random(1 + len(baseline.parameter_names)))[0] for _ in range(n)]
    for name, weight in baseline.hypothesis_weights.items():
        share = drawn.count(name) / n
        assert abs(share - weight) < 4 * math.sqrt(weight * (1 - weight) / n), name


def test_hypothesis_overrides_replace_parameter_distributions(baseline):
    """Under 'offensive' the retained share is PERT(0.5, 0.8, 1.0); under 'routine' PERT(0, 0.03, 0.15)."""
    rng = np.random.default_rng(5)
    retained: dict[str, list[float]] = {}
    for _ in range(3000):
        hypothesis, params = draw_inputs(baseline, rng.random(1 + len(baseline.parameter_names)))
        retained.setdefault(hypothesis, []).append(float(params["retained_share"]))
    assert min(retained["offensive"]) >= 0.5 and max(retained["routine"]) <= 0.15
    # PERT mean (low + 4 mode + high) / 6: 0.7833 for 'offensive'; SE of the mean < 0.01 at n > 300.
    assert np.mean(retained["offensive"]) == pytest.approx(0.7833, abs=0.03)


def test_drawn_parameters_are_recorded_in_the_row(baseline):
    row = run_replication(baseline, 1, 0).row
    for name in baseline.parameter_names:
        assert f"param.{name}" in row
    assert row["exercise_troops"] == round(row["param.exercise_troops"])
