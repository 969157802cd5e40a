"""Every name a scenario defines, with what it is, its distribution or value, its source and its meaning.

`wargame params` prints these rows and `sim.params` returns them as a frame, so an
author finds the name to write in a variant, an override or an expression without
reading the base file. The meaning is the scenario's own words: a `description` or
`label` where it gives one, else its `assumption`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sim.scenario.distributions import DistributionBase, Mixture
from sim.scenario.schema import Scenario

# The order `wargame params` prints the kinds in: what a variant changes most often first.
KINDS = {  # kind -> its heading
    "parameter": "parameters",
    "hypothesis": "hypotheses",
    "actor": "actors",
    "state": "states",
    "variable": "variables",
    "date": "dates",
    "lever": "levers",
}
_PROVENANCE = {"dist", "description", "source", "assumption", "weight"}


@dataclass(frozen=True)
class NameRow:
    kind: str
    name: str
    value: str  # the distribution, weight, initial state, kind of variable or date
    source: str  # the claim cited, "assumption" where the author's reason stands instead, or ""
    meaning: str
    overridden_by: str = ""  # parameters: the hypotheses (and lever options) that replace the distribution


def scenario_names(scenario: Scenario) -> list[NameRow]:
    """The rows of every name, grouped by kind in `KINDS` order, each group in the file's order."""
    overriders: dict[str, list[str]] = {}
    for hypothesis_name, hypothesis in scenario.hypotheses.items():
        for parameter in hypothesis.overrides:
            overriders.setdefault(parameter, []).append(hypothesis_name)
    for lever_name, lever in scenario.levers.items():
        for option_name, option in lever.options.items():
            for parameter in option.parameters:
                overriders.setdefault(parameter, []).append(f"{lever_name}={option_name}")
    rows = [
        NameRow(
            "parameter",
            name,
            describe_distribution(dist),
            _source(dist.source, dist.assumption),
            _meaning(dist.description, dist.assumption),
            ", ".join(overriders.get(name, ())),
        )
        for name, dist in scenario.parameters.items()
    ]
    for name, hypothesis in scenario.hypotheses.items():
        overrides = f"; overrides {len(hypothesis.overrides)}" if hypothesis.overrides else ""
        rows.append(
            NameRow(
                "hypothesis",
                name,
                f"weight {hypothesis.weight:g}{overrides}",
                _source(hypothesis.source, hypothesis.assumption),
                _meaning(hypothesis.description),
            )
        )
    for name, actor in scenario.actors.items():
        rows.append(NameRow("actor", name, f"starts {actor.initial}", "", _meaning(actor.label, actor.description)))
    for name, actor in scenario.actors.items():
        for state_name, state in actor.states.items():
            targets = sorted({t for t in _targets(state)} - {state_name}) if state else []
            value = f"to {', '.join(targets)}" if targets else "final"
            label = state.label if state else None
            description = state.description if state else None
            rows.append(NameRow("state", f"{name}.{state_name}", value, "", _meaning(label, description)))
    for name, variable in scenario.variables.items():
        value = variable.kind + (f" ({variable.unit})" if variable.unit else "")
        if variable.initial is not None:
            value += f", starts {' '.join(str(variable.initial).split())}"
        source = _source(variable.source, variable.assumption)
        rows.append(NameRow("variable", name, value, source, _meaning(variable.label, variable.description)))
    for name, entry in scenario.calendar.items():
        meaning = _meaning(entry.description, entry.assumption)
        rows.append(NameRow("date", name, entry.date.isoformat(), _source(entry.source, entry.assumption), meaning))
    for name, lever in scenario.levers.items():
        options = ", ".join(f"{o} (default)" if o == lever.default else o for o in lever.options)
        rows.append(NameRow("lever", name, f"{lever.side}: {options}", "", _meaning(lever.label, lever.description)))
    return rows


def rows_as_data(rows: list[NameRow]) -> list[dict[str, str]]:
    return [asdict(row) for row in rows]


def describe_distribution(dist: DistributionBase) -> str:
    """A distribution in one line, as written: `pert(low=5, mode=20, high=60)`."""
    data = dist.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    if isinstance(dist, Mixture):
        parts = [f"{c.weight or 0:g} {describe_distribution(c)}" for c in dist.components]
        return f"mixture({'; '.join(parts)})"
    if dist.dist == "fixed":
        return f"fixed({_number(data['value'])})"
    if dist.dist == "categorical":
        return f"categorical({', '.join(f'{k}={_number(v)}' for k, v in data['weights'].items())})"
    fields = ", ".join(f"{key}={_number(value)}" for key, value in data.items() if key not in _PROVENANCE)
    return f"{dist.dist}({fields})"


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _targets(state: Any) -> set[str]:
    found: set[str] = set()
    for transition in state.transitions.values():
        if transition is None:
            continue
        if isinstance(transition.to, str):
            found.add(transition.to)
        elif isinstance(transition.to, dict):
            found |= set(transition.to.values())
        found |= {branch.to for branch in transition.branches or ()}
    return found


def _source(source: str | None, assumption: str | None) -> str:
    return source or ("assumption" if assumption else "")


def _meaning(*texts: str | None) -> str:
    """The scenario's own words on one line: the first text given, with the next after it when the first is
    short (a label, then its description)."""
    given = [" ".join(text.split()) for text in texts if text]
    if not given:
        return ""
    if len(given) == 1 or len(given[0]) >= 60:
        return given[0]
    return given[0] + (" " if given[0][-1] in ".:;!?" else ": ") + given[1]
