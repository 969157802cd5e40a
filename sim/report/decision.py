"""The report of a decision run: which course is robust, where the choice flips, what knowing the hypothesis is worth.

Reads the replications of every course (sim/decisions/run.py), judges them
(sim/decisions/analysis.py), and writes the tables as CSV beside report.html and report.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from sim.decisions.analysis import DecisionTables, decision_tables, expected_outcomes, pairing
from sim.decisions.courses import short_label
from sim.decisions.criteria import describe
from sim.decisions.run import COURSE_COLUMN, criteria_met, read_courses
from sim.experiments.run import POINT_COLUMN
from sim.plots import decisions as plots
from sim.report.build import Report, ReportFigure, render_report
from sim.report.publish import publish
from sim.runner import store
from sim.scenario import Scenario
from sim.scenario.outcomes import NUMBER, YES_NO, OutcomeCatalogue

CSV_FILES = {
    "robustness": "robustness.csv",
    "regret": "regret.csv",
    "information": "value_of_information.csv",
    "by_hypothesis": "by_hypothesis.csv",
    "choices": "choices.csv",
    "pareto": "pareto.csv",
    "pairing": "pairing.csv",
    "outcomes": "outcomes.csv",
    "courses": "courses.csv",
}


SHOWN_COURSES = 40  # the report's figures and tables show the best this many (and the default); CSVs have all


@dataclass(frozen=True)
class DecisionAnalysis:
    """A decision run judged: its tables, and what the report needs to name things."""

    manifest: dict[str, Any]
    scenario: Scenario
    catalogue: OutcomeCatalogue
    courses: pd.DataFrame
    default: str
    met: pd.DataFrame
    tables: DecisionTables
    outcomes: pd.DataFrame

    def csv_tables(self) -> dict[str, pd.DataFrame]:
        tables = self.tables
        return {
            CSV_FILES["robustness"]: tables.robustness,
            CSV_FILES["regret"]: tables.regret,
            CSV_FILES["information"]: tables.information,
            CSV_FILES["by_hypothesis"]: tables.by_hypothesis,
            CSV_FILES["choices"]: tables.choices,
            CSV_FILES["pareto"]: tables.pareto,
            CSV_FILES["pairing"]: tables.pairing,
            CSV_FILES["outcomes"]: self.outcomes,
            CSV_FILES["courses"]: self.courses,
        }

    def summary(self) -> dict[str, Any]:
        """The decision in a few numbers, for `--json`."""
        best = self.tables.robustness.sort_values("value", ascending=False, kind="stable").iloc[0]
        information = self.tables.information.iloc[0]
        return {
            "best_course": best.course,
            "best_value": round(float(best.value), 6),
            "as_written_value": round(float(self.tables.robustness.set_index("course").loc[self.default, "value"]), 6),
            "evpi": round(float(information.evpi), 6),
        }


def analyse_decision(run_dir: Path) -> DecisionAnalysis:
    """Read a complete decision run and judge its courses (no figures: cheap)."""
    manifest = store.read_manifest(run_dir)
    if manifest.get("kind") != "decision":
        raise store.RunDirectoryError(f"{run_dir}: holds a {manifest.get('kind', 'run')}, not a decision run")
    if manifest.get("status") != "complete":
        raise store.RunDirectoryError(f"{run_dir}: run is {manifest.get('status')}, not complete; no report written")
    scenario = Scenario.model_validate(manifest["scenario_as_run"])
    catalogue = OutcomeCatalogue.from_manifest(manifest)
    weights = {name: h.weight for name, h in scenario.hypotheses.items()}
    courses = read_courses(run_dir, list(scenario.levers))
    default = str(courses.loc[courses[POINT_COLUMN] == 0, COURSE_COLUMN].iloc[0])
    met = criteria_met(run_dir, scenario)
    tables = decision_tables(met, weights, list(scenario.criteria), seed=int(manifest["seed"]))
    outcomes = _outcomes(run_dir, scenario, catalogue, courses, weights)
    return DecisionAnalysis(manifest, scenario, catalogue, courses, default, met, tables, outcomes)


def write_decision_tables(run_dir: Path) -> DecisionAnalysis:
    """Write a complete decision run's tables (CSV) into its directory."""
    analysis = analyse_decision(run_dir)
    for name, frame in analysis.csv_tables().items():
        store.atomic_write_text(run_dir / name, frame.to_csv(index=False))
    return analysis


