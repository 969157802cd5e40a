"""Loading and validating scenario files: every rule, with the line and field it reports.

Most tests write a small variant next to pytest's tmp_path that `extends` the baseline
and changes only the field under test, so line numbers in the variant are easy to read:
line 1 is `extends:`, the body starts on line 2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import textwrap
from pathlib import Path

import jsonschema
import pydantic
import pytest
from ruamel.yaml import YAML

from sim.cli import main
from sim.engine import compile_scenario, run_replication
from sim.mechanics.interpreter import MechanicsError
from sim.scenario import Problem, Scenario, ScenarioError, load_scenario
from sim.scenario.json_schema import scenario_json_schema

ROOT = Path(__file__).parents[1]
# The loader is tested on the first edition of the baseline (kept as it was): its messages and
# lines are pinned here. The second edition (scenarios/baseline.yaml) is tested for what it models
# in test_second_edition.py and test_model.py, and validated with the other shipped scenarios.
BASELINE = ROOT / "tests" / "data" / "first_edition" / "baseline.yaml"
SCENARIO_FILES = sorted((ROOT / "scenarios").glob("*.yaml"))
LOCATED = re.compile(r"^.+:\d+:\d+: ")


# --- helpers -------------------------------------------------------------------------


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_variant(directory: Path, body: str = "", name: str = "variant.yaml", base: Path = BASELINE) -> Path:
    """A file extending `base` (absolute path, line 1) with `body` from line 2 on."""
    return write(directory, name, f"extends: {base}\n" + textwrap.dedent(body))


def baseline_copy(directory: Path, old: str = "", new: str = "", name: str = "copy.yaml") -> Path:
    """The baseline's text with one edit (which must apply exactly once)."""
    text = BASELINE.read_text(encoding="utf-8")
    if old:
        assert text.count(old) == 1, f"edit {old!r} must match the baseline exactly once"
        text = text.replace(old, new)
    return write(directory, name, text)


