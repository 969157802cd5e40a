"""Bad input to the scenario language is refused at validation, each problem at its FILE:LINE:COL.

Each test writes a small scenario with one mistake, loads and compiles it, and checks the
problem's position (found by searching the file's text for the offending words, so the
expected line and column are those an author would see in an editor), its field path and
its message. A few go through `wargame validate` as a user would.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.engine import compile_scenario, run_chunk
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.errors import Problem

REPO = Path(__file__).resolve().parents[1]

# A sound scenario every test adds one actor (or one mistake) to. Its `talks` actor reads
# every parameter, so nothing is reported but the mistake under test.
SOUND = """\
schema_version: 1
name: language-errors
title: A scenario with one mistake
start: 2025-01-01
horizon: 2025-12-31
claims:
  talks-date:
    quote: The talks open on the first of March.
    by: a test
calendar:
  talks_day: {date: 2025-03-01, source: talks-date}
hypotheses:
  only: {weight: 1, description: the only hypothesis, assumption: a test scenario}
parameters:
  delay_days: {dist: fixed, value: 3, assumption: a test delay}
  mood: {dist: categorical, weights: {calm: 0.5, angry: 0.5}, assumption: test weights}
  hawkish: {dist: bernoulli, p: 0.5, assumption: a test probability}
  escalation_rate: {dist: fixed, value: 0.1, assumption: a test rate per day}
variables:
  alarm: {kind: flag}
  incidents: {kind: count}
  force_ratio: {kind: number}
actors:
  talks:
    initial: pending
    states:
      pending:
        transitions:
          convene: {at: talks_day, branch_on: mood, to: {calm: open, angry: failed}}
      open:
        transitions:
          break_down: {rate: escalation_rate, to: failed, effects: [{add: {incidents: 1}}]}
      failed:
        transitions:
          react:
            after: delay_days
            branch_on: hawkish
            to: {true: alarmed, false: closed}
            effects: [{set: {alarm: true}}]
      alarmed: {}
      closed: {}
"""
TRANSITION = "actors.a.states.idle.transitions.go"


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def with_actor(actor: str) -> str:
    """The sound scenario plus one actor, written as it sits under `actors:`."""
    return SOUND + textwrap.indent(textwrap.dedent(actor).strip("\n"), "  ") + "\n"


def with_transition(transition: str, *, states: str = "done: {}") -> str:
    """The sound scenario plus actor `a`, whose state `idle` has transition `go` (block style)."""
    go = textwrap.indent(textwrap.dedent(transition).strip("\n"), " " * 12)
    actor = "  a:\n    initial: idle\n    states:\n      idle:\n        transitions:\n          go:\n"
    return f"{SOUND}{actor}{go}\n      {states}\n"


def problems(path: Path) -> list[Problem]:
    """The problems loading and compiling `path` reports (it must report some)."""
    with pytest.raises(ScenarioError) as caught:
        compile_scenario(load_scenario(path))
    found = caught.value.problems
    assert str(caught.value) == "\n".join(str(p) for p in found)
    return found


def position_of(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column where `needle` first appears in what a test added to the sound scenario."""
    index = text.index(needle, len(SOUND) if text.startswith(SOUND) else 0)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def the_problem(tmp_path: Path, text: str, field: str, name: str = "scenario.yaml") -> tuple[Path, Problem]:
    """The one problem of a scenario, which must be at `field`."""
    path = write(tmp_path, text, name)
    found = problems(path)
    assert [p.field for p in found] == [field], "\n".join(map(str, found))
    return path, found[0]


def assert_at(problem: Problem, path: Path, line: int, col: int | None = None) -> None:
    assert problem.position is not None
    assert problem.position.file == path
    assert problem.position.line == line, str(problem)
    if col is not None:
        assert problem.position.col == col, str(problem)
    assert str(problem).startswith(f"{path}:{line}:{problem.position.col}: {problem.field}: ")


# States and actors


def test_the_sound_scenario_compiles_and_runs(tmp_path):
    compiled = compile_scenario(load_scenario(write(tmp_path, with_transition("after: delay_days\nto: done"))))
    result = run_chunk(compiled, 1, range(1)).results[0]
    assert result.final_states["a"] == "done"


def test_a_transition_to_an_undefined_state_suggests_the_closest(tmp_path):
    text = with_transition("after: delay_days\nto: donee")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.to")
    assert_at(problem, path, *position_of(text, "to: donee"))
    assert problem.message == "actor 'a' has no state 'donee' (did you mean 'done'?)"