def write_decision_report(run_dir: Path, analysis: DecisionAnalysis | None = None) -> Path:
    """Write a complete decision run's tables and report into its directory; return the HTML path."""
    analysis = analysis or write_decision_tables(run_dir)
    report = build_decision_report(analysis)
    publish(run_dir, {"report.md": report.markdown, "report.html": report.html}, report.figures)
    return run_dir / "report.html"


def build_decision_report(analysis: DecisionAnalysis) -> Report:
    manifest, scenario, catalogue, tables = analysis.manifest, analysis.scenario, analysis.catalogue, analysis.tables
    weights = {name: h.weight for name, h in scenario.hypotheses.items()}
    criteria = list(scenario.criteria)
    labels = [describe(c, catalogue) for c in scenario.criteria.values()]
    levers = list(scenario.levers)
    short = {
        row[COURSE_COLUMN]: short_label({name: row[name] for name in levers}, scenario.levers)
        for _, row in analysis.courses.iterrows()
    }
    ranked = list(tables.robustness.sort_values("value", ascending=False, kind="stable")["course"])
    shown = ranked[:SHOWN_COURSES] + ([analysis.default] if analysis.default not in ranked[:SHOWN_COURSES] else [])

    def only_shown(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["course"].isin(shown)]

    robustness, regret = only_shown(tables.robustness), only_shown(tables.regret)
    figures = [
        ReportFigure(
            "robustness",
            "Robustness by course",
            "Horizontal bars of each course's share of futures meeting every criterion, with 95% intervals, and "
            "markers for its share under each hypothesis: "
            + "; ".join(f"{short[r.course]} {r.value:.1%}" for r in robustness.itertuples()),
            plots.robustness(robustness, only_shown(tables.by_hypothesis), short),
        ),
        ReportFigure(
            "regret",
            "Regret by hypothesis",
            "Grid of each course's regret under each hypothesis, in percentage points: "
            + "; ".join(f"{short[r.course]} under {r.hypothesis} {100 * r.regret:.1f}" for r in regret.itertuples()),
            plots.regret(regret, short),
        ),
    ]
    if len(criteria) >= 2:
        front = tables.pareto.loc[tables.pareto["pareto_optimal"], "course"]
        figures.append(
            ReportFigure(
                "pareto",
                "Trade-off between criteria",
                f"Scatter of each course's share meeting '{labels[0]}' against '{labels[1]}'; Pareto-optimal over "
                "all criteria: " + ", ".join(short[c] for c in front),
                plots.pareto(tables.pareto, criteria, labels, short),
            )
        )
    context = {
        "manifest": manifest,
        "scenario": scenario,
        "catalogue": catalogue,
        "criteria": [
            {"name": name, "words": words, "criterion": c}
            for (name, c), words in zip(scenario.criteria.items(), labels, strict=True)
        ],
        "levers": scenario.levers,
        "briefing": briefing(tables, _versus_best(analysis.met, tables, criteria), analysis.default, weights, manifest),
        "robustness": robustness.sort_values("value", ascending=False).to_dict("records"),
        "regret_grid": _grid(regret, "regret"),
        "value_grid": _grid(only_shown(tables.by_hypothesis), "value"),
        "hypotheses": list(tables.choices["hypothesis"]),
        "weights": weights,
        "information": tables.information.iloc[0].to_dict(),
        "choices": tables.choices.to_dict("records"),
        "pareto": only_shown(tables.pareto).to_dict("records"),
        "pairing": only_shown(tables.pairing).to_dict("records"),
        "outcome_rows": _outcome_rows(only_shown(analysis.outcomes), catalogue),
        "default": analysis.default,
        "figures": figures,
        "criterion_names": criteria,
        "hidden": len(ranked) - len(shown),
        "shown": len(shown),
    }
    return render_report("decision", context, figures)