def line_of(path: Path, line_text: str) -> int:
    """1-based number of the first line of `path` equal to `line_text` (whole line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines.index(line_text) + 1


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems, "a ScenarioError must list at least one problem"
    return info.value.problems


def only_problem(path: Path) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]


def assert_at(problem: Problem, file: Path, line: int, col: int, field: str) -> None:
    assert problem.position is not None, str(problem)
    assert (Path(problem.position.file).resolve(), problem.position.line, problem.position.col, problem.field) == (
        file.resolve(),
        line,
        col,
        field,
    ), str(problem)


def contract_problems(path: Path) -> list[Problem]:
    scenario = load_scenario(path)
    with pytest.raises(ScenarioError) as info:
        compile_scenario(scenario)
    return info.value.problems


def json_data(path: Path) -> object:
    """A YAML file as an editor sees it: plain JSON types, dates as strings."""
    with path.open(encoding="utf-8") as stream:
        data = YAML(typ="safe").load(stream)
    return json.loads(json.dumps(data, default=str))


# --- 1. the baseline ------------------------------------------------------------------


def test_baseline_loads_and_compiles():
    scenario = load_scenario(BASELINE)
    assert isinstance(scenario, Scenario)
    assert scenario.name == "baseline"
    assert scenario.start < scenario.horizon
    assert scenario.parameters and scenario.hypotheses and scenario.claims
    assert scenario.files == (str(BASELINE),)
    compiled = compile_scenario(scenario)
    assert set(compiled.parameter_names) == set(scenario.parameters)


def test_baseline_is_frozen():
    scenario = load_scenario(BASELINE)
    with pytest.raises(pydantic.ValidationError):
        scenario.title = "changed"
    with pytest.raises(pydantic.ValidationError):
        scenario.parameters["northern_share"].low = 0.0
    with pytest.raises(pydantic.ValidationError):
        scenario.hypotheses["routine"].weight = 1.0
    assert scenario.title != "changed"


def test_baseline_containers_are_frozen():
    scenario = load_scenario(BASELINE)
    before = scenario.content_hash()
    try:
        scenario.parameters.pop("objective_km")
    except TypeError:
        pass
    assert "objective_km" in scenario.parameters
    assert scenario.content_hash() == before


def test_content_hash_is_stable(tmp_path):
    first, second = load_scenario(BASELINE), load_scenario(BASELINE)
    assert first is not second
    assert re.fullmatch(r"[0-9a-f]{64}", first.content_hash())
    assert first.content_hash() == second.content_hash()
    # The hash is of the scenario as it runs: an empty variant runs the same inputs...
    assert load_scenario(write_variant(tmp_path)).content_hash() == first.content_hash()
    # ...and any change of input changes it.
    changed = write_variant(tmp_path, "parameters:\n  northern_share:\n    mode: 0.3\n", name="changed.yaml")
    assert load_scenario(changed).content_hash() != first.content_hash()


# --- 2. validation rules, each with a good and a bad case -----------------------------


def test_misspelt_top_level_field_in_full_file(tmp_path):
    good = baseline_copy(tmp_path, name="good.yaml")
    load_scenario(good)
    bad = baseline_copy(tmp_path, "\ntitle: ", "\ntitel: ", name="bad.yaml")
    line = line_of(bad, "titel: Alaska summit and Zapad-2025, baseline")
    problems = problems_of(bad)
    unknown = [p for p in problems if p.field == "titel"]
    assert len(unknown) == 1, problems
    assert_at(unknown[0], bad, line, 1, "titel")
    assert unknown[0].message == "unknown field 'titel' (did you mean 'title'?)"
    assert str(unknown[0]) == f"{bad}:{line}:1: titel: unknown field 'titel' (did you mean 'title'?)"
    # With `title` gone, the required field is reported too.
    missing = [p for p in problems if p.field == "title"]
    assert len(missing) == 1 and missing[0].message == "required field is missing"


def test_misspelt_top_level_field_in_variant(tmp_path):
    load_scenario(write_variant(tmp_path, "title: A new title\n", name="good.yaml"))
    bad = write_variant(tmp_path, "title: A new title\ntitel: typo\n", name="bad.yaml")
    problem = only_problem(bad)
    assert_at(problem, bad, 3, 1, "titel")
    assert problem.message == "unknown field 'titel' (did you mean 'title'?)"


def test_unknown_field_inside_parameter(tmp_path):
    good = write_variant(tmp_path, "parameters:\n  northern_share:\n    low: 0.05\n", name="good.yaml")
    assert load_scenario(good).parameters["northern_share"].low == 0.05
    bad = write_variant(tmp_path, "parameters:\n  northern_share:\n    lowe: 0.05\n", name="bad.yaml")
    problem = only_problem(bad)
    assert_at(problem, bad, 4, 5, "parameters.northern_share.lowe")
    assert problem.message == "unknown field 'lowe' (did you mean 'low'?)"


def test_unknown_field_inside_mixture_component(tmp_path):
    body = """\
        parameters:
          exercise_troops:
            dist: mixture
            assumption: test
            components:
              - {dist: uniform, weight: 0.5, low: 1000, high: 2000}
              - dist: uniform
                weight: 0.5
                low: 3000
                high: 4000
                {key}: belarus-13k
        """
    load_scenario(write_variant(tmp_path, body.replace("{key}", "source"), name="good.yaml"))
    bad = write_variant(tmp_path, body.replace("{key}", "sourc"), name="bad.yaml")
    problem = only_problem(bad)
    assert_at(problem, bad, 12, 9, "parameters.exercise_troops.components.1.sourc")
    assert problem.message == "unknown field 'sourc' (did you mean 'source'?)"


def test_top_level_suggestion_names_only_top_level_fields(tmp_path):
    problem = only_problem(write_variant(tmp_path, "lowe: 3\n"))
    assert problem.field == "lowe"
    assert "'low'" not in problem.message


def test_parameter_suggestion_names_only_distribution_fields(tmp_path):
    problem = only_problem(write_variant(tmp_path, "parameters:\n  northern_share:\n    titel: x\n"))
    assert problem.field == "parameters.northern_share.titel"
    assert "'title'" not in problem.message


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0])
def test_bernoulli_p_inside_unit_interval_loads(tmp_path, p):
    path = write_variant(
        tmp_path, f"parameters:\n  test_flag:\n    dist: bernoulli\n    p: {p}\n    assumption: test\n"
    )
    assert load_scenario(path).parameters["test_flag"].p == p


@pytest.mark.parametrize(("p", "bound"), [(1.5, "less than or equal to 1"), (-0.1, "greater than or equal to 0")])
def test_bernoulli_p_outside_unit_interval(tmp_path, p, bound):
    path = write_variant(
        tmp_path, f"parameters:\n  test_flag:\n    dist: bernoulli\n    p: {p}\n    assumption: test\n"
    )
    problem = only_problem(path)
    assert_at(problem, path, 5, 5, "parameters.test_flag.p")
    assert bound in problem.message


def test_hypothesis_weight_outside_unit_interval(tmp_path):
    weights = "hypotheses:\n  routine:\n    weight: 0.5\n  coercion:\n    weight: 0.35\n"
    good = write_variant(tmp_path, weights, name="good.yaml")
    assert load_scenario(good).hypotheses["routine"].weight == 0.5
    bad = write_variant(tmp_path, "hypotheses:\n  routine:\n    weight: 1.2\n", name="bad.yaml")
    problem = only_problem(bad)
    assert_at(problem, bad, 4, 5, "hypotheses.routine.weight")
    assert "less than or equal to 1" in problem.message


def test_categorical_weights_must_sum_to_one(tmp_path):
    good = write_variant(
        tmp_path, "parameters:\n  summit_outcome:\n    weights: {ceasefire: 0.2, progress: 0.3}\n", "g.yaml"
    )
    assert sum(load_scenario(good).parameters["summit_outcome"].weights.values()) == pytest.approx(1.0)
    bad = write_variant(tmp_path, "parameters:\n  summit_outcome:\n    weights: {ceasefire: 0.2}\n", name="bad.yaml")
    problem = only_problem(bad)
    assert_at(problem, bad, 4, 5, "parameters.summit_outcome.weights")
    assert problem.message == "category weights must sum to 1 (they sum to 1.1)"


def test_categorical_weight_outside_unit_interval(tmp_path):
    bad = write_variant(
        tmp_path,
        "parameters:\n  summit_outcome:\n    weights:\n      ceasefire: 1.5\n      progress: -0.5\n      no_deal: 0\n",
    )
    problems = problems_of(bad)
    assert [(p.field, p.position.line, p.position.col) for p in problems] == [
        ("parameters.summit_outcome.weights.ceasefire", 5, 7),
        ("parameters.summit_outcome.weights.progress", 6, 7),
    ]


def test_mode_must_lie_between_low_and_high(tmp_path):
    for mode in (0.1, 0.4, 0.5):
        good = write_variant(tmp_path, f"parameters:\n  northern_share:\n    mode: {mode}\n", name=f"good{mode}.yaml")
        assert load_scenario(good).parameters["northern_share"].mode == mode
    bad = write_variant(tmp_path, "parameters:\n  northern_share:\n    mode: 0.9\n", name="bad.yaml")
    problem = only_problem(bad)
    # A rule across fields is reported at the parameter that breaks it.
    assert_at(problem, bad, 3, 3, "parameters.northern_share")
    assert problem.message == "mode (0.9) must lie between low (0.1) and high (0.5)"


@pytest.mark.parametrize(
    ("dist", "fields"),
    [
        ("uniform", {}),
        ("triangular", {"mode": 7}),
        ("pert", {"mode": 7}),
        ("normal", {"mean": 7, "sd": 1}),
    ],
)
def test_low_must_be_less_than_high(tmp_path, dist, fields):
    def body(low: float, high: float) -> str:
        lines = [f"    dist: {dist}", f"    low: {low}", f"    high: {high}", "    assumption: test"]
        lines += [f"    {key}: {value}" for key, value in fields.items()]
        return "parameters:\n  second_summit_delay_days:\n" + "\n".join(lines) + "\n"

    good = load_scenario(write_variant(tmp_path, body(5, 10), name="good.yaml"))
    assert good.parameters["second_summit_delay_days"].support() == (5, 10)
    bad = write_variant(tmp_path, body(7, 7), name="bad.yaml")
    problem = only_problem(bad)
    assert_at(problem, bad, 3, 3, "parameters.second_summit_delay_days")
    assert problem.message == "low (7) must be less than high (7)"


def test_hypothesis_weights_must_sum_to_one(tmp_path):
    weights = "hypotheses:\n  routine:\n    weight: 0.5\n  offensive:\n    weight: 0.2\n"
    good = write_variant(tmp_path, weights, name="good.yaml")
    assert sum(h.weight for h in load_scenario(good).hypotheses.values()) == pytest.approx(1.0)
    bad = write_variant(tmp_path, "hypotheses:\n  routine:\n    weight: 0.5\n", name="bad.yaml")
    problem = only_problem(bad)
    assert_at(problem, bad, 2, 1, "hypotheses")
    assert problem.message == "hypothesis weights must sum to 1 (they sum to 0.95)"


@pytest.mark.parametrize("date", ["2025-08-14", "2025-10-01", "2025-12-31"])
def test_calendar_date_inside_period_loads(tmp_path, date):
    path = write_variant(tmp_path, f"calendar:\n  summit:\n    date: {date}\n")
    assert str(load_scenario(path).calendar["summit"].date) == date


@pytest.mark.parametrize("date", ["2025-08-13", "2026-01-05"])
def test_calendar_date_outside_period(tmp_path, date):
    path = write_variant(tmp_path, f"calendar:\n  summit:\n    date: {date}\n")
    problem = only_problem(path)
    assert_at(problem, path, 4, 5, "calendar.summit.date")
    assert problem.message == f"{date} is outside the simulated period [2025-08-14, 2025-12-31]"


def test_horizon_must_be_after_start(tmp_path):
    good = write_variant(tmp_path, "horizon: 2026-03-31\n", name="good.yaml")
    assert str(load_scenario(good).horizon) == "2026-03-31"
    bad = write_variant(tmp_path, "horizon: 2025-08-01\n", name="bad.yaml")
    problems = problems_of(bad)
    horizon = [p for p in problems if p.field == "horizon"]
    assert len(horizon) == 1, problems
    assert_at(horizon[0], bad, 2, 1, "horizon")
    assert horizon[0].message == "must be after start (2025-08-14)"
    # The base's calendar dates now fall outside the period: reported at the base's lines.
    summit = [p for p in problems if p.field == "calendar.summit.date"]
    assert len(summit) == 1
    assert_at(summit[0], BASELINE, line_of(BASELINE, "    date: 2025-08-15"), 5, "calendar.summit.date")


def test_source_must_cite_a_known_claim(tmp_path):
    good = write_variant(tmp_path, "parameters:\n  northern_share:\n    source: belarus-13k\n", name="good.yaml")
    assert load_scenario(good).parameters["northern_share"].source == "belarus-13k"
    bad = write_variant(tmp_path, "parameters:\n  northern_share:\n    source: no-such-claim\n", name="bad.yaml")
    problem = only_problem(bad)
    assert_at(problem, bad, 4, 5, "parameters.northern_share.source")
    assert problem.message.startswith("cites unknown claim 'no-such-claim' (claims: ")
    assert "belarus-13k" in problem.message


def test_source_inside_mixture_component_must_cite_a_known_claim(tmp_path):
    bad = write_variant(
        tmp_path,
        """\
        parameters:
          exercise_troops:
            dist: mixture
            assumption: test
            components:
              - {dist: uniform, weight: 0.5, low: 1000, high: 2000}
              - dist: uniform
                weight: 0.5
                low: 3000
                high: 4000
                source: latvia-100-150
        """,
    )
    problem = only_problem(bad)
    assert_at(problem, bad, 12, 9, "parameters.exercise_troops.components.1.source")
    assert "unknown claim 'latvia-100-150'" in problem.message


@pytest.mark.parametrize("provenance", ["assumption: test", "source: belarus-13k"])
def test_parameter_with_provenance_loads(tmp_path, provenance):
    path = write_variant(tmp_path, f"parameters:\n  objective_km:\n    dist: fixed\n    value: 90\n    {provenance}\n")
    assert load_scenario(path).parameters["objective_km"].value == 90


def test_parameter_needs_source_or_assumption(tmp_path):
    bad = write_variant(tmp_path, "parameters:\n  objective_km:\n    dist: fixed\n    value: 90\n")
    problem = only_problem(bad)
    assert_at(problem, bad, 3, 3, "parameters.objective_km")
    assert problem.message == "needs a source (a claim id) or an assumption"


def test_hypothesis_override_of_unknown_parameter(tmp_path):
    override = "hypotheses:\n  routine:\n    overrides:\n      {name}: {{dist: fixed, value: 80, assumption: test}}\n"
    good = write_variant(tmp_path, override.format(name="objective_km"), name="good.yaml")
    assert load_scenario(good).hypotheses["routine"].overrides["objective_km"].value == 80
    bad = write_variant(tmp_path, override.format(name="objective_kms"), name="bad.yaml")
    problem = only_problem(bad)
    assert_at(problem, bad, 5, 7, "hypotheses.routine.overrides.objective_kms")
    assert problem.message == "overrides unknown parameter 'objective_kms' (did you mean 'objective_km'?)"


def test_unknown_distribution_name(tmp_path):
    body = "parameters:\n  objective_km:\n    dist: {dist}\n    mean: 100\n    sd: 10\n    low: 0\n    assumption: t\n"
    good = write_variant(tmp_path, body.replace("{dist}", "normal"), name="good.yaml")
    assert load_scenario(good).parameters["objective_km"].dist == "normal"
    bad = write_variant(tmp_path, body.replace("{dist}", "gaussian"), name="bad.yaml")
    problem = only_problem(bad)
    assert_at(problem, bad, 4, 5, "parameters.objective_km.dist")
    assert problem.message.startswith("unknown distribution 'gaussian'; expected one of")
    assert "'normal'" in problem.message


def test_distribution_without_dist_field(tmp_path):
    bad = write_variant(tmp_path, "parameters:\n  test_value:\n    value: 3\n    assumption: test\n")
    problem = only_problem(bad)
    assert_at(problem, bad, 3, 3, "parameters.test_value.dist")
    assert "needs a `dist:` field" in problem.message


def test_error_in_beta_distribution_field_is_located(tmp_path):
    body = "parameters:\n  northern_share:\n    dist: beta\n    alpha: -1\n    beta: 2\n    assumption: t\n"
    bad = write_variant(tmp_path, body)
    problem = only_problem(bad)
    assert_at(problem, bad, 5, 5, "parameters.northern_share.alpha")


def test_bad_yaml_syntax_reports_line(tmp_path):
    load_scenario(write_variant(tmp_path, "name: fine\n", name="good.yaml"))
    bad = write_variant(tmp_path, "name: fine\n  title: indented too far\n", name="bad.yaml")
    problem = only_problem(bad)
    assert problem.position is not None
    assert problem.position.file == bad
    assert problem.position.line == 3
    assert problem.message.startswith("invalid YAML: ")


def test_tab_in_yaml_reports_line(tmp_path):
    bad = write(tmp_path, "tab.yaml", "name: x\n\ttitle: tab\n")
    problem = only_problem(bad)
    assert (problem.position.line, problem.position.col) == (2, 1)
    assert problem.message.startswith("invalid YAML: ")


def test_impossible_date_is_a_located_problem(tmp_path):
    bad = write_variant(tmp_path, "start: 2025-13-01\n")
    problem = only_problem(bad)
    assert problem.position is not None
    assert (problem.position.file, problem.position.line) == (bad, 2)


def test_malformed_date_is_a_located_problem(tmp_path):
    bad = write_variant(tmp_path, "start: not-a-date\n")
    problem = only_problem(bad)
    assert_at(problem, bad, 2, 1, "start")
    assert "valid date" in problem.message


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string\n", "", "# only a comment\n"])
def test_file_must_be_a_mapping(tmp_path, text):
    bad = write(tmp_path, "bad.yaml", text)
    problem = only_problem(bad)
    assert_at(problem, bad, 1, 1, "")
    assert problem.message == "a scenario must be a YAML mapping of fields"


def test_missing_file(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    problem = only_problem(missing)
    assert problem.position is None
    assert problem.file == missing
    assert problem.message == "file not found"
    assert str(problem) == f"{missing}: file not found"


@pytest.mark.parametrize(
    ("body", "line", "col", "key"),
    [
        ("name: a\nname: b\n", 3, 1, "name"),
        (
            "parameters:\n"
            "  objective_km: {dist: fixed, value: 1, assumption: x}\n"
            "  objective_km: {dist: fixed, value: 2}\n",
            4,
            3,
            "objective_km",
        ),
    ],
)
def test_duplicate_keys(tmp_path, body, line, col, key):
    bad = write_variant(tmp_path, body)
    problem = only_problem(bad)
    assert problem.position is not None
    assert (problem.position.file, problem.position.line, problem.position.col) == (bad, line, col)
    assert problem.message.startswith(f'invalid YAML: found duplicate key "{key}"')


# --- 3. extends -------------------------------------------------------------------------


def test_extends_merges_categorical_weights(tmp_path):
    base = load_scenario(BASELINE)
    path = write_variant(
        tmp_path, "name: v1\nparameters:\n  summit_outcome:\n    weights: {ceasefire: 0.2, progress: 0.3}\n"
    )
    scenario = load_scenario(path)
    outcome = scenario.parameters["summit_outcome"]
    no_deal = base.parameters["summit_outcome"].weights["no_deal"]
    assert outcome.weights == {"ceasefire": 0.2, "progress": 0.3, "no_deal": no_deal}
    # The rest of the parameter, and every other field, come from the base.
    assert outcome.dist == "categorical"
    assert outcome.source == base.parameters["summit_outcome"].source
    assert outcome.assumption == base.parameters["summit_outcome"].assumption
    assert scenario.name == "v1"
    assert scenario.title == base.title
    assert scenario.claims == base.claims
    assert {k: v for k, v in scenario.parameters.items() if k != "summit_outcome"} == {
        k: v for k, v in base.parameters.items() if k != "summit_outcome"
    }
    assert scenario.files == (str(path), str(BASELINE))


def test_extends_merges_one_field_of_a_parameter(tmp_path):
    scenario = load_scenario(write_variant(tmp_path, "parameters:\n  exercise_troops:\n    description: changed\n"))
    troops = scenario.parameters["exercise_troops"]
    assert troops.description == "changed"
    assert troops.dist == "mixture" and len(troops.components) == 2


def test_extends_replaces_a_parameter_given_with_its_own_dist(tmp_path):
    path = write_variant(
        tmp_path,
        "parameters:\n  exercise_troops:\n    dist: uniform\n    low: 10000\n    high: 20000\n    assumption: test\n",
    )
    troops = load_scenario(path).parameters["exercise_troops"]
    assert troops.dist == "uniform"
    assert (troops.low, troops.high) == (10000, 20000)
    assert troops.description is None  # nothing left over from the base's mixture
    compile_scenario(load_scenario(path))


def test_replaced_parameter_reports_its_own_missing_fields(tmp_path):
    bad = write_variant(
        tmp_path, "parameters:\n  northern_share:\n    dist: pert\n    mode: 0.3\n    assumption: test\n"
    )
    problems = problems_of(bad)
    assert [(p.field, p.message) for p in problems] == [
        ("parameters.northern_share.low", "required field is missing"),
        ("parameters.northern_share.high", "required field is missing"),
    ]
    for problem in problems:
        assert (problem.position.file, problem.position.line, problem.position.col) == (bad, 3, 3)


def test_errors_reported_in_the_file_that_made_them(tmp_path):
    base = baseline_copy(tmp_path, "    mode: 0.25\n", "    mode: 0.9\n", name="base.yaml")
    bad = write_variant(tmp_path, "parameters:\n  objective_km:\n    valu: 90\n", base=base)
    problems = problems_of(bad)
    assert len(problems) == 2, problems
    by_field = {p.field: p for p in problems}
    base_problem = by_field["parameters.northern_share"]
    assert_at(base_problem, base, line_of(base, "  northern_share:"), 3, "parameters.northern_share")
    assert base_problem.message.startswith("mode (0.9) must lie between")
    assert_at(by_field["parameters.objective_km.valu"], bad, 4, 5, "parameters.objective_km.valu")


def test_variant_fix_of_a_base_error(tmp_path):
    base = baseline_copy(tmp_path, "    mode: 0.25\n", "    mode: 0.9\n", name="base.yaml")
    assert only_problem(base).field == "parameters.northern_share"
    fixed = write_variant(tmp_path, "parameters:\n  northern_share:\n    mode: 0.3\n", base=base)
    assert load_scenario(fixed).parameters["northern_share"].mode == 0.3


def test_extends_relative_to_the_variant_file(tmp_path):
    (tmp_path / ".wargame-root").touch()  # the project: sub/ may reach its parent
    first = write_variant(tmp_path, "name: first\n", name="first.yaml")
    body = "extends: ../first.yaml\nparameters:\n  northern_share:\n    mode: 0.7\n"
    second = write(tmp_path, "sub/second.yaml", body)
    problem = only_problem(second)
    assert_at(problem, second, 3, 3, "parameters.northern_share")
    good = write(tmp_path, "sub/good.yaml", "extends: ../first.yaml\ntitle: second\n")
    scenario = load_scenario(good)
    assert (scenario.name, scenario.title) == ("first", "second")
    assert scenario.files == (str(good), str(first.resolve()), str(BASELINE))


def test_extends_cycle(tmp_path):
    a = write(tmp_path, "a.yaml", "name: a\nextends: b.yaml\n")
    write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\n")
    problem = only_problem(a)
    assert problem.field == "extends"
    assert problem.position is not None and problem.position.line == 2
    assert Path(problem.position.file).name in {"a.yaml", "b.yaml"}
    assert "cycle" in problem.message and "a.yaml" in problem.message and "b.yaml" in problem.message


def test_extends_itself(tmp_path):
    me = write(tmp_path, "me.yaml", "extends: me.yaml\n")
    problem = only_problem(me)
    assert_at(problem, me, 1, 1, "extends")
    assert "cycle" in problem.message


def test_extends_missing_base(tmp_path):
    bad = write(tmp_path, "bad.yaml", "name: orphan\nextends: no-such-base.yaml\n")
    problem = only_problem(bad)
    assert_at(problem, bad, 2, 1, "extends")
    assert problem.message == "base scenario 'no-such-base.yaml' not found"


def test_extends_must_be_a_path(tmp_path):
    bad = write(tmp_path, "bad.yaml", "extends: 3\n")
    problem = only_problem(bad)
    assert_at(problem, bad, 1, 1, "extends")


def test_syntax_error_in_base_reported_at_base(tmp_path):
    base = write(tmp_path, "base.yaml", "name: x\n\tbad: tab\n")
    problem = only_problem(write_variant(tmp_path, "name: v\n", base=base))
    assert Path(problem.position.file).resolve() == base.resolve()
    assert problem.position.line == 2


# --- 4. the mechanics: names and ranges the expressions need ---------------------------
#
# The first edition checked parameters against a contract the Python model declared. The
# language checks what the expressions read instead: unknown names (with did-you-mean),
# parameters nothing reads, and bare parameters used as probabilities, delays or rates.


def test_contract_accepts_baseline():
    compiled = compile_scenario(load_scenario(BASELINE))
    assert set(compiled.distributions) == set(compiled.scenario.hypotheses)


def test_contract_missing_parameter(tmp_path):
    """A parameter removed from the file is an unknown name where an expression reads it."""
    text = BASELINE.read_text(encoding="utf-8")
    without, count = re.subn(r"^  objective_km:\n(?:    .*\n)+", "", text, flags=re.M)
    assert count == 1
    path = write(tmp_path, "missing.yaml", without)
    problems = contract_problems(path)
    assert len(problems) == 1, problems
    line = line_of(path, "                    objective_km: objective_km")
    field = "actors.offensive.states.deciding.transitions.launch.effects.1.start.inputs.objective_km"
    assert_at(problems[0], path, line, 35, field)
    assert problems[0].message.startswith("unknown name 'objective_km' (did you mean")


def test_contract_unknown_parameter(tmp_path):
    """A parameter nothing reads is usually a misspelling: refused, with the likely name."""
    path = write_variant(tmp_path, "parameters:\n  objective_kms: {dist: fixed, value: 100, assumption: test}\n")
    problems = contract_problems(path)
    assert len(problems) == 1, problems
    assert_at(problems[0], path, 3, 3, "parameters.objective_kms")
    assert (
        problems[0].message == "no transition, effect or variable reads 'objective_kms' (did you mean 'objective_km'?)"
    )


def test_expression_naming_an_unknown_parameter_suggests_the_known_one(tmp_path):
    body = """\
        actors:
          oreshnik:
            states:
              deploying:
                transitions:
                  operational: {at: exercise_start + oreshnik_days_to_operationl, to: operational}
        """
    path = write_variant(tmp_path, body)
    problems = contract_problems(path)
    assert len(problems) == 1, problems
    line = line_of(path, "          operational: {at: exercise_start + oreshnik_days_to_operationl, to: operational}")
    assert_at(problems[0], path, line, 46, "actors.oreshnik.states.deploying.transitions.operational.at")
    assert problems[0].message == (
        "unknown name 'oreshnik_days_to_operationl' (did you mean 'oreshnik_days_to_operational'?)"
    )


def test_contract_probability_out_of_domain(tmp_path):
    """second_summit_probability is a branch's probability as it stands, so it must lie in [0, 1]."""
    body = (
        "parameters:\n  second_summit_probability:\n"
        "    dist: uniform\n    low: {low}\n    high: {high}\n    assumption: test\n"
    )
    compile_scenario(load_scenario(write_variant(tmp_path, body.format(low=0.2, high=0.6), name="good.yaml")))
    bad = write_variant(tmp_path, body.format(low=0.5, high=1.5), name="bad.yaml")
    problems = contract_problems(bad)
    assert len(problems) == 1, problems
    assert_at(problems[0], bad, 3, 3, "parameters.second_summit_probability")
    assert problems[0].message == (
        "second_summit_probability is used as a probability at "
        "actors.talks.states.progress.transitions.push_for_second_summit.branches.0.probability, "
        "so its values must lie in [0, 1], but this distribution spans [0.5, 1.5]"
    )


