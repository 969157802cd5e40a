"""Evidence files and forecast questions: validated by line, read as the analyst meant."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, SCENARIOS, wargame

from sim.evidence.likelihood import observation_likelihood
from sim.evidence.loader import known_events, load_evidence
from sim.evidence.schema import Observation
from sim.forecast.questions import forecast_table, questions_of
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.outcomes import OutcomeCatalogue, outcome_catalogue

BAD_EVIDENCE = """\
title: bad evidence
observations:
  troops:
    date: 2025-09-10
    text: troops seen
    outcome: northen_troops
    between: [20000, 40000]
  late:
    date: 2026-03-01
    text: too late
    outcome: offensive.launched
    observed: false
  both:
    date: 2025-09-10
    text: a yes/no with a range
    outcome: offensive.launched
    observed: true
    between: [1, 2]
  typo:
    date: 2025-09-10
    text: a misspelt field
    outcome: offensive.launched
    observed: true
    detection_rat: 0.9
  event:
    date: 2025-09-10
    text: an unknown event
    event: talks.second_sumit
    observed: true
"""


def test_bad_evidence_file_reports_every_problem_by_line_and_exits_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_EVIDENCE)
    result = wargame("assess", BASELINE, "--evidence", path, "--runs", 100, "--out", tmp_path / "run")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    # Shape problems come first (pydantic), one per line, each at its own line of the file.
    assert lines == [
        f"{path}:13:3: observations.both: a yes/no observation (`observed`) takes no `between` or `value`",
        f"{path}:24:5: observations.typo.detection_rat: unknown field 'detection_rat' (did you mean 'detection_rate'?)",
    ]
    assert not (tmp_path / "run").exists()  # nothing ran, nothing written


def test_evidence_naming_unknown_outcomes_events_and_dates_is_refused_by_line(tmp_path):
    path = tmp_path / "bad.yaml"
    text = BAD_EVIDENCE.split("  both:")[0] + BAD_EVIDENCE[BAD_EVIDENCE.index("  event:") :]
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_evidence(path, load_scenario(BASELINE))
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:6:5: observations.troops.outcome: unknown outcome 'northen_troops' (did you mean 'northern_troops'?)",
        f"{path}:9:5: observations.late.date: 2026-03-01 is outside the simulated period [2025-08-14, 2025-12-31]",
        f"{path}:16:5: observations.event.event: unknown event 'talks.second_sumit'"
        " (did you mean 'talks.second_summit'?)",
    ]


def test_observing_a_category_outcome_is_refused_with_advice_that_can_be_followed(tmp_path):
    path = tmp_path / "categories.yaml"
    path.write_text(
        "title: categories\n"
        "observations:\n"
        "  alert:\n"
        "    date: 2025-09-10\n"
        "    text: NATO on high alert\n"
        "    outcome: nato\n"
        "    observed: true\n"
        "  ending:\n"
        "    date: 2025-12-01\n"
        "    text: the fighting ended\n"
        "    outcome: combat_end\n"
        "    between: [0, 1]\n"
    )
    with pytest.raises(ScenarioError) as caught:
        load_evidence(path, load_scenario(BASELINE))
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:6:5: observations.alert.outcome: 'nato' is an actor's state at the horizon (a category), which "
        "cannot be observed; observe whether it entered a state, the yes/no column ACTOR.STATE, e.g. "
        "`outcome: nato.consulting` with `observed` (its states: nato.normal, nato.article4, nato.consulting)",
        f"{path}:11:5: observations.ending.outcome: 'combat_end' is a category variable, which cannot be observed; "
        "observe a yes/no outcome (an actor's state ACTOR.STATE, a flag) with `observed`, or a number with "
        "`between` or `value`",
    ]
    # The advice works: the state's yes/no column is accepted as it stands.
    path.write_text(path.read_text().replace("outcome: nato\n", "outcome: nato.article4\n").split("  ending:")[0])
    assert list(load_evidence(path, load_scenario(BASELINE)).observations) == ["alert"]


def test_evidence_file_that_is_not_a_mapping_is_one_line(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ScenarioError) as caught:
        load_evidence(path, load_scenario(BASELINE))
    assert [str(p) for p in caught.value.problems] == [f"{path}:1:1: an evidence file must be a YAML mapping of fields"]


def test_example_evidence_file_is_valid_against_the_baseline():
    evidence = load_evidence(SCENARIOS / "evidence" / "zapad-september.yaml", load_scenario(BASELINE))
    assert len(evidence.observations) >= 4
    assert all(o.source or o.assumption for o in evidence.observations.values())


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory) -> Path:
    """A small run of the baseline as it is now (300 replications: every kind of event row appears)."""
    out = tmp_path_factory.mktemp("baseline") / "run"
    result = wargame("run", BASELINE, "--runs", 300, "--seed", 1, "--workers", 1, "--out", out,
                     "--no-report", "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def catalogue() -> OutcomeCatalogue:
    return outcome_catalogue(load_scenario(BASELINE))


def test_known_events_cover_every_event_the_model_logs(baseline_run):
    events = pd.read_parquet(baseline_run / "events.parquet", columns=["component", "event"])
    logged = {f"{component}.{event}" for component, event in events.drop_duplicates().to_numpy()}
    states, processes = known_events(load_scenario(BASELINE))
    # A state entry is logged as ACTOR / STATE, a built-in process's row as ACTOR / PROCESS.EVENT.
    unknown = {name for name in logged if name not in states and name.rsplit(".", 1)[0] not in processes}
    assert not unknown
    assert "offensive.lanchester_combat" in processes and any(name.count(".") == 2 for name in logged)


def observation(**fields) -> Observation:
    return Observation.model_validate({"date": "2025-11-01", "text": "t", **fields})


def test_yes_no_likelihood_is_the_detection_or_false_alarm_rate(catalogue):
    table = pd.DataFrame(
        {
            "offensive.launched": [True, True, False],
            "offensive.launched.date": [dt.date(2025, 10, 1), dt.date(2025, 12, 1), None],
        }
    )
    seen_no = observation(outcome="offensive.launched", observed=False, detection_rate=0.9, false_alarm_rate=0.05)
    # As of 1 November only the first replication has attacked: P(seen no) = 1 - 0.9, then 1 - 0.05 twice.
    assert observation_likelihood(seen_no, table, None, catalogue, None) == pytest.approx([0.1, 0.95, 0.95])
    seen_yes = observation(outcome="offensive.launched", observed=True)  # the stated defaults 0.99 and 0.01
    assert observation_likelihood(seen_yes, table, None, catalogue, None) == pytest.approx([0.99, 0.01, 0.01])


def test_numeric_likelihoods_band_normal_and_lognormal(catalogue):
    table = pd.DataFrame({"northern_troops": [10_000, 25_000, 45_000], "warning_days": [np.nan, 3.0, 10.0]})
    band = observation(outcome="northern_troops", between=[20_000, 40_000])
    assert observation_likelihood(band, table, None, catalogue, None).tolist() == [0.0, 1.0, 0.0]
    assert observation_likelihood(band, table, None, catalogue, 0.15).tolist() == [0.0, 1.0, 1.0]  # +6,000 slack
    normal = observation(outcome="northern_troops", value=25_000, sd=5_000)
    likelihood = observation_likelihood(normal, table, None, catalogue, None)
    assert likelihood[1] / likelihood[0] == pytest.approx(np.exp(0.5 * 3**2))  # 3 sd away vs on the value
    lognormal = observation(outcome="warning_days", value=3.0, log_sd=0.5)
    likelihood = observation_likelihood(lognormal, table, None, catalogue, None)
    assert likelihood[0] == 0.0  # no offensive, no warning time: ruled out
    assert likelihood[2] / likelihood[1] == pytest.approx(np.exp(-0.5 * (np.log(10 / 3) / 0.5) ** 2))


def test_state_event_observation_reads_the_state_entry_as_of_its_date(catalogue):
    table = pd.DataFrame(
        {
            "replication": [0, 1, 2],
            "talks.second_summit": [True, True, False],
            "talks.second_summit.date": [dt.date(2025, 9, 20), dt.date(2025, 11, 20), None],
        }
    )
    seen = observation(event="talks.second_summit", observed=True, detection_rate=0.8, false_alarm_rate=0.1)
    # No event log needed: a state entry is read from its outcome columns, as of 1 November.
    assert observation_likelihood(seen, table, None, catalogue, None) == pytest.approx([0.8, 0.1, 0.1])


def test_process_event_observation_reads_the_event_log_as_of_its_date(catalogue):
    table = pd.DataFrame({"replication": [0, 1, 2]})
    events = pd.DataFrame(
        {
            "replication": [0, 1],
            "date": [dt.date(2025, 9, 20), dt.date(2025, 11, 20)],
            "component": ["offensive", "offensive"],
            "event": ["lanchester_combat.reinforced", "lanchester_combat.reinforced"],
        }
    )
    seen = observation(
        event="offensive.lanchester_combat.reinforced", observed=True, detection_rate=0.8, false_alarm_rate=0.1
    )
    assert observation_likelihood(seen, table, events, catalogue, None) == pytest.approx([0.8, 0.1, 0.1])


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"outcome": "offensive"}, "say what was seen"),
        ({"outcome": "x", "event": "a.b", "observed": True}, "exactly one of `outcome` or `event`"),
        ({"outcome": "x", "value": 3}, "needs exactly one error"),
        ({"outcome": "x", "between": [5, 1]}, "low must be below high"),
        ({"outcome": "x", "observed": True, "detection_rate": 0.1, "false_alarm_rate": 0.2}, "must exceed"),
    ],
)
def test_inconsistent_observations_are_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        observation(**fields)


def test_scenario_without_questions_keeps_its_data_and_hash(baseline_run):
    scenario = load_scenario(BASELINE)
    manifest = json.loads((baseline_run / "manifest.json").read_text())
    assert "questions" not in scenario.as_data()
    assert scenario.content_hash() == manifest["scenario_hash"]
    assert scenario.as_data() == manifest["scenario_as_run"]


def test_questions_reach_the_scenario_data_and_change_its_hash():
    with_questions = load_scenario(SCENARIOS / "baseline-questions.yaml")
    assert set(with_questions.as_data()["questions"]) >= {"offensive_by_year_end", "northern_troops"}
    assert with_questions.content_hash() != load_scenario(BASELINE).content_hash()


def test_questions_naming_unknown_or_unaskable_outcomes_are_refused_by_line(tmp_path):
    path = tmp_path / "questions.yaml"
    path.write_text(
        f"extends: {BASELINE}\nname: q\nquestions:\n"
        "  a:\n    text: typo\n    outcome: ofensive.launched\n"
        "    resolution: r\n    source_kind: s\n"
        "  b:\n    text: no date in the model\n    outcome: objective_reached\n    by: 2025-10-01\n"
        "    resolution: r\n    source_kind: s\n"
        "  d:\n    text: an actor's state at the horizon\n    outcome: offensive\n"
        "    resolution: r\n    source_kind: s\n"
    )
    result = wargame("validate", path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"{path}:6:5: questions.a.outcome: unknown outcome 'ofensive.launched' (did you mean 'offensive.launched'?)"
    )
    # A flag variable has no date; every state an actor can enter has one, and the message says so.
    assert lines[1] == (
        f"{path}:11:5: questions.b.outcome: 'objective_reached' is a flag with no date, so it cannot be asked"
        " 'by' a date; the dated yes/no outcomes are the actors' states (ACTOR.STATE)"
    )
    assert lines[2:] == [
        f"{path}:17:5: questions.d.outcome: 'offensive' is a category outcome, not a yes/no, date or number one"
    ]
    path.write_text(
        f"extends: {BASELINE}\nname: q\nquestions:\n  c:\n    text: late\n    outcome: offensive.launched\n"
        "    by: 2026-06-01\n    resolution: r\n    source_kind: s\n"
    )
    result = wargame("validate", path)
    assert result.stderr.splitlines() == [
        f"{path}:7:5: questions.c.by: 2026-06-01 is outside the simulated period [2025-08-14, 2025-12-31]"
    ]


def test_forecasts_of_binary_and_numeric_questions(catalogue):
    table = pd.DataFrame(
        {
            "offensive.launched": [True, True, False, False],
            "offensive.launched.date": [dt.date(2025, 10, 1), dt.date(2025, 12, 1), None, None],
            "northern_troops": [10, 20, 30, 40],
        }
    )
    asked = {
        "early": {"text": "by November?", "outcome": "offensive.launched", "by": dt.date(2025, 11, 1)},
        "troops": {"text": "how many?", "outcome": "northern_troops"},
    }
    questions = questions_of({"questions": asked}, catalogue)
    rows = forecast_table(questions, table).set_index("question")
    assert rows.loc["early", "forecast"] == 0.25 and rows.loc["early", "kind"] == "binary"
    assert rows.loc["early", "ci_low"] < 0.25 < rows.loc["early", "ci_high"]
    assert rows.loc["troops", "forecast"] == 25 and (rows.loc["troops", "p5"], rows.loc["troops", "p95"]) == (10, 40)
    weighted = forecast_table(questions, table, np.array([0.0, 0.0, 1.0, 1.0])).set_index("question")
    assert weighted.loc["early", "forecast"] == 0.0 and weighted.loc["troops", "forecast"] == 35


@pytest.mark.slow
def test_run_report_lists_the_forecast_questions(tmp_path):
    result = wargame("run", SCENARIOS / "baseline-questions.yaml", "--runs", 200, "--seed", 1, "--workers", 1,
                     "--out", tmp_path / "run", "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    markdown = (tmp_path / "run" / "report.md").read_text()
    assert "## Forecast questions" in markdown
    assert "`offensive_by_year_end`: Will an offensive be launched" in markdown
    assert 'id="questions"' in (tmp_path / "run" / "report.html").read_text()


@pytest.mark.slow
def test_comparison_lists_the_questions_of_each_scenario_that_asks_them(tmp_path):
    result = wargame("compare", BASELINE, SCENARIOS / "baseline-questions.yaml", "--runs", 200, "--seed", 1,
                     "--workers", 1, "--out", tmp_path / "compare", "--quiet")  # fmt: skip
    assert result.returncode == 0, result.stderr
    markdown = (tmp_path / "compare" / "comparison.md").read_text()
    section = markdown.split("## Forecast questions")[1].split("## Figures")[0]
    assert "### baseline-questions" in section and "### baseline\n" not in section
    assert "`second_summit`" in section


def test_validate_checks_evidence_and_resolutions_files_against_a_scenario(tmp_path):
    evidence = SCENARIOS / "evidence" / "zapad-september.yaml"
    resolutions = SCENARIOS / "resolutions" / "2025.yaml"
    questions = SCENARIOS / "baseline-questions.yaml"
    good = wargame("validate", "--scenario", questions, evidence, resolutions)
    assert good.returncode == 0, good.stderr
    assert good.stdout.splitlines() == [f"{evidence}: ok", f"{resolutions}: ok"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(evidence.read_text().replace("outcome: offensive.launched", "outcome: offensive.lanched"))
    checked = wargame("validate", "--scenario", questions, bad)
    assert checked.returncode == 2 and "Traceback" not in checked.stderr
    assert checked.stderr.startswith(f"{bad}:") and "did you mean 'offensive.launched'" in checked.stderr
    alone = wargame("validate", evidence)
    assert alone.returncode == 2 and "add --scenario" in alone.stderr
