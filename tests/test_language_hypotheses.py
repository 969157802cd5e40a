"""Hypotheses that change the mechanics (`hypotheses.NAME.actors`), not only the numbers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.engine import compile_scenario, run_chunk
from sim.scenario import ScenarioError, load_scenario

SCENARIO = """\
schema_version: 1
name: patrols
title: Patrols that turn into incursions under one hypothesis
start: 2025-01-01
horizon: 2025-03-31
hypotheses:
  routine:
    weight: 0.5
    description: patrols come and go
    assumption: a test
  probing:
    weight: 0.5
    description: patrols probe, and some turn into incursions
    assumption: a test
    actors:
      patrol:
        states:
          out:
            transitions:
              back: {to: incursion}
          incursion:
            label: incursion across the line
            transitions:
              withdraw: {after: incursion_days, to: returned}
parameters:
  patrol_days: {dist: fixed, value: 3, assumption: a test}
  incursion_days: {dist: fixed, value: 5, assumption: a test}
actors:
  patrol:
    initial: home
    states:
      home:
        transitions:
          leave: {at: 10, to: out, assumption: day 10 of the test}
      out:
        transitions:
          back: {after: patrol_days, to: returned}
      returned: {}
"""


def load(tmp_path: Path, text: str = SCENARIO) -> Path:
    path = tmp_path / "patrols.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_hypothesis_can_add_a_state_and_redirect_a_transition(tmp_path):
    compiled = compile_scenario(load_scenario(load(tmp_path)))
    assert "patrol.incursion" in compiled.outcomes  # a column in every run, false under the other hypothesis
    chunk = run_chunk(compiled, 1, range(200))
    for hypothesis, result in zip(chunk.hypotheses.tolist(), chunk.results, strict=True):
        if hypothesis == "probing":
            assert result.entered["patrol.incursion"] == 13.0  # out on day 10, back after 3 days: into the incursion
            assert result.entered["patrol.returned"] == 18.0 and result.final_states["patrol"] == "returned"
            assert result.taken["patrol.incursion.withdraw"] == 1
        else:
            assert "patrol.incursion" not in result.entered
            assert result.taken["patrol.out.back"] == 1 and result.entered["patrol.returned"] == 13.0
    assert set(chunk.hypotheses.tolist()) == {"routine", "probing"}


def test_the_scenario_without_the_hypothesis_is_unchanged(tmp_path):
    """The base machine is shared by hypotheses that change nothing: no state leaks into it."""
    compiled = compile_scenario(load_scenario(load(tmp_path)))
    assert "incursion" not in compiled.machines["routine"].states["patrol"]
    assert "incursion" in compiled.machines["probing"].states["patrol"]
    assert compiled.machines["routine"] is not compiled.machines["probing"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            ("withdraw: {after: incursion_days, to: returned}", "withdraw: {after: incursion_day, to: returned}"),
            "hypotheses.probing.actors.patrol.states.incursion.transitions.withdraw.after",
            "unknown name 'incursion_day' (did you mean 'incursion_days'?)",
        ),
        (
            ("withdraw: {after: incursion_days, to: returned}", "withdraw: {after: incursion_days, to: returnd}"),
            "hypotheses.probing.actors.patrol.states.incursion.transitions.withdraw.to",
            "actor 'patrol' has no state 'returnd' (did you mean 'returned'?)",
        ),
        (
            ("back: {to: incursion}", "back: {to: incursion, when: true}"),
            "hypotheses.probing.actors.patrol.states.out.transitions.back",
            "a transition has exactly one of at, after, rate or when (got ['after', 'when'])",
        ),
    ],
)
def test_mistakes_in_a_hypothesis_are_located_in_the_hypothesis(tmp_path, change, field, message):
    path = load(tmp_path, SCENARIO.replace(*change))
    with pytest.raises(ScenarioError) as caught:
        compile_scenario(load_scenario(path))
    (problem,) = caught.value.problems
    assert (problem.field, problem.message) == (field, message)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if change[1].split(":")[0] in text)
    assert problem.position is not None and problem.position.line == line


def test_a_hypothesis_cannot_add_an_actor(tmp_path):
    text = SCENARIO.replace(
        "    actors:\n      patrol:\n",
        "    actors:\n      drone:\n        initial: idle\n        states: {idle: {}}\n      patrol:\n",
    )
    with pytest.raises(ScenarioError, match="a hypothesis changes actors, it cannot add one"):
        compile_scenario(load_scenario(load(tmp_path, text)))


def test_a_parameter_read_only_under_a_hypothesis_counts_as_read(tmp_path):
    """incursion_days is read only by the probing hypothesis's mechanics: not refused as unread."""
    compiled = compile_scenario(load_scenario(load(tmp_path)))
    assert "incursion_days" in compiled.parameter_names


def test_a_mistake_in_the_shared_mechanics_is_reported_once_not_again_per_hypothesis(tmp_path):
    """The hypothesis's merged mechanics contain the scenario's own mistake too; it is reported
    at its own line only, not a second time under the hypothesis."""
    path = load(tmp_path, SCENARIO.replace("leave: {at: 10, to: out,", "leave: {at: 10, to: outt,"))
    with pytest.raises(ScenarioError) as caught:
        compile_scenario(load_scenario(path))
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("actors.patrol.states.home.transitions.leave.to", "actor 'patrol' has no state 'outt' (did you mean 'out'?)")
    ]
