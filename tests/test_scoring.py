"""Scores of forecast questions: Brier, log score and CRPS against hand-computed values, each question's
baseline (a target or the no-skill forecast), scoring an assessment's re-weighted forecasts, and the command.

Hand-computed tests use the outcomes of tests/data/scoring.yaml (a patrol that may cross a line, and a
number of troops), never the baseline's, which changes as the model is revised.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import scoringrules
from conftest import REPO, wargame

from sim.forecast.baselines import BaselineError, baseline_for
from sim.forecast.questions import AskedQuestion, questions_of
from sim.forecast.resolutions import Resolution
from sim.forecast.scoring import (
    RELIABILITY_MINIMUM,
    brier,
    late_evidence,
    log_score,
    score_questions,
    summarise,
)
from sim.forecast.weighted import weighted_crps
from sim.scenario import load_scenario
from sim.scenario.outcomes import check_questions, outcome_catalogue
from sim.scenario.schema import Scenario, Target

FIXTURE = REPO / "tests" / "data" / "scoring.yaml"
CATALOGUE = outcome_catalogue(load_scenario(FIXTURE))


def asked(**outcomes: str | dict) -> dict[str, AskedQuestion]:
    """Questions about the fixture's outcomes, by name: `name=outcome` or `name={fields}`."""
    entries = {
        name: {"text": name, "outcome": entry} if isinstance(entry, str) else {"text": name, **entry}
        for name, entry in outcomes.items()
    }
    return questions_of({"questions": entries}, CATALOGUE)


def targets(**entries: dict) -> dict[str, Target]:
    """Targets by name, each a dict of fields; `published` and `description` filled in."""
    return {
        name: Target.model_validate({"published": "2024-12-01", "description": name, "assumption": "a test", **entry})
        for name, entry in entries.items()
    }


def crossings(*days: int | None) -> pd.DataFrame:
    """One replication per entry: the day of 2025 the patrol crossed (None: it never did)."""
    dates = [pd.Timestamp("2025-01-01") + pd.Timedelta(days=d) if d is not None else pd.NaT for d in days]
    return pd.DataFrame({"patrol.across": [d is not None for d in days], "patrol.across.date": dates})


def test_brier_and_log_scores_match_hand_computed_values():
    # Ten replications: the patrol crossed in 8 (forecast 0.8), was at home at some point in 3
    # (0.3), crossed by 1 March in 5 (0.5).
    table = crossings(10, 20, 30, 40, 50, 100, 150, 200, None, None)
    table["patrol.home"] = [True] * 3 + [False] * 7
    questions = asked(
        crossed="patrol.across", home="patrol.home", by_march={"outcome": "patrol.across", "by": "2025-03-01"}
    )
    answers = {"crossed": True, "home": False, "by_march": True}
    scores = score_questions(questions, table, {k: Resolution(answer=v) for k, v in answers.items()})
    scores = scores.set_index("question")
    assert scores["forecast"].tolist() == pytest.approx([0.8, 0.3, 0.5])
    # Brier (p - o)^2: (0.8 - 1)^2 = 0.04, (0.3 - 0)^2 = 0.09, (0.5 - 1)^2 = 0.25.
    assert scores["brier"].tolist() == pytest.approx([0.04, 0.09, 0.25])
    # Log score -ln p(what happened): -ln 0.8 = 0.22314, -ln 0.7 = 0.35667, -ln 0.5 = 0.69315.
    assert scores["log_score"].tolist() == pytest.approx([0.223144, 0.356675, 0.693147], abs=1e-6)
    assert (scores["baseline_brier"] == 0.25).all() and (scores["baseline"] == "50%").all()
    assert scores["baseline_log_score"].tolist() == pytest.approx([math.log(2)] * 3)
    assert scores["brier_skill"].tolist() == pytest.approx([1 - 0.04 / 0.25, 1 - 0.09 / 0.25, 0.0])
    summary = summarise(scores.reset_index())
    assert summary["mean_brier"] == pytest.approx((0.04 + 0.09 + 0.25) / 3)
    assert summary["brier_skill"] == pytest.approx(1 - 0.38 / 3 / 0.25)
    assert summary["mean_log_score"] == pytest.approx((0.223144 + 0.356675 + 0.693147) / 3, abs=1e-6)
    assert summary["baselines"] == {"50%": 3}


