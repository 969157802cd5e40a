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

OVERLAID_OUTCOMES = ("exercise_troops", "northern_troops", "force_ratio", "warning_days", "advance_km")
DIFFERENCE_OUTCOMES = (
    "ceasefire",
    "sanctions",
    "belarus_joins",
    "offensive",
    "objective_reached",
    "oreshnik_operational",
)


@dataclass(frozen=True)
class Compared:
    """One scenario's run in a comparison."""

    name: str
    manifest: dict[str, Any]
    table: pd.DataFrame


def build_comparison(runs: Sequence[Compared]) -> tuple[Report, pd.DataFrame, pd.DataFrame]:
    """The comparison report, the side-by-side table and the table of differences to the first run."""
    names = [run.name for run in runs]
    paired = _paired(runs)
    side = comparison.side_by_side([run.table for run in runs], names)
    differences = {run.name: comparison.paired_differences(runs[0].table, run.table, paired) for run in runs[1:]}
    long_differences = pd.concat(
        [frame.assign(scenario=name, reference=names[0]) for name, frame in differences.items()], ignore_index=True
    )
    shown = [o for o in DIFFERENCE_OUTCOMES if o in side["outcome"].tolist()]
    figures = [
        ReportFigure(
            "probabilities",
            "Outcome probabilities by scenario",
            "Dot plot of each yes/no outcome's probability per scenario with 95% intervals: "
            + "; ".join(
                f"{row['outcome']}: " + ", ".join(f"{n} {row[n]:.1%}" for n in names)
                for row in side[side["kind"] == "probability"].to_dict("records")
            ),
            comparison_plots.probabilities_side_by_side(side, names),
        ),
        ReportFigure(
            "differences",
            f"Differences to {names[0]}",
            "Interval plot of the difference of each outcome to the reference scenario: "
            + "; ".join(
                f"{name} {row.outcome} {row.difference:+.3g}"
                for name, frame in differences.items()
                for row in frame[frame["outcome"].isin(shown)].itertuples()
            ),
            comparison_plots.paired_difference_plot(differences, shown),
        ),
        ReportFigure(
            "offensive_timeline",
            "When an offensive starts, by scenario",
            "Step curves of the cumulative probability that an offensive has started, one per scenario, ending at "
            + ", ".join(f"{run.name} {run.table['offensive'].mean():.1%}" for run in runs),
            timelines.cumulative_timelines(
                {run.name: _curve(run, "offensive_date") for run in runs}, "Probability that an offensive has started"
            ),
        ),
        *[
            ReportFigure(
                f"cdf_{outcome}",
                f"Distribution of {outcome.replace('_', ' ')}",
                f"Empirical cumulative distributions of {outcome.replace('_', ' ')}, one line per scenario; medians "
                + ", ".join(f"{run.name} {np.nanmedian(run.table[outcome].to_numpy(dtype=float)):.3g}" for run in runs),
                comparison_plots.overlaid_cdfs(
                    {run.name: run.table[outcome].to_numpy(dtype=float) for run in runs}, outcome
                ),
            )
            for outcome in OVERLAID_OUTCOMES
            if all(run.table[outcome].notna().any() for run in runs)
        ],
    ]
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
    }
    report = render_report("compare", context, figures)
    return report, side, long_differences


def _forecasts(runs: Sequence[Compared]) -> dict[str, list[dict[str, Any]]]:
    """The forecast questions of each scenario that asks any, by scenario name."""
    forecasts = {}
    for run in runs:
        questions = questions_of(run.manifest["scenario_as_run"])
        if questions:
            forecasts[run.name] = forecast_table(questions, run.table).to_dict("records")
    return forecasts


def _paired(runs: Sequence[Compared]) -> bool:
    """Replication i of every run shares its random stream: same seed, same count."""
    first = runs[0].manifest
    return all(run.manifest["seed"] == first["seed"] and len(run.table) == len(runs[0].table) for run in runs)


def _curve(run: Compared, column: str) -> pd.DataFrame:
    scenario = run.manifest["scenario_as_run"]
    start, horizon = dt.date.fromisoformat(scenario["start"]), dt.date.fromisoformat(scenario["horizon"])
    return summary.cumulative_probability(run.table, column, start, horizon)
