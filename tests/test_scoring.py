"""Scores of forecast questions: Brier, log score and CRPS against hand-computed values, and the command."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import scoringrules
from conftest import BASELINE, SCENARIOS, wargame

from sim.forecast.questions import AskedQuestion, questions_of
from sim.forecast.resolutions import Resolution
from sim.forecast.scoring import RELIABILITY_MINIMUM, brier, log_score, score_questions, summarise
from sim.scenario import load_scenario
from sim.scenario.outcomes import outcome_catalogue

RESOLUTIONS = SCENARIOS / "resolutions" / "2025.yaml"
CATALOGUE = outcome_catalogue(load_scenario(BASELINE))


def asked(**outcomes: str | dict) -> dict[str, AskedQuestion]:
    """Questions about the baseline's outcomes, by name: `name=outcome` or `name={fields}`."""
    entries = {
        name: {"text": name, "outcome": entry} if isinstance(entry, str) else {"text": name, **entry}
        for name, entry in outcomes.items()
    }
    return questions_of({"questions": entries}, CATALOGUE)


def test_brier_and_log_scores_match_hand_computed_values():
    # Ten replications: an offensive in 8 (forecast 0.8), a ceasefire in 3 (0.3), sanctions in 5 (0.5).
    table = pd.DataFrame(
        {
            "offensive.launched": [True] * 8 + [False] * 2,
            "talks.ceasefire": [True] * 3 + [False] * 7,
            "consequences.imposed": [True] * 5 + [False] * 5,
        }
    )
    questions = asked(offensive="offensive.launched", ceasefire="talks.ceasefire", sanctions="consequences.imposed")
    answers = {"offensive": True, "ceasefire": False, "sanctions": True}
    scores = score_questions(questions, table, {k: Resolution(answer=v) for k, v in answers.items()})
    scores = scores.set_index("question")
    # Brier (p - o)^2: (0.8 - 1)^2 = 0.04, (0.3 - 0)^2 = 0.09, (0.5 - 1)^2 = 0.25.
    assert scores["brier"].tolist() == pytest.approx([0.04, 0.09, 0.25])
    # Log score -ln p(what happened): -ln 0.8 = 0.22314, -ln 0.7 = 0.35667, -ln 0.5 = 0.69315.
    assert scores["log_score"].tolist() == pytest.approx([0.223144, 0.356675, 0.693147], abs=1e-6)
    assert (scores["baseline_brier"] == 0.25).all()
    assert scores["baseline_log_score"].tolist() == pytest.approx([math.log(2)] * 3)
    summary = summarise(scores.reset_index())
    assert summary["mean_brier"] == pytest.approx((0.04 + 0.09 + 0.25) / 3)
    assert summary["brier_skill"] == pytest.approx(1 - 0.38 / 3 / 0.25)
    assert summary["mean_log_score"] == pytest.approx((0.223144 + 0.356675 + 0.693147) / 3, abs=1e-6)


def test_a_forecast_of_zero_that_happened_scores_finitely():
    assert brier(0.0, True) == 1.0
    table = pd.DataFrame({"offensive.launched": [False] * 100})
    scores = score_questions(asked(o="offensive.launched"), table, {"o": Resolution(answer=True)})
    assert scores.loc[0, "log_score"] == pytest.approx(-math.log(0.5 / 100))  # half a replication
    assert log_score(0.5, False) == pytest.approx(math.log(2))


def test_crps_of_an_ensemble_matches_its_formula_and_the_normal_closed_form():
    # CRPS = E|X - y| - E|X - X'| / 2; for {1, 2, 3, 4} and y = 2.5: 1.0 - 1.25 / 2 = 0.375.
    table = pd.DataFrame({"northern_troops": [1.0, 2.0, 3.0, 4.0]})
    question = asked(t={"outcome": "northern_troops", "baseline_range": (0.0, 10.0)})
    scores = score_questions(question, table, {"t": Resolution(answer=2.5)})
    assert scores.loc[0, "crps"] == pytest.approx(0.375)
    # Uniform on [0, 10] at 2.5: E|X - y| = (2.5^2 + 7.5^2) / 20 and E|X - X'| = 10 / 3.
    assert scores.loc[0, "baseline_crps"] == pytest.approx((2.5**2 + 7.5**2) / 20 - 10 / 6)
    # A large normal sample against Gneiting & Raftery's closed form for N(0, 1) at y = 0.7.
    sample = scipy.stats.norm.ppf((np.arange(20_000) + 0.5) / 20_000)
    z = 0.7
    closed = z * (2 * scipy.stats.norm.cdf(z) - 1) + 2 * scipy.stats.norm.pdf(z) - 1 / math.sqrt(math.pi)
    assert float(scoringrules.crps_ensemble(z, sample)) == pytest.approx(closed, abs=1e-4)