def test_a_forecast_of_zero_that_happened_scores_finitely():
    assert brier(0.0, True) == 1.0
    table = crossings(*[None] * 100)
    scores = score_questions(asked(o="patrol.across"), table, {"o": Resolution(answer=True)})
    assert scores.loc[0, "log_score"] == pytest.approx(-math.log(0.5 / 100))  # half a replication
    assert log_score(0.5, False) == pytest.approx(math.log(2))


def test_crps_of_an_ensemble_matches_its_formula_and_the_normal_closed_form():
    # CRPS = E|X - y| - E|X - X'| / 2; for {1, 2, 3, 4} and y = 2.5: 1.0 - 1.25 / 2 = 0.375.
    table = pd.DataFrame({"troops": [1.0, 2.0, 3.0, 4.0]})
    question = asked(t={"outcome": "troops", "baseline_range": (0.0, 10.0)})
    scores = score_questions(question, table, {"t": Resolution(answer=2.5)})
    assert scores.loc[0, "crps"] == pytest.approx(0.375)
    # Uniform on [0, 10] at 2.5: E|X - y| = (2.5^2 + 7.5^2) / 20 and E|X - X'| = 10 / 3.
    assert scores.loc[0, "baseline_crps"] == pytest.approx((2.5**2 + 7.5**2) / 20 - 10 / 6)
    assert scores.loc[0, "baseline"] == "uniform range" and scores.loc[0, "baseline_rule"] == "no-skill"
    # A large normal sample against Gneiting & Raftery's closed form for N(0, 1) at y = 0.7.
    sample = scipy.stats.norm.ppf((np.arange(20_000) + 0.5) / 20_000)
    z = 0.7
    closed = z * (2 * scipy.stats.norm.cdf(z) - 1) + 2 * scipy.stats.norm.pdf(z) - 1 / math.sqrt(math.pi)
    assert float(scoringrules.crps_ensemble(z, sample)) == pytest.approx(closed, abs=1e-4)


def test_baseline_rule_a_the_named_target_even_when_another_matches():
    # 10 replications, 8 crossed by 30 June: forecast 0.8. The named target's range [0.3, 0.5]
    # gives its midpoint, 0.4; `other` has the same outcome and date but is not named.
    table = crossings(10, 20, 30, 40, 50, 60, 70, 80, 300, None)
    question = asked(q={"outcome": "patrol.across", "by": "2025-06-30", "baseline_target": "market"})
    known = targets(
        market={"outcome": "patrol.across", "by": "2025-06-30", "range": (0.3, 0.5)},
        other={"outcome": "patrol.across", "by": "2025-06-30", "value": 0.9},
    )
    row = score_questions(question, table, {"q": Resolution(answer=True)}, known).iloc[0]
    assert (row["baseline"], row["baseline_rule"]) == ("market", "baseline_target")
    # Forecast: Brier (0.8 - 1)^2 = 0.04, log -ln 0.8 = 0.22314. Baseline: (0.4 - 1)^2 = 0.36, -ln 0.4 = 0.91629.
    assert (row["brier"], row["baseline_brier"]) == pytest.approx((0.04, 0.36))
    assert (row["log_score"], row["baseline_log_score"]) == pytest.approx((0.223144, 0.916291), abs=1e-6)
    # Skill 1 - score / baseline: 1 - 0.04 / 0.36 = 0.88889, 1 - 0.22314 / 0.91629 = 0.75647.
    assert (row["brier_skill"], row["log_skill"]) == pytest.approx((0.888889, 0.756471), abs=1e-6)


