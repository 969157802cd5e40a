"""The `wargame` command end to end, as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, REPO, SCENARIOS, wargame

from sim.analysis.summary import wilson_interval
from sim.cli import main
from sim.scenario import load_scenario

RUNS = 1000
DATA = REPO / "tests" / "data"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The README's check: the same scenario and seed into two directories (B without its
    report, which `wargame report` writes later: the report takes longer than the run)."""
    root = tmp_path_factory.mktemp("runs")
    results = [
        wargame("run", BASELINE, "--runs", RUNS, "--seed", 1, "--out", root / "A"),
        wargame("run", BASELINE, "--runs", RUNS, "--seed", 1, "--out", root / "B", "--no-report"),
    ]
    return root, results


def test_run_prints_the_run_directory_last(two_runs):
    root, results = two_runs
    for name, result in zip("AB", results, strict=True):
        assert result.returncode == 0, result.stderr
        lines = result.stdout.strip().splitlines()
        assert lines[-1] == str(root / name)
    assert results[0].stdout.strip().splitlines()[-2] == f"report: {root / 'A' / 'report.html'}"
    assert not any(line.startswith("report:") for line in results[1].stdout.splitlines())  # --no-report


def test_same_seed_gives_identical_replications(two_runs):
    root, _ = two_runs
    first, second = (pq.read_table(root / name / "replications.parquet") for name in "AB")
    assert first.num_rows == RUNS and first.equals(second)
    assert pq.read_table(root / "A" / "events.parquet").equals(pq.read_table(root / "B" / "events.parquet"))


def test_tables_have_typed_columns(two_runs):
    root, _ = two_runs
    schema = pq.read_schema(root / "A" / "replications.parquet")
    assert str(schema.field("offensive.launched.date").type) == "date32[day]"
    assert str(schema.field("offensive.launched").type) == "bool"
    assert str(schema.field("offensive").type) == "string"  # the actor's state at the horizon
    assert str(schema.field("exercise_troops").type) == "int64"
    assert str(schema.field("force_ratio").type) == "double"
    assert str(schema.field("hypothesis").type) == "string"
    assert str(schema.field("param.exercise_strength").type) == "double"
    assert str(schema.field("param.attrition_law").type) == "string"
    assert str(schema.field("alaska_outcome").type) == "string"
    table = pq.read_table(root / "A" / "replications.parquet").to_pandas()
    assert table.loc[~table["offensive.launched"], "offensive.launched.date"].isna().all()
    assert table.loc[table["offensive.launched"], "offensive.launched.date"].notna().all()
    assert (table["offensive.launched"] == (table["offensive"] == "launched")).all()


def test_manifest_describes_the_run(two_runs):
    root, _ = two_runs
    manifest = json.loads((root / "A" / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["seed"] == 1 and manifest["replications"] == RUNS
    assert len(manifest["scenario_hash"]) == 64
    assert manifest["scenario_as_run"]["name"] == "baseline"
    assert manifest["elapsed_seconds"] > 0 and manifest["versions"]["sim"]
    assert not (root / "A" / "chunks").exists()
    # The scenario as it ran loads again, to the same inputs.
    assert load_scenario(root / "A" / "scenario.yaml").content_hash() == manifest["scenario_hash"]


def test_reports_show_the_numbers_of_the_run(two_runs):
    root, _ = two_runs
    table = pq.read_table(root / "A" / "replications.parquet").to_pandas()
    count = int(table["offensive.launched"].sum())
    low, high = wilson_interval(count, len(table))
    expected = f"{count / len(table):.1%}"
    for name in ("report.md", "report.html"):
        text = (root / "A" / name).read_text()
        assert f"{count} of {RUNS}" in text
        assert expected in text and f"{low:.1%} to {high:.1%}" in text
    html = (root / "A" / "report.html").read_text()
    figures = ("outcome_probabilities", "timeline", "by_hypothesis", "by_alaska_outcome", "distributions")
    figures += ("convergence", *(f"flow_{actor}" for actor in load_scenario(BASELINE).actors))
    assert html.count("data:image/png;base64,") == len(figures)
    for figure in figures:
        for suffix in ("png", "svg"):
            assert (root / "A" / "plots" / f"{figure}.{suffix}").stat().st_size > 1000


@pytest.mark.slow
def test_report_command_writes_the_report_the_run_would_have(two_runs):
    root, _ = two_runs
    result = wargame("report", root / "B")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(root / "B" / "report.html")

    def report(name: str) -> list[str]:  # without the run's own clock and directory
        text = (root / name / "report.md").read_text().replace(str(root / name), "RUN")
        return [line for line in text.splitlines() if not line.startswith(("| started", "| time taken"))]

    assert report("B") == report("A")
    assert sorted(p.name for p in (root / "B" / "plots").iterdir()) == sorted(
        p.name for p in (root / "A" / "plots").iterdir()
    )


def test_rerunning_into_a_run_of_the_same_scenario_replaces_it(two_runs, tmp_path):
    out = tmp_path / "again"
    assert wargame("run", BASELINE, "--runs", 20, "--seed", 2, "--out", out, "--no-report").returncode == 0
    assert wargame("run", BASELINE, "--runs", 30, "--seed", 2, "--out", out, "--no-report").returncode == 0
    assert pq.read_table(out / "replications.parquet").num_rows == 30
    assert not (out / "report.html").exists()


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_unfinished_run_is_never_overwritten(tmp_path):
    out = tmp_path / "run"
    assert (
        wargame("run", BASELINE, "--runs", 20, "--seed", 2, "--out", out, "--no-report", "--workers", 1).returncode == 0
    )
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}))
    line = one_line_error(wargame("run", BASELINE, "--runs", 20, "--seed", 2, "--out", out))
    assert f"finish it with: wargame run --resume {out}" in line
    assert (out / "replications.parquet").is_file()