def test_a_condition_naming_an_unknown_actor_suggests_the_closest(tmp_path):
    text = with_transition("when: talk.open\nto: done")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.when")
    assert_at(problem, path, *position_of(text, "talk.open"))
    assert problem.message == "unknown actor 'talk' (did you mean 'talks'?)"


def test_a_condition_naming_an_unknown_state_of_a_known_actor_points_at_the_state(tmp_path):
    text = with_transition("when: alarm or talks.opn\nto: done")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.when")
    assert_at(problem, path, *position_of(text, "opn"))
    assert problem.message == "actor 'talks' has no state 'opn' (did you mean 'open'?)"


def test_entered_of_an_unknown_state_is_refused(tmp_path):
    text = with_transition("when: entered(talks.closing)\nto: done")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.when")
    assert_at(problem, path, *position_of(text, "closing"))
    assert problem.message == "actor 'talks' has no state 'closing' (did you mean 'closed'?)"


def test_an_initial_state_that_is_not_a_state_suggests_the_closest(tmp_path):
    text = with_actor(
        """
        a:
          initial: idel
          states:
            idle: {}
        """
    )
    path, problem = the_problem(tmp_path, text, "actors.a.initial")
    assert_at(problem, path, *position_of(text, "initial: idel"))
    assert problem.message == "unknown state 'idel' (did you mean 'idle'?)"


def test_an_unreachable_state_is_refused(tmp_path):
    text = with_transition("after: delay_days\nto: done", states="done: {}\n      orphan: {}")
    path, problem = the_problem(tmp_path, text, "actors.a.states.orphan")
    assert_at(problem, path, *position_of(text, "orphan"))
    assert problem.message.startswith("unreachable: no transition from 'idle' leads here")


# Names in expressions


@pytest.mark.parametrize(
    ("trigger", "expression", "unknown", "message"),
    [
        ("when", "incident > 2", "incident", "unknown name 'incident' (did you mean 'incidents'?)"),
        ("after", "delay_dayz * 2", "delay_dayz", "unknown name 'delay_dayz' (did you mean 'delay_days'?)"),
        ("rate", "escalation_rat", "escalation_rat", "unknown name 'escalation_rat' (did you mean 'escalation_rate'?)"),
        ("at", "talks_dy + 1", "talks_dy", "unknown name 'talks_dy' (did you mean 'talks_day'?)"),
    ],
)
def test_an_unknown_variable_or_parameter_in_an_expression_suggests_the_closest(
    tmp_path, trigger, expression, unknown, message
):
    text = with_transition(f"{trigger}: {expression}\nto: done\nassumption: a test number")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.{trigger}")
    assert_at(problem, path, *position_of(text, unknown))
    assert problem.message == message


@pytest.mark.parametrize("effects", ["[{log: 'so far: {incidentz}'}]", "\n  - log: so far {incidentz}"])
def test_an_unknown_name_in_a_log_message_points_at_the_name(tmp_path, effects):
    text = with_transition(f"after: delay_days\nto: done\neffects: {effects}")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.effects.0.log")
    assert_at(problem, path, *position_of(text, "incidentz"))
    assert problem.message == "unknown name 'incidentz' (did you mean 'incidents'?)"


def test_a_log_message_with_an_unclosed_brace_points_at_the_brace(tmp_path):
    text = with_transition("after: delay_days\nto: done\neffects: [{log: 'so far: {incidents'}]")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.effects.0.log")
    assert_at(problem, path, *position_of(text, "{incidents'"))
    assert problem.message == "a '{' without its '}'"


# Syntax


@pytest.mark.parametrize(
    ("expression", "at", "message"),
    [
        ("alarm and (incidents > 2", "(incidents", "syntax error: '(' was never closed"),
        ("incidents > 2 2", "2 2", "syntax error: invalid syntax"),
        ("incidents = 2", "= 2", "syntax error: invalid syntax"),
    ],
)
def test_a_syntax_error_in_a_condition_points_at_its_column(tmp_path, expression, at, message):
    text = with_transition(f"when: {expression}\nto: done\nassumption: a test number")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.when")
    line, col = position_of(text, f"when: {expression}")
    if at == "2 2":
        col += len("when: ") + expression.index(at) + 2  # the second 2
    else:
        col += len("when: ") + expression.index(at)
    assert_at(problem, path, line, col)
    assert problem.message == message