def test_baseline_rule_b_the_one_target_about_the_same_outcome_and_date():
    # 3 of 10 crossed by 31 March: forecast 0.3, and it did not happen. The one target about
    # patrol.across by 31 March (given as the date column: the same event) says 0.2.
    table = crossings(10, 20, 30, 100, 200, 250, 300, None, None, None)
    question = asked(q={"outcome": "patrol.across", "by": "2025-03-31"})
    known = targets(
        poll={"outcome": "patrol.across.date", "by": "2025-03-31", "value": 0.2},
        later={"outcome": "patrol.across", "by": "2025-06-30", "value": 0.6},  # another date: no match
        year={"outcome": "patrol.across", "value": 0.7},  # no date: no match
    )
    row = score_questions(question, table, {"q": Resolution(answer=False)}, known).iloc[0]
    assert (row["baseline"], row["baseline_rule"]) == ("poll", "matching target")
    # Brier 0.3^2 = 0.09 against 0.2^2 = 0.04: skill 1 - 0.09 / 0.04 = -1.25 (the target did better).
    assert (row["brier"], row["baseline_brier"], row["brier_skill"]) == pytest.approx((0.09, 0.04, -1.25))
    # Log -ln 0.7 = 0.35667 against -ln 0.8 = 0.22314: skill 1 - 0.35667 / 0.22314 = -0.59838.
    assert row["log_skill"] == pytest.approx(1 - math.log(0.7) / math.log(0.8))


def test_baseline_rule_c_no_skill_when_no_target_or_several_match():
    table = crossings(10, 20, 30, 100, 200, 250, 300, None, None, None)
    table["troops"] = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, np.nan]
    questions = asked(
        march={"outcome": "patrol.across", "by": "2025-03-31"},
        june={"outcome": "patrol.across", "by": "2025-06-30"},
        troops="troops",
    )
    known = targets(
        poll={"outcome": "patrol.across", "by": "2025-03-31", "value": 0.2},
        panel={"outcome": "patrol.across", "by": "2025-03-31", "value": 0.1},
    )
    answers = {"march": Resolution(answer=False), "june": Resolution(answer=True), "troops": Resolution(answer=2.0)}
    scores = score_questions(questions, table, answers, known).set_index("question")
    assert scores["baseline"].tolist() == ["50%", "50%", "simulated range"]
    assert (scores["baseline_rule"] == "no-skill").all()
    assert "2 targets match (poll, panel): name one with baseline_target" in scores.loc["march", "baseline_forecast"]
    assert scores.loc["march", "baseline_brier"] == 0.25 and scores.loc["june", "baseline_brier"] == 0.25
    # Forecast by June 0.4 (4 of 10), it happened: Brier 0.36, skill 1 - 0.36 / 0.25 = -0.44.
    assert scores.loc["june", "brier_skill"] == pytest.approx(-0.44)
    # Uniform on the simulated range [1, 9] at 2: E|X - y| = (1^2 + 7^2) / 16 = 3.125, E|X - X'| = 8 / 3.
    assert scores.loc["troops", "baseline_crps"] == pytest.approx(3.125 - 8 / 6)


def test_a_numeric_question_takes_a_range_target_as_uniform_and_a_value_target_as_a_point():
    table = pd.DataFrame({"troops": [1.0, 2.0, 3.0, 4.0]})  # CRPS at 2.5: 0.375 (see the test above)
    question = asked(t={"outcome": "troops", "baseline_range": (0.0, 100.0)})
    point = score_questions(
        question, table, {"t": Resolution(answer=2.5)}, targets(e={"outcome": "troops", "value": 4})
    )
    # A point forecast's CRPS is its absolute error |2.5 - 4| = 1.5; skill 1 - 0.375 / 1.5 = 0.75.
    assert point.loc[0, "baseline"] == "e" and point.loc[0, "baseline_crps"] == pytest.approx(1.5)
    assert point.loc[0, "crps_skill"] == pytest.approx(0.75)
    uniform = score_questions(
        question, table, {"t": Resolution(answer=2.5)}, targets(r={"outcome": "troops", "range": (0, 10)})
    )
    assert uniform.loc[0, "baseline_crps"] == pytest.approx((2.5**2 + 7.5**2) / 20 - 10 / 6)
    # A yes/no question takes a value as its probability, a range's midpoint; a number is not one.
    binary = asked(q={"outcome": "patrol.across", "baseline_target": "count"})["q"]
    with pytest.raises(BaselineError, match="not a probability"):
        baseline_for("q", binary, targets(count={"outcome": "patrol.across", "value": 3}))
    missing = asked(q={"outcome": "patrol.across", "baseline_target": "gone"})["q"]
    with pytest.raises(BaselineError, match="'gone' is not a target"):
        baseline_for("q", missing, {})


