"""What a run's report puts first, read once from the scenario's `report:` section and its
outcome catalogue, with defaults for whatever the section leaves out (docs/reports.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.outcomes import CATEGORY, NUMBER, OutcomeCatalogue, headline_outcomes

PARAMETER_PREFIX = "param."
TIMELINE_LIMIT = 6  # curves on one chart beyond this stop being told apart


@dataclass(frozen=True)
class Group:
    column: str  # a category outcome, or `param.NAME`
    label: str


@dataclass(frozen=True)
class ReportPlan:
    catalogue: OutcomeCatalogue
    headline: list[str]
    probabilities: list[str]  # every yes/no outcome that can differ between replications
    timeline: list[str]  # yes/no outcomes with a date
    distributions: list[str]
    numeric: list[str]  # numeric outcomes summarised over every replication
    given: str | None
    given_outcomes: list[str]
    groups: list[Group]
    convergence: str | None
    actors: list[str]  # each actor's state at the horizon (a category column)
    categories: list[str]  # `category` variables

    def label(self, name: str) -> str:
        return column_label(self.catalogue, name)

    def unit(self, name: str) -> str | None:
        spec = self.catalogue.get(name)
        return spec.unit if spec else None


def report_plan(scenario_data: Mapping[str, Any], catalogue: OutcomeCatalogue, columns: list[str]) -> ReportPlan:
    """The plan for a run whose replications table has `columns` (older runs may lack some outcomes)."""
    present = set(columns)
    settings = scenario_data.get("report") or {}
    initial = {f"{actor}.{entry['initial']}" for actor, entry in scenario_data.get("actors", {}).items()}
    shown = present - {name for name, entry in scenario_data.get("variables", {}).items() if entry.get("internal")}
    yes_no = [n for n, s in catalogue.items() if s.kind == "yes/no" and n in shown and n not in initial]
    numbers = [n for n, s in catalogue.items() if s.kind == NUMBER and n in shown]
    headline = [n for n in headline_outcomes(scenario_data, catalogue) if n in present]
    timeline = (
        _known(settings.get("timeline"), present)
        or [n for n in headline if catalogue[n].date_column in present][:TIMELINE_LIMIT]
    )
    given = settings.get("given")
    given = given if given in present else None
    given_outcomes = _known(settings.get("given_outcomes"), present) if given else []
    distributions = _known(settings.get("distributions"), present) or [n for n in numbers if n not in given_outcomes]
    groups = [
        Group(column, column_label(catalogue, column))
        for column in settings.get("groups") or ("hypothesis",)
        if column in present
        and (column.startswith(PARAMETER_PREFIX) or getattr(catalogue.get(column), "kind", None) == CATEGORY)
    ]
    return ReportPlan(
        catalogue=catalogue,
        headline=headline,
        probabilities=yes_no,
        timeline=timeline,
        distributions=distributions,
        numeric=[n for n in numbers if n not in given_outcomes],
        given=given,
        given_outcomes=given_outcomes,
        groups=groups,
        convergence=settings.get("convergence") if settings.get("convergence") in present else (headline or [None])[0],
        actors=[n for n, s in catalogue.items() if s.kind == CATEGORY and s.actor and n in present],
        categories=[n for n in scenario_data.get("variables", {}) if n in shown and _kind(catalogue, n) == CATEGORY],
    )


def column_label(catalogue: OutcomeCatalogue, name: str) -> str:
    """How the report names an outcome, or a parameter column (`param.NAME`)."""
    if name.startswith(PARAMETER_PREFIX):
        return name.removeprefix(PARAMETER_PREFIX).replace("_", " ")
    return catalogue.label(name)


def group_columns(scenario_data: Mapping[str, Any]) -> list[str]:
    """The `param.NAME` columns the report's groups need beside the outcomes."""
    settings = scenario_data.get("report") or {}
    return [name for name in settings.get("groups") or () if name.startswith(PARAMETER_PREFIX)]


def _kind(catalogue: OutcomeCatalogue, name: str) -> str | None:
    spec = catalogue.get(name)
    return spec.kind if spec else None


def _known(names: Any, present: set[str]) -> list[str]:
    return [name for name in names or () if name in present]


def file_name(text: str) -> str:
    """`text` as part of a figure's file name: dots and anything else unsafe become '_'."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text)