@pytest.mark.parametrize(
    ("expression", "at", "message"),
    [
        ("talks.open.again", "talks", "expected ACTOR.STATE"),
        ("incidents[0] > 1", "incidents", "indexing ([...]) is not part of the expression language"),
        ("max(lambda:1, 2) > 0", "lambda", "lambda is not part of the expression language"),
        ("(lambda:1)() > 0", "(lambda", "only the language's functions can be called"),
        ("__import__('os') == 0", "__import__", "unknown function '__import__'"),
        ("f'{incidents}' == 'x'", "f'", "an f-string is not part of the expression language"),
        ("max(incidents, 2, key=abs) > 1", "max", "max() takes its arguments by position"),
        ("(n := 1) > 0", "n :=", "assignment (:=) is not part of the expression language"),
        ("incidents in 1", "incidents", "only ==, !=, <, <=, > and >= compare values"),
        ("incidents == None", "None", "the literal None is not a number, text or true/false"),
        ("incidents.__class__", "incidents", "unknown actor 'incidents'"),
    ],
)
def test_syntax_outside_the_expression_language_is_refused_where_it_starts(tmp_path, expression, at, message):
    text = with_transition(f"when: {expression}\nto: done\nassumption: a test number")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.when")
    line, col = position_of(text, f"when: {expression}")
    assert_at(problem, path, line, col + len("when: ") + expression.index(at))
    assert problem.message == message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("maxx(incidents, 1) > 0", "unknown function 'maxx' (did you mean 'max'?)"),
        ("sqrt(incidents, 2) > 0", "sqrt() takes 1 argument"),
        ("min(incidents) > 0", "min() takes 2 or more arguments"),
        ("uniform(1) > 0", "uniform() takes 2 arguments"),
        ("entered(talks.open, talks.failed)", "entered() takes one ACTOR.STATE"),
    ],
)
def test_an_unknown_function_or_a_wrong_argument_count_is_refused(tmp_path, expression, message):
    text = with_transition(f"when: {expression}\nto: done\nassumption: a test number")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.when")
    line, col = position_of(text, f"when: {expression}")
    assert_at(problem, path, line, col + len("when: "))
    assert problem.message == message


@pytest.mark.parametrize(
    ("transition", "field"),
    [
        ("when: now > talks_day\nto: done", "when"),
        (
            "rate: escalation_rate\nfactors: [{while: now > talks_day, times: 2}]\nto: done\nassumption: x2",
            "factors.0.while",
        ),
        ("rate: escalation_rate * now\nto: done", "rate"),
    ],
)
def test_a_condition_or_rate_reading_now_is_refused(tmp_path, transition, field):
    # Conditions and rates are re-read only when what they name changes, never as time passes.
    text = with_transition(transition)
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.{field}")
    assert_at(problem, path, position_of(text, field.split(".")[-1] + ":")[0])
    assert "cannot read `now`" in problem.message and "use `at:`" in problem.message


# Branches


def test_branch_probabilities_must_sum_to_one(tmp_path):
    text = with_transition(
        """
        after: delay_days
        branches:
          - {to: done, probability: 0.3}
          - {to: idle, probability: 0.3}
        assumption: test probabilities
        """
    )
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.branches")
    assert_at(problem, path, *position_of(text, "branches:"))
    assert problem.message == "branch probabilities must sum to 1 (they sum to 0.6)"


def test_only_one_branch_can_be_otherwise(tmp_path):
    text = with_transition(
        """
        after: delay_days
        branches:
          - {to: done, otherwise: true}
          - {to: idle, otherwise: true}
        """
    )
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.branches")
    assert_at(problem, path, *position_of(text, "branches:"))
    assert problem.message == "only one branch can be `otherwise`"


@pytest.mark.parametrize("probability", ["-0.2", "1.5"])
def test_a_probability_outside_zero_one_is_refused(tmp_path, probability):
    text = with_transition(
        f"""
        after: delay_days
        branches:
          - {{to: done, probability: {probability}}}
          - {{to: idle, otherwise: true}}
        assumption: test probabilities
        """
    )
    path = write(tmp_path, text)
    found = {p.field: p for p in problems(path)}
    problem = found[f"{TRANSITION}.branches.0.probability"]
    assert_at(problem, path, *position_of(text, "probability:"))
    assert problem.message == f"a probability must lie in [0, 1], not {float(probability):g}"


def test_branch_on_a_number_parameter_is_refused(tmp_path):
    text = with_transition("after: delay_days\nbranch_on: delay_days\nto: {low: done, high: idle}")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.branch_on")
    assert_at(problem, path, *position_of(text, "branch_on:"))
    assert problem.message == "'delay_days' is a number; branch_on needs a category or yes/no parameter"