def test_contract_untruncated_normal_for_a_delay(tmp_path):
    """sanctions_delay_days is an `after:` delay as it stands: a normal needs `low: 0`."""
    body = "parameters:\n  sanctions_delay_days:\n    dist: normal\n    mean: 14\n    sd: 5\n    assumption: test\n"
    compile_scenario(load_scenario(write_variant(tmp_path, body + "    low: 0\n", name="good.yaml")))
    bad = write_variant(tmp_path, body, name="bad.yaml")
    problems = contract_problems(bad)
    assert len(problems) == 1, problems
    assert_at(problems[0], bad, 3, 3, "parameters.sanctions_delay_days")
    assert problems[0].message.endswith("so its values must lie in [0, inf], but this distribution spans [-inf, inf]")
    assert "used as a delay at actors.consequences.states.pending.transitions.impose.after" in problems[0].message


def test_contract_checks_hypothesis_overrides(tmp_path):
    bad = write_variant(
        tmp_path,
        "hypotheses:\n  offensive:\n    overrides:\n"
        "      second_summit_probability: {dist: uniform, low: 0.5, high: 1.5, assumption: test}\n",
    )
    problems = contract_problems(bad)
    assert len(problems) == 1, problems
    assert_at(problems[0], bad, 5, 7, "hypotheses.offensive.overrides.second_summit_probability")
    assert "values must lie in [0, 1]" in problems[0].message