BAD_RESOLUTIONS = """\
title: bad
resolutions:
  ofensive_by_year_end:
    answer: false
  offensive_by_november:
    answer: 0.3
  exercise_troops:
    answer: true
  second_summit:
    resolved_on: 2026-01-01
"""


@pytest.fixture(scope="module")
def questions_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("scores") / "run"
    result = wargame("run", SCENARIOS / "baseline-questions.yaml", "--runs", 400, "--seed", 8, "--workers", 1,
                     "--out", out, "--no-report", "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


def test_bad_resolutions_file_reports_every_problem_by_line_and_exits_2(questions_run, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_RESOLUTIONS)
    result = wargame("score", questions_run, "--resolutions", path, "--out", tmp_path / "scores")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"{path}:9:3: resolutions.second_summit.answer: required field is missing"]
    path.write_text(BAD_RESOLUTIONS.replace("    resolved_on: 2026-01-01", "    answer: false"))
    result = wargame("score", questions_run, "--resolutions", path, "--out", tmp_path / "scores")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{path}:3:3: resolutions.ofensive_by_year_end: unknown question 'ofensive_by_year_end'"
        " (did you mean 'offensive_by_year_end'?)",
        f"{path}:6:5: resolutions.offensive_by_november.answer: a binary question is answered true or false",
        f"{path}:8:5: resolutions.exercise_troops.answer: a numeric question (exercise_size) is answered with a number",
    ]
    assert not (tmp_path / "scores").exists()


def test_score_command_prints_and_writes_the_scores(questions_run):
    result = wargame("score", questions_run, "--resolutions", RESOLUTIONS)
    assert result.returncode == 0, result.stderr
    out = questions_run / "scores"
    assert result.stdout.splitlines()[-1] == str(out)
    assert "mean Brier" in result.stdout and "nats" in result.stdout
    assert f"at least {RELIABILITY_MINIMUM} needed" in result.stdout
    document = json.loads((out / "scores.json").read_text())
    assert document["summary"]["resolved"] == 6 and document["summary"]["binary_resolved"] == 5
    scores = pd.read_csv(out / "scores.csv").set_index("question")
    row = scores.loc["offensive_by_year_end"]
    assert row["brier"] == pytest.approx(row["forecast"] ** 2)  # resolved 'no': (p - 0)^2
    assert scores.loc["northern_troops", "resolved"] == False  # noqa: E712 (a CSV cell, not a Python bool)
    assert not (out / "reliability.png").exists()


def test_reliability_diagram_is_drawn_with_enough_binary_questions(tmp_path):
    dates = [f"2025-{month:02d}-{day:02d}" for month in (9, 10, 11, 12) for day in (1, 15, 28)][:RELIABILITY_MINIMUM]
    questions = "".join(
        f"  q{i}:\n    text: offensive by {date}\n    outcome: offensive.launched\n    by: {date}\n"
        for i, date in enumerate(dates)
    )
    scenario = tmp_path / "many.yaml"
    scenario.write_text(f"extends: {BASELINE}\nname: many\nquestions:\n{questions}")
    resolutions = tmp_path / "resolutions.yaml"
    resolutions.write_text(
        "title: all no\nresolutions:\n" + "".join(f"  q{i}:\n    answer: false\n" for i in range(len(dates)))
    )
    run = wargame("run", scenario, "--runs", 200, "--seed", 2, "--workers", 1, "--out", tmp_path / "run",
                  "--no-report", "--quiet")  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = wargame("score", tmp_path / "run", "--resolutions", resolutions, "--out", tmp_path / "scores")
    assert result.returncode == 0, result.stderr
    assert "reliability diagram: reliability.png" in result.stdout
    assert (tmp_path / "scores" / "reliability.png").stat().st_size > 5_000
    assert pd.read_csv(tmp_path / "scores" / "reliability.csv")["questions"].sum() == RELIABILITY_MINIMUM
