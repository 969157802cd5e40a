"""Score a run's forecast questions against resolved answers (and an assessment's re-weighted forecasts
beside them); write the scores folder: scores.csv, scores.json, score.md, score.html, reliability diagrams.

`wargame score` and `sim.score` both call `score_run`; it prints nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.evidence.run_assessment import ASSESSMENTS
from sim.runner import store
from sim.scenario.outcomes import OutcomeCatalogue

SCORES = "scores"


class ScoringError(ValueError):
    """Scoring cannot be done as asked: a question's baseline cannot be formed, or `out` is a file."""


@dataclass(frozen=True)
class RunScores:
    """A run's forecasts scored: the table of scores.csv as a DataFrame, its summaries, and where it was written.

    `prior` holds the run's own forecasts' scores (one row a question); `posterior`, given
    an assessment, those of its re-weighted forecasts (else None); `scores` both, as in
    scores.csv. `summary` and `posterior_summary` are those of scores.json.
    """

    run_dir: Path
    resolutions: Path
    assessment: Path | None
    folder: Path
    report: Path
    prior: pd.DataFrame
    posterior: pd.DataFrame | None
    scores: pd.DataFrame
    summary: dict[str, Any]
    posterior_summary: dict[str, Any] | None
    assessment_about: dict[str, Any] | None  # name, evidence, effective_replications of the assessment

    @property
    def sets(self) -> dict[str, pd.DataFrame]:
        """The scores of each set of forecasts, by name: "prior", and "posterior" given an assessment."""
        return {"prior": self.prior} | ({"posterior": self.posterior} if self.posterior is not None else {})

    @property
    def summaries(self) -> dict[str, dict[str, Any]]:
        """The summary of each set of forecasts, by name, as `sets`."""
        return {"prior": self.summary} | (
            {"posterior": self.posterior_summary} if self.posterior_summary is not None else {}
        )

    def __repr__(self) -> str:
        return f"RunScores({str(self.folder)!r}, resolved={self.summary['resolved']} of {self.summary['questions']})"

    def _repr_html_(self) -> str:
        lines = []
        for name, summary in self.summaries.items():
            which = "" if self.posterior is None else f" ({'prior' if name == 'prior' else 'given the evidence'})"
            line = f"{summary['resolved']} of {summary['questions']} questions resolved{which}"
            if summary["binary_resolved"]:
                line += (
                    f"; mean Brier {summary['mean_brier']:.3f} (baseline {summary['baseline_mean_brier']:.3f}, "
                    f"skill {summary['brier_skill']:+.2f})"
                )
            if summary["numeric_resolved"]:
                line += f"; mean CRPS skill {summary['mean_crps_skill']:+.2f}"
            lines.append(f"<p>{html.escape(line)}</p>")
        columns = ["question", "forecasts", "forecast", "answer", "brier", "log_score", "crps", "baseline"]
        shown = self.scores[[c for c in columns if c in self.scores.columns]]
        heading = "".join(f"<th>{html.escape(c)}</th>" for c in shown.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(value))}</td>" for value in row) + "</tr>"
            for row in shown.itertuples(index=False)
        )
        return (
            f"<div><h4>Scores of {html.escape(str(self.run_dir))}</h4>"
            f"<p>resolutions <b>{html.escape(str(self.resolutions))}</b> &middot; "
            f"path <b>{html.escape(str(self.folder))}</b></p>{''.join(lines)}"
            f"<table><thead><tr>{heading}</tr></thead><tbody>{body}</tbody></table></div>"
        )


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def score_run(
    run_dir: Path, resolutions_path: Path, assessment: Path | None = None, out: Path | None = None
) -> RunScores:
    """Score a complete run's questions against a resolutions file; write the scores folder; return them.

    `assessment` (its folder, or its name under RUN_DIR/assessments/) also scores the forecasts
    re-weighted by it. `out` defaults to RUN_DIR/scores/ (ASSESSMENT/scores/ with an assessment).
    Everything is written into a staging folder beside `out` and moved in once complete.
    Raises ScenarioError (the resolutions file's problems), RunDirectoryError (the run, the
    assessment or its weights cannot be used) and ScoringError.
    """
    from sim.forecast.baselines import BaselineError, targets_of
    from sim.forecast.questions import questions_of
    from sim.forecast.resolutions import load_resolutions
    from sim.forecast.scoring import late_evidence, score_questions, summarise
    from sim.forecast.weighted import kish_ess
    from sim.report import complete_manifest
    from sim.report.score import build_score_report, write_score_report

    manifest = complete_manifest(run_dir)
    scenario_data = manifest["scenario_as_run"]
    questions = questions_of(scenario_data, OutcomeCatalogue.from_manifest(manifest))
    resolutions = load_resolutions(resolutions_path, questions)
    assessment_dir = find_assessment(run_dir, assessment) if assessment is not None else None
    columns = sorted({"replication", *(q.outcome for q in questions.values()), *_date_columns(questions)})
    table = pq.read_table(run_dir / store.REPLICATIONS, columns=columns).to_pandas()
    targets = targets_of(scenario_data)
    about = None
    try:
        sets = {"prior": score_questions(questions, table, resolutions.resolutions, targets)}
        if assessment_dir is not None:
            weights = assessment_weights(assessment_dir, manifest, table["replication"])
            posterior = score_questions(questions, table, resolutions.resolutions, targets, weights)
            horizon = dt.date.fromisoformat(scenario_data["horizon"])
            late = late_evidence(questions, resolutions.resolutions, _observation_dates(assessment_dir), horizon)
            posterior["late_evidence"] = posterior["question"].map(lambda name: ", ".join(late[name]))
            sets["posterior"] = posterior
            about = {
                "name": assessment_dir.name,
                "evidence": _assessment_about(assessment_dir).get("evidence", ""),
                "effective_replications": kish_ess(weights),
            }
    except BaselineError as exc:
        raise ScoringError(str(exc)) from None
    summaries = {name: summarise(scores) for name, scores in sets.items()}
    out = out or (assessment_dir or run_dir) / SCORES
    if out.exists() and not out.is_dir():
        raise ScoringError(f"--out {out}: is a file, not a folder")
    # Everything is written into a staging folder beside `out` and moved in only once complete:
    # a failure half-way leaves the previous scores (or nothing), never half of new ones.
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        figures = _reliability(staging, sets, summaries)
        scores = pd.concat(list(sets.values()), ignore_index=True)
        store.atomic_write_text(staging / "scores.csv", scores.to_csv(index=False))
        document: dict[str, Any] = {
            "run_dir": str(run_dir),
            "resolutions": str(resolutions_path),
            "assessment": str(assessment_dir) if assessment_dir is not None else None,
            "summary": summaries["prior"],
        }
        if "posterior" in summaries:
            document["posterior_summary"] = summaries["posterior"]
        document["questions"] = json.loads(scores.to_json(orient="records"))
        store.atomic_write_text(staging / "scores.json", json.dumps(document, indent=2, default=str))
        built = build_score_report(manifest, resolutions, scores, summaries, figures, about)
        report = write_score_report(staging, built)
        out.mkdir(exist_ok=True)
        for stale in out.glob("reliability*.*"):  # a diagram an earlier scoring drew and this one does not
            if not (staging / stale.name).exists():
                stale.unlink()
        for written in staging.iterdir():
            os.replace(written, out / written.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RunScores(
        run_dir=run_dir,
        resolutions=resolutions_path,
        assessment=assessment_dir,
        folder=out,
        report=out / report.name,
        prior=sets["prior"],
        posterior=sets.get("posterior"),
        scores=scores,
        summary=summaries["prior"],
        posterior_summary=summaries.get("posterior"),
        assessment_about=about,
    )


def _reliability(out: Path, sets: dict[str, pd.DataFrame], summaries: dict[str, dict[str, Any]]) -> list[Any]:
    """Draw the reliability diagram of each set of forecasts with enough resolved binary questions
    (reliability.png, .svg, .csv; reliability_posterior.* given the evidence); say why not in the summary."""
    from sim.forecast.scoring import RELIABILITY_MINIMUM, reliability_table

    figures = []
    for name, scores in sets.items():
        summary = summaries[name]
        if summary["binary_resolved"] < RELIABILITY_MINIMUM:
            summary["reliability_diagram"] = (
                f"not drawn: {summary['binary_resolved']} resolved binary questions, at least {RELIABILITY_MINIMUM} "
                "needed"
            )
            continue
        from sim.plots.forecasting import reliability_diagram
        from sim.report.build import ReportFigure

        reliability = reliability_table(scores)
        figure = ReportFigure(
            "reliability" if name == "prior" else f"reliability_{name}",
            "Reliability of the forecasts" + ("" if name == "prior" else " given the evidence"),
            "Share that happened against the mean forecast in each probability bin: "
            + "; ".join(
                f"{row.mean_forecast:.0%} forecast, {row.observed_frequency:.0%} happened ({row.questions} questions)"
                for row in reliability.itertuples()
            ),
            reliability_diagram(reliability),
        )
        store.atomic_write_bytes(out / f"{figure.name}.png", figure.png)
        store.atomic_write_figure(out / f"{figure.name}.svg", figure.figure)
        store.atomic_write_text(out / f"{figure.name}.csv", reliability.to_csv(index=False))
        figures.append(figure)
        summary["reliability_diagram"] = f"{figure.name}.png"
    return figures


def find_assessment(run_dir: Path, given: Path) -> Path:
    """The assessment folder `given` names: a folder, or the name of one under RUN_DIR/assessments/."""
    for candidate in (given, run_dir / ASSESSMENTS / given):
        if candidate.is_dir():
            return candidate
    known = sorted(p.name for p in (run_dir / ASSESSMENTS).glob("*") if p.is_dir()) if run_dir.is_dir() else []
    listed = f" (assessments of this run: {', '.join(known)})" if known else " (this run has no assessments yet)"
    raise store.RunDirectoryError(f"{given}: no such assessment folder{listed}")


def assessment_weights(folder: Path, manifest: dict[str, Any], replications: pd.Series) -> Any:
    """The assessment's weight of each replication of the run, in the table's order.

    A weights table that is unreadable (truncated, edited), of another run, or whose weights
    are not finite and non-negative with some above zero, is refused in one line.
    """
    from sim.report.assessment import WEIGHTS

    path = folder / WEIGHTS
    if not path.is_file():
        raise store.RunDirectoryError(
            f"{folder}: holds no {WEIGHTS} (assessed by an earlier version); assess again with "
            "`wargame assess RUN_DIR --evidence FILE`, then score"
        )
    about = _assessment_about(folder)
    if about.get("scenario_hash") and about["scenario_hash"] != manifest["scenario_hash"]:
        raise store.RunDirectoryError(f"{folder}: is an assessment of another scenario's run, not of this one")
    if about.get("seed") is not None and manifest.get("seed") is not None and about["seed"] != manifest["seed"]:
        raise store.RunDirectoryError(
            f"{folder}: is an assessment of another run of this scenario (seed {about['seed']}, this run's is "
            f"{manifest['seed']}), not of this one"
        )
    try:
        read = pq.read_table(path).to_pandas()
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise store.RunDirectoryError(f"{path}: not a readable weights table ({exc}); {_ASSESS_AGAIN}") from None
    if not {"replication", "weight"} <= set(read.columns) or not pd.api.types.is_numeric_dtype(read["weight"]):
        raise store.RunDirectoryError(f"{path}: needs numeric columns `replication` and `weight`; {_ASSESS_AGAIN}")
    if read["replication"].duplicated().any():
        raise store.RunDirectoryError(f"{path}: a replication is weighed twice; {_ASSESS_AGAIN}")
    weights = read.set_index("replication")["weight"].astype(float)
    values = weights.to_numpy()
    if not np.isfinite(values).all() or (values < 0).any() or not (values > 0).any():
        raise store.RunDirectoryError(
            f"{path}: weights must be finite numbers, none negative and some above zero; {_ASSESS_AGAIN}"
        )
    aligned = weights.reindex(replications.to_numpy())
    if len(weights) != len(replications) or aligned.isna().any():
        raise store.RunDirectoryError(
            f"{folder}: weighs {len(weights):,} replications, which are not this run's {len(replications):,}"
        )
    return aligned.to_numpy(dtype=float)


_ASSESS_AGAIN = "assess again with `wargame assess RUN_DIR --evidence FILE`, then score"


def _assessment_about(folder: Path) -> dict[str, Any]:
    """What the assessment's weights table says of itself (scenario_hash, seed, evidence); {} if nothing."""
    from sim.report.assessment import WEIGHTS

    path = folder / WEIGHTS
    try:
        metadata = pq.read_schema(path).metadata or {}
        about = json.loads(metadata.get(b"assessment", b"{}"))
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid and json's errors are ValueErrors
        raise store.RunDirectoryError(f"{path}: not a readable weights table ({exc}); {_ASSESS_AGAIN}") from None
    return about if isinstance(about, dict) else {}


def _observation_dates(folder: Path) -> dict[str, dt.date]:
    """Each observation of the assessed evidence and its date (from the assessment's diagnosticity table)."""
    path = folder / "diagnosticity.csv"
    if not path.is_file():
        return {}
    table = pd.read_csv(path, usecols=["observation", "date"])
    return {str(row.observation): dt.date.fromisoformat(str(row.date)) for row in table.itertuples()}


def _date_columns(questions: dict[str, Any]) -> list[str]:
    return [q.date_column for q in questions.values() if q.by is not None and q.date_column]