def test_contract_wrong_kind(tmp_path):
    """northern_share multiplies the exercise's troops: a yes/no drawn there is a mistake."""
    bad = write_variant(tmp_path, "parameters:\n  northern_share: {dist: fixed, value: true, assumption: test}\n")
    problems = contract_problems(bad)
    assert any("northern_share" in p.message for p in problems), problems


def test_contract_unknown_category(tmp_path):
    """A category the summit's `branch_on` map has no state for is refused where the map is."""
    bad = write_variant(
        tmp_path,
        "parameters:\n  summit_outcome: {dist: categorical, weights: {ceasefire: 0.5, deal: 0.5}, assumption: test}\n",
    )
    problems = contract_problems(bad)
    assert len(problems) == 1, problems
    line = line_of(BASELINE, "            to: {ceasefire: ceasefire, progress: progress, no_deal: no_deal}")
    assert_at(problems[0], BASELINE, line, 13, "actors.talks.states.awaiting_summit.transitions.summit.to")
    assert problems[0].message.startswith("no target for deal")


def test_contract_unknown_calendar_date(tmp_path):
    body = """\
        actors:
          talks:
            states:
              awaiting_summit:
                transitions:
                  summit: {at: sumit}
        """
    path = write_variant(tmp_path, body)
    problems = contract_problems(path)
    assert len(problems) == 1, problems
    assert_at(problems[0], path, 7, 24, "actors.talks.states.awaiting_summit.transitions.summit.at")
    assert problems[0].message == "unknown name 'sumit' (did you mean 'summit'?)"


