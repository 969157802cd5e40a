"""Finding names (issue 14, item 5): `wargame params`, `wargame show`, `wargame schema --for`, and
`wargame validate` naming a misspelt name first, with its did-you-mean, in one round."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from conftest import BASELINE, REPO, SCENARIOS

import sim
from sim.cli import main
from sim.scenario import Position, Problem, load_scenario
from sim.scenario.loader import names_first
from sim.scenario.yaml_source import read_yaml

NOT_SCENARIOS = {"evidence", "experiments", "resolutions"}  # other kinds of file kept under scenarios/
EVERY_SCENARIO = sorted(
    path for path in SCENARIOS.rglob("*.yaml") if not NOT_SCENARIOS & set(path.relative_to(SCENARIOS).parts)
)
# A variant of a variant one directory down (`extends: ../baseline.yaml`, levers), and one that adds an actor
# and parameters: the two ways a merge can go wrong. Every scenario is checked in the slow set.
REPRESENTATIVE = [SCENARIOS / "decisions" / "baseline.yaml", SCENARIOS / "examples" / "border-closure.yaml"]

# A variant of the baseline as an author might write it: `time_to_ready_days` misspelt under
# `parameters:` (a new parameter nothing reads) and differently in an override, and a weight changed
# so the hypotheses no longer sum to 1. Before the fix, validate needed three rounds to reach a
# did-you-mean: the weights, then the override (no suggestion), then the unread parameter.
TYPO_VARIANT = """\
schema_version: 1
extends: {base}
name: typo
title: A faster offensive, misspelt
parameters:
  time_to_redy_days: {{dist: pert, low: 5, mode: 10, high: 30, assumption: faster}}
hypotheses:
  offensive:
    overrides:
      time_to_ready_dys: {{dist: pert, low: 5, mode: 20, high: 60, assumption: as in the baseline}}
  routine:
    weight: 0.6
"""


def typo_variant(directory: Path) -> Path:
    path = directory / "typo.yaml"
    path.write_text(TYPO_VARIANT.format(base=BASELINE), encoding="utf-8")
    return path


def test_validate_names_the_misspelt_parameter_first_in_one_round(tmp_path, capsys):
    assert main(["validate", str(typo_variant(tmp_path))]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert "parameters.time_to_redy_days" in lines[0]
    assert "(did you mean 'time_to_ready_days'?)" in lines[0]
    assert lines[1].endswith("overrides unknown parameter 'time_to_ready_dys' (did you mean 'time_to_ready_days'?)")
    assert lines[2].endswith("hypothesis weights must sum to 1 (they sum to 1.05)")
    assert len(lines) == 3


def test_validate_puts_a_misspelt_name_in_an_expression_before_an_earlier_problem(tmp_path, capsys):
    path = tmp_path / "mechanics.yaml"
    path.write_text(
        f"""\
schema_version: 1
extends: {BASELINE}
name: mechanics
title: two mistakes in the mechanics
actors:
  talks:
    states:
      engaged:
        transitions:
          stall: {{effects: [{{add: {{alaska_outcome: 1}}}}]}}
          round: {{rate: contact_round_per_month / 30.44}}
