"""Assess a finished run against an evidence file: weigh its replications, write the assessment folder.

`wargame assess` and `sim.assess` both call `assess_run`; it prints nothing. The folder is
`RUN_DIR/assessments/<evidence file's name>/` (docs/evidence.md, "Reading an assessment").
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim.evidence.assessment import Assessment, assess
from sim.evidence.likelihood import log_likelihoods
from sim.evidence.loader import load_evidence
from sim.evidence.schema import EvidenceFile
from sim.runner import store
from sim.scenario import Scenario
from sim.scenario.outcomes import OutcomeCatalogue

ASSESSMENTS = "assessments"


@dataclass(frozen=True)
class RunAssessment:
    """A run weighed by evidence: the posterior hypotheses, ACH matrix and re-forecasts, and where they were written.

    The tables are those of the assessment folder's CSV files: `hypotheses`
    (posterior_hypotheses.csv), `ach` (ach_matrix.csv), `diagnosticity`, `sequence`
    (posterior_path.csv), `outcomes`, `forecasts`; `weights` is weights.parquet.
    """

    run_dir: Path
    evidence: Path
    folder: Path
    report: Path
    assessment: Assessment

    @property
    def hypotheses(self) -> pd.DataFrame:
        """Prior and posterior weight of each hypothesis, with 95% intervals."""
        return self.assessment.hypotheses

    @property
    def ach(self) -> pd.DataFrame:
        """Observation x hypothesis: P(E | H), its error, the likelihood ratio against the rest."""
        return self.assessment.ach

    @property
    def diagnosticity(self) -> pd.DataFrame:
        """Per observation: the max/min likelihood ratio across hypotheses and the verdict."""
        return self.assessment.diagnosticity

    @property
    def sequence(self) -> pd.DataFrame:
        """The posterior of each hypothesis after each observation, in date order."""
        return self.assessment.sequence

    @property
    def outcomes(self) -> pd.DataFrame:
        """Every outcome forecast under the prior and given the evidence."""
        return self.assessment.outcomes

    @property
    def forecasts(self) -> pd.DataFrame:
        """The scenario's forecast questions, prior and given the evidence."""
        return self.assessment.forecasts

    @property
    def weights(self) -> pd.DataFrame:
        """Each replication's weight given the evidence (weights.parquet): replication, weight."""
        return pq.read_table(self.folder / "weights.parquet").to_pandas()

    @property
    def effective_replications(self) -> float:
        """The Kish effective sample size the posterior rests on."""
        return self.assessment.effective_replications

    @property
    def replications(self) -> int:
        return self.assessment.replications

    def advice(self) -> str | None:
        """What to do when the effective sample is too small to trust (None when it is not)."""
        return self.assessment.advice()

    def __repr__(self) -> str:
        return (
            f"RunAssessment({str(self.folder)!r}, effective_replications={self.effective_replications:,.0f} "
            f"of {self.replications:,})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(str(row.hypothesis))}</td><td>{row.prior_sampled:.1%}</td>"
            f"<td>{row.posterior:.1%}</td><td>{row.posterior_low:.1%} to {row.posterior_high:.1%}</td></tr>"
            for row in self.hypotheses.itertuples()
        )
        advice = self.advice()
        warning = f"<p><b>warning:</b> {html.escape(advice)}</p>" if advice else ""
        return (
            f"<div><h4>Assessment {html.escape(self.folder.name)}</h4>"
            f"<p>effective sample size <b>{self.effective_replications:,.0f}</b> of "
            f"<b>{self.replications:,}</b> replications &middot; path <b>{html.escape(str(self.folder))}</b></p>"
            "<table><thead><tr><th>hypothesis</th><th>prior</th><th>posterior</th><th>95% interval</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{warning}</div>"
        )


def scenario_of_run(run_dir: Path) -> Scenario:
    """The scenario as a run directory ran it (from its manifest), to check evidence against."""
    return Scenario.model_validate(store.read_manifest(run_dir)["scenario_as_run"])


def assess_run(run_dir: Path, evidence_path: Path, abc_tolerance: float | None = None) -> RunAssessment:
    """Weigh a complete run's replications by an evidence file; write RUN_DIR/assessments/<name>/.

    Raises ScenarioError (the evidence file's problems), RunDirectoryError (a run that is not
    complete, or has no event log the evidence needs) and EvidenceImpossible (no replication
    is compatible with the evidence: nothing is written).
    """
    from sim.forecast.questions import questions_of
    from sim.report import complete_manifest, outcome_table  # matplotlib loads only when a command needs it
    from sim.report.assessment import write_assessment

    evidence = load_evidence(evidence_path, scenario_of_run(run_dir))
    manifest = complete_manifest(run_dir)
    catalogue = OutcomeCatalogue.from_manifest(manifest)
    table = outcome_table(run_dir)
    events = events_for(run_dir, evidence, catalogue)
    scenario_data = manifest["scenario_as_run"]
    priors = {name: entry["weight"] for name, entry in scenario_data["hypotheses"].items()}
    result = assess(
        evidence,
        table,
        log_likelihoods(evidence, table, events, catalogue, abc_tolerance),
        priors,
        questions_of(scenario_data, catalogue),
        catalogue,
        abc_tolerance,
    )
    folder = run_dir / ASSESSMENTS / evidence_path.stem
    report = write_assessment(folder, manifest, evidence, result, table["replication"].to_numpy())
    return RunAssessment(run_dir, evidence_path, folder, report, result)


def events_for(run_dir: Path, evidence: EvidenceFile, catalogue: OutcomeCatalogue) -> pd.DataFrame | None:
    """The event-log rows the evidence asks about (only those: the log is the largest table).

    State entries are read from their outcome columns; only a process's rows need the log.
    """
    names = sorted(
        {str(o.event).split(".", 1)[1] for o in evidence.observations.values() if o.event and o.event not in catalogue}
    )
    if not names:
        return None
    if not (run_dir / store.EVENTS).is_file():
        raise store.RunDirectoryError(
            f"{run_dir}: the evidence observes {', '.join(names)}, which only the event log holds, and this run "
            "was made without one (--no-events); run it again with the event log"
        )
    return pq.read_table(
        run_dir / store.EVENTS, columns=["replication", "date", "component", "event"], filters=[("event", "in", names)]
    ).to_pandas()