# --- 5. the CLI ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.name for p in SCENARIO_FILES])
def test_cli_validate_shipped_scenarios(capsys, path):
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"{path}: ok"
    assert err == ""


def test_cli_validate_bad_file(tmp_path, capsys):
    bad = baseline_copy(tmp_path, "\ntitle: ", "\ntitel: ", name="bad.yaml")
    assert main(["validate", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) == 2, err  # required `title` missing, unknown `titel`
    assert all(LOCATED.match(line) for line in lines), err
    line = line_of(bad, "titel: Alaska summit and Zapad-2025, baseline")
    assert f"{bad}:{line}:1: titel: unknown field 'titel' (did you mean 'title'?)" in lines


@pytest.mark.parametrize(
    "make",
    [
        lambda d: write(d, "syntax.yaml", "name: x\n  title: y\n"),
        lambda d: write(d, "list.yaml", "- a\n"),
        lambda d: d / "missing.yaml",
        lambda d: write(d, "cycle.yaml", "extends: cycle.yaml\n"),
        lambda d: write_variant(d, "parameters:\n  drawdown_days: {dist: normal, mean: 1, sd: 1, assumption: x}\n"),
    ],
    ids=["syntax", "list", "missing", "cycle", "contract"],
)
def test_cli_validate_reports_without_traceback(tmp_path, capsys, make):
    path = make(tmp_path)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{path}:" if path.exists() else f"{path}: file not found")


def test_cli_validate_several_files(tmp_path, capsys):
    bad = write_variant(tmp_path, "parameters:\n  northern_share:\n    mode: 0.9\n")
    assert main(["validate", str(BASELINE), str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out.strip() == f"{BASELINE}: ok"
    assert err.splitlines() == [
        f"{bad}:3:3: parameters.northern_share: mode (0.9) must lie between low (0.1) and high (0.5)"
    ]


def test_cli_validate_impossible_date(tmp_path, capsys):
    bad = write_variant(tmp_path, "start: 2025-13-01\n")
    assert main(["validate", str(bad)]) == 2
    _, err = capsys.readouterr()
    assert err.startswith(f"{bad}:2:")


def test_invalid_parameter_name_field_path(tmp_path):
    bad = write_variant(tmp_path, "parameters:\n  Bad-Name: {dist: fixed, value: 1, assumption: test}\n")
    problem = only_problem(bad)
    assert_at(problem, bad, 3, 3, "parameters.Bad-Name")


# --- 6. JSON Schema ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_json_schema_is_draft_2020_12():
    schema = scenario_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    json.dumps(schema)  # plain JSON, as `wargame schema` prints it


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.name for p in SCENARIO_FILES])
def test_json_schema_accepts_shipped_scenarios(validator, path):
    errors = [error.message for error in validator.iter_errors(json_data(path))]
    assert errors == []


def test_json_schema_accepts_variant(validator, tmp_path):
    path = write_variant(
        tmp_path, "name: v\nparameters:\n  summit_outcome:\n    weights: {ceasefire: 0.2, progress: 0.3}\n"
    )
    assert list(validator.iter_errors(json_data(path))) == []


def test_json_schema_rejects_misspelt_top_level_field(validator, tmp_path):
    full = baseline_copy(tmp_path, "\ntitle: ", "\ntitel: ", name="full.yaml")
    messages = [error.message for error in validator.iter_errors(json_data(full))]
    assert any("'titel' was unexpected" in m for m in messages), messages
    partial = write_variant(tmp_path, "titel: typo\n", name="variant.yaml")
    messages = [error.message for error in validator.iter_errors(json_data(partial))]
    assert any("'titel' was unexpected" in m for m in messages), messages


def test_problem_is_a_frozen_value():
    problem = Problem(None, "name", "bad")
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.field = "other"  # type: ignore[misc]


def test_a_positive_parameter_cannot_be_zero(tmp_path):
    bad = write_variant(
        tmp_path,
        "parameters:\n  ceasefire_collapse_shape: {dist: fixed, value: 0, assumption: test}\n"
        "  summit_outcome: {dist: fixed, value: ceasefire, assumption: test}\n",
    )
    with pytest.raises((ScenarioError, MechanicsError)):  # refused when checked, or stopped when drawn
        run_replication(compile_scenario(load_scenario(bad)), 1, 0)


def test_dates_out_of_order_are_the_authors_to_keep(tmp_path):
    """docs/scenarios.md#calendar: an `at:` whose day has passed when its state is entered
    fires at once. An exercise that 'ends' before it starts ends the moment it starts."""
    bad = write_variant(tmp_path, "calendar:\n  exercise_end: {date: 2025-09-10}\n")
    row = run_replication(compile_scenario(load_scenario(bad)), 1, 0).row
    assert row["exercise.active.date"] == row["exercise.drawdown.date"] == dt.date(2025, 9, 12)
