"""Turn a run's manifest and replications table into report text and figures (no I/O).

The Markdown and HTML reports render the same context from templates/; HTML escapes
all scenario text, so a title holding markup is shown, not run.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
from dataclasses import dataclass
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from sim.analysis import provenance, summary
from sim.forecast.questions import forecast_table, questions_of
from sim.plots import distributions, outcomes, timelines

HEADLINE_OUTCOMES = ("ceasefire", "sanctions", "offensive", "objective_reached", "oreshnik_operational")
# Outcomes that only mean something once an offensive has begun, summarised over those replications.
OFFENSIVE_OUTCOMES = ["force_ratio", "warning_days", "combat_days", "advance_km", "attacker_losses", "defender_losses"]
GROUPS = (("hypothesis", "intent hypothesis"), ("summit_outcome", "summit outcome"))
TIMELINE_EVENTS = {
    "ceasefire": "ceasefire_date",
    "sanctions": "sanctions_date",
    "offensive": "offensive_date",
    "oreshnik operational": "oreshnik_date",
}
CONVERGENCE_OUTCOME = "offensive"


@dataclass(frozen=True)
class ReportFigure:
    name: str
    title: str
    alt: str
    figure: Figure

    @functools.cached_property
    def png(self) -> bytes:
        """The figure as PNG, rendered once for both the HTML and plots/ (drawing is the slow part)."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return buffer.getvalue()

    def png_base64(self) -> str:
        return base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class Report:
    markdown: str
    html: str
    figures: list[ReportFigure]


def build_report(manifest: dict[str, Any], table: pd.DataFrame, sample: pd.DataFrame | None = None) -> Report:
    """The report of one run: its numbers, per-group readings, figures and sources.

    `table` needs the outcome columns of every replication; `sample`, the leading rows with
    the drawn parameters too, for the provenance table (default: `table` itself).
    """
    scenario = manifest["scenario_as_run"]
    start, horizon = dt.date.fromisoformat(scenario["start"]), dt.date.fromisoformat(scenario["horizon"])
    probabilities = summary.probability_table(table)
    offensives = table[table["offensive"]]
    groups = [_group_view(table, column, text) for column, text in GROUPS]
    curves = {
        name: summary.cumulative_probability(table, column, start, horizon) for name, column in TIMELINE_EVENTS.items()
    }
    numeric_names = [n for n in summary.outcome_columns(table, "number") if n not in OFFENSIVE_OUTCOMES]
    samples = {name: table[name].to_numpy(dtype=float) for name in numeric_names}
    samples.update(
        {f"{name} (given an offensive)": offensives[name].to_numpy(dtype=float) for name in OFFENSIVE_OUTCOMES}
    )
    report_figures = [
        ReportFigure(
            "outcome_probabilities",
            "Outcome probabilities",
            "Bar chart of the probability of each yes/no outcome with 95% Wilson intervals: "
            + "; ".join(f"{r.outcome} {r.probability:.1%}" for r in probabilities.itertuples()),
            outcomes.outcome_probabilities(probabilities),
        ),
        ReportFigure(
            "timeline",
            "Over time",
            "Step curves of the cumulative probability, from "
            f"{start} to {horizon}, of: "
            + "; ".join(f"{name} (ending at {curve['probability'].iloc[-1]:.1%})" for name, curve in curves.items()),
            timelines.cumulative_timelines(curves, "Probability that each has happened, by date"),
        ),
        *[
            ReportFigure(
                f"by_{group['column']}",
                f"Outcomes by {group['label']}",
                f"Grouped bars of the probabilities of {', '.join(group['outcomes'])} within each {group['label']}: "
                + "; ".join(
                    f"{row[group['column']]}: " + ", ".join(f"{o} {row[o]:.1%}" for o in group["outcomes"])
                    for row in group["rows"]
                ),
                outcomes.probabilities_by_group(pd.DataFrame(group["rows"]), group["column"], group["outcomes"]),
            )
            for group in groups
        ],
        ReportFigure(
            "troop_distribution",
            "Troops in the exercise",
            "Histogram of Zapad-2025 troop numbers across replications, all participants and those "
            "toward Ukraine's northern border",
            distributions.troop_distribution(table),
        ),
        ReportFigure(
            "distributions",
            "Distributions of the numeric outcomes",
            "Small multiples, one per numeric outcome, each a histogram with its empirical cumulative "
            "distribution: " + ", ".join(samples),
            distributions.outcome_distributions(samples),
        ),
        ReportFigure(
            "convergence",
            f"Convergence of P({CONVERGENCE_OUTCOME})",
            f"Line of the running estimate of the probability of {CONVERGENCE_OUTCOME} against the number of "
            f"replications (log scale) with its 95% interval, ending at {table[CONVERGENCE_OUTCOME].mean():.1%}",
            timelines.convergence(table[CONVERGENCE_OUTCOME].to_numpy(dtype=float), CONVERGENCE_OUTCOME),
        ),
    ]
    questions = questions_of(scenario)
    context = {
        "manifest": manifest,
        "scenario": scenario,
        "forecasts": forecast_table(questions, table).to_dict("records") if questions else [],
        "headline": [r for r in probabilities.itertuples() if r.outcome in HEADLINE_OUTCOMES],
        "probabilities": list(probabilities.itertuples()),
        "numeric": list(summary.numeric_table(table, numeric_names).itertuples()),
        "given_offensive": list(summary.numeric_table(offensives, OFFENSIVE_OUTCOMES).itertuples()),
        "offensive_count": len(offensives),
        "combat_ends": offensives["combat_end"].value_counts().to_dict() if len(offensives) else {},
        "groups": groups,
        "figures": report_figures,
        "claims": scenario.get("claims", {}),
        "provenance": _provenance_rows(scenario, table if sample is None else sample),
        "percentiles": summary.PERCENTILES,
        "bootstrap_limit": summary.BOOTSTRAP_LIMIT,
    }
    return render_report("report", context, report_figures)