""",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(f"{path}:11:25: ")
    assert lines[0].endswith("unknown name 'contact_round_per_month' (did you mean 'contact_rounds_per_month'?)")
    assert lines[1].startswith(f"{path}:10:36: ") and "can only add to a number or count" in lines[1]
    assert len(lines) == 2


def test_names_first_keeps_reading_order_within_each_group():
    def at(line: int, message: str) -> Problem:
        return Problem(Position(Path("s.yaml"), line, 1), "f", message)

    problems = [at(9, "unknown name 'x'"), at(1, "must be after start"), at(5, "reads nothing (did you mean 'y'?)")]
    ordered = names_first(problems)
    assert [p.position.line for p in ordered if p.position] == [5, 9, 1]


def test_misspelt_parameter_fails_the_schema_for_the_baseline(tmp_path, capsys):
    assert main(["schema", "--for", str(BASELINE)]) == 0
    validator = jsonschema.Draft202012Validator(json.loads(capsys.readouterr().out))
    errors = [error.message for error in validator.iter_errors(read_yaml(typo_variant(tmp_path)).data)]
    assert any("'time_to_redy_days' was unexpected" in error for error in errors), errors
    assert any("'time_to_ready_dys' was unexpected" in error for error in errors), errors
    # The project's variants of the baseline that change only its own names pass (border-closure adds
    # parameters, which a schema made for the baseline flags by design).
    for name in ("troops-belarus-13k", "intent-offensive", "summit-no-deal", "second-summit"):
        assert not list(validator.iter_errors(read_yaml(SCENARIOS / f"{name}.yaml").data)), name


def test_schema_for_describes_each_parameter_for_the_editor(capsys):
    assert main(["schema", "--for", str(BASELINE)]) == 0
    schema = json.loads(capsys.readouterr().out)
    parameters = schema["$defs"]["VariantScenario"]["properties"]["parameters"]
    assert parameters["additionalProperties"] is False
    assert parameters["properties"]["time_to_ready_days"]["description"].startswith("pert(")
    assert set(parameters["properties"]) == set(load_scenario(BASELINE).parameters)


def test_schema_takes_for_or_experiment_not_both(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["schema", "--experiment", "--for", str(BASELINE)])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_schema_for_a_missing_file_is_one_line(capsys):
    assert main(["schema", "--for", "no-such.yaml"]) == 2
    assert capsys.readouterr().err.strip() == "no-such.yaml: file not found"


def test_params_lists_every_kind_of_name_with_its_distribution_source_and_meaning(capsys):
    assert main(["params", str(SCENARIOS / "decisions" / "baseline.yaml")]) == 0
    out = capsys.readouterr().out
    headings = [line.split(" (")[0] for line in out.splitlines() if line and not line.startswith(" ")]
    assert headings == ["parameters", "hypotheses", "actors", "states", "variables", "dates", "levers"]
    line = next(line for line in out.splitlines() if line.split()[:1] == ["russia_acceptance"])
    assert "beta(alpha=2, beta=8)" in line and "three-rounds" in line and "offensive" in line
    assert "Chance Russia accepts a ceasefire" in line
    assert any(line.split()[:3] == ["talks.engaged", "to", "round_held,"] for line in out.splitlines())


def test_params_json_is_one_document_of_every_name(capsys):
    assert main(["params", str(BASELINE), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    baseline = load_scenario(BASELINE)
    parameters = {row["name"] for row in document["names"] if row["kind"] == "parameter"}
    assert parameters == set(baseline.parameters)
    states = {row["name"] for row in document["names"] if row["kind"] == "state"}
    assert states == {f"{actor}.{state}" for actor, a in baseline.actors.items() for state in a.states}
    assert document["files"] == [str(BASELINE)]


def test_params_of_a_scenario_with_problems_still_lists_its_names(tmp_path, capsys):
    assert main(["params", str(typo_variant(tmp_path))]) == 0
    captured = capsys.readouterr()
    assert "time_to_redy_days" in captured.out
    assert captured.err.startswith(f"note: {tmp_path / 'typo.yaml'} has 2 problem(s)")


@pytest.mark.parametrize("command", ["params", "show", "schema --for"])
def test_a_file_that_is_not_a_scenario_is_one_line(command, capsys):
    experiment = SCENARIOS / "experiments" / "baseline-uncertainties.yaml"
    assert main([*command.split(), str(experiment)]) == 2
    message = f"{experiment} is an experiment file, not a scenario: give the scenario it is about"
    assert capsys.readouterr().err.splitlines() == [f"wargame {command.split()[0]}: {message}"]


def test_params_frame_from_python_matches_the_command():
    frame = sim.params(BASELINE)
    assert list(frame.columns) == ["kind", "name", "value", "source", "meaning", "overridden_by"]
    row = frame.set_index("name").loc["time_to_ready_days"]
    assert row["kind"] == "parameter" and row["overridden_by"] == "offensive"


@pytest.mark.parametrize("path", REPRESENTATIVE, ids=lambda p: p.name)
def test_show_loads_back_as_the_same_scenario(path, tmp_path, capsys):
    """Equal content hashes are equal inputs, so the shown file also compiles and runs as the original."""
    check_show(path, tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.parametrize("path", EVERY_SCENARIO, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_show_and_params_work_on_every_scenario(path, tmp_path, capsys):
    assert main(["params", str(path)]) == 0
    listed = capsys.readouterr().out
    assert all(f"  {name} " in listed for name in load_scenario(path).parameters)
    shown = check_show(path, tmp_path, capsys)
    assert main(["validate", str(shown)]) == 0


def check_show(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    original = load_scenario(path)
    assert main(["show", str(path)]) == 0
    shown = tmp_path / path.name
    shown.write_text(capsys.readouterr().out, encoding="utf-8")
    assert "extends" not in read_yaml(shown).data
    assert load_scenario(shown).content_hash() == original.content_hash()
    return shown


def test_show_keeps_the_comments_of_the_variant_and_its_base(capsys):
    assert main(["show", str(SCENARIOS / "troops-belarus-13k.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# ")
    assert "# Variant: Belarus's figure for the forces in Belarus is right." in out.splitlines()[1]
    assert "  # Talks (docs/model.md#talks)." in out  # a comment of the base, beside the values it explains
    assert "Baseline scenario, second edition" not in out  # the base's header describes the base, not this


@pytest.mark.slow  # a run in this process: about 3 s on a quiet machine, over 10 s on a busy one
def test_shown_variant_runs_the_same_replications(tmp_path, capsys):
    """Same seed, same replications, row for row: what `show` prints is the scenario, not a look-alike."""
    variant = SCENARIOS / "troops-belarus-13k.yaml"
    assert main(["show", str(variant)]) == 0
    shown = tmp_path / "shown.yaml"
    shown.write_text(capsys.readouterr().out, encoding="utf-8")
    runs = [
        sim.run(path, runs=24, seed=11, workers=1, out=tmp_path / name, report=False, events=False)
        for path, name in ((variant, "original"), (shown, "shown"))
    ]
    original, again = (run.replications() for run in runs)
    assert len(original) == 24
    pd.testing.assert_frame_equal(original, again)


def test_show_of_a_scenario_changed_in_python_loads_back(tmp_path):
    faster = sim.vary(BASELINE, time_to_ready_days=5, assumption="ready in five days")
    path = tmp_path / "faster.yaml"
    path.write_text(sim.show(faster), encoding="utf-8")
    assert load_scenario(path).content_hash() == faster.content_hash()


def test_schema_for_piped_into_head_ends_without_a_traceback():
    """The schema (about 160 kB) outgrows the pipe's buffer, so `head` closes it while the command still writes."""
    command = f"{shlex.quote(sys.executable)} -m sim.cli schema --for {shlex.quote(str(BASELINE))} | head -1"
    result = subprocess.run(command, shell=True, cwd=REPO, capture_output=True, text=True)
    assert result.stdout == "{\n"
    assert "Traceback" not in result.stderr, result.stderr


def test_a_misspelt_hypothesis_is_named_like_the_one_it_meant(tmp_path, capsys):
    """`ofensive:` in a variant is a new hypothesis missing its fields; said alone, the fields hide the typo."""
    variant = tmp_path / "v.yaml"
    variant.write_text(f"extends: {BASELINE}\nname: v\nhypotheses:\n  ofensive:\n    weight: 0.2\n")
    assert main(["validate", str(variant)]) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith(f"{variant}:4:3: hypotheses.ofensive.")
    assert first.endswith("required field is missing for a new entry 'ofensive' (did you mean 'offensive'?)")
