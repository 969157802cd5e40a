"""Experiments: designs, settings, the runner on every backend, indices, tornado, PRIM, the CLI."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, REPO, SCENARIOS, wargame

from sim.experiments.analysis import (
    design_warnings,
    discover,
    outcome_variation,
    sensitivity_indices,
    tornado,
)
from sim.experiments.design import ONE_AT_A_TIME, SAMPLED, design_table
from sim.experiments.loading import load_checked_experiment
from sim.experiments.run import ExperimentRequest, resume_experiment, run_experiment
from sim.experiments.settings import Setting, apply_setting, compile_setting
from sim.experiments.spec import Design, Experiment, Factor, load_experiment
from sim.plots.experiments import tornado as tornado_figure
from sim.runner.backends import BackendSpec
from sim.runner.batch import RunInterrupted
from sim.scenario import ScenarioError, load_scenario
from sim.statistics import wilson_interval, wilson_intervals

EXAMPLE = SCENARIOS / "experiments" / "baseline-uncertainties.yaml"
Z95 = 1.959963984540054  # the points table's 95% intervals

# Ishigami function, a = 7, b = 0.1, inputs uniform on [-pi, pi]: analytic Sobol indices.
A, B = 7.0, 0.1
_V1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
_V2 = A**2 / 8
_V13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
_V = _V1 + _V2 + _V13
ISHIGAMI_FIRST = {"x1": _V1 / _V, "x2": _V2 / _V, "x3": 0.0}
ISHIGAMI_TOTAL = {"x1": (_V1 + _V13) / _V, "x2": _V2 / _V, "x3": _V13 / _V}


def _ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values():
    """Design and analysis are ours (SALib inside); the model is Ishigami's closed form.

    Tolerance: each analytic index must lie inside its 95% bootstrap interval, and every
    interval must be narrower than 0.2 (at N = 2048 they are about 0.12 wide), so a
    mis-ordered design or a wrong estimator, which shifts indices by 0.3 or more, fails.
    """
    factors = {f"x{i}": Factor(parameter=f"x{i}", low=-math.pi, high=math.pi) for i in (1, 2, 3)}
    experiment = Experiment(
        name="ishigami", scenario="none", factors=factors, outcomes=("offensive.launched",), design=Design(samples=2048)
    )
    points = design_table(experiment.design, experiment.factors)
    points["offensive.launched"] = _ishigami(points[["x1", "x2", "x3"]].to_numpy())
    for end in ("_ci_low", "_ci_high"):  # a closed form: no simulation error at a point
        points["offensive.launched" + end] = points["offensive.launched"]
    indices = sensitivity_indices(experiment, points)
    assert len(indices) == 6
    for row in indices.itertuples():
        truth = (ISHIGAMI_FIRST if row.index == "first-order" else ISHIGAMI_TOTAL)[row.factor]
        assert row.ci_low <= truth <= row.ci_high, (row.factor, row.index, row.value, truth)
        assert row.ci_high - row.ci_low < 0.2


def _ishigami_points(samples: int) -> tuple[Experiment, pd.DataFrame]:
    factors = {f"x{i}": Factor(parameter=f"x{i}", low=-math.pi, high=math.pi) for i in (1, 2, 3)}
    experiment = Experiment(
        name="ishigami",
        scenario="none",
        factors=factors,
        outcomes=("offensive.launched",),
        design=Design(samples=samples),
    )
    points = design_table(experiment.design, experiment.factors)
    points["offensive.launched"] = _ishigami(points[["x1", "x2", "x3"]].to_numpy())
    for end in ("_ci_low", "_ci_high"):  # a closed form: no simulation error at a point
        points["offensive.launched" + end] = points["offensive.launched"]
    return experiment, points


def test_a_small_sobol_design_is_warned_with_the_samples_that_pin_its_indices_down():
    """At 32 samples Ishigami's indices are +/- 0.35 and an estimate no index can have appears (a
    first-order above its total, or below zero); the warning asks for 32 x (0.35 / 0.1)^2, rounded
    up to 512. At 512 the widest interval must be within 20% of the target +/- 0.1: the square-root
    rule is an estimate from bootstrap widths that are themselves noisy at 32 samples, and 20% is
    far below the factor of 3.5 by which the intervals narrow."""
    experiment, points = _ishigami_points(32)
    (warning,) = design_warnings(experiment, sensitivity_indices(experiment, points))
    assert warning["samples"] == 32 and warning["needed"] == 512 and warning["points_needed"] == 512 * 5
    assert warning["half_width"] > 0.3
    assert any("above total" in symptom or "below zero" in symptom for symptom in warning["symptoms"])
    experiment, points = _ishigami_points(warning["needed"])
    indices = sensitivity_indices(experiment, points)
    assert ((indices["ci_high"] - indices["ci_low"]) / 2).max() <= 0.12


def test_outcomes_that_vary_less_than_a_points_simulation_error_get_no_indices():
    """Four outcomes over one Sobol design (256 points), each point's value with a 95% interval of
    +/- 1.96 x 0.03 (standard error 0.03): a real effect twice that error, pure noise of that error,
    a constant but for one point (the README's ceasefire), and a tiny real effect.

    The chi-square test at level 0.01 with 255 degrees of freedom: noise alone gives a ratio of
    spread to error near 1 (p about 0.5 here; the seed is fixed), the real effect a ratio of
    about 2 (p < 1e-50). Reading the interval's half-width as the error (1.96 times too large)
    would call the real effect noise, and this test would fail.
    """
    factors = {"a": Factor(parameter="a"), "b": Factor(parameter="b")}
    experiment = Experiment(
        name="e", scenario="s", factors=factors, design=Design(samples=64), outcomes=("real", "noise", "flat", "tiny")
    )
    points = design_table(experiment.design, experiment.factors)
    rng = np.random.default_rng(7)
    error, count = 0.03, len(points)
    values = {
        "real": 0.5 + 2 * error * np.sqrt(12) * (points["a"] - 0.5),  # uniform: standard deviation 2 x error
        "noise": 0.5 + rng.normal(0, error, count),
        "flat": np.where(points["point"] == 3, 0.17, 0.165),
        "tiny": 0.3 + 0.005 * points["b"],
    }
    for name, value in values.items():
        points[name] = value
        points[f"{name}_ci_low"], points[f"{name}_ci_high"] = value - Z95 * error, value + Z95 * error
    variation = outcome_variation(experiment, points)
    by_outcome = variation.set_index("outcome")
    assert by_outcome["varies"].to_dict() == {"real": True, "noise": False, "flat": False, "tiny": False}
    assert by_outcome.loc["real", "ratio"] == pytest.approx(2.0, rel=0.1)
    assert by_outcome.loc["noise", "p_value"] > 0.05
    assert set(sensitivity_indices(experiment, points, variation)["outcome"]) == {"real"}


def test_tornado_bars_carry_each_points_interval():
    factors = {"a": Factor(parameter="a", low=0, high=1), "b": Factor(parameter="b", low=0, high=1)}
    experiment = Experiment(name="e", scenario="s", factors=factors, design=Design(samples=4), outcomes=("y",))
    points = design_table(experiment.design, experiment.factors)
    points["y"] = 0.2 + 0.4 * points["a"]  # spread across the design about 5 times a point's error: it varies
    points["y_ci_low"], points["y_ci_high"] = points["y"] - 0.04, points["y"] + 0.05
    swings = tornado(experiment, points)
    row = swings[swings["factor"] == "a"].iloc[0]
    assert (row["at_low"], row["at_high"]) == pytest.approx((0.2, 0.6))
    assert (row["at_high_ci_low"], row["at_high_ci_high"]) == pytest.approx((0.56, 0.65))
    assert (row["centre_ci_low"], row["centre_ci_high"]) == pytest.approx((0.36, 0.45))
    figure = tornado_figure(swings, "y")
    whiskers = [c for c in figure.axes[0].containers if c.__class__.__name__ == "ErrorbarContainer"]
    ends = sorted(tuple(np.round(segment[:, 0], 6)) for c in whiskers for segment in c.lines[2][0].get_segments())
    assert (0.56, 0.65) in ends and (0.16, 0.25) in ends  # factor a at its high and its low end


def _noisy_and_real_points() -> tuple[Experiment, pd.DataFrame]:
    """A Sobol design (4 x 64 + 5 points) with two outcomes, each point's standard error 0.5:
    `real` (ground taken, km) rises with factor a, 8 times that error across the design; `noise`
    is that error alone. `real` is mostly near 0, so its normal intervals run below 0."""
    factors = {"a": Factor(parameter="a", low=0, high=1), "b": Factor(parameter="b", low=0, high=1)}
    experiment = Experiment(
        name="e",
        scenario="s",
        factors=factors,
        design=Design(samples=64),
        outcomes=("noise", "real"),
        discovery={"outcome": "noise"},
    )
    points = design_table(experiment.design, experiment.factors)
    rng = np.random.default_rng(11)
    error = 0.5
    values = {"noise": 2 + rng.normal(0, error, len(points)), "real": 0.1 + 14 * points["a"] ** 2}
    for name, value in values.items():
        points[name] = value
        points[f"{name}_ci_low"], points[f"{name}_ci_high"] = value - Z95 * error, value + Z95 * error
    return experiment, points


def test_an_outcome_that_does_not_vary_gets_no_swings_and_no_prim_box():
    """Noise alone (p about 0.5 at 260 points, seed fixed) must not be read as a swing or a region; PRIM
    on that noise would otherwise box the points that happened to land above the 75th percentile."""
    experiment, points = _noisy_and_real_points()
    variation = outcome_variation(experiment, points)
    assert variation.set_index("outcome")["varies"].to_dict() == {"noise": False, "real": True}
    assert set(tornado(experiment, points, variation)["outcome"]) == {"real"}
    found = discover(experiment, points, variation=variation)
    assert found.chosen_step is None and found.trajectory.empty and found.limits.empty
    assert "PRIM would box noise" in found.reading
    found = discover(
        experiment.model_copy(update={"discovery": experiment.discovery.model_copy(update={"outcome": "real"})}), points
    )
    assert found.chosen_step is not None and "a at least" in found.reading


def test_a_non_negative_outcomes_one_at_a_time_intervals_stop_at_zero():
    """Ground taken at factor a's low end is 0.1 km with a normal interval of 0.1 +/- 0.98: the table
    must say 0 to 1.08, not -0.88 to 1.08; an outcome with a point below 0 keeps its interval as it is."""
    experiment, points = _noisy_and_real_points()
    row = tornado(experiment, points).set_index("factor").loc["a"]
    assert (row["at_low"], row["at_low_ci_low"]) == pytest.approx((0.1, 0.0))
    assert row["at_low_ci_high"] == pytest.approx(0.1 + Z95 * 0.5)
    shifted = points.assign(**{name: points[name] - 1 for name in ("real", "real_ci_low", "real_ci_high")})
    row = tornado(experiment, shifted).set_index("factor").loc["a"]
    assert row["at_low_ci_low"] == pytest.approx(-0.9 - Z95 * 0.5)


def test_a_grid_level_outside_its_factors_range_is_refused_before_anything_runs(tmp_path: Path):
    bad = tmp_path / "levels.yaml"
    bad.write_text(
        f"name: levels\nscenario: {BASELINE}\ndesign: {{method: grid}}\n"
        "factors:\n"
        "  force_ratio_threshold:\n"
        "    parameter: force_ratio_threshold\n"
        "    low: 1.5\n"
        "    high: 3.5\n"
        "    levels: [1.5, 2, 5]\n"
        "  time_to_ready_days: {parameter: time_to_ready_days, levels: [0.5, 1.5]}\n"
    )
    result = wargame("sweep", bad, "--out", tmp_path / "out")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{bad}:9:5: factors.force_ratio_threshold.levels: level 5 outside the factor's range (1.5 to 3.5)",
        f"{bad}:10:55: factors.time_to_ready_days.levels: level 1.5 outside the factor's range (percentiles, 0 to 1)",
    ]
    assert not (tmp_path / "out").exists()


def test_designs_have_the_sizes_salib_gives_and_one_at_a_time_points():
    factors = {"a": Factor(parameter="a"), "b": Factor(parameter="b", low=1, high=3)}
    for method, sampled in (("sobol", 8 * 4), ("morris", 8 * 3), ("lhs", 8), ("grid", 3 * 3)):
        table = design_table(Design(method=method, samples=8, levels=3), factors)
        assert (table["kind"] == SAMPLED).sum() == sampled
        swings = table[table["kind"] == ONE_AT_A_TIME]
        assert len(swings) == 1 + 2 * len(factors)
        assert table["point"].tolist() == list(range(len(table)))
        assert table["a"].between(0, 1).all() and table["b"].between(1, 3).all()


def test_factor_order_is_the_same_whatever_order_the_file_gives():
    one = Experiment(name="e", scenario="s", factors={"b": Factor(parameter="b"), "a": Factor(parameter="a")})
    assert list(one.factors) == ["a", "b"]
    again = Experiment.model_validate(json.loads(json.dumps(one.model_dump(mode="json"), sort_keys=True)))
    assert list(again.factors) == list(one.factors)


def test_a_weight_setting_keeps_the_other_branches_in_proportion():
    data = load_scenario(BASELINE).as_data()
    changed = apply_setting(data, Setting(weights={"parameters.attrition_law.square": 0.5}))
    weights = changed["parameters"]["attrition_law"]["weights"]
    assert weights["square"] == pytest.approx(0.5)
    assert weights["linear"] / weights["mixed"] == pytest.approx(0.40 / 0.30)
    assert sum(weights.values()) == pytest.approx(1.0)
    hypotheses = apply_setting(data, Setting(weights={"hypotheses.offensive": 0.5}))["hypotheses"]
    assert hypotheses["offensive"]["weight"] == pytest.approx(0.5)
    assert hypotheses["routine"]["weight"] / hypotheses["coercion"]["weight"] == pytest.approx(0.55 / 0.30)


def test_a_fixed_setting_holds_under_every_hypothesis():
    compiled = compile_setting(load_scenario(BASELINE).as_data(), Setting(fixed={"time_to_ready_days": 12.0}))
    for hypothesis in compiled.distributions.values():
        assert hypothesis["time_to_ready_days"].quantile(0.9) == 12.0


def _example(**changes) -> tuple[Experiment, object]:
    experiment, scenario_path, _ = load_experiment(EXAMPLE)
    small = {"replications": 20, "design": Design(method="sobol", samples=8, seed=1), **changes}
    return experiment.model_copy(update=small), load_scenario(scenario_path)


@pytest.mark.slow
def test_design_points_share_random_numbers_and_pins_set_percentiles(tmp_path: Path):
    experiment, scenario = _example()
    out = run_experiment(ExperimentRequest(experiment, scenario, tmp_path / "run"))
    rows = pq.read_table(out / "replications.parquet").to_pandas()
    assert len(rows) == len(pd.read_parquet(out / "design.parquet")) * 20
    # A parameter no factor touches is drawn from the same uniform at every point: common random numbers.
    untouched = rows.pivot(index="replication", columns="point", values="param.defender_troops")
    assert (untouched.nunique(axis=1) == 1).all()
    # A percentile factor pins its parameter: within a point and hypothesis, one value.
    pinned = rows.groupby(["point", "hypothesis"])["param.time_to_ready_days"].nunique()
    assert (pinned == 1).all()
    points = pd.read_parquet(out / "points.parquet")
    for name in experiment.outcomes:
        assert (points[f"{name}_ci_low"] <= points[name] + 1e-12).all()
        assert (points[name] <= points[f"{name}_ci_high"] + 1e-12).all()


@pytest.mark.slow
def test_an_interrupted_experiment_resumes_to_the_uninterrupted_tables(tmp_path: Path):
    experiment, scenario = _example()
    whole = run_experiment(ExperimentRequest(experiment, scenario, tmp_path / "whole"))
    seen = []

    def stop_after_five(done: int, planned: int) -> None:
        seen.append(done)
        if len(seen) > 5:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted):
        run_experiment(ExperimentRequest(experiment, scenario, tmp_path / "cut"), stop_after_five)
    cut = tmp_path / "cut"
    assert json.loads((cut / "manifest.json").read_text())["status"] == "interrupted"
    assert not (cut / "replications.parquet").exists()
    resume_experiment(cut, BackendSpec("serial"))
    for name in ("replications.parquet", "points.parquet"):
        assert pq.read_table(cut / name).equals(pq.read_table(whole / name))


def test_prim_finds_the_box_that_makes_an_outcome_likely():
    """Synthetic points: the outcome is high exactly where a > 0.6 and b < 0.3; PRIM must find that box."""
    factors = {"a": Factor(parameter="a"), "b": Factor(parameter="b"), "c": Factor(parameter="c")}
    experiment = Experiment(
        name="e",
        scenario="s",
        factors=factors,
        design=Design(method="lhs", samples=600, seed=3),
        outcomes=("offensive.launched",),
        discovery={"outcome": "offensive.launched", "above": 0.5},
    )
    points = design_table(experiment.design, experiment.factors)
    points["offensive.launched"] = ((points["a"] > 0.6) & (points["b"] < 0.3)).astype(float)
    for end in ("_ci_low", "_ci_high"):  # a closed form: no simulation error at a point
        points["offensive.launched" + end] = points["offensive.launched"]
    found = discover(experiment, points)
    limits = found.limits.set_index("factor")
    assert set(limits.index) == {"a", "b"}
    assert limits.loc["a", "low"] == pytest.approx(0.6, abs=0.05)
    assert limits.loc["b", "high"] == pytest.approx(0.3, abs=0.05)
    assert "a at least" in found.reading and "b at most" in found.reading


@pytest.mark.slow
def test_the_example_experiment_gives_the_same_numbers_on_processes_and_dask(tmp_path: Path):
    common = ["--runs", "20", "--samples", "16", "--quiet", "--no-report"]
    processes = wargame("sweep", EXAMPLE, "--out", tmp_path / "p", "--workers", "2", *common)
    assert processes.returncode == 0, processes.stderr
    dask = wargame("sweep", EXAMPLE, "--out", tmp_path / "d", "--dask-workers", "2", *common)
    assert dask.returncode == 0, dask.stderr
    for name in ("replications.parquet", "points.parquet"):
        assert pq.read_table(tmp_path / "p" / name).equals(pq.read_table(tmp_path / "d" / name))
    # The report of an experiment, written afterwards (a sweep writing its own: test_browser.py, via sensitivity).
    rewritten = wargame("report", tmp_path / "d")
    assert rewritten.returncode == 0, rewritten.stderr
    html = (tmp_path / "d" / "report.html").read_text()
    # Figures are named after the outcome with the dot made safe for a file name and an HTML id.
    for figure in ("sensitivity_talks_ceasefire", "tornado_talks_ceasefire"):
        assert f'id="figure-{figure}"' in html and (tmp_path / "d" / "plots" / f"{figure}.png").is_file()
    # At 20 replications a point an offensive is too rare to vary beyond noise: no indices, tornado or PRIM box.
    quiet = html.split("<h3>Does not vary here</h3>")[1].split("</table>")[0]
    assert "<td>Offensive from Belarus: offensive launched</td>" in quiet
    assert "<strong>Reading:</strong>" in html and "PRIM would box noise" in html
    assert 'id="figure-tornado_offensive_launched"' not in html and 'id="figure-prim_tradeoff"' not in html
    assert "offensive.launched" not in set(pd.read_csv(tmp_path / "d" / "tornado.csv")["outcome"])
    assert pd.read_csv(tmp_path / "d" / "discovery.csv").empty
    # Outcomes are named as the catalogue labels them, the column beside.
    outcomes = html.split('id="outcomes"')[1].split("</section>")[0]
    assert "<td>Offensive from Belarus: offensive launched</td><td><code>offensive.launched</code></td>" in outcomes
    assert "Sensitivity of Talks: ceasefire agreed" in html
    as_run = wargame("run", "--resume", tmp_path / "d")
    assert as_run.returncode == 2 and "wargame sweep --resume" in as_run.stderr
    indices = pd.read_csv(tmp_path / "d" / "sensitivity.csv")
    assert set(indices["index"]) == {"first-order", "total"} and "offensive.launched" not in set(indices["outcome"])
    assert set(indices["factor"]) == set(load_experiment(EXAMPLE)[0].factors)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "indices"), [("morris", {"mu_star", "sigma"}), ("lhs", {"pawn_median", "pawn_max"})]
)
def test_sensitivity_command_screens_with_morris_or_pawn(tmp_path: Path, method: str, indices: set[str]):
    result = wargame(
        "sensitivity",
        BASELINE,
        "--params",
        # russia_acceptance moves the ceasefire far beyond the noise of 20 replications a point:
        # an outcome that varies, so the indices are computed (the others may not clear the test).
        "time_to_ready_days,force_ratio_threshold=1.5:3,hypotheses.offensive=0:0.4,russia_acceptance=0.05:0.6",
        "--method",
        method,
        "--samples",
        "12",
        "--runs",
        "20",
        "--seed",
        "3",  # the same numbers on every machine (a seed is drawn when none is given)
        "--workers",
        "1",
        "--out",
        tmp_path / "s",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(str(tmp_path / "s"))
    table = pd.read_csv(tmp_path / "s" / "sensitivity.csv")
    assert set(table["index"]) == indices
    assert "talks.ceasefire" in set(table["outcome"])
    factors = {"time_to_ready_days", "force_ratio_threshold", "hypotheses_offensive", "russia_acceptance"}
    assert set(table["factor"]) == factors


def test_experiment_file_mistakes_are_reported_by_line_with_nothing_written(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"name: bad\nscenario: {BASELINE}\n"
        "factors:\n"
        "  a: {parameter: time_to_ready_day}\n"
        "  b: {weight: parameters.attrition_law.sqare, low: 0, high: 0.5}\n"
        "  c: {parameter: drawdown_days, low: -1, high: 3}\n"
    )
    result = wargame("sweep", bad, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"{bad}:4:") and "did you mean 'time_to_ready_days'" in lines[0]
    assert lines[1].startswith(f"{bad}:5:") and "its branches: linear, mixed, square" in lines[1]
    # A factor's end that makes the scenario invalid (a negative delay) is refused with the scenario's reason.
    assert lines[2].startswith(f"{bad}:6:") and "factors.c.low" in lines[2] and "used as a delay" in lines[2]
    assert not (tmp_path / "out").exists()
    lost = tmp_path / "lost.yaml"
    lost.write_text("name: lost\nscenario: nothere.yaml\nfactors:\n  a: {parameter: time_to_ready_days}\n")
    missing = wargame("validate", lost)
    assert (
        missing.returncode == 2 and missing.stderr == f"{lost}:2:1: scenario: scenario file 'nothere.yaml' not found\n"
    )
    validated = wargame("validate", bad)
    assert validated.returncode == 2 and validated.stderr == result.stderr
    assert wargame("validate", EXAMPLE).stdout == f"{EXAMPLE}: ok\n"


def test_experiment_outcomes_default_to_the_headline_and_must_be_yes_no_or_numbers(tmp_path: Path):
    plain = tmp_path / "plain.yaml"
    plain.write_text(f"name: plain\nscenario: {BASELINE}\nfactors:\n  a: {{parameter: time_to_ready_days}}\n")
    experiment, scenario = load_checked_experiment(plain)
    assert experiment.outcomes == scenario.report.headline  # the outcomes the scenario's report puts first
    named = tmp_path / "named.yaml"
    named.write_text(
        plain.read_text().replace("name: plain", "name: named") + "outcomes: [offensive.lanched, offensive]\n"
    )
    with pytest.raises(ScenarioError) as caught:
        load_checked_experiment(named)
    assert [str(problem) for problem in caught.value.problems] == [
        f"{named}:5:12: outcomes.0: unknown outcome 'offensive.lanched' (did you mean 'offensive.launched'?)",
        f"{named}:5:31: outcomes.1: 'offensive' is a category outcome; an experiment analyses yes/no or number ones",
    ]


def test_sensitivity_command_mistakes_are_one_line_each(tmp_path: Path):
    result = wargame("sensitivity", BASELINE, "--params", "time_to_redy,force_ratio_threshold=3", "--out", tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "give a range as LOW:HIGH" in result.stderr


@pytest.mark.slow
def test_ctrl_c_stops_a_sweep_and_resume_completes_the_same_tables(tmp_path: Path):
    whole = tmp_path / "whole"
    assert (
        wargame(
            "sweep", EXAMPLE, "--runs", 10, "--samples", 16, "--workers", 1, "--out", whole, "--no-report"
        ).returncode
        == 0
    )
    out = tmp_path / "cut"
    command = [
        sys.executable,
        "-m",
        "sim.cli",
        "sweep",
        str(EXAMPLE),
        "--runs",
        "10",
        "--samples",
        "16",
        "--out",
        str(out),
    ]
    process = subprocess.Popen(
        [*command, "--workers", "2", "--no-report"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(list((out / "chunks").glob("replications-*.arrow"))) < 20:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and f"resume with: wargame sweep --resume {out}" in stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    resumed = wargame("sweep", "--resume", out, "--workers", 2, "--no-report")
    assert resumed.returncode == 0, resumed.stderr
    for name in ("replications.parquet", "points.parquet"):
        assert pq.read_table(out / name).equals(pq.read_table(whole / name))


def test_vectorised_wilson_intervals_match_scipy():
    """Tolerance 1e-9: the same closed form, computed two ways, differs only by rounding."""
    successes = np.array([0, 1, 7, 50, 199, 200])
    trials = np.array([200, 200, 30, 100, 200, 200])
    low, high = wilson_intervals(successes, trials)
    for k in range(len(trials)):
        expected = wilson_interval(int(successes[k]), int(trials[k]))
        assert (low[k], high[k]) == pytest.approx(expected, abs=1e-9)


def test_experiment_json_schema_accepts_the_example_and_rejects_a_misspelt_field():
    import jsonschema
    from ruamel.yaml import YAML

    result = wargame("schema", "--experiment")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    document = YAML(typ="safe").load(EXAMPLE.read_text())
    jsonschema.validate(document, schema)
    document["factors"]["extra"] = {"paramter": "time_to_ready_days"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)
