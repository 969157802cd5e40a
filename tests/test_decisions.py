"""Courses of action: the decision analysis against a problem solved by hand, and the language of levers."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import SCENARIOS, wargame

from sim.decisions.analysis import decision_tables, pairing
from sim.decisions.courses import all_courses, courses_of, default_course
from sim.decisions.run import DecisionRequest, run_decision
from sim.engine import compile_course, compile_scenario, run_chunk, run_replication
from sim.runner.batch import RunInterrupted
from sim.runner.tables import replications_schema, replications_table
from sim.scenario import load_scenario
from sim.scenario.levers import apply_course

WEIGHTS = {"h1": 0.6, "h2": 0.4}
# Share of futures meeting the criterion, by course and hypothesis (the payoffs of the hand-solved problem).
PAYOFFS = {("A", "h1"): 0.9, ("A", "h2"): 0.2, ("B", "h1"): 0.5, ("B", "h2"): 0.7}


def _hand_problem() -> pd.DataFrame:
    """100 replications, 60 under h1 and 40 under h2 (the prior's shares), each course meeting the
    criterion in exactly its payoff's share of them: the tables must reproduce the hand values exactly."""
    rows = []
    for course in ("A", "B"):
        for replication in range(100):
            hypothesis = "h1" if replication < 60 else "h2"
            first = 0 if hypothesis == "h1" else 60
            size = 60 if hypothesis == "h1" else 40
            met = replication - first < round(PAYOFFS[course, hypothesis] * size)
            rows.append({"course": course, "replication": replication, "hypothesis": hypothesis, "goal": met})
    frame = pd.DataFrame(rows)
    frame["all"] = frame["goal"]
    return frame


def test_regret_robustness_and_value_of_information_match_the_hand_solution():
    # By hand: value A = .6*.9 + .4*.2 = .62, B = .6*.5 + .4*.7 = .58, so without information choose A (.62).
    # Knowing the hypothesis: A under h1 (.9), B under h2 (.7): .6*.9 + .4*.7 = .82; EVPI = .82 - .62 = .20.
    # Regret: h1 A 0, B .4; h2 A .5, B 0; max regret A .5, B .4 (minimax regret picks B: the choice flips).
    tables = decision_tables(_hand_problem(), WEIGHTS, ["goal"])
    robustness = tables.robustness.set_index("course")
    assert robustness.loc["A", "value"] == pytest.approx(0.62)
    assert robustness.loc["B", "value"] == pytest.approx(0.58)
    assert robustness.loc["A", "worst_hypothesis"] == "h2" and robustness.loc["A", "worst_value"] == pytest.approx(0.2)
    assert robustness.loc["A", "max_regret"] == pytest.approx(0.5)
    assert robustness.loc["B", "max_regret"] == pytest.approx(0.4)
    assert robustness.loc["A", "expected_regret"] == pytest.approx(0.4 * 0.5)
    assert robustness.loc["B", "expected_regret"] == pytest.approx(0.6 * 0.4)
    regret = tables.regret.set_index(["course", "hypothesis"])["regret"]
    assert regret.to_dict() == pytest.approx({("A", "h1"): 0, ("A", "h2"): 0.5, ("B", "h1"): 0.4, ("B", "h2"): 0})
    information = tables.information.iloc[0]
    assert information["value_without_information"] == pytest.approx(0.62)
    assert information["value_with_perfect_information"] == pytest.approx(0.82)
    assert information["evpi"] == pytest.approx(0.20)
    assert information["evpi_ci_low"] <= 0.20 <= information["evpi_ci_high"]
    choices = tables.choices.set_index("hypothesis")
    assert choices.loc["h1", "best_course"] == "A" and choices.loc["h2", "best_course"] == "B"
    assert choices.loc["h1", "margin"] == pytest.approx(0.4)
    by = tables.by_hypothesis.set_index(["course", "hypothesis"])
    assert by.loc[("B", "h2"), "replications"] == 40 and by.loc[("B", "h2"), "value"] == pytest.approx(0.7)
    assert by.loc[("B", "h2"), "value_ci_low"] < 0.7 < by.loc[("B", "h2"), "value_ci_high"]


def test_prior_weights_not_sample_shares_weigh_the_states():
    """The same replications under a prior of 0.5/0.5: values are re-weighted, not re-counted."""
    tables = decision_tables(_hand_problem(), {"h1": 0.5, "h2": 0.5}, ["goal"])
    robustness = tables.robustness.set_index("course")
    assert robustness.loc["A", "value"] == pytest.approx(0.55)
    assert robustness.loc["B", "value"] == pytest.approx(0.60)
    assert tables.information.iloc[0]["evpi"] == pytest.approx(0.5 * 0.9 + 0.5 * 0.7 - 0.60)


def test_a_dominated_course_is_off_the_pareto_front():
    frame = _hand_problem()
    frame["cheap"] = frame["course"] == "B"  # B trades goal for cost: both on the front
    worse = frame[frame["course"] == "B"].assign(course="C", goal=False, cheap=False)
    frame = pd.concat([frame, worse.assign(all=False)], ignore_index=True)
    frame["all"] = frame["goal"] & frame["cheap"]
    pareto = decision_tables(frame, WEIGHTS, ["goal", "cheap"]).pareto.set_index("course")["pareto_optimal"]
    assert pareto.to_dict() == {"A": True, "B": True, "C": False}


def test_pairing_is_measured_replication_by_replication():
    frame = _hand_problem()
    table = pairing(frame, "A", ["goal"]).set_index("course")
    assert table.loc["A", "same_result"] == 1 and table.loc["A", "same_hypothesis"] == 1
    assert table.loc["B", "same_hypothesis"] == 1
    # B differs from A where exactly one meets the goal: h1 rows 30..53 (24), h2 rows 68..87 (20).
    assert table.loc["B", "same_result"] == pytest.approx(1 - 44 / 100)
    assert np.isfinite(table.loc["B", "width_ratio"])
    # The difference the tables report is the prior-weighted one, with a paired bootstrap interval.
    tables = decision_tables(frame, WEIGHTS, ["goal"])
    paired = tables.pairing.set_index("course")
    assert paired.loc["B", "difference"] == pytest.approx(0.58 - 0.62)
    assert paired.loc["B", "difference_ci_low"] <= -0.04 <= paired.loc["B", "difference_ci_high"]
    assert tables.difference("B", "A")[0] == pytest.approx(-0.04)


def test_a_hypothesis_that_drew_no_replication_is_left_out_not_nan():
    tables = decision_tables(_hand_problem(), {**WEIGHTS, "h3": 0.01}, ["goal"])
    assert tables.unsampled == ("h3",)
    assert np.isfinite(tables.robustness["value"]).all()
    assert np.isfinite(tables.information[["evpi", "evpi_ci_low", "evpi_ci_high"]].to_numpy()).all()
    assert set(tables.by_hypothesis["hypothesis"]) == {"h1", "h2"}


def test_shares_at_zero_keep_an_interval_of_some_width():
    frame = _hand_problem().assign(goal=False, all=False)
    robustness = decision_tables(frame, WEIGHTS, ["goal"]).robustness
    assert (robustness["value"] == 0).all() and (robustness["value_ci_high"] > 0.02).all()  # Wilson, n = 100


# --- wargame decide, end to end -------------------------------------------------------------------------------

HAND = Path(__file__).parent / "data" / "decisions" / "hand.yaml"


def test_decide_on_the_hand_problem_recovers_the_hand_values(tmp_path: Path):
    """4,000 replications a course: a share's standard error is at most 0.5/sqrt(2400) = 0.010 under h1 and
    0.5/sqrt(1600) = 0.0125 under h2, so the prior-weighted value's is under 0.008; 0.03 is about four of them.
    EVPI is a difference of such values (paired), so the same tolerance holds."""
    out = tmp_path / "decide"
    result = wargame("decide", HAND, "--runs", 4000, "--seed", 5, "--out", out, "--workers", 1, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "complete" and summary["courses"] == 2
    for name in ("robustness", "regret", "value_of_information", "by_hypothesis", "pareto", "pairing", "outcomes"):
        assert (out / f"{name}.csv").is_file()
    robustness = pd.read_csv(out / "robustness.csv").set_index("course")
    assert robustness.loc["as written", "value"] == pytest.approx(0.62, abs=0.03)
    assert robustness.loc["plan=b", "value"] == pytest.approx(0.58, abs=0.03)
    assert robustness.loc["as written", "max_regret"] == pytest.approx(0.5, abs=0.03)
    assert robustness.loc["plan=b", "max_regret"] == pytest.approx(0.4, abs=0.03)
    information = pd.read_csv(out / "value_of_information.csv").iloc[0]
    assert information["evpi"] == pytest.approx(0.20, abs=0.03)
    pairing_table = pd.read_csv(out / "pairing.csv").set_index("course")
    assert (pairing_table["same_hypothesis"] == 1).all()
    html = (out / "report.html").read_text()
    assert "The choice flips if the h2 hypothesis holds" in html
    assert "simulation error only" in html


@pytest.mark.slow
def test_decide_gives_the_same_tables_on_one_or_two_workers(tmp_path: Path):
    common = ["--runs", 300, "--seed", 8, "--max-courses", 4, "--no-report", "--quiet", "--chunk-size", 100]
    decisions = SCENARIOS / "decisions" / "baseline.yaml"
    one = wargame("decide", decisions, "--out", tmp_path / "one", "--workers", 1, *common)
    assert one.returncode == 0, one.stderr
    two = wargame("decide", decisions, "--out", tmp_path / "two", "--workers", 2, *common)
    assert two.returncode == 0, two.stderr
    whole = pq.read_table(tmp_path / "one" / "replications.parquet")
    assert whole.equals(pq.read_table(tmp_path / "two" / "replications.parquet"))
    assert len(whole) == 4 * 300


def test_an_interrupted_decision_resumes_to_the_uninterrupted_tables(tmp_path: Path):
    compiled = compile_scenario(load_scenario(HAND))
    whole = run_decision(DecisionRequest(compiled, 400, 6, tmp_path / "whole", chunk_size=100))
    seen = []

    def stop_after_three(done: int, planned: int) -> None:
        seen.append(done)
        if len(seen) > 3:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted):
        run_decision(DecisionRequest(compiled, 400, 6, tmp_path / "cut", chunk_size=100), stop_after_three)
    cut = tmp_path / "cut"
    assert json.loads((cut / "manifest.json").read_text())["status"] == "interrupted"
    assert not (cut / "replications.parquet").exists()
    resumed = wargame("decide", "--resume", cut, "--workers", 1, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert pq.read_table(cut / "replications.parquet").equals(pq.read_table(whole / "replications.parquet"))
    assert (cut / "robustness.csv").is_file() and (cut / "report.html").is_file()


@pytest.mark.slow
def test_decide_on_a_local_dask_cluster_gives_the_serial_tables(tmp_path: Path):
    common = ["--runs", 200, "--seed", 4, "--max-courses", 3, "--no-report", "--quiet"]
    decisions = SCENARIOS / "decisions" / "baseline.yaml"
    serial = wargame("decide", decisions, "--out", tmp_path / "s", "--workers", 1, *common)
    assert serial.returncode == 0, serial.stderr
    dask = wargame("decide", decisions, "--out", tmp_path / "d", "--dask-workers", 2, *common)
    assert dask.returncode == 0, dask.stderr
    assert pq.read_table(tmp_path / "s" / "replications.parquet").equals(
        pq.read_table(tmp_path / "d" / "replications.parquet")
    )


def test_decide_refuses_a_scenario_without_levers(tmp_path: Path):
    result = wargame("decide", SCENARIOS / "baseline.yaml", "--out", tmp_path / "x", "--runs", 10)
    assert result.returncode == 2
    assert "no levers and no criteria" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_more_combinations_than_the_limit_give_a_design_that_keeps_every_single_change():
    levers = load_scenario(SCENARIOS / "decisions" / "baseline.yaml").levers
    assert all_courses(levers) == 54
    design = courses_of(levers, limit=12, seed=3)
    assert len(design) == 12 and design[0] == default_course(levers)
    singles = [c for c in design if sum(c[n] != levers[n].default for n in levers) == 1]
    assert len(singles) == sum(len(lever.options) - 1 for lever in levers.values())  # 2 + 1 + 2 + 2
    assert len({tuple(c.values()) for c in design}) == 12
    assert courses_of(levers, limit=12, seed=3) == design  # the seed fixes the design


# --- the language of levers and criteria: every mistake at its line ----------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "variant.yaml"
    path.write_text(f"extends: {HAND}\nname: variant\n" + textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            """
            levers:
              plan:
                options:
                  a: {description: a, parameters: {choose_b: {dist: fixed, value: 1, assumption: x}}}
            """,
            "the default option is the scenario as written",
        ),
        (
            """
            levers:
              plan:
                options:
                  b: {description: b, parameters: {success_a: {dist: fixed, value: 1, assumption: x}}}
            """,
            "hypothesis 'h2' overrides 'success_a'",
        ),
        (
            """
            levers:
              plan:
                options:
                  b: {description: b, parameters: {chose_b: {dist: fixed, value: 1, assumption: x}}}
            """,
            "sets unknown parameter 'chose_b'",
        ),
        (
            """
            levers:
              other:
                side: x
                default: one
                options:
                  one: {description: one, assumption: x}
                  two: {description: two, parameters: {choose_b: {dist: fixed, value: 0.5, assumption: x}}}
            """,
            "lever 'plan' also sets 'choose_b'",
        ),
        (
            """
            levers:
              plan:
                default: c
            """,
            "default 'c' is not one of the options",
        ),
        ("criteria: {bounded: {outcome: goal, at_most: 1}}", "'goal' is a yes/no outcome"),
        ("criteria: {typo: {outcome: gaol, is: true}}", "unknown outcome 'gaol' (did you mean 'goal'?)"),
        ("criteria: {both: {outcome: goal, is: true, at_most: 1}}", "give exactly one of `is`"),
        (
            """
            levers:
              plan:
                options:
                  b:
                    description: b
                    assumption: x
                    actors: {world: {states: {settled: {transitions: {on: {after: 1, to: extra}}}, extra: {}}}}
            """,
            "this option changes the outcome columns",
        ),
        (
            """
            levers:
              plan:
                options:
                  b:
                    description: b
                    assumption: x
                    actors: {world: {states: {waiting: {transitions: {settle: {after: "nonsense("}}}}}}
            """,
            "this option breaks the scenario",
        ),
    ],
)
def test_lever_and_criterion_mistakes_are_one_line_at_their_place(tmp_path: Path, text: str, message: str):
    path = _write(tmp_path, text)
    result = wargame("validate", path)
    assert result.returncode == 2, result.stdout
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{path}:"), first  # FILE:LINE:COL of the variant that made the mistake