def _versus_best(met: pd.DataFrame, tables: DecisionTables, criteria: list[str]) -> pd.DataFrame:
    best = tables.robustness.sort_values("value", ascending=False, kind="stable").iloc[0].course
    return pairing(met, best, criteria)


def briefing(
    tables: DecisionTables,
    versus_best: pd.DataFrame,
    default: str,
    weights: dict[str, float],
    manifest: dict[str, Any],
) -> list[str]:
    """Plain sentences an analyst can read aloud: the robust course, where the choice flips, what knowing the
    hypothesis is worth."""
    kind = manifest["scenario_as_run"].get("report", {}).get("hypothesis_label", "hypothesis")
    robust = tables.robustness.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    best = robust.iloc[0]
    futures = manifest["replications_per_course"]
    sentences = []
    if tables.unsampled:
        sentences.append(
            f"Hypothesis {', '.join(tables.unsampled)} drew no replication, so its prior weight is spread over the "
            "others: raise --runs to include it."
        )
    if len(robust) == 1:
        return [
            *sentences,
            f"Only one course of action was evaluated ('{best.course}'): there is nothing to choose between. "
            f"It meets every criterion in {best.value:.1%} of {futures:,} futures.",
        ]
    if best.value == 0:
        return [*sentences, f"No course meets every criterion in any of the {futures:,} futures: relax the criteria."]
    sentences.append(
        f"Of {len(robust)} courses of action, each run on the same {futures:,} futures, "
        f"'{best.course}' meets every criterion most often: in {best.value:.1%} of futures "
        f"(95% interval {best.value_ci_low:.1%} to {best.value_ci_high:.1%}, simulation error only; the spread of "
        "futures already carries the uncertainty about the hypotheses and parameters)."
    )
    if best.course != default:
        difference, low, high = tables.difference(best.course, default)
        status_quo = robust.set_index("course").loc[default, "value"]
        sentences.append(
            f"The scenario as written meets them in {status_quo:.1%}; the gain of {_points(difference)} has a "
            f"paired 95% interval of {_points(low)} to {_points(high)}."
        )
    runner_up = robust.iloc[1]
    same = versus_best.set_index("course").loc[runner_up.course, "same_result"]
    difference, low, high = tables.difference(runner_up.course, best.course)
    if same == 1:
        sentences.append(
            f"'{runner_up.course}' came out the same in every replication: the options it takes differently "
            "change nothing the criteria see."
        )
    elif high >= 0:
        sentences.append(
            f"The next best, '{runner_up.course}' ({runner_up.value:.1%}), is within simulation error of it "
            f"(paired difference {_points(difference)}, 95% interval {_points(low)} to {_points(high)}): "
            "more replications (--runs) would be needed to separate them."
        )
    regret = tables.regret[tables.regret["course"] == best.course]
    flips = tables.choices.set_index("hypothesis").loc[regret.loc[regret["regret_ci_low"] > 0, "hypothesis"]]
    states = list(tables.choices["hypothesis"])
    if flips.empty and len(states) > 1:
        sentences.append(
            f"Under every {kind} it is the best course or within simulation error of the best: "
            f"the choice does not hinge on which {kind} holds."
        )
    for hypothesis, row in flips.iterrows():
        behind = regret.set_index("hypothesis").loc[hypothesis]
        sentences.append(
            f"The choice flips if the {str(hypothesis).replace('_', ' ')} hypothesis holds "
            f"(prior weight {weights[hypothesis]:.0%}): then '{row.best_course}' is best, meeting every criterion "
            f"in {row.value:.1%} of those futures, {100 * behind.regret:.1f} points ahead (95% interval "
            f"{100 * behind.regret_ci_low:.1f} to {100 * behind.regret_ci_high:.1f})."
        )
    minimax = tables.robustness.sort_values(["max_regret", "value"], ascending=[True, False], kind="stable").iloc[0]
    if minimax.course != best.course:
        sentences.append(
            f"Judged by its worst case instead, '{minimax.course}' has the smallest maximum regret "
            f"({100 * minimax.max_regret:.1f} points, under {_words(tables.regret, minimax.course)}), against "
            f"{100 * best.max_regret:.1f} for the course above."
        )
    info = tables.information.iloc[0]
    if len(states) == 1:
        sentences.append(f"With one {kind} there is nothing to learn about which holds: no value of information.")
    elif flips.empty:
        sentences.append(
            f"Perfect information about which {kind} holds would be worth {100 * info.evpi:.1f} points (95% interval "
            f"{100 * info.evpi_ci_low:.1f} to {100 * info.evpi_ci_high:.1f}, simulation error only): within "
            "simulation error of nothing, since no hypothesis changes the choice beyond noise."
        )
    else:
        sentences.append(
            f"Knowing which {kind} holds would raise the share of futures meeting every criterion from "
            f"{info.value_without_information:.1%} to {info.value_with_perfect_information:.1%}: perfect "
            f"information about it is worth {100 * info.evpi:.1f} points (95% interval "
            f"{100 * info.evpi_ci_low:.1f} to {100 * info.evpi_ci_high:.1f}, simulation error only)."
        )
    return sentences