def test_branch_on_an_unknown_parameter_suggests_the_closest(tmp_path):
    text = with_transition("after: delay_days\nbranch_on: moods\nto: {calm: done, angry: idle}")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.branch_on")
    assert_at(problem, path, *position_of(text, "branch_on:"))
    assert problem.message == "unknown parameter 'moods' (did you mean 'mood'?)"


def test_branch_on_with_a_category_missing_its_target_is_refused(tmp_path):
    text = with_transition("after: delay_days\nbranch_on: mood\nto: {calm: done}")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.to")
    assert_at(problem, path, *position_of(text, "to: {calm"))
    assert problem.message == "no target for angry (values 'mood' can take)"


def test_branch_on_a_yes_no_parameter_needs_true_and_false(tmp_path):
    text = with_transition("after: delay_days\nbranch_on: hawkish\nto: {yes: done, no: idle}")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.to.yes")
    assert_at(problem, path, *position_of(text, "yes:"))
    assert problem.message == "a yes/no parameter branches on true and false, not 'yes'"


# Effects


def test_an_effect_on_an_undeclared_variable_suggests_the_closest(tmp_path):
    text = with_transition("after: delay_days\nto: done\neffects: [{set: {alarms: true}}]")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.effects.0.set.alarms")
    assert_at(problem, path, *position_of(text, "alarms"))
    assert problem.message == "undeclared variable 'alarms' (did you mean 'alarm'?); declare it under variables:"


def test_add_to_a_flag_is_refused(tmp_path):
    text = with_transition("after: delay_days\nto: done\neffects: [{add: {alarm: 1}}]")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.effects.0.add.alarm")
    assert_at(problem, path, *position_of(text, "alarm: 1"))
    assert problem.message == "can only add to a number or count, and 'alarm' is a flag"


def test_an_effect_with_two_kinds_is_refused(tmp_path):
    text = with_transition("after: delay_days\nto: done\neffects:\n  - {set: {alarm: true}, add: {incidents: 1}}")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.effects.0")
    assert_at(problem, path, *position_of(text, "{set: {alarm"))
    assert problem.message == "an effect is exactly one of set, add, log or start (got ['set', 'add'])"


# Triggers and targets


@pytest.mark.parametrize(
    ("transition", "message"),
    [
        ("to: done", "a transition has exactly one of at, after, rate or when (got none)"),
        (
            "after: delay_days\nwhen: alarm\nto: done",
            "a transition has exactly one of at, after, rate or when (got ['after', 'when'])",
        ),
        ("after: delay_days", "needs a target: `to: STATE`, `branches`, or `branch_on` with a map"),
        ("after: delay_days\nto: done\nfactors: [{while: alarm, times: delay_days}]", "factors apply only to a rate"),
        (
            "after: delay_days\nto: done\nbranches: [{to: done, otherwise: true}]",
            "give either `to` or `branches`, not both",
        ),
    ],
)
def test_a_transition_needs_one_trigger_and_one_target(tmp_path, transition, message):
    text = with_transition(transition)
    path, problem = the_problem(tmp_path, text, TRANSITION)
    assert_at(problem, path, *position_of(text, "go:"))
    assert problem.message == message


def test_an_unknown_field_in_a_transition_is_refused(tmp_path):
    text = with_transition("after: delay_days\nto: done\nlable: going")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.lable")
    assert_at(problem, path, *position_of(text, "lable"))
    assert problem.message.startswith("unknown field 'lable'")


def test_a_loop_of_zero_delays_is_refused_at_validation(tmp_path):
    text = with_transition(
        "after: 0\nto: done",
        states="done:\n        transitions:\n          back: {after: 0, to: idle}",
    )
    path, problem = the_problem(tmp_path, text, "actors.a.states.idle")
    assert_at(problem, path, *position_of(text, "idle:"))
    assert problem.message == (
        "a loop of instantaneous transitions (idle -> done -> idle) would fire forever at one moment"
    )


def test_a_zero_delay_self_loop_is_refused_at_validation(tmp_path):
    text = with_transition("after: 0\nto: idle", states="done: {}").replace("      done: {}\n", "")
    path, problem = the_problem(tmp_path, text, "actors.a.states.idle")
    assert_at(problem, path, *position_of(text, "idle:"))
    assert "(idle -> idle)" in problem.message


# Built-in processes


