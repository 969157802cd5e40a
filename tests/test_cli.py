"""The `wargame` command end to end, as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import subprocess

import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, REPO, wargame

from sim.analysis.summary import wilson_interval
from sim.scenario import load_scenario

RUNS = 1000


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
