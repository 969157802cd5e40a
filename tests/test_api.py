"""The Python API (sim/api.py, docs/api.md): the example notebook executed by a real notebook runner,
the command line and the API giving the same tables, and the API's errors and documentation."""

from __future__ import annotations

import inspect
import json
import os
import pydoc
import subprocess
import sys

import nbformat
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, REPO, wargame
from nbclient import NotebookClient

import sim
from sim import api

NOTEBOOK = REPO / "examples" / "quickstart.ipynb"
HAND = REPO / "tests" / "data" / "decisions" / "hand.yaml"


def test_the_example_notebook_runs_and_its_results_hold():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # A real kernel, in the repository's root as a reader opens the notebook from it; the notebook's own
    # asserts fail the cell (and so this test) if a result is wrong.
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for cell in code for o in cell.outputs if o.output_type == "stream")
    assert "P(offensive launched): 5.0% as written, 0.0% with no intent" in printed
    assert "quickstart: as written" in printed
    shown = [o["data"]["text/html"] for cell in code for o in cell.outputs if "text/html" in o.get("data", {})]
    run_html, _, decision_html = shown  # the run, the probabilities frame, the decision run
    assert "<h4>Alaska summit and Zapad-2025, baseline</h4>" in run_html
    assert "replications <b>300</b>" in run_html and "seed <b>1</b>" in run_html
    assert "Offensive from Belarus: offensive launched</td><td>5.0%</td>" in run_html
    assert len(run_html) < 4000  # a summary, not a dump of the tables
    assert "courses <b>2</b>" in decision_html and "<td>as written</td>" in decision_html


def test_the_command_and_the_api_give_the_same_tables(tmp_path):
    by_command = tmp_path / "cli"
    result = wargame("run", BASELINE, "--runs", 300, "--seed", 7, "--workers", 1, "--out", by_command, "--no-report")
    assert result.returncode == 0, result.stderr
    run = sim.run(sim.load(BASELINE), runs=300, seed=7, workers=1, out=tmp_path / "api", report=False)
    for table in ("replications.parquet", "events.parquet"):
        assert pq.read_table(by_command / table).equals(pq.read_table(run.path / table))
    by_api = sim.open_run(by_command)
    assert by_api.probabilities().equals(run.probabilities())
    assert by_api.numbers().equals(run.numbers())
    assert json.loads((by_command / "manifest.json").read_text())["scenario_hash"] == run.manifest["scenario_hash"]


def test_a_run_object_reads_its_directory(tmp_path):
    run = sim.run(HAND, runs=200, seed=3, workers=1, out=tmp_path / "hand")  # with its report
    assert run.path == tmp_path / "hand" and (run.path / "report.html").is_file()
    assert run.kind == "run" and run.seed == 3 and run.scenario.name == "hand-decision"
    replications = run.replications()
    assert len(replications) == 200 and replications["replication"].tolist() == list(range(200))
    assert run.replications(["goal"]).columns.tolist() == ["goal"]
    events = run.events()
    assert set(events.columns) >= {"replication", "date", "component", "event", "detail"}
    assert type(events["date"].iloc[0]).__name__ == "date"  # datetime.date, as docs/api.md says
    probabilities = run.probabilities().set_index("outcome")
    assert probabilities.loc["goal", "probability"] == replications["goal"].mean()
    assert probabilities.loc["goal", "label"] == "the goal is met"
    figures = run.figures()
    assert "outcome_probabilities" in figures and type(figures["outcome_probabilities"]).__name__ == "Figure"
    assert {p.stem for p in (run.path / "plots").glob("*.png")} == set(figures)
    assert len(run.table("flows")) > 0  # written with the report
    with pytest.raises(sim.RunDirectoryError, match="no such table"):
        run.table("robustness")
    assert repr(run) == f"Run({str(run.path)!r}, kind='run', status='complete')"


def test_html_summary_escapes_the_scenario_text(tmp_path):
    marked = sim.vary(HAND, success_a=0.5, assumption="a test", title="<script>alert(1)</script> & co")
    run = sim.run(marked, runs=50, seed=1, workers=1, out=tmp_path / "marked", report=False)
    shown = run._repr_html_()
    assert "<script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in shown


def test_load_raises_the_located_problems_the_command_prints(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASELINE}\nname: bad\ntitel: oops\n")
    with pytest.raises(sim.ScenarioError) as caught:
        sim.load(bad)
    assert [str(p) for p in caught.value.problems] == [
        f"{bad}:3:1: titel: unknown field 'titel' (did you mean 'title'?)"
    ]
    printed = wargame("validate", bad).stderr.strip()
    assert printed == str(caught.value)


