"""Assessment: importance weights move the hypotheses toward the truth, ignore what cannot tell them apart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import BASELINE, SCENARIOS, wargame

from sim.engine import compile_scenario
from sim.evidence.assessment import Assessment, assess
from sim.evidence.likelihood import log_likelihoods
from sim.evidence.schema import EvidenceFile
from sim.runner.batch import BatchRequest, run_batch
from sim.runner.store import read_manifest
from sim.scenario import load_scenario
from sim.scenario.outcomes import OutcomeCatalogue

PRIORS = {"routine": 0.55, "coercion": 0.30, "offensive": 0.15}
EVIDENCE = SCENARIOS / "evidence" / "zapad-september.yaml"


PriorRun = tuple[pd.DataFrame, pd.DataFrame, OutcomeCatalogue]


@pytest.fixture(scope="module")
def prior_run(tmp_path_factory) -> PriorRun:
    """2,000 replications of the baseline: the three hypotheses in proportion to their priors."""
    out = tmp_path_factory.mktemp("prior") / "run"
    run_batch(BatchRequest(compile_scenario(load_scenario(BASELINE)), 2_000, 11, out))
    catalogue = OutcomeCatalogue.from_manifest(read_manifest(out))
    return pd.read_parquet(out / "replications.parquet"), pd.read_parquet(out / "events.parquet"), catalogue


@pytest.fixture(scope="module")
def true_world(tmp_path_factory) -> pd.Series:
    """A world where 'offensive' is known to hold: a typical replication that launched, from the
    intent-offensive variant (the one whose troops_retained is nearest the median of those that launched)."""
    out = tmp_path_factory.mktemp("truth") / "run"
    run_batch(BatchRequest(compile_scenario(load_scenario(SCENARIOS / "intent-offensive.yaml")), 200, 12, out))
    table = pd.read_parquet(out / "replications.parquet")
    launched = table[table["offensive.launched"]]
    assert len(launched) > 20
    nearest = (launched["troops_retained"] - launched["troops_retained"].median()).abs().argsort().iloc[0]
    return launched.iloc[nearest]


def weigh(observations: dict, prior_run: PriorRun, tolerance: float | None = None) -> Assessment:
    evidence = EvidenceFile.model_validate({"title": "test", "observations": observations})
    table, events, catalogue = prior_run
    log_likelihood = log_likelihoods(evidence, table, events, catalogue, tolerance)
    return assess(evidence, table, log_likelihood, PRIORS, {}, catalogue, tolerance)


def posterior(result: Assessment) -> dict[str, float]:
    return dict(zip(result.hypotheses["hypothesis"], result.hypotheses["posterior"], strict=True))


def prior_share(result: Assessment) -> dict[str, float]:
    return dict(zip(result.hypotheses["hypothesis"], result.hypotheses["prior_sampled"], strict=True))


def test_posterior_moves_toward_the_true_hypothesis_as_evidence_accumulates(prior_run, true_world):
    observations = {
        "preparations_detected": {
            "date": true_world["warning.detected.date"].isoformat(),
            "text": "preparations detected",
            "outcome": "warning.detected.date",
            "observed": True,
        },
        "troops_retained": {
            "date": "2025-10-01",
            "text": "troops left in Belarus",
            "outcome": "troops_retained",
            "value": float(true_world["troops_retained"]),
            "log_sd": 0.3,
        },
        "offensive_launched": {
            "date": true_world["offensive.launched.date"].isoformat(),
            "text": "the offensive began",
            "outcome": "offensive.launched",
            "observed": True,
        },
    }
    steps = [weigh(dict(list(observations.items())[:count]), prior_run) for count in (1, 2, 3)]
    weights = [prior_share(steps[0])["offensive"], *(posterior(step)["offensive"] for step in steps)]
    # Each observation is strongly diagnostic (ACH ratio above 20), so each step is large
    # (here 0.15 -> 0.90 -> 0.996 -> 0.9998), far beyond Monte Carlo noise: the bootstrap
    # interval after the first observation is about +/- 0.02. Strictly increasing is the test.
    assert all(later > earlier for earlier, later in zip(weights, weights[1:], strict=False)), weights
    assert weights[1] > 0.5
    final = steps[-1].hypotheses.set_index("hypothesis").loc["offensive"]
    assert final["posterior_low"] > steps[0].hypotheses.set_index("hypothesis").loc["offensive", "prior_high"]
    assert (steps[-1].diagnosticity["verdict"] == "diagnostic").all()


def test_evidence_equally_likely_under_every_replication_leaves_the_weights_unchanged(prior_run):
    result = weigh(
        {
            "drills_began": {
                "date": "2025-09-16",
                "text": "drills began",
                "event": "exercise.active",
                "observed": True,
            }
        },
        prior_run,
    )
    # Every replication has the active phase by 16 September: every weight is the same,
    # so the posterior equals the sampled prior up to rounding (1e-12).
    assert posterior(result) == pytest.approx(prior_share(result), abs=1e-12)
    assert result.effective_replications == pytest.approx(2_000)
    assert result.diagnosticity["verdict"].tolist() == ["not diagnostic"]
    assert result.ach["likelihood_ratio"].tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_evidence_independent_of_intent_is_flagged_non_diagnostic_and_moves_little(prior_run):
    result = weigh(
        {
            "oreshnik": {
                "date": "2025-12-31",
                "text": "Oreshnik declared on combat duty",
                "outcome": "oreshnik.declared",
                "observed": True,
            }
        },
        prior_run,
    )
    # The model draws Oreshnik's readiness whatever the intent. About 44% of 2,000
    # replications carry the weight; a hypothesis's share among them differs from its
    # overall share by Monte Carlo noise of SE <= 0.013: 0.04 is three of them.
    for name, share in prior_share(result).items():
        assert posterior(result)[name] == pytest.approx(share, abs=0.04)
    assert result.diagnosticity["verdict"].tolist() == ["not diagnostic"]


def test_abc_tolerance_widens_a_narrow_band_and_raises_the_effective_sample(prior_run):
    narrow = {"troops": {"date": "2025-09-10", "text": "t", "outcome": "northern_troops", "between": [30_000, 30_300]}}
    exact = weigh(narrow, prior_run)
    widened = weigh(narrow, prior_run, tolerance=0.2)
    assert exact.too_few and "--runs" in exact.advice() and "--abc-tolerance" in exact.advice()
    assert widened.effective_replications > 10 * exact.effective_replications
    table, _, _ = prior_run
    inside = table["northern_troops"].between(30_000 - 0.2 * 30_300, 30_300 * 1.2)
    assert widened.effective_replications == pytest.approx(inside.sum())  # a band: weights are 0 or 1


def test_assess_command_writes_the_assessment_and_is_reproducible(tmp_path):
    outputs = []
    for name in ("a", "b"):
        result = wargame(
            "assess", SCENARIOS / "baseline-questions.yaml", "--evidence", EVIDENCE,
            "--runs", 600, "--seed", 5, "--workers", 1, "--out", tmp_path / name, "--quiet",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        folder = Path(result.stdout.splitlines()[-1])
        assert folder == tmp_path / name / "assessments" / "zapad-september"
        outputs.append(folder)
    for table in ("posterior_hypotheses.csv", "ach_matrix.csv", "outcomes.csv", "forecasts.csv", "posterior_path.csv"):
        assert (outputs[0] / table).read_bytes() == (outputs[1] / table).read_bytes()
    html = (outputs[0] / "assessment.html").read_text()
    assert "Evidence against hypotheses (ACH)" in html and "not diagnostic" in html
    markdown = (outputs[0] / "assessment.md").read_text()
    assert "## Forecast questions" in markdown and "### Given the evidence" in markdown
    assert (outputs[0] / "plots" / "hypothesis_weights.png").stat().st_size > 5_000


def test_evidence_no_replication_can_explain_exits_2_with_advice(tmp_path):
    evidence = tmp_path / "impossible.yaml"
    evidence.write_text(
        "title: impossible\nobservations:\n  huge:\n    date: 2025-09-10\n    text: a million troops\n"
        "    outcome: northern_troops\n    between: [1000000, 2000000]\n"
    )
    result = wargame("assess", BASELINE, "--evidence", evidence, "--runs", 200, "--seed", 1, "--workers", 1,
                     "--out", tmp_path / "run", "--quiet")  # fmt: skip
    assert result.returncode == 2
    assert "no replication of 200 is compatible with the evidence" in result.stderr
    assert "--abc-tolerance" in result.stderr and "Traceback" not in result.stderr


def test_assessing_a_finished_run_needs_no_new_replications(tmp_path):
    run = wargame("run", BASELINE, "--runs", 300, "--seed", 3, "--workers", 1, "--out", tmp_path / "run",
                  "--no-report", "--quiet")  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = wargame("assess", tmp_path / "run", "--evidence", EVIDENCE)
    assert result.returncode == 0, result.stderr
    assert "effective sample size" in result.stdout
    hypotheses = pd.read_csv(tmp_path / "run" / "assessments" / "zapad-september" / "posterior_hypotheses.csv")
    assert sorted(hypotheses["hypothesis"]) == sorted(PRIORS)
    assert hypotheses["posterior"].sum() == pytest.approx(1.0)
    # the run directory itself is unchanged: still a complete run
    assert '"status": "complete"' in (tmp_path / "run" / "manifest.json").read_text()
