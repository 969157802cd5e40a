"""`wargame assess` and `wargame score`: weigh a run against evidence, score its forecasts.

Registered by sim/cli.py, which hands over itself (`host`) so both commands share its
run options, batch execution and error types: under `python -m sim.cli` that module is
`__main__`, and importing `sim.cli` here would make a second copy of its exception types.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import types
from pathlib import Path
from typing import Any

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
    score.add_argument("--out", type=Path, help="folder for scores.csv, scores.json (default RUN_DIR/scores/)")
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
    report = write_assessment(out, manifest, evidence, result)
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
    from sim.forecast.questions import questions_of
    from sim.forecast.resolutions import load_resolutions
    from sim.forecast.scoring import RELIABILITY_MINIMUM, reliability_table, score_questions, summarise
    from sim.report import complete_manifest

    manifest = complete_manifest(args.run_dir)
    questions = questions_of(manifest["scenario_as_run"], OutcomeCatalogue.from_manifest(manifest))
    resolutions = load_resolutions(args.resolutions, questions)
    columns = sorted({*(q.outcome for q in questions.values()), *_date_columns(questions)})
    table = pq.read_table(args.run_dir / store.REPLICATIONS, columns=columns).to_pandas()
    scores = score_questions(questions, table, resolutions.resolutions)
    summary = summarise(scores)
    out = args.out or args.run_dir / SCORES
    out.mkdir(parents=True, exist_ok=True)
    reliability = reliability_table(scores)
    if summary["binary_resolved"] >= RELIABILITY_MINIMUM:
        from sim.plots.forecasting import reliability_diagram

        figure = reliability_diagram(reliability)
        store.atomic_write_figure(out / "reliability.png", figure)
        store.atomic_write_figure(out / "reliability.svg", figure)
        store.atomic_write_text(out / "reliability.csv", reliability.to_csv(index=False))
        summary["reliability_diagram"] = "reliability.png"
    else:
        summary["reliability_diagram"] = (
            f"not drawn: {summary['binary_resolved']} resolved binary questions, at least {RELIABILITY_MINIMUM} needed"
        )
    store.atomic_write_text(out / "scores.csv", scores.to_csv(index=False))
    document = {"run_dir": str(args.run_dir), "resolutions": str(args.resolutions), "summary": summary}
    document["questions"] = json.loads(scores.to_json(orient="records"))
    store.atomic_write_text(out / "scores.json", json.dumps(document, indent=2, default=str))
    _print_scores(scores, summary)
    print(out)
    return 0


def _print_scores(scores: pd.DataFrame, summary: dict[str, Any]) -> None:
    print(f"{'question':<28}{'forecast':>12}{'answer':>10}{'Brier':>8}{'log':>8}{'CRPS':>10}{'baseline':>10}")
    for row in scores.itertuples():
        forecast = f"{row.forecast:.1%}" if row.kind == "binary" else f"{row.forecast:,.0f}"
        if not row.resolved:
            print(f"{row.question:<28}{forecast:>12}{'open':>10}")
            continue
        answer = ("yes" if row.answer else "no") if row.kind == "binary" else f"{float(row.answer):,.0f}"
        if row.kind == "binary":
            scored = f"{row.brier:>8.3f}{row.log_score:>8.3f}{'':>10}{row.baseline_brier:>10.3f}"
        else:
            scored = f"{'':>8}{'':>8}{row.crps:>10,.0f}{row.baseline_crps:>10,.0f}"
        print(f"{row.question:<28}{forecast:>12}{answer:>10}{scored}")
    print(f"{summary['resolved']} of {summary['questions']} questions resolved; {summary['orientation']}")
    if summary["binary_resolved"]:
        print(
            f"binary: mean Brier {summary['mean_brier']:.3f} (no-skill {summary['baseline_mean_brier']:.3f}, "
            f"skill {summary['brier_skill']:+.2f}); mean log score {summary['mean_log_score']:.3f} "
            f"(no-skill {summary['baseline_mean_log_score']:.3f}, skill {summary['log_skill']:+.2f})"
        )
    if summary["numeric_resolved"]:
        print(f"numeric: mean CRPS skill against the uniform baseline {summary['mean_crps_skill']:+.2f}")
    print(f"reliability diagram: {summary['reliability_diagram']}")


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
