"""Turn a run's manifest and replications table into report text and figures (no I/O).

The Markdown and HTML reports render the same context from templates/; HTML escapes
all scenario text, so a title holding markup is shown, not run.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from sim.analysis import summary
from sim.plots import figures

HEADLINE_OUTCOMES = ("ceasefire", "sanctions", "offensive", "objective_reached", "oreshnik_operational")
# Outcomes that only mean something once an offensive has begun, summarised over those replications.
OFFENSIVE_OUTCOMES = ["force_ratio", "warning_days", "combat_days", "advance_km", "attacker_losses", "defender_losses"]
GROUPS = (("hypothesis", "intent hypothesis"), ("summit_outcome", "summit outcome"))


@dataclass(frozen=True)
class ReportFigure:
    name: str
    title: str
    alt: str
    figure: Figure

    def png_base64(self) -> str:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass(frozen=True)
class Report:
    markdown: str
    html: str
    figures: list[ReportFigure]


def build_report(manifest: dict[str, Any], table: pd.DataFrame) -> Report:
    """The report of one run: its numbers, per-group readings, figures and sources."""
    scenario = manifest["scenario_as_run"]
    start, horizon = dt.date.fromisoformat(scenario["start"]), dt.date.fromisoformat(scenario["horizon"])
    probabilities = summary.probability_table(table)
    numeric = summary.numeric_table(table)
    offensive_curve = summary.cumulative_probability(table, "offensive_date", start, horizon)
    report_figures = [
        ReportFigure(
            "outcome_probabilities",
            "Outcome probabilities",
            "Bar chart of the probability of each yes/no outcome with 95% Wilson intervals: "
            + "; ".join(f"{r.outcome} {r.probability:.1%}" for r in probabilities.itertuples()),
            figures.outcome_probabilities(probabilities),
        ),
        ReportFigure(
            "troop_distribution",
            "Troops in the exercise",
            "Histogram of Zapad-2025 troop numbers across replications, all participants and those "
            "toward Ukraine's northern border",
            figures.troop_distribution(table),
        ),
        ReportFigure(
            "offensive_timeline",
            "When an offensive starts",
            "Step curve of the cumulative probability that an offensive from Belarus has started, "
            f"from {start} to {horizon}, "
            f"ending at {offensive_curve['probability'].iloc[-1]:.1%}",
            figures.cumulative_timeline(offensive_curve, "offensive"),
        ),
    ]
    context = {
        "manifest": manifest,
        "scenario": scenario,
        "headline": [r for r in probabilities.itertuples() if r.outcome in HEADLINE_OUTCOMES],
        "probabilities": list(probabilities.itertuples()),
        "numeric": list(numeric.itertuples()),
        "given_offensive": list(summary.numeric_table(table[table["offensive"]], OFFENSIVE_OUTCOMES).itertuples()),
        "combat_ends": table.loc[table["offensive"], "combat_end"].value_counts().to_dict(),
        "groups": [_group_view(table, column, label) for column, label in GROUPS],
        "figures": report_figures,
        "claims": scenario.get("claims", {}),
        "percentiles": summary.PERCENTILES,
    }
    return Report(
        markdown=_templates(autoescape=False).get_template("report.md.j2").render(context),
        html=_templates(autoescape=True).get_template("report.html.j2").render(context),
        figures=report_figures,
    )


def _group_view(table: pd.DataFrame, column: str, label: str) -> dict[str, Any]:
    outcomes = [name for name in HEADLINE_OUTCOMES if name in table.columns]
    frame = summary.probabilities_by(table, column, outcomes)
    return {"column": column, "label": label, "outcomes": outcomes, "rows": frame.to_dict("records")}


def _templates(autoescape: bool) -> Environment:
    environment = Environment(
        loader=PackageLoader("sim.report", "templates"),
        autoescape=select_autoescape(default=autoescape, default_for_string=autoescape),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["pct"] = lambda value: "n/a" if pd.isna(value) else f"{value:.1%}"
    environment.filters["interval"] = lambda pair: "n/a" if pd.isna(pair[0]) else f"{pair[0]:.1%} to {pair[1]:.1%}"
    environment.filters["num"] = _format_number
    environment.filters["label"] = lambda name: str(name).replace("_", " ")
    return environment


def _format_number(value: Any) -> str:
    if pd.isna(value):
        return "n/a"
    value = float(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
