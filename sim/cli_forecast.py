"""`wargame assess` and `wargame score`: weigh a run against evidence, score its forecasts.

Registered by sim/cli.py, which hands over itself (`host`) so both commands share its
run options, batch execution and error types: under `python -m sim.cli` that module is
`__main__`, and importing `sim.cli` here would make a second copy of its exception types.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.evidence.loader import load_evidence
from sim.evidence.schema import EvidenceFile
from sim.runner import store
from sim.runner.batch import RunInterrupted
from sim.scenario import Scenario, load_scenario
from sim.scenario.outcomes import OutcomeCatalogue

ASSESSMENTS = "assessments"
SCORES = "scores"


def register(commands: Any, host: types.ModuleType) -> None:
    assess = commands.add_parser(
        "assess",
        help="weigh a scenario's replications by evidence: posterior hypotheses, ACH matrix, re-forecasts",
    )
    assess.add_argument(
        "scenario", type=Path, nargs="?", metavar="SCENARIO_OR_RUN", help="scenario YAML file, or a finished run"
    )
    assess.add_argument("--evidence", type=Path, required=True, metavar="FILE", help="evidence YAML file")
    assess.add_argument(
        "--abc-tolerance",
        type=_tolerance,
        metavar="T",
        help="approximate Bayesian computation: widen numeric observations by a relative tolerance T, e.g. 0.1",
    )
    host._add_run_options(assess)
    assess.add_argument("--quiet", action="store_true", help="no progress display")
    assess.set_defaults(handler=lambda args: _assess(args, host))

    score = commands.add_parser("score", help="score a run's forecast questions against resolved answers")
    score.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    score.add_argument("--resolutions", type=Path, required=True, metavar="FILE", help="resolutions YAML file")
    score.add_argument(
        "--assessment",
        type=Path,
        metavar="DIR",
        help="also score the forecasts re-weighted by this assessment of RUN_DIR (its folder, or its name under "
        "RUN_DIR/assessments/), beside the run's own",
    )
    score.add_argument(
        "--out",
        type=Path,
        help="folder for scores.csv, scores.json, score.md, score.html (default RUN_DIR/scores/, or DIR/scores/ "
        "with --assessment)",
    )
    score.set_defaults(handler=lambda args: _score(args, host))


def _assess(args: argparse.Namespace, host: types.ModuleType) -> int:
    from sim.evidence.assessment import EvidenceImpossible, assess
    from sim.evidence.likelihood import log_likelihoods

    existing = args.scenario if args.scenario is not None and args.scenario.is_dir() else None
    if existing is not None and (args.resume or args.out or args.seed is not None or args.precision is not None):
        raise host.UsageError("a finished run is assessed as it is: --resume, --out, --seed, --precision do not apply")
    # Check the evidence against the scenario before running anything: a mistake costs nothing.
    if existing is not None or args.resume:
        manifest = store.read_manifest(existing or args.resume)
        scenario = Scenario.model_validate(manifest["scenario_as_run"])
    else:
        if args.scenario is None:
            raise host.UsageError("give a SCENARIO or a finished RUN_DIR to assess, or --resume RUN_DIR")
        scenario = load_scenario(args.scenario)
    evidence = load_evidence(args.evidence, scenario)
    if existing is not None:
        run_dir = existing
    else:
        try:
            run_dir = host._execute_batch(args, quiet=args.quiet)
        except RunInterrupted as stopped:
            return host._interrupted(stopped, f"assess --evidence {args.evidence}")
    from sim.forecast.questions import questions_of
    from sim.report import complete_manifest, outcome_table  # matplotlib loads only when a command needs it
    from sim.report.assessment import write_assessment

    manifest = complete_manifest(run_dir)
    catalogue = OutcomeCatalogue.from_manifest(manifest)
    table = outcome_table(run_dir)
    events = _events_for(run_dir, evidence, catalogue)
    scenario_data = manifest["scenario_as_run"]
    priors = {name: entry["weight"] for name, entry in scenario_data["hypotheses"].items()}
    try:
        result = assess(
            evidence,
            table,
            log_likelihoods(evidence, table, events, catalogue, args.abc_tolerance),
            priors,
            questions_of(scenario_data, catalogue),
            catalogue,
            args.abc_tolerance,
        )
    except EvidenceImpossible as exc:
        print(f"{args.evidence}: {exc}", file=sys.stderr)
        print(
            "  widen numeric observations with --abc-tolerance (e.g. 0.2), lower detection/false-alarm rates "
            "that are near certain, or run more replications with --runs",
            file=sys.stderr,
        )
        return host.USER_ERROR
    out = run_dir / ASSESSMENTS / args.evidence.stem
    report = write_assessment(out, manifest, evidence, result, table["replication"].to_numpy())
    _print_assessment(result)
    print(f"report: {report}")
    print(out)
    return 0


def _print_assessment(result: Any) -> None:
    tolerance = f", ABC tolerance {result.abc_tolerance:g}" if result.abc_tolerance else ""
    print(
        f"effective sample size {result.effective_replications:,.0f} of {result.replications:,} replications{tolerance}"
    )
    print(f"{'hypothesis':<16}{'prior':>9}{'posterior':>11}  95% interval")
    for row in result.hypotheses.itertuples():
        print(
            f"{row.hypothesis:<16}{row.prior_sampled:>9.1%}{row.posterior:>11.1%}"
            f"  {row.posterior_low:.1%} to {row.posterior_high:.1%}"
        )
    for row in result.diagnosticity.itertuples():
        print(f"  {row.observation}: {row.verdict} (max/min likelihood ratio {row.max_min_ratio:.2f})")
    advice = result.advice()
    if advice:
        print(f"warning: {advice}", file=sys.stderr)


def _score(args: argparse.Namespace, host: types.ModuleType) -> int:
    from sim.forecast.baselines import BaselineError, targets_of
    from sim.forecast.questions import questions_of
    from sim.forecast.resolutions import load_resolutions
    from sim.forecast.scoring import late_evidence, score_questions, summarise
    from sim.forecast.weighted import kish_ess
    from sim.report import complete_manifest
    from sim.report.score import build_score_report, write_score_report

    manifest = complete_manifest(args.run_dir)
    scenario_data = manifest["scenario_as_run"]
    questions = questions_of(scenario_data, OutcomeCatalogue.from_manifest(manifest))
    resolutions = load_resolutions(args.resolutions, questions)
    assessment_dir = _assessment_dir(args.run_dir, args.assessment) if args.assessment is not None else None
    columns = sorted({"replication", *(q.outcome for q in questions.values()), *_date_columns(questions)})
    table = pq.read_table(args.run_dir / store.REPLICATIONS, columns=columns).to_pandas()
    targets = targets_of(scenario_data)
    about = None
    try:
        sets = {"prior": score_questions(questions, table, resolutions.resolutions, targets)}
        if assessment_dir is not None:
            weights = _assessment_weights(assessment_dir, manifest, table["replication"])
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
        raise host.UsageError(str(exc)) from None
    summaries = {name: summarise(scores) for name, scores in sets.items()}
    out = args.out or (assessment_dir or args.run_dir) / SCORES
    if out.exists() and not out.is_dir():
        raise host.UsageError(f"--out {out}: is a file, not a folder")
    # Everything is written into a staging folder beside `out` and moved in only once complete:
    # a failure half-way leaves the previous scores (or nothing), never half of new ones.
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        figures = _reliability(staging, sets, summaries)
        scores = pd.concat(list(sets.values()), ignore_index=True)
        store.atomic_write_text(staging / "scores.csv", scores.to_csv(index=False))
        document: dict[str, Any] = {
            "run_dir": str(args.run_dir),
            "resolutions": str(args.resolutions),
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
    _print_scores(sets, summaries, about)
    print(f"report: {out / report.name}")
    print(out)
    return 0


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


def _assessment_dir(run_dir: Path, given: Path) -> Path:
    """The assessment folder `given` names: a folder, or the name of one under RUN_DIR/assessments/."""
    for candidate in (given, run_dir / ASSESSMENTS / given):
        if candidate.is_dir():
            return candidate
    known = sorted(p.name for p in (run_dir / ASSESSMENTS).glob("*") if p.is_dir()) if run_dir.is_dir() else []
    listed = f" (assessments of this run: {', '.join(known)})" if known else " (this run has no assessments yet)"
    raise store.RunDirectoryError(f"{given}: no such assessment folder{listed}")


def _assessment_weights(folder: Path, manifest: dict[str, Any], replications: pd.Series) -> Any:
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


def _print_scores(
    sets: dict[str, pd.DataFrame], summaries: dict[str, dict[str, Any]], assessment: dict[str, Any] | None
) -> None:
    assessed = assessment is not None
    width = 11 if assessed else 0
    if assessed:
        print(
            f"posterior: the forecasts given the evidence of assessment {assessment['name']} "
            f"({assessment['evidence']}), effective sample size {assessment['effective_replications']:,.0f}"
        )
    print(
        f"{'question':<28}{'forecasts' if assessed else '':<{width}}{'forecast':>10}{'answer':>10}{'Brier':>8}"
        f"{'log':>8}{'CRPS':>10}{'baseline':>10}  which baseline"
    )
    by_question = {name: scores.set_index("question") for name, scores in sets.items()}
    for question in sets["prior"]["question"]:
        for index, (name, scores) in enumerate(by_question.items()):
            row = scores.loc[question]
            label = question if index == 0 else ""
            forecast = f"{row.forecast:.1%}" if row.kind == "binary" else f"{row.forecast:,.0f}"
            start = f"{label:<28}{(name if assessed else ''):<{width}}{forecast:>10}"
            if not row.resolved:
                print(f"{start}{'open':>10}{'':>34}{'':>10}  {row.baseline}")
                continue
            answer = ("yes" if row.answer else "no") if row.kind == "binary" else f"{float(row.answer):,.0f}"
            if row.kind == "binary":
                scored = f"{row.brier:>8.3f}{row.log_score:>8.3f}{'':>10}{row.baseline_brier:>10.3f}"
            else:
                scored = f"{'':>8}{'':>8}{row.crps:>10,.0f}{row.baseline_crps:>10,.0f}"
            print(f"{start}{answer:>10}{scored}  {row.baseline}")
        prior = by_question["prior"].loc[question]
        if prior.resolution or prior.source_kind:
            print(
                f"    resolution ({prior.source_kind or 'source kind not stated'}): {prior.resolution or 'not stated'}"
            )
    print(
        "Brier, log and CRPS columns score the forecast; 'baseline' the question's baseline (Brier or CRPS), named last"
    )
    for name, summary in summaries.items():
        which = "" if not assessed else (" (prior)" if name == "prior" else " (given the evidence)")
        print(f"{summary['resolved']} of {summary['questions']} questions resolved{which}; {summary['orientation']}")
        if summary["binary_resolved"]:
            print(
                f"binary{which}: mean Brier {summary['mean_brier']:.3f} "
                f"(baseline {summary['baseline_mean_brier']:.3f}, skill {summary['brier_skill']:+.2f}); "
                f"mean log score {summary['mean_log_score']:.3f} "
                f"(baseline {summary['baseline_mean_log_score']:.3f}, skill {summary['log_skill']:+.2f})"
            )
        if summary["numeric_resolved"]:
            print(f"numeric{which}: mean CRPS skill against the questions' baselines {summary['mean_crps_skill']:+.2f}")
        print(f"reliability diagram{which}: {summary['reliability_diagram']}")
    late = sets.get("posterior", pd.DataFrame({"late_evidence": []}))
    late = late[late["late_evidence"].fillna("").astype(bool)]
    for row in late.itertuples():
        print(
            f"warning: {row.question} closed before evidence {row.late_evidence} was observed: "
            "its score given the evidence is hindsight, not skill",
            file=sys.stderr,
        )


def _date_columns(questions: dict[str, Any]) -> list[str]:
    return [q.date_column for q in questions.values() if q.by is not None and q.date_column]


def _events_for(run_dir: Path, evidence: EvidenceFile, catalogue: OutcomeCatalogue) -> pd.DataFrame | None:
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


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 < value <= 10 or math.isnan(value):
        raise argparse.ArgumentTypeError(f"must lie above 0 and at most 10, got {text}")
    return value