def test_vary_needs_an_assumption_and_checks_the_copy():
    baseline = sim.load(BASELINE)
    with pytest.raises(TypeError):
        sim.vary(baseline, time_to_ready_days=5)  # no assumption at all
    with pytest.raises(sim.OptionError, match="assumption"):
        sim.vary(baseline, time_to_ready_days=5, assumption=" ")
    with pytest.raises(sim.OptionError):
        sim.vary(baseline, assumption="nothing changed")
    with pytest.raises(sim.ScenarioError) as caught:
        sim.vary(baseline, time_to_ready_dayz=5, assumption="a test")
    assert str(caught.value) == (
        "vary(baseline): parameters.time_to_ready_dayz: no such parameter in 'baseline' "
        "(did you mean 'time_to_ready_days'?)"
    )
    with pytest.raises(sim.ScenarioError, match=r"^vary\(baseline\): parameters\.time_to_ready_days: low"):
        sim.vary(baseline, time_to_ready_days={"dist": "uniform", "low": 9, "high": 2}, assumption="a test")
    varied = sim.vary(baseline, time_to_ready_days={"dist": "uniform", "low": 2, "high": 9}, assumption="a test")
    assert varied.parameters["time_to_ready_days"].assumption == "a test"
    assert varied.content_hash() != baseline.content_hash() and varied.name == "baseline"
    assert sim.load(BASELINE).content_hash() == baseline.content_hash()  # the original is left as it was


def test_options_that_do_not_fit_raise_one_error_type_the_command_reports(tmp_path):
    with pytest.raises(sim.OptionError, match="--precision and --metric go together"):
        sim.run(HAND, runs=10, precision=0.01, out=tmp_path / "x")
    with pytest.raises(sim.OptionError, match="not both"):
        sim.run(HAND, runs=10, scheduler="tcp://localhost:1", dask_workers=2, out=tmp_path / "x")
    with pytest.raises(sim.OptionError, match="not a yes/no outcome"):
        sim.run(HAND, runs=10, precision=0.01, metric="gaol", out=tmp_path / "x")
    assert not (tmp_path / "x").exists()
    assert issubclass(sim.OptionError, ValueError)
    from sim.cli import UsageError

    assert UsageError is api.OptionError


def test_a_decision_run_reads_and_resumes_through_the_api(tmp_path):
    decision = sim.decide(HAND, runs=100, seed=2, workers=1, out=tmp_path / "d", report=False)
    assert decision.kind == "decision" and not (decision.path / "report.html").exists()
    assert set(decision.decision_summary()) == {"best_course", "best_value", "as_written_value", "evpi"}
    assert decision.table("courses")["course"].tolist() == ["as written", "plan=b"]
    with pytest.raises(sim.OptionError, match="no single outcome table"):
        decision.probabilities()
    again = sim.resume(decision.path, workers=1)  # complete: computes nothing, writes the report
    assert again.kind == "decision" and (again.path / "report.html").is_file()


def test_help_lists_the_public_api_with_one_line_docstrings():
    for name in sim.__all__:
        doc = inspect.getdoc(getattr(sim, name))
        assert doc and doc.splitlines()[0].strip(), name
    text = pydoc.render_doc(sim, renderer=pydoc.plaintext)
    for name in sim.__all__:
        assert name in text
    command = [sys.executable, "-c", "import sim; help(sim)"]
    shown = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PAGER": "cat"})
    assert shown.returncode == 0 and "run(scenario, runs=, seed=)" in shown.stdout


def test_import_sim_stays_light():
    code = "import sys, sim; print(sorted(m for m in ('sim.api', 'matplotlib', 'pandas') if m in sys.modules))"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert shown.stdout.strip() == "[]", shown.stderr


def test_compare_takes_scenarios_and_runs_and_progress_is_called(tmp_path):
    calls: list[tuple[int, int]] = []
    first = sim.run(HAND, runs=100, seed=4, workers=1, out=tmp_path / "first", report=False)
    other = sim.vary(HAND, success_a=0.1, assumption="a test", name="hand-worse")
    out = sim.compare(
        [first, other], runs=100, seed=4, workers=1, out=tmp_path / "cmp", progress=lambda *a: calls.append(a)
    )
    assert calls and calls[-1] == (100, 100)
    assert {"comparison.html", "side_by_side.csv", "differences.csv"} <= {p.name for p in out.iterdir()}
    assert (
        sim.open_run(out / "runs" / "2-hand-worse").probabilities().set_index("outcome").loc["goal", "probability"]
        < 0.6
    )


SCORING = REPO / "tests" / "data" / "scoring.yaml"
SCORING_EVIDENCE = REPO / "tests" / "data" / "scoring-evidence.yaml"
SCORING_RESOLUTIONS = REPO / "tests" / "data" / "scoring-resolutions.yaml"
ASSESSMENT_TABLES = ("posterior_hypotheses.csv", "ach_matrix.csv", "diagnosticity.csv", "posterior_path.csv",
                     "outcomes.csv", "forecasts.csv")  # fmt: skip


def as_written(frame):
    """A frame as its CSV file reads back (the API returns frames, the command writes CSV)."""
    import io

    import pandas as pd

    return pd.read_csv(io.StringIO(frame.to_csv(index=False)))


