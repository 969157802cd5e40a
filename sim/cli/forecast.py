"""`wargame assess` and `wargame score`: their options, and printing what the API's `assess` and `score` return.

The work is done by sim.evidence.run_assessment and sim.forecast.run_scores (through sim.api);
this module parses the command line and prints.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from sim import api
from sim.cli.common import (
    USER_ERROR,
    UsageError,
    add_run_options,
    add_shown_options,
    execute_batch,
    failed_exit,
    interrupted,
    print_json,
)
from sim.runner.batch import RunInterrupted
from sim.runner.store import read_manifest


def register(commands: Any) -> None:
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
    add_run_options(assess)
    add_shown_options(assess)
    assess.set_defaults(handler=_assess)

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
    score.add_argument(
        "--json", action="store_true", help="print one JSON document (with the paths written) and nothing else"
    )
    score.set_defaults(handler=_score)


def _assess(args: argparse.Namespace) -> int:
    from sim.evidence.assessment import EvidenceImpossible
    from sim.evidence.loader import load_evidence
    from sim.evidence.run_assessment import scenario_of_run
    from sim.scenario import load_scenario

    existing = args.scenario if args.scenario is not None and args.scenario.is_dir() else None
    if existing is not None and (args.resume or args.out or args.seed is not None or args.precision is not None):
        raise UsageError("a finished run is assessed as it is: --resume, --out, --seed, --precision do not apply")
    # Check the evidence against the scenario before running anything: a mistake costs nothing.
    if existing is not None or args.resume:
        scenario = scenario_of_run(existing or args.resume)
    else:
        if args.scenario is None:
            raise UsageError("give a SCENARIO or a finished RUN_DIR to assess, or --resume RUN_DIR")
        scenario = load_scenario(args.scenario)
    load_evidence(args.evidence, scenario)
    if existing is not None:
        run_dir = existing
    else:
        try:
            run_dir = execute_batch(args, quiet=args.quiet or args.json)
        except RunInterrupted as stopped:
            return interrupted(stopped, f"assess --evidence {args.evidence}")
    try:
        assessed = api.assess(run_dir, args.evidence, abc_tolerance=args.abc_tolerance)
    except EvidenceImpossible as exc:
        print(f"{args.evidence}: {exc}", file=sys.stderr)
        print(
            "  widen numeric observations with --abc-tolerance (e.g. 0.2), lower detection/false-alarm rates "
            "that are near certain, or run more replications with --runs",
            file=sys.stderr,
        )
        return USER_ERROR
    result = assessed.assessment
    if args.json:
        print_json(
            {
                "run_dir": run_dir,
                "assessment": assessed.folder,
                "report": assessed.report,
                "seed": read_manifest(run_dir)["seed"],
                "replications": result.replications,
                "effective_replications": result.effective_replications,
                "posterior": dict(zip(result.hypotheses["hypothesis"], result.hypotheses["posterior"], strict=True)),
            }
        )
    else:
        _print_assessment(result)
        print(f"report: {assessed.report}")
        print(assessed.folder)
    advice = result.advice()
    if advice:
        print(f"warning: {advice}", file=sys.stderr)
    return failed_exit(args)


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


def _score(args: argparse.Namespace) -> int:
    scored = api.score(args.run_dir, args.resolutions, assessment=args.assessment, out=args.out)
    if args.json:
        print_json(
            {
                "run_dir": args.run_dir,
                "scores": scored.folder,
                "report": scored.report,
                "report_markdown": scored.report.with_suffix(".md"),
                "summary": scored.summary,
                "posterior_summary": scored.posterior_summary,
            }
        )
    else:
        _print_scores(scored.sets, scored.summaries, scored.assessment_about)
        print(f"report: {scored.report}")
        print(scored.folder)
    _warn_of_hindsight(scored.sets)
    return 0


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


def _warn_of_hindsight(sets: dict[str, pd.DataFrame]) -> None:
    late = sets.get("posterior", pd.DataFrame({"late_evidence": []}))
    late = late[late["late_evidence"].fillna("").astype(bool)]
    for row in late.itertuples():
        print(
            f"warning: {row.question} closed before evidence {row.late_evidence} was observed: "
            "its score given the evidence is hindsight, not skill",
            file=sys.stderr,
        )


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 < value <= 10 or math.isnan(value):
        raise argparse.ArgumentTypeError(f"must lie above 0 and at most 10, got {text}")
    return value