def test_the_default_course_runs_the_scenario_as_written():
    """`wargame run` on a scenario with levers is its default course: the same data, the same outcome columns."""
    scenario = load_scenario(SCENARIOS / "decisions" / "baseline.yaml")
    data = scenario.as_data()
    course = default_course(scenario.levers)
    applied = apply_course(data, course)
    assert applied == data
    assert list(compile_course(data, course).outcomes) == list(compile_scenario(scenario).outcomes)


def test_the_adversary_responds_to_the_reinforced_north_option():
    """The baseline's lever itself: under `ukraine_north=reinforce_early`, fewer attacks are ordered.

    Common random numbers: each replication keeps its intent and its attackers, and meets more
    defenders, so no replication may be ordered that was not ordered as written (no tolerance
    needed for that); of the ~100 orders in 2,000 replications, the option deters a share large
    enough that requiring 5 fewer fails only if the response is broken. The reference engine's
    event log of a replication the option deterred says why.
    """
    scenario = load_scenario(SCENARIOS / "decisions" / "baseline.yaml")
    data = scenario.as_data()
    as_written = compile_course(data, default_course(scenario.levers))
    reinforced = compile_course(data, {"ukraine_north": "reinforce_early"})

    def rows(compiled):
        chunk = run_chunk(compiled, 11, range(2000), events=False)
        return replications_table(chunk, replications_schema(compiled), compiled).to_pandas()

    before, after = rows(as_written), rows(reinforced)
    assert before["attack_intended"].equals(after["attack_intended"])
    assert not (after["attack_ordered"] & ~before["attack_ordered"]).any()
    assert after["attack_ordered"].sum() <= before["attack_ordered"].sum() - 5
    deterred = np.flatnonzero(before["attack_ordered"] & (after["offensive"] == "too_weak"))
    assert len(deterred) > 0
    replication = run_replication(reinforced, 11, int(deterred[0]))
    logged = [
        detail for _, _, actor, event, detail in replication.events if (actor, event) == ("offensive", "too_weak")
    ]
    assert len(logged) == 1 and logged[0].startswith("attack held back: force ratio ")