def test_weighted_scores_differ_when_weights_move_and_equal_the_prior_when_they_do_not():
    table = crossings(10, 20, None, None)
    table["troops"] = [1.0, 2.0, 3.0, 4.0]
    questions = asked(q="patrol.across", t={"outcome": "troops", "baseline_range": (0.0, 10.0)})
    answers = {"q": Resolution(answer=True), "t": Resolution(answer=2.5)}
    prior = score_questions(questions, table, answers)
    flat = score_questions(questions, table, answers, weights=np.full(4, 0.37))
    columns = ["forecast", "brier", "log_score", "crps", "baseline_brier", "baseline_crps", "brier_skill", "crps_skill"]
    pd.testing.assert_frame_equal(prior[columns], flat[columns], rtol=1e-12)
    assert prior["forecasts"].unique().tolist() == ["prior"] and flat["forecasts"].unique().tolist() == ["posterior"]
    moved = score_questions(questions, table, answers, weights=np.array([3.0, 1.0, 1.0, 1.0]))
    # P(crossed) = (3 + 1) / 6 = 2/3: Brier (1/3)^2; the baseline is the same 50% for both.
    assert moved.loc[0, "forecast"] == pytest.approx(2 / 3)
    assert moved.loc[0, "brier"] == pytest.approx(1 / 9) and prior.loc[0, "brier"] == pytest.approx(0.25)
    assert moved.loc[0, "baseline_brier"] == prior.loc[0, "baseline_brier"]
    # Weighted CRPS at 2.5 of {1, 2, 3, 4} with weights 3:1:1:1: E|X - y| = (4.5 + 0.5 + 0.5 + 1.5) / 6 = 7/6,
    # E|X - X'| = 2 (3 (1 + 2 + 3) + (1 + 2) + 1) / 36 = 44/36; CRPS 7/6 - 22/36 = 0.55556.
    assert moved.loc[1, "crps"] == pytest.approx(7 / 6 - 22 / 36)
    assert weighted_crps(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4), 2.5) == pytest.approx(
        float(scoringrules.crps_ensemble(2.5, np.array([1.0, 2.0, 3.0, 4.0])))
    )


def test_late_evidence_is_what_was_observed_on_or_after_a_question_closed():
    questions = asked(june={"outcome": "patrol.across", "by": "2025-06-30"}, year="patrol.across", troops="troops")
    resolutions = {"year": Resolution(answer=True, resolved_on=dt.date(2025, 5, 2))}
    observed = {"early": dt.date(2025, 2, 1), "july": dt.date(2025, 7, 1), "may": dt.date(2025, 5, 2)}
    late = late_evidence(questions, resolutions, observed, horizon=dt.date(2025, 12, 31))
    assert late == {"june": ["july"], "year": ["july", "may"], "troops": []}


FIXTURE_DATA = load_scenario(FIXTURE).as_data()


def scenario_with(**changes: dict) -> Scenario:
    """The fixture's scenario with some questions (and top-level fields) changed, validated by the
    schema alone: the cross-field checks are what the test calls."""
    data = json.loads(json.dumps(FIXTURE_DATA))
    for name, fields in changes.pop("questions", {}).items():
        data["questions"][name] = {**data["questions"][name], **fields}
    data.update(changes)
    return Scenario.model_validate({key: value for key, value in data.items() if value is not None})


def question_problems(scenario: Scenario) -> list[tuple[tuple[str, ...], str]]:
    """(field path, message) of every problem the compile-stage question checks find."""
    return [(tuple(problem.field.split(".")), problem.message) for problem in check_questions(scenario, CATALOGUE)]


def test_questions_of_a_scenario_with_as_of_state_how_they_resolve():
    assert question_problems(scenario_with()) == []
    missing = scenario_with(questions={"crossed_by_june": {"resolution": None, "source_kind": None},
                                       "troops_on_line": {"source_kind": "  "}})  # fmt: skip
    assert question_problems(missing) == [
        (
            ("questions", "crossed_by_june"),
            "a scenario with `as_of` states how each question resolves: add `resolution` (the criterion: what must "
            "be reported, by whom) and `source_kind` (the kind of source: official statement, open-source "
            "reporting...)",
        ),
        (
            ("questions", "troops_on_line"),
            "a scenario with `as_of` states how each question resolves: add `source_kind` (the kind of source: "
            "official statement, open-source reporting...)",
        ),
    ]
    # Without as_of (and so without targets) the fields stay optional.
    assert question_problems(scenario_with(as_of=None, targets={}, questions={
        "crossed_by_june": {"resolution": None, "source_kind": None, "baseline_target": None}})) == []  # fmt: skip


