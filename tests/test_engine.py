"""Replications are reproducible, independent of how a batch is split, and draw as configured."""

from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE

from sim.engine import compile_scenario, draw_inputs, run_chunk, run_replication
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
    troops = {row["param.exercise_strength"] for row in rows}
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
    uniforms = np.random.default_rng(2024).random((n, len(baseline.hypothesis_weights) + len(baseline.parameter_names)))
    drawn, _ = draw_inputs(baseline, uniforms)
    for name, weight in baseline.hypothesis_weights.items():
        share = np.mean(drawn == name)
        assert abs(share - weight) < 4 * math.sqrt(weight * (1 - weight) / n), name


def test_hypothesis_overrides_replace_parameter_distributions(baseline):
    """Under 'offensive' the retained share is PERT(0.5, 0.8, 1.0); under 'routine' PERT(0, 0.03, 0.15)."""
    uniforms = np.random.default_rng(5).random((3000, len(baseline.hypothesis_weights) + len(baseline.parameter_names)))
    hypotheses, params = draw_inputs(baseline, uniforms)
    retained = params["retained_share"]
    assert retained[hypotheses == "offensive"].min() >= 0.5
    assert retained[hypotheses == "routine"].max() <= 0.15
    # PERT mean (low + 4 mode + high) / 6: 0.7833 for 'offensive'; SE of the mean < 0.01 at n > 300.
    assert retained[hypotheses == "offensive"].mean() == pytest.approx(0.7833, abs=0.03)


def test_vectorised_draws_equal_one_at_a_time_draws(baseline):
    uniforms = np.random.default_rng(6).random((50, len(baseline.hypothesis_weights) + len(baseline.parameter_names)))
    hypotheses, params = draw_inputs(baseline, uniforms)
    for row in range(50):
        one_hypothesis, one_params = draw_inputs(baseline, uniforms[row])
        assert one_hypothesis[0] == hypotheses[row]
        for name in baseline.parameter_names:
            assert one_params[name][0] == params[name][row]
            distribution = baseline.distributions[hypotheses[row]][name]
            assert distribution.quantile(
                max(uniforms[row, len(baseline.hypothesis_weights) + baseline.parameter_names.index(name)], 2.0**-54)
            ) == pytest.approx(params[name][row])


def test_drawn_parameters_are_recorded_in_the_row(baseline):
    row = run_replication(baseline, 1, 0).row
    for name in baseline.parameter_names:
        assert f"param.{name}" in row
    assert row["belarus_troops"] == round(row["param.belarus_strength"])


def test_results_do_not_depend_on_the_order_a_file_lists_things_in(baseline, tmp_path):
    """Hypotheses and categories listed in another order: same content, same hash, same rows."""
    text = BASELINE.read_text()
    reordered = text.replace(
        "weights: {ceasefire: 0.10, progress: 0.40, no_deal: 0.50}",
        "weights: {no_deal: 0.50, ceasefire: 0.10, progress: 0.40}",
    )
    hypotheses_at = reordered.index("hypotheses:\n")
    parameters_at = reordered.index("\nparameters:\n")
    block = reordered[hypotheses_at:parameters_at]
    routine_at, offensive_at = block.index("  routine:"), block.index("  offensive:")
    block = "hypotheses:\n" + block[offensive_at:] + "\n" + block[routine_at:offensive_at].rstrip("\n")
    reordered = reordered[:hypotheses_at] + block + reordered[parameters_at:]
    path = tmp_path / "reordered.yaml"
    path.write_text(reordered)
    other = compile_scenario(load_scenario(path))
    assert list(other.hypothesis_weights) != list(baseline.hypothesis_weights)
    assert other.scenario.content_hash() == baseline.scenario.content_hash()
    for index in range(30):
        assert run_replication(other, 9, index).row == run_replication(baseline, 9, index).row


# Two actors, listed out of alphabetical order: `zulu` reads `alpha`'s state in a rate
# factor, and both draw a delay when the replication starts.
OUT_OF_ORDER = """\
    schema_version: 1
    name: out-of-order
    title: Actors listed out of alphabetical order
    start: 2025-01-01
    horizon: 2025-03-01
    hypotheses:
      only: {weight: 1, description: the only one, assumption: test}
    parameters:
      rate_per_day: {dist: fixed, value: 0.2, assumption: test}
    variables:
      ticks: {kind: count}
    actors:
      zulu:
        initial: waiting
        states:
          waiting:
            transitions:
              tick:
                rate: rate_per_day
                factors: [{while: alpha.waiting, times: 2}]
                to: waiting
                effects: [{add: {ticks: 1}}]
                assumption: test
              go: {after: {dist: uniform, low: 0, high: 30, assumption: test}, to: done}
          done: {}
      alpha:
        initial: waiting
        states:
          waiting:
            transitions:
              go: {after: {dist: uniform, low: 0, high: 30, assumption: test}, to: done}
          done: {}
    """


@pytest.fixture
def out_of_order(tmp_path):
    path = tmp_path / "out-of-order.yaml"
    path.write_text(textwrap.dedent(OUT_OF_ORDER))
    return compile_scenario(load_scenario(path))


def test_an_actor_may_read_the_state_of_one_listed_after_it(out_of_order):
    """Every actor is in its initial state before any clock reads one (a rate factor here)."""
    row = run_replication(out_of_order, 1, 0).row
    assert row["zulu.done"] and row["alpha.done"] and row["ticks"] >= 0


def test_a_batch_row_is_the_replication_run_alone(out_of_order, tmp_path):
    """Workers compile the scenario from its JSON text; each actor's start-up delay stays with
    it, so a batch's row is the replication run on its own."""
    out = run_batch(BatchRequest(out_of_order, replications=5, seed=3, out=tmp_path / "run"))
    for index, row in enumerate(pq.read_table(out / "replications.parquet").to_pylist()):
        alone = run_replication(out_of_order, 3, index).row
        assert row == {**alone, "replication": index}


def test_the_table_holds_the_outcomes_in_the_catalogue_order(out_of_order, tmp_path):
    """Actors and states as the file declares them (`zulu` first), as the manifest lists them."""
    out = run_batch(BatchRequest(out_of_order, replications=2, seed=3, out=tmp_path / "run"))
    catalogue = [entry["name"] for entry in json.loads((out / "manifest.json").read_text())["outcomes"]]
    columns = pq.read_table(out / "replications.parquet").column_names
    assert columns[1 : 1 + len(catalogue)] == catalogue


def test_a_scenario_without_parameters_runs(tmp_path):
    path = tmp_path / "no-parameters.yaml"
    text = textwrap.dedent(OUT_OF_ORDER)
    text = text.replace("  rate_per_day: {dist: fixed, value: 0.2, assumption: test}\n", "")
    text = text.replace("parameters:\n", "parameters: {}\n").replace("rate: rate_per_day", "rate: 0.2")
    path.write_text(text)
    compiled = compile_scenario(load_scenario(path))
    assert len(run_chunk(compiled, 1, range(3)).results) == 3
