"""The comparison report: scenarios side by side, paired differences to the first, overlays (no I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import comparison, summary
from sim.forecast.questions import forecast_table, questions_of
from sim.plots import comparison as comparison_plots
from sim.plots import timelines
from sim.report.build import Report, ReportFigure, render_report
from sim.report.plan import file_name, report_plan
from sim.scenario.outcomes import OutcomeCatalogue

TIMELINE_FIGURES = 3  # dated outcomes drawn per scenario side by side, from the reference's timeline


@dataclass(frozen=True)
class Compared:
    """One scenario's run in a comparison."""

    name: str
    manifest: dict[str, Any]
    table: pd.DataFrame


def build_comparison(runs: Sequence[Compared]) -> tuple[Report, pd.DataFrame, pd.DataFrame]:
    """The comparison report, the side-by-side table and the table of differences to the first run.

    What is compared comes from the first (reference) run's scenario: its yes/no and numeric
    outcomes that every run has, its headline for the differences, its timeline and distributions.
    """
    names = [run.name for run in runs]
    paired = _paired(runs)
    catalogue = OutcomeCatalogue.from_manifest(runs[0].manifest)
    shared = [c for c in runs[0].table.columns if all(c in run.table.columns for run in runs[1:])]
    plan = report_plan(runs[0].manifest["scenario_as_run"], catalogue, shared)
    compared = [*plan.probabilities, *plan.numeric]
    # The given outcomes are over the replications where `given` happened, as in the run report.
    # Those differ between scenarios, so their differences are independent samples, never paired.
    given_tables = [_given(run.table, plan.given) for run in runs]
    side = pd.concat(
        [
            comparison.side_by_side([run.table for run in runs], names, compared).assign(given=""),
            comparison.side_by_side(given_tables, names, plan.given_outcomes).assign(given=plan.given or ""),
        ],
        ignore_index=True,
    )
    differences = {
        run.name: pd.concat(
            [
                comparison.paired_differences(runs[0].table, run.table, paired, compared).assign(given=""),
                comparison.paired_differences(given_tables[0], given_table, False, plan.given_outcomes).assign(
                    given=plan.given or ""
                ),
            ],
            ignore_index=True,
        )
        for run, given_table in zip(runs[1:], given_tables[1:], strict=True)
    }
    long_differences = pd.concat(
        [frame.assign(scenario=name, reference=names[0]) for name, frame in differences.items()], ignore_index=True
    )
    shown = plan.headline
    figures = [
        ReportFigure(
            "probabilities",
            "Outcome probabilities by scenario",
            "Dot plot of each headline outcome's probability per scenario with 95% intervals: "
            + "; ".join(
                f"{plan.label(row['outcome'])}: " + ", ".join(f"{n} {row[n]:.1%}" for n in names)
                for row in side[side["outcome"].isin(shown)].to_dict("records")
            ),
            comparison_plots.probabilities_side_by_side(side[side["outcome"].isin(shown)], names, plan.label),
        ),
        ReportFigure(
            "differences",
            f"Differences to {names[0]}",
            "Interval plot of the difference of each headline outcome to the reference scenario: "
            + "; ".join(
                f"{name} {plan.label(row.outcome)} {row.difference:+.3g}"
                for name, frame in differences.items()
                for row in frame[frame["outcome"].isin(shown)].itertuples()
            ),
            comparison_plots.paired_difference_plot(differences, shown, plan.label),
        ),
    ]
    for outcome in plan.timeline[:TIMELINE_FIGURES]:
        date_column = str(catalogue[outcome].date_column)
        label = plan.label(outcome)
        figures.append(
            ReportFigure(
                f"timeline_{file_name(outcome)}",
                f"When {label} first happens, by scenario",
                f"Step curves of the cumulative probability of {label}, one per scenario, ending at "
                + ", ".join(f"{run.name} {run.table[outcome].mean():.1%}" for run in runs),
                timelines.cumulative_timelines(
                    {run.name: _curve(run, date_column) for run in runs}, f"Probability of {label}, by date"
                ),
            )
        )
    given_label = plan.label(plan.given) if plan.given else ""
    drawn = [(outcome, [run.table for run in runs], "") for outcome in plan.distributions]
    drawn += [(outcome, given_tables, f"given {given_label}") for outcome in plan.given_outcomes]
    for outcome, tables, over in drawn:
        samples = {name: table[outcome].to_numpy(dtype=float) for name, table in zip(names, tables, strict=True)}
        if not all((~np.isnan(values)).any() for values in samples.values()):
            continue
        label = plan.label(outcome)
        over_text = f", over the replications where {given_label} happened" if over else ""
        figures.append(
            ReportFigure(
                f"cdf_{file_name(outcome)}",
                f"Distribution of {label}" + (f" ({over})" if over else ""),
                f"Empirical cumulative distributions of {label}{over_text}, one line per scenario; medians "
                + ", ".join(
                    f"{name} {np.nanmedian(values):.3g} (n={int((~np.isnan(values)).sum()):,})"
                    for name, values in samples.items()
                ),
                comparison_plots.overlaid_cdfs(
                    samples, label + (f" ({plan.unit(outcome)})" if plan.unit(outcome) else ""), over
                ),
            )
        )
    narrowing = long_differences["narrowing"].replace([np.inf], np.nan).dropna()
    context = {
        "runs": runs,
        "names": names,
        "paired": paired,
        "side": side.to_dict("records"),
        "differences": {name: frame.to_dict("records") for name, frame in differences.items()},
        "median_narrowing": float(narrowing.median()) if len(narrowing) else float("nan"),
        "figures": figures,
        "forecasts": _forecasts(runs),
        "catalogue": catalogue,
        "given_label": given_label,
    }
    report = render_report("compare", context, figures)
    return report, side, long_differences


def _forecasts(runs: Sequence[Compared]) -> dict[str, list[dict[str, Any]]]:
    """The forecast questions of each scenario that asks any, by scenario name."""
    forecasts = {}
    for run in runs:
        questions = questions_of(run.manifest["scenario_as_run"], OutcomeCatalogue.from_manifest(run.manifest))
        if questions:
            forecasts[run.name] = forecast_table(questions, run.table).to_dict("records")
    return forecasts


def _given(table: pd.DataFrame, given: str | None) -> pd.DataFrame:
    """The replications in which `given` happened (none without a `given`)."""
    return table[table[given].astype(bool)] if given else table.iloc[:0]


def _paired(runs: Sequence[Compared]) -> bool:
    """Replication i of every run shares its random stream: same seed, same count."""
    first = runs[0].manifest
    return all(run.manifest["seed"] == first["seed"] and len(run.table) == len(runs[0].table) for run in runs)


def _curve(run: Compared, column: str) -> pd.DataFrame:
    scenario = run.manifest["scenario_as_run"]
    start, horizon = dt.date.fromisoformat(scenario["start"]), dt.date.fromisoformat(scenario["horizon"])
    return summary.cumulative_probability(run.table, column, start, horizon)