def test_a_baseline_target_names_a_target_about_the_same_outcome():
    wrong = scenario_with(questions={"crossed_by_june": {"baseline_target": "market_jun"},
                                     "troops_on_line": {"baseline_target": "pundit_year"}})  # fmt: skip
    assert question_problems(wrong) == [
        (
            ("questions", "crossed_by_june", "baseline_target"),
            "unknown target 'market_jun' (did you mean 'market_june'?)",
        ),
        (
            ("questions", "troops_on_line", "baseline_target"),
            "target 'pundit_year' is about patrol.across, not troops: a baseline forecasts the same outcome",
        ),
    ]


DATA = REPO / "tests" / "data"
AT_HOME = """\
title: The patrol was at home in July
observations:
  at_home:
    date: 2025-07-01
    text: The patrol had been at its base.
    event: patrol.home
    observed: true
    assumption: true of every replication (the patrol starts at home), so it tells nothing
"""


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    """400 replications of tests/data/scoring.yaml, assessed against informative evidence (troops-seen)
    and against evidence true in every replication, dated after three questions closed (at-home)."""
    folder = tmp_path_factory.mktemp("scores")
    out = folder / "run"
    result = wargame("run", FIXTURE, "--runs", 400, "--seed", 3, "--workers", 1, "--out", out, "--no-report",
                     "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    (folder / "troops-seen.yaml").write_text((DATA / "scoring-evidence.yaml").read_text())
    (folder / "at-home.yaml").write_text(AT_HOME)
    for name in ("troops-seen", "at-home"):  # the assessment is named after its evidence file
        assessed = wargame("assess", out, "--evidence", folder / f"{name}.yaml")
        assert assessed.returncode == 0, assessed.stderr
    return out


BAD_RESOLUTIONS = """\
title: bad
resolutions:
  crossed_by_jun:
    answer: false
  crossed_by_march:
    answer: 0.3
  troops_on_line:
    answer: true
  crossed_this_year:
    resolved_on: 2026-01-01
"""


def test_bad_resolutions_file_reports_every_problem_by_line_and_exits_2(fixture_run, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_RESOLUTIONS)
    result = wargame("score", fixture_run, "--resolutions", path, "--out", tmp_path / "scores")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{path}:9:3: resolutions.crossed_this_year.answer: required field is missing"
    ]
    path.write_text(BAD_RESOLUTIONS.replace("    resolved_on: 2026-01-01", "    answer: false"))
    result = wargame("score", fixture_run, "--resolutions", path, "--out", tmp_path / "scores")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{path}:3:3: resolutions.crossed_by_jun: unknown question 'crossed_by_jun' (did you mean 'crossed_by_june'?)",
        f"{path}:6:5: resolutions.crossed_by_march.answer: a binary question is answered true or false",
        f"{path}:8:5: resolutions.troops_on_line.answer: a numeric question (troops) is answered with a number",
    ]
    assert not (tmp_path / "scores").exists()


