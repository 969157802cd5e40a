"""`wargame compare` end to end: runs with common random numbers, paired intervals, files written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE, SCENARIOS, wargame


@pytest.fixture(scope="module")
def troop_comparison(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "out"
    belarus, latvia = SCENARIOS / "troops-belarus-13k.yaml", SCENARIOS / "troops-latvia-100-150k.yaml"
    result = wargame("compare", belarus, latvia, "--runs", 2000, "--seed", 11, "--out", out, "--workers", 2)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(out)
    return out


def test_compare_writes_the_comparison_report_and_tables(troop_comparison):
    for name in ("comparison.html", "comparison.md", "side_by_side.csv", "differences.csv"):
        assert (troop_comparison / name).stat().st_size > 500, name
    for figure in ("probabilities", "differences", "timeline_offensive_launched", "cdf_exercise_size"):
        assert (troop_comparison / "plots" / f"{figure}.png").is_file()
    markdown = (troop_comparison / "comparison.md").read_text()
    assert "troops-latvia-100-150k minus troops-belarus-13k" in markdown
    assert "times narrower than independent ones would be" in markdown


def test_paired_intervals_are_narrower_than_independent_ones(troop_comparison):
    differences = pd.read_csv(troop_comparison / "differences.csv").set_index("outcome")
    for outcome in ("offensive.launched", "objective_reached", "force_ratio", "reserves_moved"):
        row = differences.loc[outcome]
        assert row["paired_half_width"] < row["independent_half_width"], outcome
    # The Latvian estimate means more troops, so more offensives: the paired interval excludes zero.
    assert differences.loc["offensive.launched", "ci_low"] > 0


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
