"""Summary statistics and the report built from them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE

from sim.analysis import summary
from sim.engine import compile_scenario
from sim.report import write_report
from sim.runner import store
from sim.runner.batch import BatchRequest, run_batch
from sim.scenario import load_scenario
from sim.scenario.outcomes import OutcomeCatalogue


def test_wilson_interval_matches_published_values():
    # Newcombe (1998), table I: 0/10 -> 0 to 0.2775; 1/29 -> 0.0061 to 0.1718.
    assert summary.wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-5)
    assert summary.wilson_interval(1, 29) == pytest.approx((0.0061, 0.1718), abs=5e-5)


def test_probability_table_counts_each_yes_no_outcome():
    table = pd.DataFrame({"replication": range(4), "a.b": [True, False, False, True], "param.x": [True] * 4})
    row = summary.probability_table(table).set_index("outcome").loc["a.b"]
    assert (row["count"], row["replications"], row["probability"]) == (2, 4, 0.5)
    assert "param.x" not in summary.probability_table(table)["outcome"].tolist()


def test_cumulative_probability_rises_to_the_share_of_events():
    dates = [dt.date(2025, 9, 1), None, dt.date(2025, 9, 3), None]
    curve = summary.cumulative_probability(
        pd.DataFrame({"a.b.date": dates}), "a.b.date", dt.date(2025, 8, 31), dt.date(2025, 9, 4)
    )
    assert curve["probability"].tolist() == [0.0, 0.25, 0.25, 0.5, 0.5]
    assert (curve["ci_low"] <= curve["probability"]).all() and (curve["probability"] <= curve["ci_high"]).all()


@pytest.fixture
def run_of(tmp_path):
    def run(overrides_yaml: str, replications: int = 200):
        path = tmp_path / "scenario.yaml"
        path.write_text(f"extends: {BASELINE}\nname: report-test\n{overrides_yaml}")
        compiled = compile_scenario(load_scenario(path))
        return run_batch(BatchRequest(compiled, replications=replications, seed=4, out=tmp_path / "run"))

    return run


def test_scenario_text_is_escaped_in_html(run_of):
    run_dir = run_of('title: "<script>alert(1)</script> & co"\n')
    html = write_report(run_dir).read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_report_without_its_given_outcome_says_so(run_of):
    run_dir = run_of(
        "hypotheses: {routine: {weight: 1.0}, coercion: {weight: 0.0}, offensive: {weight: 0.0}}\n"
        "parameters: {offensive_intent_probability: {dist: fixed, value: 0.0, assumption: test}}\n"
    )
    assert not pq.read_table(run_dir / "replications.parquet").column("offensive.launched").to_numpy().any()
    write_report(run_dir)
    label = OutcomeCatalogue.from_manifest(store.read_manifest(run_dir)).label("offensive.launched")
    assert f"No replication had {label}." in (run_dir / "report.md").read_text()


def test_report_draws_the_paths_through_every_actor(run_of):
    run_dir = run_of("")
    write_report(run_dir)
    actors = store.read_manifest(run_dir)["scenario_as_run"]["actors"]
    for actor in actors:
        assert (run_dir / "plots" / f"flow_{actor}.png").is_file()
        assert (run_dir / "plots" / f"flow_{actor}.svg").is_file()
    flows = pd.read_csv(run_dir / "flows.csv")
    assert set(flows["actor"]) <= set(actors)
    assert ((flows["share"] > 0) & (flows["share"] <= 1)).all()
    markdown = (run_dir / "report.md").read_text()
    assert "## Paths through each actor's states" in markdown
    assert "plots/flow_offensive.png" in markdown


def test_report_refuses_an_incomplete_run(run_of):
    run_dir = run_of("")
    manifest = store.read_manifest(run_dir)
    store.write_manifest(run_dir, {**manifest, "status": "interrupted"})
    with pytest.raises(store.RunDirectoryError, match="not complete"):
        write_report(run_dir)