LANCHESTER_INPUTS = """\
attackers: 30000
defenders: 10000
law: "'square'"
attacker_effectiveness: 0.02
defender_effectiveness: 0.05
advance_rate_km_per_day: 5
objective_km: 200
culmination_force_ratio: 1.5
culmination_strength: 5000"""


def start_transition(process: str = "lanchester_combat", inputs: str = LANCHESTER_INPUTS, outputs: str = "") -> str:
    inputs_block = textwrap.indent(inputs, " " * 8)
    outputs_block = f"      outputs:\n{textwrap.indent(outputs, ' ' * 8)}\n" if outputs else ""
    return (
        "after: delay_days\nto: done\nassumption: test numbers\neffects:\n  - start:\n"
        f"      process: {process}\n      inputs:\n{inputs_block}\n{outputs_block}"
    )


def test_the_sound_built_in_process_compiles(tmp_path):
    compile_scenario(load_scenario(write(tmp_path, with_transition(start_transition(outputs="end: force_ratio")))))


def test_an_unknown_built_in_process_suggests_the_closest(tmp_path):
    text = with_transition(start_transition(process="lanchester"))
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.effects.0.start.process")
    assert_at(problem, path, *position_of(text, "process: lanchester"))
    assert problem.message == "unknown built-in process 'lanchester' (did you mean 'lanchester_combat'?)"


def test_a_missing_built_in_input_is_named_with_its_meaning(tmp_path):
    inputs = LANCHESTER_INPUTS.replace("objective_km: 200\n", "")
    text = with_transition(start_transition(inputs=inputs))
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.effects.0.start.inputs")
    assert_at(problem, path, *position_of(text, "inputs:"))
    assert problem.message == "missing input 'objective_km' (depth of the objective (km))"


def test_an_unknown_built_in_input_suggests_the_closest(tmp_path):
    text = with_transition(start_transition(inputs=LANCHESTER_INPUTS + "\nreinforcement: 100"))
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.effects.0.start.inputs.reinforcement")
    assert_at(problem, path, *position_of(text, "reinforcement:"))
    assert problem.message == "lanchester_combat has no input 'reinforcement' (did you mean 'reinforcements'?)"


def test_a_built_in_output_into_an_undeclared_variable_is_refused(tmp_path):
    text = with_transition(start_transition(outputs="days: combat_days"))
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.effects.0.start.outputs.days")
    assert_at(problem, path, *position_of(text, "days: combat_days"))
    assert problem.message == "undeclared variable 'combat_days'"


def test_an_unknown_built_in_output_suggests_the_closest(tmp_path):
    text = with_transition(start_transition(outputs="attacker_loss: force_ratio"))
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.effects.0.start.outputs.attacker_loss")
    assert_at(problem, path, *position_of(text, "attacker_loss:"))
    assert problem.message == "lanchester_combat has no output 'attacker_loss' (did you mean 'attacker_losses'?)"


# Provenance and numbers


@pytest.mark.parametrize(
    ("transition", "field", "at", "number"),
    [
        ("after: 5\nto: done", "after", "after:", "5"),
        ("rate: escalation_rate * 3\nto: done", "rate", "rate:", "3"),
        (
            "after: delay_days\nto: done\neffects: [{set: {force_ratio: 2.5}}]",
            "effects.0.set.force_ratio",
            "force_ratio: 2.5",
            "2.5",
        ),
        (
            "after: delay_days\nbranches: [{to: done, probability: 0.3}, {to: idle, otherwise: true}]",
            "branches.0.probability",
            "probability:",
            "0.3",
        ),
    ],
)
def test_a_number_written_in_a_transition_needs_a_source_or_an_assumption(tmp_path, transition, field, at, number):
    text = with_transition(transition)
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.{field}")
    assert_at(problem, path, position_of(text, at)[0])
    assert problem.message == f"the number(s) {number} need a source (a claim id) or an assumption here"
    # The same transition with an assumption is sound.
    sourced = text.replace("go:\n", "go:\n            assumption: a test number\n")
    compile_scenario(load_scenario(write(tmp_path, sourced, "sourced.yaml")))


def test_a_transition_citing_an_unknown_claim_is_refused(tmp_path):
    text = with_transition("after: 5\nto: done\nsource: talks-dates")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.source")
    assert_at(problem, path, *position_of(text, "source: talks-dates"))
    assert problem.message == "cites unknown claim 'talks-dates' (did you mean 'talks-date'?)"