def test_score_command_prints_and_writes_the_scores_against_each_questions_baseline(fixture_run, tmp_path):
    out = tmp_path / "scores"
    result = wargame("score", fixture_run, "--resolutions", DATA / "scoring-resolutions.yaml", "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [f"report: {out / 'score.html'}", str(out)]
    assert "mean Brier" in result.stdout and "nats" in result.stdout
    assert f"at least {RELIABILITY_MINIMUM} needed" in result.stdout
    assert "resolution (open-source reporting): Yes if a crossing on or before 31 March 2025" in result.stdout
    document = json.loads((out / "scores.json").read_text())
    assert document["summary"]["resolved"] == 4 and document["summary"]["binary_resolved"] == 3
    assert document["summary"]["baselines"] == {"market_june": 1, "pundit_year": 1, "50%": 1, "troop_estimate": 1}
    scores = pd.read_csv(out / "scores.csv").set_index("question")
    assert scores["baseline"].to_dict() == {
        "crossed_by_june": "market_june",  # (a) named
        "crossed_this_year": "pundit_year",  # (b) the one target about patrol.across with no date
        "crossed_by_march": "50%",  # (c) two targets match: neither is taken
        "troops_on_line": "troop_estimate",  # (b) a value: a point forecast
    }
    assert scores["resolution"].str.startswith(("Yes if", "The largest")).all()
    assert scores.loc["crossed_by_june", "baseline_brier"] == pytest.approx(0.36)  # (0.4 - 1)^2
    assert scores.loc["crossed_this_year", "baseline_brier"] == pytest.approx(0.04)  # (0.8 - 1)^2
    assert scores.loc["troops_on_line", "baseline_crps"] == pytest.approx(4500)  # |10,500 - 6,000|
    binary = scores[scores["kind"] == "binary"]
    assert binary["brier_skill"].tolist() == pytest.approx((1 - binary["brier"] / binary["baseline_brier"]).tolist())
    assert document["summary"]["baseline_mean_brier"] == pytest.approx((0.36 + 0.04 + 0.25) / 3)
    markdown = (out / "score.md").read_text()
    assert "| `crossed_by_june`: Will the patrol cross the line by 30 June 2025? | yes | market_june: 40.0%" in markdown
    assert "`troops_on_line` (official statement): The largest count published by the defence ministry" in markdown
    assert "market_june" in (out / "score.html").read_text()
    assert not (out / "reliability.png").exists()


def test_score_command_scores_an_assessments_reweighted_forecasts_beside_the_runs(fixture_run):
    resolutions = DATA / "scoring-resolutions.yaml"
    result = wargame("score", fixture_run, "--resolutions", resolutions, "--assessment", "troops-seen")
    assert result.returncode == 0, result.stderr
    out = fixture_run / "assessments" / "troops-seen" / "scores"
    assert result.stdout.splitlines()[-1] == str(out)
    assert "posterior: the forecasts given the evidence of assessment troops-seen" in result.stdout
    scores = pd.read_csv(out / "scores.csv")
    prior = scores[scores["forecasts"] == "prior"].set_index("question")
    posterior = scores[scores["forecasts"] == "posterior"].set_index("question")
    # The run's own scores are the prior ones, unchanged.
    alone = wargame("score", fixture_run, "--resolutions", resolutions)
    assert alone.returncode == 0, alone.stderr
    run_scores = pd.read_csv(fixture_run / "scores" / "scores.csv").set_index("question")
    pd.testing.assert_series_equal(prior["brier"], run_scores["brier"])
    # Ten thousand troops favour 'bold', which crosses early: the forecasts move, the baselines do not.
    assert posterior.loc["crossed_by_june", "forecast"] > prior.loc["crossed_by_june", "forecast"] + 0.2
    assert posterior.loc["crossed_by_june", "brier"] < prior.loc["crossed_by_june", "brier"]
    assert posterior.loc["troops_on_line", "crps"] < prior.loc["troops_on_line", "crps"] / 2
    pd.testing.assert_series_equal(posterior["baseline_brier"], prior["baseline_brier"])
    assert posterior["effective_replications"].max() < 400
    document = json.loads((out / "scores.json").read_text())
    assert document["posterior_summary"]["mean_brier"] != document["summary"]["mean_brier"]
    assert "given the evidence (posterior)" in (out / "score.md").read_text()


def test_uninformative_evidence_scores_as_the_prior_and_late_evidence_is_flagged(fixture_run):
    result = wargame("score", fixture_run, "--resolutions", DATA / "scoring-resolutions.yaml", "--assessment",
                     fixture_run / "assessments" / "at-home")  # fmt: skip
    assert result.returncode == 0, result.stderr
    scores = pd.read_csv(fixture_run / "assessments" / "at-home" / "scores" / "scores.csv")
    prior = scores[scores["forecasts"] == "prior"].set_index("question")
    posterior = scores[scores["forecasts"] == "posterior"].set_index("question")
    columns = ["forecast", "brier", "log_score", "crps", "brier_skill", "log_skill", "crps_skill"]
    pd.testing.assert_frame_equal(prior[columns], posterior[columns], rtol=1e-9)
    # Observed 1 July: after crossed_by_june and crossed_by_march closed, and after crossed_this_year
    # was resolved (2 May); troops_on_line resolved on 31 December.
    assert posterior["late_evidence"].fillna("").to_dict() == {
        "crossed_by_june": "at_home",
        "crossed_this_year": "at_home",
        "crossed_by_march": "at_home",
        "troops_on_line": "",
    }
    assert "warning: crossed_by_june closed before evidence at_home was observed" in result.stderr
    assert "Hindsight" in (fixture_run / "assessments" / "at-home" / "scores" / "score.md").read_text()


def test_an_unknown_assessment_is_refused_with_those_of_the_run(fixture_run, tmp_path):
    result = wargame("score", fixture_run, "--resolutions", DATA / "scoring-resolutions.yaml", "--assessment",
                     "troops", "--out", tmp_path / "scores")  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "troops: no such assessment folder (assessments of this run: at-home, troops-seen)"
    assert not (tmp_path / "scores").exists()


def test_reliability_diagram_is_drawn_with_enough_binary_questions(tmp_path):
    dates = [f"2025-{month:02d}-{day:02d}" for month in (2, 4, 6, 8) for day in (1, 15, 28)][:RELIABILITY_MINIMUM]
    questions = "".join(
        f"  q{i}:\n    text: crossed by {date}\n    outcome: patrol.across\n    by: {date}\n"
        f"    resolution: a reported crossing\n    source_kind: official statement\n"
        for i, date in enumerate(dates)
    )
    scenario = tmp_path / "many.yaml"
    scenario.write_text(f"extends: {FIXTURE}\nname: many\nquestions:\n{questions}")
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
    assert 'src="data:image/png;base64,' in (tmp_path / "scores" / "score.html").read_text()
    assert "![" in (tmp_path / "scores" / "score.md").read_text()


# --- a hostile or careless user: one clear line, exit code 2, nothing half-written -----------------


def _copy_assessment(fixture_run, tmp_path, name="copied"):
    import shutil

    folder = tmp_path / name
    shutil.copytree(fixture_run / "assessments" / "troops-seen", folder, ignore=shutil.ignore_patterns("scores"))
    return folder


def _edit_weights(folder, edit):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(folder / "weights.parquet")
    metadata = dict(table.schema.metadata)
    columns = {"replication": table["replication"].to_numpy(), "weight": table["weight"].to_numpy().copy()}
    columns, metadata = edit(columns, metadata)
    pq.write_table(pa.table(columns).replace_schema_metadata(metadata), folder / "weights.parquet")


def _nan_weight(columns, metadata):
    columns["weight"][0] = np.nan
    return columns, metadata


def _other_seed(columns, metadata):
    about = json.loads(metadata[b"assessment"])
    return columns, {b"assessment": json.dumps({**about, "seed": 99})}


WEIGHT_EDITS = {
    "truncated": None,
    "empty": None,
    "a NaN weight": _nan_weight,
    "an infinite weight": lambda c, m: ({**c, "weight": np.where(np.arange(len(c["weight"])) == 0, np.inf, 1.0)}, m),
    "negative weights": lambda c, m: ({**c, "weight": -c["weight"]}, m),
    "all weights zero": lambda c, m: ({**c, "weight": c["weight"] * 0}, m),
    "no weight column": lambda c, m: ({"replication": c["replication"], "w": c["weight"]}, m),
    "weights as text": lambda c, m: ({**c, "weight": [str(w) for w in c["weight"]]}, m),
    "a replication twice": lambda c, m: ({**c, "replication": np.r_[c["replication"][:-1], c["replication"][:1]]}, m),
    "unreadable metadata": lambda c, m: (c, {b"assessment": b"{not json"}),
    "another run (seed)": _other_seed,
}
WEIGHT_MESSAGES = {
    "truncated": "weights.parquet: not a readable weights table (",
    "empty": "weights.parquet: not a readable weights table (",
    "a NaN weight": "weights.parquet: weights must be finite numbers, none negative and some above zero",
    "an infinite weight": "weights.parquet: weights must be finite numbers, none negative and some above zero",
    "negative weights": "weights.parquet: weights must be finite numbers, none negative and some above zero",
    "all weights zero": "weights.parquet: weights must be finite numbers, none negative and some above zero",
    "no weight column": "weights.parquet: needs numeric columns `replication` and `weight`",
    "weights as text": "weights.parquet: needs numeric columns `replication` and `weight`",
    "a replication twice": "weights.parquet: a replication is weighed twice",
    "unreadable metadata": "weights.parquet: not a readable weights table (",
    "another run (seed)": "copied: is an assessment of another run of this scenario (seed 99, this run's is 3)",
}


@pytest.mark.parametrize("broken", list(WEIGHT_EDITS))
def test_a_truncated_or_edited_weights_table_is_refused_in_one_line(fixture_run, tmp_path, broken):
    folder = _copy_assessment(fixture_run, tmp_path)
    path = folder / "weights.parquet"
    if broken == "truncated":
        path.write_bytes(path.read_bytes()[:300])
    elif broken == "empty":
        path.write_bytes(b"")
    else:
        _edit_weights(folder, WEIGHT_EDITS[broken])
    result = wargame("score", fixture_run, "--resolutions", DATA / "scoring-resolutions.yaml", "--assessment",
                     folder, "--out", tmp_path / "scores")  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert WEIGHT_MESSAGES[broken] in result.stderr
    assert not (tmp_path / "scores").exists()


def test_out_naming_a_file_is_refused_in_one_line(fixture_run, tmp_path):
    out = tmp_path / "scores.txt"
    out.write_text("mine")
    result = wargame("score", fixture_run, "--resolutions", DATA / "scoring-resolutions.yaml", "--out", out)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"wargame score: --out {out}: is a file, not a folder"
    assert out.read_text() == "mine"


def test_a_failure_while_writing_the_scores_leaves_none_half_written(fixture_run, tmp_path, monkeypatch):
    import sim.cli
    import sim.report.score

    def broken(*args, **kwargs):
        raise RuntimeError("the report could not be drawn")

    monkeypatch.setattr(sim.report.score, "build_score_report", broken)
    out = tmp_path / "scores"
    with pytest.raises(RuntimeError):
        sim.cli.main(["score", str(fixture_run), "--resolutions", str(DATA / "scoring-resolutions.yaml"), "--out",
                      str(out)])  # fmt: skip
    assert not out.exists() or not list(out.iterdir())
    assert [p.name for p in tmp_path.iterdir()] in ([], ["scores"])  # no staging folder left behind


def test_scoring_again_into_a_folder_removes_a_diagram_it_no_longer_draws(fixture_run, tmp_path):
    out = tmp_path / "scores"
    out.mkdir()
    for name in ("reliability.png", "reliability.csv", "notes.txt"):
        (out / name).write_text("from an earlier scoring")
    result = wargame("score", fixture_run, "--resolutions", DATA / "scoring-resolutions.yaml", "--out", out)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "score.html", "score.md", "scores.csv",
                                                      "scores.json"]  # fmt: skip
    again = wargame("score", fixture_run, "--resolutions", DATA / "scoring-resolutions.yaml", "--out", out)
    assert again.returncode == 0 and again.stdout == result.stdout


@pytest.mark.parametrize("answer", [".nan", ".inf", "-.inf", '"10500"', "[10500]"])
def test_an_answer_that_is_not_a_finite_number_is_refused_by_line(fixture_run, tmp_path, answer):
    path = tmp_path / "resolutions.yaml"
    path.write_text(f"title: odd\nresolutions:\n  troops_on_line:\n    answer: {answer}\n")
    result = wargame("score", fixture_run, "--resolutions", path, "--out", tmp_path / "scores")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{path}:4:5: resolutions.troops_on_line.answer: ")
    # NaN and infinity are refused by the reader, wherever a number is read; text and lists by the schema.
    assert line.endswith("is not a finite number") or "an answer is true, false or a finite number" in line
    assert not (tmp_path / "scores").exists()


def test_a_baseline_range_is_finite(tmp_path):
    """A uniform baseline over [0, inf) has no density: refused at its line, not scored as NaN."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {FIXTURE}\nquestions:\n  troops_on_line:\n    baseline_range: [0, .inf]\n")
    result = wargame("validate", bad)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == f"{bad}:4:25: questions.troops_on_line.baseline_range.1: inf is not a finite number\n"
