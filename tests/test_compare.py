"""`wargame compare` end to end: re-weighting for weight-only variants, measured pairing with common
random numbers, independent intervals where pairing fails, inputs checked first, files written."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, SCENARIOS, wargame
from test_engines import dividing_scenario
from test_report import illegible_text

from sim.analysis import comparison
from sim.plots import comparison as comparison_plots

MORE_COERCION = """schema_version: 1
extends: {base}
name: more-coercion
title: More coercion, less routine
hypotheses:
  routine: {{weight: 0.40}}
  coercion: {{weight: 0.45}}
"""


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
    # Only troop numbers differ: every replication keeps its hypothesis, and the report says so.
    assert "100.0% of replications drew the same hypothesis" in markdown
    assert "times narrower than independent ones, median over outcomes" in markdown
    assert markdown.count("simulation error only") >= 2


def test_paired_intervals_are_narrower_than_independent_ones(troop_comparison):
    differences = pd.read_csv(troop_comparison / "differences.csv").set_index("outcome")
    for outcome in ("offensive.launched", "objective_reached", "force", "reserves_moved"):
        row = differences.loc[outcome]
        assert row["paired_half_width"] < row["independent_half_width"], outcome
        assert row["method"] == "paired" and row["half_width"] == row["paired_half_width"], outcome
    # Where the paired interval is no narrower, the independent one is primary.
    independent = differences[differences["method"] == "independent"]
    assert (independent["half_width"] == independent["independent_half_width"]).all()
    assert (independent["paired_half_width"].fillna(np.inf) >= independent["independent_half_width"]).all()
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
            "half_width": [0.0, 0.011],
            "method": ["paired", "paired"],
        }
    )
    differences = {"troops-latvia-100-150k": frame, "a-third-scenario-with-a-long-name": frame.assign(difference=-0.01)}
    figure = comparison_plots.difference_plot(differences, outcomes, lambda name: f"Offensive: {name}")
    assert illegible_text(figure) == []


@pytest.mark.slow
def test_compare_accepts_finished_runs_and_says_when_they_cannot_be_paired(tmp_path):
    runs = []
    for seed, scenario in ((1, BASELINE), (2, SCENARIOS / "troops-belarus-13k.yaml")):
        out = tmp_path / f"run{seed}"
        assert (
            wargame(
                "run", scenario, "--runs", 300, "--seed", seed, "--out", out, "--workers", 1, "--no-report"
            ).returncode
            == 0
        )
        runs.append(out)
    result = wargame("compare", *runs, "--out", tmp_path / "cmp")
    assert result.returncode == 0, result.stderr
    assert "cannot be paired" in (tmp_path / "cmp" / "comparison.md").read_text()
    differences = pd.read_csv(tmp_path / "cmp" / "differences.csv")
    assert set(differences["method"]) == {"independent"}


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


def test_a_weight_only_variant_is_the_reference_re_weighted_and_a_run_against_itself_prints_no_nan(
    troop_comparison, tmp_path
):
    """Issue 14's variant (routine 0.55 to 0.40, coercion 0.30 to 0.45) against a finished baseline run:
    its estimates are exactly the baseline's replications weighted by w'/w, and the report says so.
    The baseline against itself (the third item) is re-weighting with every weight 1: every difference
    is exactly zero, and no "nan" is printed anywhere (it used to say "nan times narrower")."""
    reference = troop_comparison / "runs" / "2-baseline"
    variant = tmp_path / "more-coercion.yaml"
    variant.write_text(MORE_COERCION.format(base=BASELINE))
    out = tmp_path / "cmp"
    result = wargame("compare", reference, variant, reference, "--runs", 100, "--seed", 4, "--workers", 1, "--out", out)
    assert result.returncode == 0, result.stderr
    markdown = (out / "comparison.md").read_text()
    assert "compared by **re-weighting**" in markdown and "coercion 30% to 45%, routine 55% to 40%" in markdown
    assert "Its own run is not used" in markdown
    assert "draws exactly as the reference does" in markdown
    assert "Every difference is zero, in every replication" in markdown
    html = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", (out / "comparison.html").read_text())
    for text in (result.stdout, result.stderr, markdown, html):
        assert not re.search(r"\bnan\b", text, re.IGNORECASE)
    every = pd.read_csv(out / "differences.csv")
    assert set(every["method"]) == {"re-weighted"}
    itself = every[every["scenario"] == "baseline-2"]
    assert (itself["difference"] == 0).all() and (itself["half_width"] == 0).all()
    differences = every[every["scenario"] == "more-coercion"].set_index("outcome")
    table = pd.read_parquet(reference / "replications.parquet", columns=["hypothesis", "offensive.launched"])
    ratio = table["hypothesis"].map({"routine": 0.40 / 0.55, "coercion": 0.45 / 0.30, "offensive": 1.0})
    launched = table["offensive.launched"].astype(float)
    expected = float((ratio * launched).sum() / ratio.sum())
    side = pd.read_csv(out / "side_by_side.csv").set_index("outcome")
    assert side.loc["offensive.launched", "more-coercion"] == pytest.approx(expected, abs=1e-12)
    assert differences.loc["offensive.launched", "difference"] == pytest.approx(expected - launched.mean(), abs=1e-12)
    # From the same replications, the intervals are narrower than two independent runs would give:
    # about a quarter as wide here (at most a third, at 400 replications while writing this test).
    assert (differences["half_width"] <= differences["independent_half_width"]).all()
    assert (differences["half_width"] / differences["independent_half_width"]).median() < 0.5
    # Only offensive replications have a force ratio, and the offensive's weight did not change: its
    # difference is zero though it varies between replications, and the report says why.
    assert differences.loc["force_ratio", "half_width"] == 0 < differences.loc["force_ratio", "independent_half_width"]
    section = markdown.split("## more-coercion minus")[1].split("\n## ")[0]
    force_ratio = next(line for line in section.splitlines() if line.startswith("| force ratio"))
    assert "no change: only replications of unchanged weight carry it" in force_ratio
    assert "same in every replication" not in force_ratio


def test_the_re_weighted_interval_covers_the_true_difference_95_times_in_100():
    """The delta-method interval of a re-weighted difference, on synthetic replications whose true
    difference is known: 400 repetitions of 2,000 replications. Coverage within 0.92 to 0.98: its
    binomial SE at 0.95 is 0.011, so that is 2.7 SE either side (a correct interval fails about
    once in 140 seeds; the seed is fixed), while an interval a third too narrow covers about 0.81."""
    rng = np.random.default_rng(14)
    old = {"coercion": 0.30, "offensive": 0.15, "routine": 0.55}
    new = {"coercion": 0.45, "offensive": 0.15, "routine": 0.40}
    rate = {"coercion": 0.2, "offensive": 0.6, "routine": 0.05}
    truth = sum((new[h] - old[h]) * rate[h] for h in old)
    names = np.array(sorted(old))
    covered = 0
    for _ in range(400):
        hypotheses = rng.choice(names, size=2000, p=[old[h] for h in names])
        outcome = rng.random(2000) < np.vectorize(rate.get)(hypotheses)
        table = pd.DataFrame({"outcome": outcome})
        weights = comparison.reweighting(hypotheses, {"hypotheses": {h: {"weight": w} for h, w in old.items()}}, new)
        row = comparison.differences(table, table, False, ["outcome"], weights).iloc[0]
        covered += row["ci_low"] <= truth <= row["ci_high"]
    assert 0.92 <= covered / 400 <= 0.98, covered


def test_weight_change_is_recognised_only_when_weights_are_all_that_changes():
    """Text and report settings may differ; a parameter, or a hypothesis the reference never drew, may not."""
    base = {
        "name": "a",
        "title": "A",
        "hypotheses": {"x": {"weight": 0.5, "description": "x"}, "y": {"weight": 0.5, "description": "y"}},
        "parameters": {"p": {"dist": "fixed", "value": 1, "assumption": "a"}},
    }
    reworded = {
        **base,
        "name": "b",
        "title": "B",
        "hypotheses": {"x": {"weight": 0.2, "description": "another text"}, "y": {"weight": 0.8, "description": "y"}},
    }
    assert comparison.weight_change(base, reworded) == {"x": 0.2, "y": 0.8}
    assert comparison.weight_change(base, {**reworded, "parameters": {"p": {"dist": "fixed", "value": 2}}}) is None
    only_y = {
        **base,
        "hypotheses": {"x": {"weight": 0.0, "description": "x"}, "y": {"weight": 1.0, "description": "y"}},
    }
    assert comparison.weight_change(only_y, base) is None  # x has no replications to re-weight
    assert comparison.weight_change(base, only_y) == {"x": 0.0, "y": 1.0}


def test_compare_checks_every_input_before_running_anything(troop_comparison, tmp_path):
    """Issue 15: an incomplete run given last used to be found only after the scenarios before it had
    run, leaving an --out that blocked the rerun."""
    incomplete = tmp_path / "incomplete"
    incomplete.mkdir()
    manifest = json.loads((troop_comparison / "runs" / "2-baseline" / "manifest.json").read_text())
    (incomplete / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}))
    out = tmp_path / "cmp"
    result = wargame("compare", BASELINE, incomplete, "--runs", 5000, "--out", out)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not complete" in result.stderr and str(incomplete) in result.stderr
    assert not out.exists()


def test_a_re_weighted_difference_of_replications_with_equal_weights_is_exactly_zero():
    """Rows all under one hypothesis (a given outcome only offensives have) carry equal weights: the
    difference and its interval are 0, not rounding (it printed "6331914028398708.0x narrower")."""
    rng = np.random.default_rng(5)
    table = pd.DataFrame({"attackers_left": rng.normal(90_000, 15_000, 43)})
    old = {"hypotheses": {"routine": {"weight": 0.55}, "coercion": {"weight": 0.30}, "offensive": {"weight": 0.15}}}
    weights = comparison.reweighting(np.array(["offensive"] * 43), old, {"routine": 0, "coercion": 0, "offensive": 1})
    row = comparison.differences(table, table, False, None, weights).iloc[0]
    assert row["difference"] == 0 and row["half_width"] == 0 and row["narrowing"] == np.inf
    assert row["independent_half_width"] > 1000


@pytest.mark.slow
def test_a_weight_only_variant_re_weighting_would_make_less_precise_is_compared_on_its_own_run(
    troop_comparison, tmp_path
):
    """intent-offensive (offensive 15% to 100%) re-weights 2,000 baseline replications to an effective
    ~300: its intervals would be about 2.5 times wider than its own 2,000 paired replications give, so
    its own run is used (the rule: re-weight only where the median ratio of widths is at most 1; at
    2.5 this cannot flip by chance). Numeric outcomes some replications lack say what they are given."""
    reference = troop_comparison / "runs" / "2-baseline"
    out = tmp_path / "cmp"
    variant = SCENARIOS / "intent-offensive.yaml"
    result = wargame("compare", reference, variant, "--runs", 2000, "--seed", 11, "--workers", 2, "--out", out)
    assert result.returncode == 0, result.stderr
    markdown = (out / "comparison.md").read_text()
    declined = re.search(
        r"re-weighting the reference \(effective sample size ([\d,]+) of 2,000\) would give "
        r"intervals ([\d.]+) times as wide as its own run does",
        markdown,
    )
    assert declined and float(declined[2]) > 1.5, markdown[:2000]
    assert "so its own run is used: it ran with the same seed" in markdown
    differences = pd.read_csv(out / "differences.csv").set_index("outcome")
    assert "re-weighted" not in set(differences["method"])
    assert differences.loc["offensive.launched", "method"] == "paired"
    # attackers_left has a value exactly where an offensive was launched: a given outcome, as force_ratio is.
    side = pd.read_csv(out / "side_by_side.csv").set_index("outcome")
    assert side.loc["attackers_left", "given"] == side.loc["force_ratio", "given"] == "offensive.launched"
    assert side.loc["attackers", "given"] == "where defined"
    assert "| attacking troops, where it has a value |" in markdown
    assert "| attackers left when the fighting stops, given Offensive from Belarus: offensive launched |" in markdown
    # Figures' alt text and tables print the report's numbers, never float noise.
    assert not re.search(r"\de[+-]\d", markdown)


def test_a_comparison_of_runs_with_failed_replications_says_how_many_failed(tmp_path):
    """A run whose replications sometimes raise (gap below -0.97: 1.5% of them) is compared without a
    traceback, and the report says how many replications failed in each run, as its manifest counts them."""
    failing, fine = tmp_path / "f.yaml", tmp_path / "ok.yaml"
    failing.write_text(textwrap.dedent(dividing_scenario("1 / (gap if gap > -0.97 else 0)", name="f")))
    fine.write_text(textwrap.dedent(dividing_scenario("gap + 2", name="ok")))
    out = tmp_path / "cmp"
    result = wargame("compare", failing, fine, "--runs", 500, "--seed", 2, "--workers", 1, "--out", out)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    failed = json.loads((out / "runs" / "1-f" / "manifest.json").read_text())["failures"]
    assert failed > 0
    markdown = (out / "comparison.md").read_text()
    assert f"**Failed replications**, left out of every estimate below: f {failed}, ok 0 " in markdown
