"""`wargame compare` end to end: runs with common random numbers, paired intervals, files written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE, SCENARIOS, wargame
from test_report import illegible_text

from sim.plots import comparison as comparison_plots


@pytest.fixture(scope="module")
def troop_comparison(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "out"
    belarus, baseline = SCENARIOS / "troops-belarus-13k.yaml", SCENARIOS / "baseline.yaml"
    result = wargame("compare", belarus, baseline, "--runs", 2000, "--seed", 11, "--out", out, "--workers", 2)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(out)
    return out


def test_compare_writes_the_comparison_report_and_tables(troop_comparison):
    for name in ("comparison.html", "comparison.md", "side_by_side.csv", "differences.csv"):
        assert (troop_comparison / name).stat().st_size > 500, name
    for figure in ("probabilities", "differences", "timeline_offensive_launched", "cdf_exercise_troops"):
        assert (troop_comparison / "plots" / f"{figure}.png").is_file()
    markdown = (troop_comparison / "comparison.md").read_text()
    assert "baseline minus troops-belarus-13k" in markdown
    assert "times narrower than independent ones would be" in markdown


def test_paired_intervals_are_narrower_than_independent_ones(troop_comparison):
    differences = pd.read_csv(troop_comparison / "differences.csv").set_index("outcome")
    for outcome in ("offensive.launched", "objective_reached", "force", "reserves_moved"):
        row = differences.loc[outcome]
        assert row["paired_half_width"] < row["independent_half_width"], outcome
    # Under-reported forces in Belarus (the baseline) mean a larger force for an attack, so more
    # offensives than if Belarus's figure were true: the paired interval excludes zero.
    assert differences.loc["offensive.launched", "ci_low"] > 0


def test_given_outcomes_are_compared_over_the_given_replications(troop_comparison):
    """As in the run report: days of fighting over the replications with an offensive, whose
    median is days (over every replication it would be 0); those differ by scenario, so not paired."""
    side = pd.read_csv(troop_comparison / "side_by_side.csv").set_index("outcome")
    assert side.loc["combat_days", "given"] == "offensive.launched"
    assert (side.loc["combat_days", ["troops-belarus-13k", "baseline"]] > 3).all()
    differences = pd.read_csv(troop_comparison / "differences.csv").set_index("outcome")
    assert pd.isna(differences.loc["combat_days", "paired_half_width"])
    markdown = (troop_comparison / "comparison.md").read_text()
    assert "### Distribution of days of fighting (given Offensive from Belarus: offensive launched)" in markdown
    caption = markdown.split("### Distribution of days of fighting")[1].split("\n###")[0]
    assert "over the replications where Offensive from Belarus: offensive launched happened" in caption
    assert "medians troops-belarus-13k 0 " not in caption


def test_difference_figure_keeps_its_title_and_labels_inside():
    outcomes = ["talks.ceasefire", "offensive.launched_with_a_long_name_to_wrap_over_two_lines"]
    frame = pd.DataFrame(
        {
            "outcome": outcomes,
            "difference": [0.0, 0.025],
            "independent_half_width": [0.034, 0.018],
            "paired_half_width": [0.0, 0.011],
        }
    )
    differences = {"troops-latvia-100-150k": frame, "a-third-scenario-with-a-long-name": frame.assign(difference=-0.01)}
    figure = comparison_plots.paired_difference_plot(differences, outcomes, lambda name: f"Offensive: {name}")
    assert illegible_text(figure) == []


def test_compare_accepts_finished_runs_and_says_when_they_cannot_be_paired(tmp_path):
    runs = []
    for seed in (1, 2):
        out = tmp_path / f"run{seed}"
        assert (
            wargame(
                "run", BASELINE, "--runs", 300, "--seed", seed, "--out", out, "--workers", 1, "--no-report"
            ).returncode
            == 0
        )
        runs.append(out)
    result = wargame("compare", *runs, "--out", tmp_path / "cmp")
    assert result.returncode == 0, result.stderr
    assert "cannot be paired" in (tmp_path / "cmp" / "comparison.md").read_text()


def test_compare_mistakes_exit_2_and_write_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASELINE}\nname: bad\ntitel: x\n")
    out = tmp_path / "cmp"
    result = wargame("compare", BASELINE, bad, "--runs", 100, "--out", out)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"{bad}:3:1: titel: unknown field 'titel' (did you mean 'title'?)"
    assert not out.exists()
    one = wargame("compare", BASELINE, "--out", out)
    assert one.returncode == 2 and "at least two" in one.stderr