def test_assess_and_score_give_the_tables_the_commands_give(tmp_path):
    import pandas as pd

    # The command: run and assess a scenario, then score the run's forecasts and the assessment's.
    by_command = tmp_path / "cli"
    assessed = wargame("assess", SCORING, "--evidence", SCORING_EVIDENCE, "--runs", 400, "--seed", 3,
                       "--workers", 1, "--out", by_command, "--quiet")  # fmt: skip
    assert assessed.returncode == 0, assessed.stderr
    cli_assessment = by_command / "assessments" / "scoring-evidence"
    assert assessed.stdout.splitlines()[-1] == str(cli_assessment)
    scored = wargame("score", by_command, "--resolutions", SCORING_RESOLUTIONS, "--assessment", "scoring-evidence")
    assert scored.returncode == 0, scored.stderr

    # The API, on the same inputs.
    assessment = sim.assess(SCORING, SCORING_EVIDENCE, runs=400, seed=3, workers=1, out=tmp_path / "api")
    assert isinstance(assessment, sim.RunAssessment)
    assert assessment.folder == tmp_path / "api" / "assessments" / "scoring-evidence"
    assert assessment.report == assessment.folder / "assessment.html" and assessment.report.is_file()
    for table in ASSESSMENT_TABLES:
        assert (assessment.folder / table).read_bytes() == (cli_assessment / table).read_bytes(), table
    pd.testing.assert_frame_equal(as_written(assessment.hypotheses), pd.read_csv(cli_assessment / ASSESSMENT_TABLES[0]))
    pd.testing.assert_frame_equal(as_written(assessment.forecasts), pd.read_csv(cli_assessment / "forecasts.csv"))
    assert f"effective sample size {assessment.effective_replications:,.0f} of 400" in assessed.stdout
    assert assessment.weights.equals(pq.read_table(cli_assessment / "weights.parquet").to_pandas())

    scores = sim.score(assessment.run_dir, SCORING_RESOLUTIONS, assessment=assessment)
    assert isinstance(scores, sim.RunScores) and scores.folder == assessment.folder / "scores"
    cli_scores = cli_assessment / "scores"
    assert (scores.folder / "scores.csv").read_bytes() == (cli_scores / "scores.csv").read_bytes()
    pd.testing.assert_frame_equal(as_written(scores.scores), pd.read_csv(cli_scores / "scores.csv"))
    document = json.loads((cli_scores / "scores.json").read_text())
    assert scores.summary == document["summary"] and scores.posterior_summary == document["posterior_summary"]
    assert scores.prior["forecasts"].unique().tolist() == ["prior"]
    assert scores.posterior is not None and scores.posterior["forecasts"].unique().tolist() == ["posterior"]
    assert scored.stdout.splitlines()[-2:] == [f"report: {cli_scores / 'score.html'}", str(cli_scores)]

    # The run's own forecasts alone, a Run given in place of its directory.
    alone = sim.score(sim.open_run(tmp_path / "api"), SCORING_RESOLUTIONS, out=tmp_path / "alone")
    assert alone.posterior is None and alone.folder == tmp_path / "alone" and alone.report.is_file()
    pd.testing.assert_frame_equal(alone.scores, scores.prior)

    # Shown in a notebook: a short HTML summary each.
    assert "<th>posterior</th>" in assessment._repr_html_() and "bold" in assessment._repr_html_()
    assert "crossed_by_june" in scores._repr_html_() and "given the evidence" in scores._repr_html_()


def test_assess_and_score_raise_what_the_commands_report(tmp_path):
    run = sim.run(SCORING, runs=100, seed=1, workers=1, out=tmp_path / "run", report=False)
    with pytest.raises(sim.OptionError, match="a finished run is assessed as it is: --seed do not apply"):
        sim.assess(run, SCORING_EVIDENCE, seed=2)
    with pytest.raises(sim.OptionError, match="--abc-tolerance: must lie above 0 and at most 10"):
        sim.assess(run, SCORING_EVIDENCE, abc_tolerance=0)
    impossible = tmp_path / "impossible.yaml"
    impossible.write_text(
        "title: impossible\nobservations:\n  huge:\n    date: 2025-02-01\n    text: a million troops\n"
        "    outcome: troops\n    between: [1000000, 2000000]\n"
    )
    with pytest.raises(sim.EvidenceImpossible, match="no replication of 100 is compatible"):
        sim.assess(run.path, impossible)
    assert not (run.path / "assessments" / "impossible").exists()
    with pytest.raises(sim.ScenarioError):  # the evidence is checked before anything runs
        sim.assess(SCORING, tmp_path / "missing.yaml", runs=10, out=tmp_path / "never")
    assert not (tmp_path / "never").exists()
    (tmp_path / "file.txt").write_text("mine")
    with pytest.raises(sim.OptionError, match=r"^--out .*file\.txt: is a file, not a folder$"):
        sim.score(run, SCORING_RESOLUTIONS, out=tmp_path / "file.txt")
    with pytest.raises(sim.RunDirectoryError, match="this run has no assessments yet"):
        sim.score(run, SCORING_RESOLUTIONS, assessment="troops-seen")