def test_no_report_still_writes_the_tables_and_damaged_runs_are_one_line(tmp_path: Path):
    out = tmp_path / "d"
    result = wargame("decide", HAND, "--runs", 200, "--seed", 1, "--out", out, "--workers", 1, "--no-report", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["report"] is None and summary["best_course"] in {"as written", "plan=b"}
    assert 0 <= summary["evpi"] <= 1 and (out / "robustness.csv").is_file() and not (out / "report.html").exists()
    wrong = wargame("run", "--resume", out)
    assert wrong.returncode == 2 and "wargame decide --resume" in wrong.stderr
    (out / "courses.parquet").write_bytes(b"not a table")
    for args in (("report", out), ("decide", "--resume", out)):
        damaged = wargame(*args)
        assert damaged.returncode == 2 and "courses.parquet: damaged" in damaged.stderr, damaged.stderr
        assert "Traceback" not in damaged.stderr


def test_a_course_that_fails_at_run_time_is_named(tmp_path: Path):
    path = _write(
        tmp_path,
        """
        levers:
          plan:
            options:
              b:
                description: b
                assumption: x
                actors: {world: {states: {waiting: {transitions: {settle: {after: "1 / (choose_b - 1)"}}}}}}
        """,
    )
    result = wargame("decide", path, "--runs", 5, "--seed", 1, "--out", tmp_path / "o", "--workers", 1)
    assert result.returncode == 2 and "course plan=b:" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