def test_an_after_distribution_without_provenance_is_refused(tmp_path):
    text = with_transition("after: {dist: pert, low: 1, mode: 2, high: 5}\nto: done")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.after")
    assert_at(problem, path, *position_of(text, "after:"))
    assert problem.message == "needs a source (a claim id) or an assumption"


@pytest.mark.parametrize(
    ("distribution", "message"),
    [
        ("{dist: normal, mean: 5, sd: 2, assumption: a test delay}", "a delay distribution must not go below 0 days"),
        ("{dist: bernoulli, p: 0.5, assumption: a test delay}", "a delay must be a number distribution, not a bool"),
    ],
)
def test_an_after_distribution_must_give_days(tmp_path, distribution, message):
    text = with_transition(f"after: {distribution}\nto: done")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.after")
    assert_at(problem, path, *position_of(text, "after:"))
    assert problem.message == message


@pytest.mark.parametrize(("literal", "shown"), [(".nan", "nan"), (".inf", "inf"), ("1e999", "inf")])
def test_a_non_finite_number_is_refused(tmp_path, literal, shown):
    text = with_transition(f"after: {literal}\nto: done\nassumption: a test number")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.after")
    assert_at(problem, path, *position_of(text, "after:"))
    assert problem.message == f"{shown} is not a finite number"


def test_a_non_finite_number_inside_an_expression_is_refused_at_its_column(tmp_path):
    text = with_transition("after: delay_days + 1e999\nto: done\nassumption: a test number")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.after")
    assert_at(problem, path, *position_of(text, "1e999"))
    assert problem.message == "inf is not a finite number"


# Names


def scenario_with_variables(variables: str) -> str:
    """The sound scenario with more variables declared (first under `variables:`)."""
    declared = textwrap.indent(textwrap.dedent(variables).strip("\n"), "  ")
    return SOUND.replace("variables:\n", f"variables:\n{declared}\n")


def test_a_variable_named_like_a_parameter_is_refused(tmp_path):
    text = scenario_with_variables("delay_days: {kind: number}")
    path, problem = the_problem(tmp_path, text, "variables.delay_days")
    assert_at(problem, path, *position_of(text, "delay_days: {kind"))
    assert problem.message == "'delay_days' is already a name in parameters; names must be unique"


def test_an_actor_named_like_a_variable_is_refused(tmp_path):
    text = with_actor("alarm:\n  initial: idle\n  states:\n    idle: {}")
    path, problem = the_problem(tmp_path, text, "actors.alarm")
    assert_at(problem, path, *position_of(text, "alarm:\n"))
    assert problem.message == "'alarm' is already a name in variables; names must be unique"


@pytest.mark.parametrize("name", ["now", "min", "entered", "horizon", "bernoulli"])
def test_a_reserved_word_as_a_variable_name_is_refused(tmp_path, name):
    text = scenario_with_variables(f"{name}: {{kind: number}}")
    path, problem = the_problem(tmp_path, text, f"variables.{name}")
    assert_at(problem, path, *position_of(text, f"{name}: {{kind"))
    assert problem.message == f"{name!r} is a word of the expression language; choose another name"


def test_a_variable_initial_value_may_read_only_parameters_and_dates(tmp_path):
    text = scenario_with_variables("copy: {kind: count, initial: incidents}")
    path, problem = the_problem(tmp_path, text, "variables.copy.initial")
    assert_at(problem, path, *position_of(text, "initial: incidents"))
    assert problem.message == "an initial value may read parameters and dates only"


# Variants


BASE = """\
schema_version: 1
name: base
title: Base
start: 2025-01-01
horizon: 2025-12-31
hypotheses:
  only: {weight: 1, description: the only hypothesis, assumption: a test scenario}
parameters:
  delay_days: {dist: fixed, value: 3, assumption: a test delay}
variables:
  alarm: {kind: flag}
actors:
  watch:
    initial: idle
    states:
      idle:
        transitions:
          stand_down: {after: delay_days, to: done}
          raise_alarm: {when: alarm, to: aborted}
      done: {}
      aborted: {}
"""


def test_a_variant_that_removes_the_only_way_into_a_state_is_refused_at_the_base_state(tmp_path):
    base = write(tmp_path, BASE, "base.yaml")
    variant = write(
        tmp_path,
        """\
        extends: base.yaml
        name: no-abort
        actors:
          watch:
            states:
              idle:
                transitions:
                  raise_alarm: null
        """,
        "no-abort.yaml",
    )
    (problem,) = problems(variant)
    assert problem.field == "actors.watch.states.aborted"
    assert_at(problem, base, *position_of(BASE, "aborted: {}"))
    assert problem.message.startswith("unreachable: no transition from 'idle' leads here")


