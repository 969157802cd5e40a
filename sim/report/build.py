"""Turn a run's manifest and replications table into report text and figures (no I/O).

The Markdown and HTML reports render the same context from templates/; HTML escapes
all scenario text, so a title holding markup is shown, not run.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import io
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from matplotlib.figure import Figure

from sim.analysis import briefing, flows, provenance, summary
from sim.analysis.targets import GAP_FLAG, target_table
from sim.forecast.questions import forecast_table, questions_of
from sim.plots import distributions, outcomes, timelines
from sim.plots import flows as flow_plots
from sim.report.plan import ReportPlan, column_label, file_name, report_plan
from sim.scenario.outcomes import OutcomeCatalogue

NOISE = 1e-9  # smaller magnitudes in a report's tables are float rounding, printed as 0


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
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # file name -> table, written as CSV
    briefing: str = ""  # a run report's briefing.md (empty for the other reports)


def build_report(
    manifest: dict[str, Any],
    table: pd.DataFrame,
    sample: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
) -> Report:
    """The report of one run: its numbers, per-group readings, figures and sources.

    `table` needs the outcome columns of every replication (and the `param.NAME` columns
    the scenario's report groups by); `sample`, the leading rows with the drawn parameters
    too, for the provenance table (default: `table` itself); `events`, the event log's
    replication, date, component and event columns, for the paths through each actor's
    states (left out without it).
    """
    scenario = manifest["scenario_as_run"]
    catalogue = OutcomeCatalogue.from_manifest(manifest)
    plan = report_plan(scenario, catalogue, list(table.columns))
    start, horizon = dt.date.fromisoformat(scenario["start"]), dt.date.fromisoformat(scenario["horizon"])
    probabilities = summary.probability_table(table, plan.probabilities)
    given = table[table[plan.given].astype(bool)] if plan.given else table.iloc[:0]
    given_label = plan.label(plan.given) if plan.given else ""
    groups = [_group_view(table, given, plan, group.column, group.label) for group in plan.groups]
    curves = {
        plan.label(name): summary.cumulative_probability(table, str(catalogue[name].date_column), start, horizon)
        for name in plan.timeline
    }
    panels = [
        distributions.Panel(plan.label(name), table[name].to_numpy(dtype=float), plan.unit(name))
        for name in plan.distributions
    ] + [
        distributions.Panel(
            plan.label(name), given[name].to_numpy(dtype=float), plan.unit(name), f"given {given_label}"
        )
        for name in plan.given_outcomes
    ]
    report_figures = [
        ReportFigure(
            "outcome_probabilities",
            "Outcome probabilities",
            "Bar chart of the probability of each yes/no outcome, on a square-root scale, with 95% Wilson "
            "intervals (simulation error only): "
            + "; ".join(f"{plan.label(r.outcome)} {r.probability:.1%}" for r in probabilities.itertuples()),
            outcomes.outcome_probabilities(
                probabilities.assign(outcome=[plan.label(n) for n in probabilities["outcome"]])
            ),
        ),
    ]
    if curves:
        report_figures.append(
            ReportFigure(
                "timeline",
                "Over time",
                "Step curves of the cumulative probability (square-root scale, 95% bands of simulation error), from "
                f"{start} to {horizon}, of: "
                + "; ".join(
                    f"{name} (ending at {curve['probability'].iloc[-1]:.1%})" for name, curve in curves.items()
                ),
                timelines.cumulative_timelines(curves, "Probability that each has happened, by date"),
            )
        )
    for group in groups:
        report_figures.append(
            ReportFigure(
                f"by_{file_name(group['column'])}",
                f"Outcomes by {group['label']}",
                f"Grouped bars of the probabilities of {', '.join(plan.label(o) for o in group['outcomes'])} "
                f"within each {group['label']}: "
                + "; ".join(
                    f"{row[group['column']]}: " + ", ".join(f"{plan.label(o)} {row[o]:.1%}" for o in group["outcomes"])
                    for row in group["rows"]
                ),
                outcomes.probabilities_by_group(
                    pd.DataFrame(group["rows"]), group["column"], group["outcomes"], plan.label
                ),
            )
        )
    if panels:
        report_figures.append(
            ReportFigure(
                "distributions",
                "Distributions of the numeric outcomes",
                "Small multiples, one per numeric outcome, each a histogram with its empirical cumulative "
                "distribution: "
                + ", ".join(
                    panel.title
                    + (f" ({panel.unit})" if panel.unit else "")
                    + (f" ({panel.over})" if panel.over else "")
                    for panel in panels
                ),
                distributions.outcome_distributions(panels),
            )
        )
    if plan.convergence:
        name = plan.label(plan.convergence)
        values = table[plan.convergence].to_numpy(dtype=float)
        report_figures.append(
            ReportFigure(
                "convergence",
                f"Convergence of P({name})",
                f"Line of the running estimate of the probability of {name} against the number of "
                f"replications (log scale) with its 95% interval (simulation error), ending at {values.mean():.1%}",
                timelines.convergence(values, name),
            )
        )
    flow_table, flow_figures = _flows(scenario, catalogue, table, events)
    given_only = [
        name
        for name in plan.categories
        if plan.given and not table[name][~table[plan.given].astype(bool)].notna().any()
    ]
    questions = questions_of(scenario, catalogue)
    targets = target_table(scenario, catalogue, table)
    sample = table if sample is None else sample
    branch = next((g.column for g in plan.groups if g.column != "hypothesis" and g.column in table), None)
    context = {
        "briefing": briefing.build_briefing(table, sample, plan.headline, branch),
        "null_permutations": briefing.NULL_PERMUTATIONS,
        "min_share": briefing.MIN_SHARE,
        "failures": int(manifest.get("failures") or 0),
        "manifest": manifest,
        "scenario": scenario,
        "catalogue": catalogue,
        "forecasts": forecast_table(questions, table).to_dict("records") if questions else [],
        "targets": targets.to_dict("records"),
        "gap_flag": GAP_FLAG,
        "headline": sorted(
            (r for r in probabilities.itertuples() if r.outcome in plan.headline),
            key=lambda r: plan.headline.index(r.outcome),
        ),
        "probabilities": list(probabilities.itertuples()),
        "numeric": list(summary.numeric_table(table, plan.numeric).itertuples()),
        "given": plan.given,
        "given_label": given_label,
        "given_numeric": list(summary.numeric_table(given, plan.given_outcomes).itertuples()),
        "given_count": len(given),
        "endings": [_actor_ending(scenario, catalogue, table, name) for name in plan.actors],
        "categories": [_category_shares(plan, table, name) for name in plan.categories if name not in given_only],
        "given_categories": [_category_shares(plan, given, name) for name in given_only],
        "groups": groups,
        "figures": report_figures,
        "flow_figures": flow_figures,
        "claims": scenario.get("claims", {}),
        "provenance": _provenance_rows(scenario, sample),
        "provenance_rows": min(len(sample), provenance.CORRELATION_ROWS),
        "percentiles": summary.PERCENTILES,
        "bootstrap_limit": summary.BOOTSTRAP_LIMIT,
    }
    tables = {"flows.csv": flow_table} if events is not None else {}
    if len(targets):
        tables["targets.csv"] = targets
    report = render_report("report", context, [*report_figures, *flow_figures], tables)
    return dataclasses.replace(
        report, briefing=templates(autoescape=False).get_template("briefing.md.j2").render(context)
    )


def _flows(
    scenario: dict[str, Any], catalogue: OutcomeCatalogue, table: pd.DataFrame, events: pd.DataFrame | None
) -> tuple[pd.DataFrame, list[ReportFigure]]:
    """The paths through each actor's states: the flows table and one figure an actor."""
    if events is None:
        return pd.DataFrame(columns=flows.FLOW_COLUMNS), []
    actors = flows.actors_of(scenario, catalogue)
    table_of_flows = flows.state_flows(events, actors, len(table))
    figures = []
    for actor in actors:
        taken = table_of_flows[table_of_flows["actor"] == actor.name]
        label = actor_label(scenario, actor.name)
        states = {s: column_label(catalogue, f"{actor.name}.{s}").removeprefix(f"{label}: ") for s in actor.states}
        figures.append(
            ReportFigure(
                f"flow_{file_name(actor.name)}",
                f"Paths through the states of {label}",
                f"Diagram of the states of {label}, starting from {states[actor.initial]}, and the transitions "
                "replications took between them: "
                + "; ".join(
                    f"{states.get(r.from_state, r.from_state)} to {states.get(r.to_state, r.to_state)} "
                    f"{r.share:.1%} (median first date {r.median_first_date})"
                    for r in taken.itertuples()
                ),
                flow_plots.state_flow(
                    label,
                    actor.states,
                    states,
                    actor.initial,
                    flows.state_depths(actor, actor.declared),
                    flows.entry_shares(table, actor),
                    taken,
                    actor.declared,
                ),
            )
        )
    return table_of_flows, figures


def _actor_ending(
    scenario: dict[str, Any], catalogue: OutcomeCatalogue, table: pd.DataFrame, actor: str
) -> dict[str, Any]:
    """Where an actor is at the horizon: the share of replications in each state, named by the catalogue."""
    label = actor_label(scenario, actor)
    states = list(scenario["actors"][actor].get("states", {}))
    shares = summary.category_shares(table, actor, states)
    names = [column_label(catalogue, f"{actor}.{state}").removeprefix(f"{label}: ") for state in shares["value"]]
    return {
        "name": actor,
        "label": label,
        "replications": len(table),
        "rows": shares.assign(label=names).to_dict("records"),
    }


def _category_shares(plan: ReportPlan, table: pd.DataFrame, name: str) -> dict[str, Any]:
    """A category variable's values, each with its share of the replications where it has a value."""
    shares = summary.category_shares(table, name)
    labels = [value.replace("_", " ") for value in shares["value"]]
    return {
        "name": name,
        "label": plan.label(name),
        "replications": int(table[name].notna().sum()),
        "rows": shares.assign(label=labels).to_dict("records"),
    }


def actor_label(scenario: dict[str, Any], actor: str) -> str:
    """An actor as reports name it: its `label`, else its name in words."""
    return scenario["actors"][actor].get("label") or actor.replace("_", " ")


def _group_view(table: pd.DataFrame, given: pd.DataFrame, plan: ReportPlan, column: str, text: str) -> dict[str, Any]:
    """A group's probabilities and means. The given outcomes' means are over the group's replications in
    which `plan.given` happened, as in the report's Given section: elsewhere they hold zeros, not values."""
    outcome_names = plan.headline
    frame = summary.probabilities_by(table, column, outcome_names)
    means = summary.means_by(table, column, plan.numeric)
    given_means = summary.means_by(given, column, plan.given_outcomes) if plan.given_outcomes else pd.DataFrame()
    given_counts = given[column].astype(str).value_counts() if plan.given_outcomes else pd.Series(dtype=int)
    return {
        "column": column,
        "label": text,
        "outcomes": outcome_names,
        "rows": frame.to_dict("records"),
        "values": [str(value) for value in frame[column]],
        "means": means.to_dict("records"),
        "given_means": [  # a group in which `given` never happened has no column: a dash
            {str(value): float("nan") for value in frame[column]} | row for row in given_means.to_dict("records")
        ],
        "given_counts": {str(value): int(given_counts.get(str(value), 0)) for value in frame[column]},
    }


def _provenance_rows(scenario: dict[str, Any], table: pd.DataFrame) -> list[dict[str, Any]]:
    if not any(column.startswith(summary.PARAMETER_PREFIX) for column in table.columns):
        return []
    return provenance.provenance_table(scenario, table).to_dict("records")


def render_report(
    template: str,
    context: dict[str, Any],
    figures: list[ReportFigure],
    tables: dict[str, pd.DataFrame] | None = None,
) -> Report:
    """A report from `<template>.md.j2` and `<template>.html.j2` (the HTML escapes all text)."""
    return Report(
        markdown=templates(autoescape=False).get_template(f"{template}.md.j2").render(context),
        html=templates(autoescape=True).get_template(f"{template}.html.j2").render(context),
        figures=figures,
        tables=tables or {},
    )


def templates(autoescape: bool) -> Environment:
    """The report templates, with the filters they format numbers with."""
    environment = Environment(
        loader=PackageLoader("sim.report", "templates"),
        autoescape=select_autoescape(default=autoescape, default_for_string=autoescape),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=None if autoescape else markdown_safe,
    )
    environment.filters["pct"] = lambda value: "n/a" if pd.isna(value) else f"{value:.1%}"
    environment.filters["signed_pct"] = lambda value: "n/a" if pd.isna(value) else f"{_unsigned_zero(value):+.1%}"
    environment.filters["interval"] = lambda pair: (
        "n/a" if pd.isna(pair[0]) else f"{_unsigned_zero(pair[0]):.1%} to {_unsigned_zero(pair[1]):.1%}"
    )
    environment.filters["num"] = format_number
    environment.filters["share"] = share_percent
    environment.filters["signed_num"] = lambda value: (
        "n/a" if pd.isna(value) else ("+" if value >= NOISE else "") + format_number(value)
    )
    environment.filters["mean_pm"] = mean_plus_minus
    environment.filters["gap_points"] = gap_points
    environment.filters["gap_number"] = gap_number
    environment.filters["label"] = label_filter
    environment.filters["words"] = lambda name: str(name).replace("_", " ")  # a hypothesis, a category, a parameter
    environment.filters["slug"] = file_name
    environment.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    environment.filters["posterior_view"] = posterior_view
    environment.filters["reading"] = describe_reading
    return environment


def share_percent(value: Any) -> str:
    """A share or weight in whole percent, with one decimal under 10% (3.7%, not 4%)."""
    if pd.isna(value):
        return "n/a"
    return f"{value:.1%}" if abs(value) < 0.1 else f"{value:.0%}"


def markdown_safe(value: Any) -> Any:
    """Every value a Markdown report prints, made inert: Markdown viewers render raw HTML and links, and
    scenario and evidence text is anyone's. `<` and `>` become entities (no tag, no `onerror`), and
    brackets are escaped (no `[text](javascript:...)` link)."""
    if not isinstance(value, str):
        return value
    return value.replace("<", "&lt;").replace(">", "&gt;").replace("[", "\\[").replace("]", "\\]")


@pass_context
def label_filter(context: Context, name: Any) -> str:
    """An outcome's label from the report's catalogue (`catalogue` in the context); else the name
    with underscores as spaces."""
    catalogue = context.get("catalogue")
    if catalogue is not None:
        return column_label(catalogue, str(name))
    return str(name).replace("_", " ")


def mean_plus_minus(mean: Any, standard_error: Any) -> str:
    """A group's mean ± its standard error; an em dash where the group has no value, the mean
    alone where one value gives no standard error."""
    if pd.isna(mean):
        return "—"
    if pd.isna(standard_error):
        return format_number(mean)
    return f"{format_number(mean)} ± {format_number(standard_error)}"


def gap_points(gap: Any) -> str:
    """A target's gap (a difference of probabilities) in signed percentage points."""
    if pd.isna(gap):
        return "n/a"
    return "0 points" if gap == 0 else f"{gap * 100:+.1f} points"


def gap_number(gap: Any, unit: str | None = None) -> str:
    """A number target's gap, signed, with the outcome's unit."""
    if pd.isna(gap):
        return "n/a"
    shown = "0" if gap == 0 else ("+" if gap > 0 else "") + format_number(gap)
    return f"{shown} {unit}" if unit else shown


def _unsigned_zero(share: float) -> float:
    """A share that prints as 0.0% prints without a sign: "-0.0%" says a direction the number does not have."""
    return 0.0 if abs(share) < 0.0005 else share


def format_number(value: Any) -> str:
    """A number as tables print it: whole numbers (a count, a count's percentile) without decimals,
    float noise (8.674e-19 from a difference of equal sums) as 0, three significant figures or so."""
    if pd.isna(value):
        return "n/a"
    value = float(value)
    if abs(value) < NOISE:
        value = 0.0
    if value.is_integer() or abs(value) >= 1000:
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