def _group_view(table: pd.DataFrame, column: str, text: str) -> dict[str, Any]:
    outcome_names = [name for name in HEADLINE_OUTCOMES if name in table.columns]
    frame = summary.probabilities_by(table, column, outcome_names)
    means = summary.means_by(table, column, summary.outcome_columns(table, "number"))
    return {
        "column": column,
        "label": text,
        "outcomes": outcome_names,
        "rows": frame.to_dict("records"),
        "values": [str(value) for value in frame[column]],
        "means": means.to_dict("records"),
    }


def _provenance_rows(scenario: dict[str, Any], table: pd.DataFrame) -> list[dict[str, Any]]:
    if not any(column.startswith(summary.PARAMETER_PREFIX) for column in table.columns):
        return []
    return provenance.provenance_table(scenario, table).to_dict("records")


def render_report(template: str, context: dict[str, Any], figures: list[ReportFigure]) -> Report:
    """A report from `<template>.md.j2` and `<template>.html.j2` (the HTML escapes all text)."""
    return Report(
        markdown=templates(autoescape=False).get_template(f"{template}.md.j2").render(context),
        html=templates(autoescape=True).get_template(f"{template}.html.j2").render(context),
        figures=figures,
    )


def templates(autoescape: bool) -> Environment:
    """The report templates, with the filters they format numbers with."""
    environment = Environment(
        loader=PackageLoader("sim.report", "templates"),
        autoescape=select_autoescape(default=autoescape, default_for_string=autoescape),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["pct"] = lambda value: "n/a" if pd.isna(value) else f"{value:.1%}"
    environment.filters["signed_pct"] = lambda value: "n/a" if pd.isna(value) else f"{value:+.1%}"
    environment.filters["interval"] = lambda pair: "n/a" if pd.isna(pair[0]) else f"{pair[0]:.1%} to {pair[1]:.1%}"
    environment.filters["num"] = format_number
    environment.filters["signed_num"] = lambda value: (
        "n/a" if pd.isna(value) else ("+" if value >= 0 else "") + format_number(value)
    )
    environment.filters["label"] = lambda name: str(name).replace("_", " ")
    environment.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    environment.filters["posterior_view"] = posterior_view
    environment.filters["reading"] = describe_reading
    return environment


def format_number(value: Any) -> str:
    if pd.isna(value):
        return "n/a"
    value = float(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def posterior_view(row: dict[str, Any]) -> dict[str, Any]:
    """A forecast row of an assessment with its posterior columns in place of the prior ones."""
    view = dict(row)
    for name in ("forecast", "ci_low", "ci_high", "p5", "p50", "p95"):
        view[name] = row.get(f"posterior_{name}")
    return view


def describe_reading(observation: Any) -> str:
    """What an evidence file's observation says and how much it is trusted, in words."""
    subject = observation.outcome or f"event {observation.event}"
    if observation.observed is not None:
        detection, false_alarm = observation.rates
        seen = "yes" if observation.observed else "no"
        return f"{subject} seen as {seen} (detection rate {detection:g}, false-alarm rate {false_alarm:g})"
    if observation.between is not None:
        return f"{subject} between {format_number(observation.between[0])} and {format_number(observation.between[1])}"
    error = (
        f"normal error sd {observation.sd:g}" if observation.sd else f"lognormal error log-sd {observation.log_sd:g}"
    )
    return f"{subject} measured at {format_number(observation.value)} ({error})"