def test_a_variant_can_add_an_actor_that_reads_the_base(tmp_path):
    write(tmp_path, BASE, "base.yaml")
    variant = write(
        tmp_path,
        """\
        extends: base.yaml
        name: with-observer
        actors:
          observer:
            initial: waiting
            states:
              waiting:
                transitions:
                  notice: {when: watch.done, to: noticed, effects: [{set: {alarm: true}}]}
              noticed: {}
        """,
        "with-observer.yaml",
    )
    compiled = compile_scenario(load_scenario(variant))
    (result,) = run_chunk(compiled, 1, range(1)).results
    assert result.final_states == {"watch": "done", "observer": "noticed"}
    assert result.entered["observer.noticed"] == result.entered["watch.done"] == 3.0
    assert result.variables["alarm"] is True


def test_errors_in_a_variant_point_at_the_variant_and_errors_in_the_base_at_the_base(tmp_path):
    base = write(tmp_path, BASE, "base.yaml")
    variant_text = """\
extends: base.yaml
name: two-mistakes
parameters:
  alarm: {dist: bernoulli, p: 0.5, assumption: a parameter with a variable's name}
actors:
  watch:
    states:
      idle:
        transitions:
          stand_down: {after: delay_days, to: dun}
"""
    variant = write(tmp_path, variant_text, "two-mistakes.yaml")
    found = {p.field: p for p in problems(variant)}
    # The misspelt target is written in the variant...
    misspelt = found["actors.watch.states.idle.transitions.stand_down.to"]
    assert_at(misspelt, variant, *position_of(variant_text, "to: dun"))
    # ...the variable that now clashes with the variant's parameter is declared in the base.
    clash = found["variables.alarm"]
    assert_at(clash, base, *position_of(BASE, "alarm: {kind"))
    assert clash.message == "'alarm' is already a name in parameters; names must be unique"


def test_a_variant_can_remove_a_state_as_the_unreachable_message_advises(tmp_path):
    write(tmp_path, BASE, "base.yaml")
    variant = write(
        tmp_path,
        """\
        extends: base.yaml
        name: no-abort
        actors:
          watch:
            states:
              idle:
                transitions:
                  raise_alarm: null
              aborted: null
        """,
        "no-abort.yaml",
    )
    compiled = compile_scenario(load_scenario(variant))
    assert "aborted" not in compiled.scenario.actors["watch"].states


# Expression positions inside quoted and block scalars


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_mistake_in_a_quoted_expression_points_at_its_column(tmp_path, quote):
    text = with_transition(f"when: {quote}alarm and talks.opn{quote}\nto: done")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.when")
    assert_at(problem, path, *position_of(text, "opn"))


def test_a_mistake_in_a_folded_expression_points_into_the_expression(tmp_path):
    text = with_transition("when: >-\n  alarm and\n  talks.opn\nto: done")
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.when")
    assert_at(problem, path, *position_of(text, "opn"))


@pytest.mark.parametrize(
    ("transition", "field", "at", "message"),
    [
        ("after: delay_days + 'a'\nto: done", "after", "'a'", "arithmetic needs numbers, and \"'a'\" is text"),
        ("at: mood\nto: done", "at", "at: mood", "must give a number, but 'mood' gives text"),
        ("rate: talks\nto: done", "rate", "rate: talks", "must give a number, but 'talks' gives text"),
        (
            "when: mood > 2\nto: done\nassumption: x",
            "when",
            "mood",
            "an ordering comparison needs numbers, and 'mood' is text",
        ),
        (
            "after: delay_days\nto: done\neffects: [{set: {incidents: mood}}]",
            "effects.0.set.incidents",
            "incidents: mood",
            "'incidents' is a count, but 'mood' gives text",
        ),
    ],
)
def test_text_where_a_number_is_needed_is_refused_at_validation(tmp_path, transition, field, at, message):
    # A mistake inside an expression is placed at its column; one about its whole value, at its key.
    text = with_transition(transition)
    path, problem = the_problem(tmp_path, text, f"{TRANSITION}.{field}")
    assert_at(problem, path, *position_of(text, at))
    assert problem.message == message


def refused(tmp_path: Path, text: str) -> list[Problem]:
    """The problems of a scenario that validation should refuse; AssertionError if it does not."""
    try:
        compile_scenario(load_scenario(write(tmp_path, text)))
    except ScenarioError as error:
        return error.problems
    raise AssertionError("the scenario validated")


