"""`as_of` and `targets:`: what was known when the priors were set, checked by line, and shown in reports.

The fixture tests/data/targets.yaml is a border that closes on 1 February in every
replication, once: every model value is certain, so each target's gap is exact. Variants
extend it (line 1 is `extends:`, their body starts on line 2).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from ruamel.yaml import YAML

from sim.engine import compile_scenario
from sim.evidence.loader import load_evidence
from sim.report import write_report
from sim.runner.batch import BatchRequest, run_batch
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.json_schema import scenario_json_schema

FIXTURE = Path(__file__).parent / "data" / "targets.yaml"


def variant(tmp_path: Path, body: str, name: str = "variant.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"extends: {FIXTURE}\n" + textwrap.dedent(body))
    return path


def problems(path: Path, compile_too: bool = False) -> list[str]:
    """Every problem of a scenario as `wargame validate` prints it: FILE:LINE:COL: field: message."""
    with pytest.raises(ScenarioError) as caught:
        scenario = load_scenario(path)
        if compile_too:
            compile_scenario(scenario)
    return [str(problem) for problem in caught.value.problems]


def line_of(path: Path, text: str) -> int:
    return path.read_text().splitlines().index(text) + 1


def test_the_fixture_is_sound():
    scenario = load_scenario(FIXTURE)
    compile_scenario(scenario)
    assert str(scenario.as_of) == "2025-01-15"
    assert list(scenario.targets) == ["pundit", "january", "quarter", "count"]


# --- as_of and the calendar ---------------------------------------------------------------------


def test_as_of_after_the_horizon_is_refused(tmp_path):
    assert load_scenario(variant(tmp_path, "as_of: 2025-03-31\n", "good.yaml")).as_of.isoformat() == "2025-03-31"
    bad = variant(tmp_path, "as_of: 2025-04-01\n")
    assert problems(bad) == [
        f"{bad}:2:1: as_of: 2025-04-01 is after the horizon (2025-03-31): as_of must be on or before it"
    ]


def without_targets(tmp_path: Path, as_of: str = "2025-01-15") -> Path:
    """The fixture with no `targets:` section (and `as_of` as given), as a file of its own."""
    path = tmp_path / "no-targets.yaml"
    text = FIXTURE.read_text().split("\ntargets:\n")[0] + "\n"
    path.write_text(text.replace("as_of: 2025-01-15", f"as_of: {as_of}"))
    return path


def test_as_of_may_come_before_start(tmp_path):
    """The knowledge the priors use may be older than the first day simulated."""
    assert load_scenario(without_targets(tmp_path, "2024-12-01")).as_of.isoformat() == "2024-12-01"


def test_a_calendar_date_needs_a_source_or_an_assumption(tmp_path):
    bad = variant(tmp_path, "calendar:\n  other_day: {date: 2025-02-10}\n")
    assert problems(bad) == [f"{bad}:3:3: calendar.other_day: needs a source (a claim id) or an assumption"]
    good = variant(tmp_path, "calendar:\n  other_day: {date: 2025-02-10, source: pundit-60}\n", "good.yaml")
    assert load_scenario(good).calendar["other_day"].source == "pundit-60"


def test_moving_a_base_date_keeps_its_provenance(tmp_path):
    moved = variant(tmp_path, "calendar:\n  closing_day: {date: 2025-02-10}\n")
    assert load_scenario(moved).calendar["closing_day"].assumption == "a test date"


# --- targets, as loaded (sim/scenario/checks.py) --------------------------------------------------


def test_targets_need_as_of(tmp_path):
    bad = variant(tmp_path, "as_of: null\n")
    assert problems(bad) == [
        f"{FIXTURE}:{line_of(FIXTURE, 'targets:')}:1: targets: targets need the scenario's `as_of` (the date of the "
        "knowledge the priors use): each target must have been published on or before it"
    ]


def test_a_target_published_after_as_of_is_refused(tmp_path):
    bad = variant(tmp_path, "targets:\n  pundit: {published: 2025-01-16}\n")
    assert problems(bad) == [
        f"{bad}:3:12: targets.pundit.published: 2025-01-16 is after the scenario's as_of (2025-01-15): "
        "a target must be one the priors could have known"
    ]


def test_a_target_needs_a_source_or_an_assumption(tmp_path):
    body = """\
        targets:
          bare:
            outcome: border.closed
            value: 0.5
            published: 2025-01-02
            description: a rate with no provenance
        """
    bad = variant(tmp_path, body)
    assert problems(bad) == [f"{bad}:3:3: targets.bare: needs a source (a claim id) or an assumption"]


def test_a_target_source_must_be_a_known_claim(tmp_path):
    bad = variant(tmp_path, "targets:\n  pundit:\n    source: pundit-6\n")
    assert problems(bad) == [f"{bad}:4:5: targets.pundit.source: cites unknown claim 'pundit-6' (claims: pundit-60)"]


def test_a_target_deadline_must_lie_in_the_simulated_period(tmp_path):
    bad = variant(tmp_path, "targets:\n  january:\n    by: 2025-04-30\n")
    assert problems(bad) == [
        f"{bad}:4:5: targets.january.by: 2025-04-30 is outside the simulated period [2025-01-01, 2025-03-31]"
    ]


def test_a_target_gives_a_value_or_a_range_not_both(tmp_path):
    bad = variant(tmp_path, "targets:\n  pundit:\n    range: [0.5, 0.7]\n")
    assert problems(bad) == [f"{bad}:3:3: targets.pundit: give exactly one of `value` and `range`"]


# --- targets against the outcomes (sim/scenario/outcomes.py, when compiled) -----------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "targets:\n  pundit:\n    outcome: border.closd\n",
            "4:5: targets.pundit.outcome: unknown outcome 'border.closd' (did you mean 'border.closed'?)",
        ),
        (
            "targets:\n  pundit:\n    outcome: border\n",
            "4:5: targets.pundit.outcome: 'border' is a category outcome, not a yes/no, date or number one",
        ),
        (
            "targets:\n  pundit:\n    outcome: border.closed.date\n",
            "4:5: targets.pundit.outcome: a date outcome needs a deadline (`by`) to become a yes/no question",
        ),
        ("targets:\n  count:\n    by: 2025-02-01\n", "4:5: targets.count.by: a number outcome has no deadline"),
        (
            "targets:\n  pundit:\n    value: 60\n",
            "4:5: targets.pundit.value: 60 is not a probability: the value of a yes/no target lies in [0, 1]"
            " (0.25 for 25%)",
        ),
        (
            "targets:\n  quarter:\n    range: [0.9, 1.5]\n",
            "4:5: targets.quarter.range: [0.9, 1.5] is not a probability: the range of a yes/no target lies in"
            " [0, 1] (0.25 for 25%)",
        ),
    ],
    ids=["unknown", "category", "date-without-by", "number-with-by", "value", "range"],
)
def test_a_target_must_fit_its_outcome(tmp_path, body, expected):
    bad = variant(tmp_path, body)
    assert problems(bad, compile_too=True) == [f"{bad}:{expected}"]


def test_a_number_target_may_exceed_one_and_a_date_outcome_takes_a_deadline(tmp_path):
    body = "targets:\n  count: {value: 12}\n  january: {outcome: border.closed.date}\n"
    compile_scenario(load_scenario(variant(tmp_path, body)))


def test_wargame_validate_reports_a_target_by_line(tmp_path, capsys):
    from sim.cli import main

    bad = variant(tmp_path, "targets:\n  pundit:\n    outcome: border.closd\n")
    assert main(["validate", str(bad)]) == 2
    assert capsys.readouterr().err.startswith(f"{bad}:4:5: targets.pundit.outcome: unknown outcome 'border.closd'")


def test_the_json_schema_knows_as_of_and_targets(tmp_path):
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    with FIXTURE.open() as stream:
        full = json.loads(json.dumps(YAML(typ="safe").load(stream), default=str))
    assert list(validator.iter_errors(full)) == []
    assert list(validator.iter_errors({"extends": "targets.yaml", "as_of": "2025-01-20"})) == []
    full["targets"]["pundit"]["publishd"] = "2025-01-10"
    assert any("'publishd' was unexpected" in error.message for error in validator.iter_errors(full))


# --- evidence dated before as_of --------------------------------------------------------------------


def test_evidence_observed_before_as_of_belongs_in_the_priors(tmp_path):
    evidence = tmp_path / "evidence.yaml"
    evidence.write_text(
        textwrap.dedent(
            """\
            title: border reports
            observations:
              early:
                date: 2025-01-14
                text: the border is still open
                outcome: border.closed
                observed: false
              on_the_day:
                date: 2025-01-15
                text: the border is still open
                outcome: border.closed
                observed: false
            """
        )
    )
    with pytest.raises(ScenarioError) as caught:
        load_evidence(evidence, load_scenario(FIXTURE))
    assert [str(p) for p in caught.value.problems] == [
        f"{evidence}:4:5: observations.early.date: observed before the scenario's as_of (2025-01-15):"
        " it belongs in the priors"
    ]
    evidence.write_text(evidence.read_text().replace("2025-01-14", "2025-01-20"))
    assert list(load_evidence(evidence, load_scenario(FIXTURE)).observations) == ["early", "on_the_day"]


# --- targets in the report ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("targets") / "run"
    run_dir = run_batch(BatchRequest(compile_scenario(load_scenario(FIXTURE)), replications=200, seed=1, out=out))
    write_report(run_dir)
    return run_dir


def test_targets_csv_holds_each_target_beside_the_model(reported):
    table = pd.read_csv(reported / "targets.csv", keep_default_na=False).set_index("target")
    assert list(table.index) == ["pundit", "january", "quarter", "count"]
    assert table["model"].astype(float).tolist() == [1.0, 0.0, 1.0, 1.0]
    assert table["gap"].astype(float).tolist() == pytest.approx([0.4, -0.15, 0.0, -2.0])
    assert table["flagged"].tolist() == [True, True, False, False]
    assert table["kind"].tolist() == ["probability", "probability", "probability", "number"]
    assert table.loc["pundit", "source"] == "pundit-60" and table.loc["january", "by"] == "2025-01-31"
    assert table["replications"].astype(int).tolist() == [200] * 4
    # The interval is the Wilson interval of 200 of 200: simulation error only, whatever the target says.
    assert float(table.loc["pundit", "ci_low"]) == pytest.approx(200 / (200 + 1.959964**2), abs=1e-6)


def test_the_report_shows_the_targets_with_their_gaps(reported):
    markdown = (reported / "report.md").read_text()
    section = markdown.split("## Targets: published rates beside the model\n")[1].split("\n## ")[0]
    assert "published on or before the scenario's `as_of` (2025-01-15)" in section
    assert (
        "| `pundit`: a pundit's chance that the border closes this quarter | border: closed | 60.0% | 2025-01-10 "
        "| `pundit-60` (a test pundit) | 100.0% | 98.1% to 100.0% "
        "| **+40.0 points**, flagged: see docs/model.md for why |"
    ) in section
    assert (
        "| border: closed, by 2025-01-31 | 15.0% to 30.0% | 2025-01-12 | assumption: a test range | 0.0% |" in section
    )
    assert "**-15.0 points**, flagged" in section
    assert (
        "| 90.0% to 100.0% | 2025-01-15 | assumption: a test range | 100.0% | 98.1% to 100.0% | 0 points (inside"
        in section
    )
    assert "| closures (mean) | 3 | 2025-01-01 | assumption: a test number | 1 | 1 to 1 | -2 |" in section
    assert "covers simulation error only" in section
    html = (reported / "report.html").read_text()
    assert '<section id="targets">' in html and '<a href="#targets">' in html
    assert "<strong>+40.0 points</strong>, flagged: see docs/model.md for why" in html
    assert "covers simulation error only" in html


def test_a_scenario_without_targets_has_no_targets_section(tmp_path):
    compiled = compile_scenario(load_scenario(without_targets(tmp_path)))
    run_dir = run_batch(BatchRequest(compiled, replications=20, seed=1, out=tmp_path / "run"))
    write_report(run_dir)
    assert "## Targets" not in (run_dir / "report.md").read_text()
    assert 'id="targets"' not in (run_dir / "report.html").read_text()
    assert not (run_dir / "targets.csv").exists()


def test_a_target_number_must_be_finite(tmp_path):
    """NaN or infinity would compare false with everything and show as a gap of 0: refused by line."""
    bad = variant(tmp_path, "targets:\n  pundit:\n    value: .nan\n  quarter:\n    range: [0.9, .inf]\n")
    assert problems(bad) == [
        f"{bad}:4:5: targets.pundit.value: nan is not a finite number",
        f"{bad}:6:18: targets.quarter.range.1: inf is not a finite number",
    ]


def test_a_target_number_is_a_number_not_a_yes_or_a_text(tmp_path):
    """YAML's `true` or a quoted "1" would be read as 1 by a lax parser: refused by line."""
    bad = variant(tmp_path, 'targets:\n  pundit:\n    value: true\n  quarter:\n    range: [0.9, "1"]\n')
    assert problems(bad) == [
        f"{bad}:4:5: targets.pundit.value: Input should be a valid number",
        f"{bad}:6:18: targets.quarter.range.1: Input should be a valid number",
    ]