def test_existing_out_directory_of_something_else_is_refused(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    line = one_line_error(wargame("run", BASELINE, "--runs", 10, "--out", tmp_path))
    assert str(tmp_path) in line and "not a run of this scenario" in line
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_misspelt_field_is_one_located_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASELINE}\nname: bad\ntitel: oops\n")
    line = one_line_error(wargame("validate", bad))
    assert line == f"{bad}:3:1: titel: unknown field 'titel' (did you mean 'title'?)"
    line = one_line_error(wargame("run", bad, "--runs", 10, "--out", tmp_path / "out"))
    assert line.startswith(f"{bad}:3:1: titel:")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("run", "no-such-file.yaml"), "no-such-file.yaml: file not found"),
        (("run", BASELINE, "--runs", "0"), "--runs: must be at least 1"),
        (("run", BASELINE, "--seed", "abc"), "--seed: must be a whole number"),
        (("report", "."), "not a run directory"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(args, fragment):
    assert fragment in one_line_error(wargame(*args))


def test_validate_accepts_every_shipped_scenario():
    paths = sorted((REPO / "scenarios").glob("*.yaml")) + sorted((REPO / "scenarios" / "examples").glob("*.yaml"))
    result = wargame("validate", *paths)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": ok") == len(paths)


def test_schema_and_version_and_help():
    schema = json.loads(wargame("schema").stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert wargame("--version").stdout.startswith("wargame ")
    for command in ("validate", "run", "report", "schema"):
        assert wargame(command, "--help").returncode == 0


def json_of(capsys, *args: object) -> dict:
    """The command's --json output: json.loads fails on anything printed beside the one document."""
    code = main([*map(str, args), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def manifest_of(run_dir) -> dict:
    return json.loads((Path(run_dir) / "manifest.json").read_text())


def test_json_of_run_names_the_run_directory_and_the_seed_it_drew(tmp_path, capsys):
    document = json_of(capsys, "run", BASELINE, "--runs", 20, "--workers", 1, "--no-report", "--out", tmp_path / "r")
    assert document["run_dir"] == str(tmp_path / "r") and document["report"] is None
    assert document["seed"] == manifest_of(tmp_path / "r")["seed"]  # drawn, since none was given, and recorded


def test_a_seed_drawn_is_announced(tmp_path):
    result = wargame("run", BASELINE, "--runs", 20, "--workers", 1, "--no-report", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == str(tmp_path)
    assert f"seed {manifest_of(tmp_path)['seed']}" in result.stderr


def test_json_of_sweep_and_sensitivity_and_their_seeds(tmp_path, capsys):
    """An experiment file's seed is the default; without one in the file or on the command line one is drawn."""
    experiment = tmp_path / "experiment.yaml"
    experiment.write_text(
        f"name: small\nscenario: {BASELINE}\nreplications: 10\ndesign: {{method: lhs, samples: 2}}\n"
        "factors:\n  exercise_strength: {parameter: exercise_strength}\n"
    )
    options = ("--workers", 1, "--no-report")
    drawn = json_of(capsys, "sweep", experiment, *options, "--out", tmp_path / "drawn")
    assert drawn["run_dir"] == str(tmp_path / "drawn") and drawn["report"] is None and drawn["points"] == 5
    assert drawn["seed"] == manifest_of(tmp_path / "drawn")["seed"]
    sensitivity = ("sensitivity", BASELINE, "--params", "exercise_strength", "--method", "lhs", "--samples", 2)
    document = json_of(capsys, *sensitivity, "--runs", 10, *options, "--out", tmp_path / "sensitivity")
    assert document["run_dir"] == str(tmp_path / "sensitivity")
    assert document["seed"] == manifest_of(tmp_path / "sensitivity")["seed"]  # no longer always 0


def test_json_of_assess_and_score_name_their_reports(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assessed = json_of(
        capsys, "assess", DATA / "scoring.yaml", "--evidence", DATA / "scoring-evidence.yaml", "--runs", 400,
        "--workers", 1, "--out", run_dir,
    )  # fmt: skip
    folder = run_dir / "assessments" / "scoring-evidence"
    assert assessed["run_dir"] == str(run_dir) and assessed["assessment"] == str(folder)
    assert assessed["report"] == str(folder / "assessment.html") and Path(assessed["report"]).is_file()
    assert assessed["seed"] == manifest_of(run_dir)["seed"]
    assert sum(assessed["posterior"].values()) == pytest.approx(1)  # exact up to rounding: weights normalised

    scored = json_of(capsys, "score", run_dir, "--resolutions", DATA / "scoring-resolutions.yaml")
    assert scored["scores"] == str(run_dir / "scores")
    assert scored["report"] == str(run_dir / "scores" / "score.html")
    assert scored["report_markdown"] == str(run_dir / "scores" / "score.md")
    assert all(Path(scored[key]).is_file() for key in ("report", "report_markdown"))
    assert scored["summary"]["resolved"] == 4 and scored["posterior_summary"] is None


@pytest.mark.slow  # two sweeps
def test_an_experiment_files_seed_is_the_default_and_seed_overrides_it(tmp_path, capsys):
    experiment = tmp_path / "experiment.yaml"
    experiment.write_text(
        f"name: small\nscenario: {BASELINE}\nreplications: 10\nseed: 17\ndesign: {{method: lhs, samples: 2}}\n"
        "factors:\n  exercise_strength: {parameter: exercise_strength}\n"
    )
    options = ("--workers", 1, "--no-report")
    assert json_of(capsys, "sweep", experiment, *options, "--out", tmp_path / "file")["seed"] == 17
    assert json_of(capsys, "sweep", experiment, *options, "--seed", 4, "--out", tmp_path / "given")["seed"] == 4


@pytest.mark.slow  # two runs and a comparison report with its figures
def test_json_of_compare_names_its_report_and_seed(tmp_path):
    result = wargame(
        "compare", BASELINE, SCENARIOS / "intent-routine.yaml", "--runs", 50, "--workers", 1, "--out", tmp_path / "c",
        "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["comparison"] == str(tmp_path / "c")
    assert document["report"] == str(tmp_path / "c" / "comparison.html") and Path(document["report"]).is_file()
    for run_dir in (tmp_path / "c" / "runs").iterdir():
        assert manifest_of(run_dir)["seed"] == document["seed"]  # one seed, drawn, for every scenario file


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("run", BASELINE, "--precision", "0.05", "--metric", "offensive.launch"),
            "wargame run: --metric: 'offensive.launch' is not a yes/no outcome (did you mean 'offensive.launched'?)",
        ),
        (
            ("assess", DATA / "scoring.yaml", "--evidence", DATA / "scoring-evidence.yaml", "--precision", "0.05",
             "--metric", "patrol.acros"),
            "wargame assess: --metric: 'patrol.acros' is not a yes/no outcome (did you mean 'patrol.across'?)",
        ),
        (
            ("sensitivity", BASELINE, "--params", "exercise_strenght"),
            "--params: factors.exercise_strenght.parameter: the scenario has no parameter 'exercise_strenght' "
            "(did you mean 'exercise_strength'?)",
        ),
        (
            ("sensitivity", BASELINE, "--params", "exercise_strength", "--outcomes", "talks.ceasfire"),
            "--outcomes: outcomes.0: unknown outcome 'talks.ceasfire' (did you mean 'talks.ceasefire'?)",
        ),
    ],
)  # fmt: skip
def test_a_misspelt_name_on_the_command_line_gets_did_you_mean(tmp_path, capsys, args, message):
    assert main([*map(str, args), "--out", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    assert err.strip() == message and not out
    assert not (tmp_path / "out").exists()