def _points(share: float) -> str:
    """A difference of two shares in percentage points, signed: '+7.6 points'."""
    return f"{100 * share:+.1f} points"


def _words(regret: pd.DataFrame, course: str) -> str:
    rows = regret[regret["course"] == course]
    worst = rows.loc[rows["regret"].idxmax(), "hypothesis"]
    return f"the {str(worst).replace('_', ' ')} hypothesis"


def _grid(table: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    grid = table.pivot(index="course", columns="hypothesis", values=column)
    order = list(dict.fromkeys(table["course"]))
    return [{"course": course, "values": grid.loc[course].to_dict()} for course in order]


def _outcomes(
    run_dir: Path,
    scenario: Scenario,
    catalogue: OutcomeCatalogue,
    courses: pd.DataFrame,
    weights: dict[str, float],
) -> pd.DataFrame:
    """Expected outcomes per course and hypothesis: every criterion's outcome, then the report's headline."""
    wanted = [c.outcome for c in scenario.criteria.values()] + list(scenario.report.headline)
    names = [n for n in dict.fromkeys(wanted) if n in catalogue and catalogue[n].kind in (YES_NO, NUMBER)]
    rows = pq.read_table(run_dir / store.REPLICATIONS, columns=[POINT_COLUMN, "hypothesis", *names]).to_pandas()
    labels = courses.set_index(POINT_COLUMN)[COURSE_COLUMN]
    rows.insert(0, "course", rows.pop(POINT_COLUMN).map(labels))
    yes_no = {n for n in names if catalogue[n].kind == YES_NO}
    return expected_outcomes(rows, weights, names, yes_no)


def _outcome_rows(outcomes: pd.DataFrame, catalogue: OutcomeCatalogue) -> list[dict[str, Any]]:
    """The overall rows (all hypotheses) of each outcome, one row per outcome with a cell per course."""
    overall = outcomes[outcomes["hypothesis"] == "all"]
    rows = []
    for outcome, part in overall.groupby("outcome", sort=False):
        spec = catalogue[outcome]
        rows.append(
            {
                "outcome": outcome,
                "label": spec.label,
                "unit": spec.unit,
                "probability": spec.kind == YES_NO,
                "cells": part.to_dict("records"),
            }
        )
    return rows