def test_a_number_set_into_a_flag_is_refused_at_validation(tmp_path):
    text = with_transition("after: delay_days\nto: done\neffects: [{set: {alarm: delay_days}}]")
    (problem,) = refused(tmp_path, text)
    assert problem.field == f"{TRANSITION}.effects.0.set.alarm"
    assert "flag" in problem.message


def test_comparing_an_actor_with_a_text_that_is_not_one_of_its_states_is_refused(tmp_path):
    text = with_transition("when: talks == 'opn'\nto: done")
    (problem,) = refused(tmp_path, text)
    assert problem.field == f"{TRANSITION}.when"
    assert "'opn'" in problem.message and "did you mean 'open'" in problem.message


# Through the command line


def validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", "validate", *map(str, paths)], cwd=REPO, capture_output=True, text=True
    )


def test_validate_prints_one_line_per_problem_and_exits_2(tmp_path):
    text = with_transition(
        """
        when: alarm and (incidents > 2
        branches:
          - {to: donee, probability: 0.5}
          - {to: done, otherwise: true}
        assumption: test numbers
        """
    )
    path = write(tmp_path, text)
    completed = validate(path)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    when_line, when_col = position_of(text, "when:")
    to_line, to_col = position_of(text, "to: donee")
    paren_col = when_col + len("when: alarm and ")
    assert completed.stderr.splitlines() == [  # a misspelt name first (validate's one round), then reading order
        f"{path}:{to_line}:{to_col}: {TRANSITION}.branches.0.to: actor 'a' has no state 'donee' (did you mean 'done'?)",
        f"{path}:{when_line}:{paren_col}: {TRANSITION}.when: syntax error: '(' was never closed",
    ]


def test_validate_reports_a_variant_and_its_base_by_their_own_files(tmp_path):
    write(tmp_path, BASE, "base.yaml")
    variant_text = """\
extends: base.yaml
name: bad-observer
actors:
  observer:
    initial: waiting
    states:
      waiting:
        transitions:
          notice: {when: watch.don, to: noticed}
      noticed: {}
"""
    variant = write(tmp_path, variant_text, "bad-observer.yaml")
    good = write(tmp_path, BASE, "good.yaml")
    completed = validate(good, variant)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert completed.stdout.strip() == f"{good}: ok"
    line, col = position_of(variant_text, "don,")
    assert completed.stderr.splitlines() == [
        f"{variant}:{line}:{col}: actors.observer.states.waiting.transitions.notice.when: "
        "actor 'watch' has no state 'don' (did you mean 'done'?)"
    ]


def test_validate_refuses_a_reserved_name_without_a_traceback(tmp_path):
    text = scenario_with_variables("now: {kind: number}")
    path = write(tmp_path, text)
    completed = validate(path)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    line, col = position_of(text, "now: {kind")
    assert completed.stderr.splitlines() == [
        f"{path}:{line}:{col}: variables.now: 'now' is a word of the expression language; choose another name"
    ]


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ("alarm: {kind: flag, initial: delay_days}", "'alarm' is a flag, but 'delay_days' gives number"),
        ("incidents: {kind: count, initial: mood}", "'incidents' is a count, but 'mood' gives text"),
        ("force_ratio: {kind: number, initial: incidents}", "an initial value may read parameters and dates only"),
    ],
)
def test_an_initial_value_of_the_wrong_kind_or_source_is_refused(tmp_path, variable, message):
    """An initial value is written into the variable's column: a number in a flag would fail the table."""
    name = variable.split(":")[0]
    text = SOUND.replace(next(line for line in SOUND.splitlines() if line.startswith(f"  {name}:")), f"  {variable}")
    (problem,) = refused(tmp_path, text)
    assert problem.field == f"variables.{name}.initial"
    assert problem.message == message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("10 ** 10 ** 10", "cannot be computed"),  # would otherwise grow an integer for hours
        ("-" * 900 + "1", "nested too deeply to read"),
        ("delay_days + " * 90 + "delay_days", "an expression is at most 1,000 characters; this one has 1,180"),
    ],
)
def test_hostile_expressions_are_refused_quickly(tmp_path, expression, message):
    text = with_transition(f"after: {expression!r}\nto: done\nassumption: a hostile expression")
    (problem,) = refused(tmp_path, text)
    assert problem.field == f"{TRANSITION}.after"
    assert message in problem.message
