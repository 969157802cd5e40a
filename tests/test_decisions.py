"""Courses of action: the decision analysis against a problem solved by hand, and the language of levers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.decisions.analysis import decision_tables, pairing

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
    assert table.loc["B", "difference"] == pytest.approx(0.58 - 0.62)
    assert np.isfinite(table.loc["B", "width_ratio"])
