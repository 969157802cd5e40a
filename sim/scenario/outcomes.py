"""The outcome columns a scenario's replications report, derived once from its mechanics.

Every actor gives a column of its state at the horizon; every state, a yes/no column
(entered at some point) and the date it was first entered; every variable, its value at
the horizon. Reports, comparisons, experiments, evidence and questions all read this
catalogue (stored in each run's manifest), so nothing downstream names a scenario's outcomes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sim.scenario.schema import Scenario

YES_NO, DATE, NUMBER, CATEGORY = "yes/no", "date", "number", "category"
HEADLINE_LIMIT = 8  # a headline longer than this stops being one
_VARIABLE_KINDS = {"number": NUMBER, "count": NUMBER, "flag": YES_NO, "category": CATEGORY}


@dataclass(frozen=True)
class OutcomeSpec:
    """One outcome column: its kind, how reports label it, and where its date is."""

    name: str
    kind: str  # yes/no, date, number or category
    label: str
    unit: str | None = None
    date_column: str | None = None  # yes/no outcomes with a date: `X by D` means date_column <= D
    actor: str | None = None
    state: str | None = None
    integer: bool = False  # counts: printed without decimals


class OutcomeCatalogue(Mapping[str, OutcomeSpec]):
    """Outcome columns by name, in table order."""

    def __init__(self, specs: Iterable[OutcomeSpec]):
        self._specs = {spec.name: spec for spec in specs}

    def __getitem__(self, name: str) -> OutcomeSpec:
        return self._specs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def kinds(self) -> dict[str, str]:
        return {name: spec.kind for name, spec in self._specs.items()}

    def of_kind(self, kind: str) -> list[str]:
        return [name for name, spec in self._specs.items() if spec.kind == kind]

    def label(self, name: str) -> str:
        spec = self._specs.get(name)
        return spec.label if spec else name.replace("_", " ")

    def to_data(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in asdict(spec).items() if v not in (None, False)} for spec in self._specs.values()]

    @classmethod
    def from_data(cls, data: Iterable[Mapping[str, Any]]) -> OutcomeCatalogue:
        return cls(OutcomeSpec(**entry) for entry in data)

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any]) -> OutcomeCatalogue:
        """The catalogue a run recorded; for a run without one, rebuilt from its scenario."""
        if "outcomes" in manifest:
            return cls.from_data(manifest["outcomes"])
        return outcome_catalogue(Scenario.model_validate(manifest["scenario_as_run"]))


def outcome_catalogue(scenario: Scenario, machines: Iterable[Any] = ()) -> OutcomeCatalogue:
    """Every outcome column of `scenario`, in the order replications.parquet holds them.

    `machines` (compiled per hypothesis) add the states a hypothesis's own mechanics add.
    """
    specs = [OutcomeSpec("hypothesis", CATEGORY, scenario.report.hypothesis_label)]
    extra_states: dict[str, list[str]] = {}
    for machine in machines:
        for actor_name, states in machine.states.items():
            known = scenario.actors[actor_name].states if actor_name in scenario.actors else {}
            extra = extra_states.setdefault(actor_name, [])
            extra += [s for s in states if s not in known and s not in extra]
    for actor_name, actor in scenario.actors.items():
        actor_label = actor.label or actor_name.replace("_", " ")
        specs.append(OutcomeSpec(actor_name, CATEGORY, f"{actor_label}: state at the horizon", actor=actor_name))
        states = {**actor.states, **dict.fromkeys(extra_states.get(actor_name, []))}
        for state_name, state in states.items():
            column = f"{actor_name}.{state_name}"
            state_label = (state.label if state else None) or state_name.replace("_", " ")
            label = f"{actor_label}: {state_label}"
            specs.append(
                OutcomeSpec(column, YES_NO, label, date_column=f"{column}.date", actor=actor_name, state=state_name)
            )
            specs.append(
                OutcomeSpec(f"{column}.date", DATE, f"{label} (first date)", actor=actor_name, state=state_name)
            )
    for name, variable in scenario.variables.items():
        specs.append(
            OutcomeSpec(
                name,
                _VARIABLE_KINDS[variable.kind],
                variable.label or name.replace("_", " "),
                unit=variable.unit,
                integer=variable.kind == "count",
            )
        )
    return OutcomeCatalogue(specs)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# What a question must state once its scenario says what it knew when (`as_of`): how it resolves.
RESOLUTION_FIELDS = {
    "resolution": "the criterion: what must be reported, by whom",
    "source_kind": "the kind of source: official statement, open-source reporting...",
}


def check_questions(scenario: Scenario, catalogue: OutcomeCatalogue) -> list:
    """Every question that names no outcome or one it cannot ask the way it is, that does not say
    how it resolves (under `as_of`), or whose `baseline_target` is no target about its outcome."""
    problems = []
    for name, question in scenario.questions.items():
        kind, _ = _named_outcome(scenario, catalogue, ("questions", name), question.outcome, question.by, problems)
        if kind not in (None, NUMBER) and question.baseline_range is not None:
            problems.append(
                scenario.located(("questions", name, "baseline_range"), "only numeric questions have a range")
            )
        if scenario.as_of is not None:
            missing = [field for field in RESOLUTION_FIELDS if not (getattr(question, field) or "").strip()]
            if missing:
                wanted = " and ".join(f"`{field}` ({RESOLUTION_FIELDS[field]})" for field in missing)
                message = f"a scenario with `as_of` states how each question resolves: add {wanted}"
                problems.append(scenario.located(("questions", name), message))
        if question.baseline_target is not None:
            problems += _baseline_target_problems(scenario, name, question.baseline_target, question.outcome)
    return problems


def _baseline_target_problems(scenario: Scenario, question: str, target_name: str, outcome: str) -> list:
    at = ("questions", question, "baseline_target")
    target = scenario.targets.get(target_name)
    if target is None:
        hint = did_you_mean(target_name, scenario.targets)
        if not hint:
            hint = f" (targets: {', '.join(sorted(scenario.targets)) or 'none: add a `targets:` section'})"
        return [scenario.located(at, f"unknown target {target_name!r}{hint}")]
    if same_event(target.outcome) != same_event(outcome):
        message = (
            f"target {target_name!r} is about {target.outcome}, not {outcome}: a baseline forecasts the same outcome"
        )
        return [scenario.located(at, message)]
    return []


def same_event(outcome: str) -> str:
    """The state a dated outcome is about: `ACTOR.STATE.date` asked by a date means `ACTOR.STATE` by it."""
    return outcome.removesuffix(".date") if outcome.count(".") == 2 else outcome


def check_targets(scenario: Scenario, catalogue: OutcomeCatalogue) -> list:
    """Every target that names no outcome, or one it cannot be compared with the way it is given.

    The rules of questions: `by` only on dated yes/no outcomes, none on a number; and a
    yes/no target's `value` or `range` is a probability.
    """
    problems = []
    for name, target in scenario.targets.items():
        kind, readable = _named_outcome(scenario, catalogue, ("targets", name), target.outcome, target.by, problems)
        if kind == NUMBER or not readable:
            continue
        field, numbers = ("value", (target.value,)) if target.range is None else ("range", target.range)
        if not all(0 <= number <= 1 for number in numbers if number is not None):
            shown = f"{numbers[0]:g}" if field == "value" else f"[{numbers[0]:g}, {numbers[1]:g}]"
            problems.append(
                scenario.located(
                    ("targets", name, field),
                    f"{shown} is not a probability: the {field} of a yes/no target lies in [0, 1] (0.25 for 25%)",
                )
            )
    return problems


def _named_outcome(
    scenario: Scenario, catalogue: OutcomeCatalogue, at: tuple, outcome: str, by: Any, problems: list
) -> tuple[str | None, bool]:
    """(kind, readable) of the outcome an entry at `at` names (kind None when unknown), appending
    to `problems` why it cannot be read with deadline `by`."""
    spec = catalogue.get(outcome)
    if spec is None:
        message = f"unknown outcome {outcome!r}{did_you_mean(outcome, catalogue)}"
        problems.append(scenario.located((*at, "outcome"), message))
        return None, False
    if spec.kind == NUMBER:
        if by is not None:
            problems.append(scenario.located((*at, "by"), "a number outcome has no deadline"))
        return NUMBER, by is None
    message = binary_problem(catalogue, outcome, by)
    if message:
        problems.append(scenario.located((*at, "outcome"), message))
    return spec.kind, message is None


def binary_problem(catalogue: OutcomeCatalogue, outcome: str, by: Any) -> str | None:
    """Why a known, non-numeric `outcome` cannot be asked as yes/no with deadline `by` (None if it can)."""
    spec = catalogue[outcome]
    if spec.kind == DATE and by is None:
        return "a date outcome needs a deadline (`by`) to become a yes/no question"
    if spec.kind not in (YES_NO, DATE):
        return f"{outcome!r} is a {spec.kind} outcome, not a yes/no, date or number one"
    if spec.kind == YES_NO and by is not None and not spec.date_column:
        return (
            f"{outcome!r} is a flag with no date, so it cannot be asked 'by' a date; "
            "the dated yes/no outcomes are the actors' states (ACTOR.STATE)"
        )
    return None


def check_report(scenario: Scenario, catalogue: OutcomeCatalogue) -> list:
    """Every name in `report:` that is not an outcome of the kind its field needs."""
    problems = []
    settings = scenario.report
    wanted = {
        "headline": (settings.headline, {YES_NO}),
        "timeline": (settings.timeline, {YES_NO}),
        "distributions": (settings.distributions, {NUMBER}),
        "given_outcomes": (settings.given_outcomes, {NUMBER}),
        "given": ((settings.given,) if settings.given else (), {YES_NO}),
        "convergence": ((settings.convergence,) if settings.convergence else (), {YES_NO}),
    }
    for field, (names, kinds) in wanted.items():
        for index, name in enumerate(names):
            at = ("report", field, index) if field not in ("given", "convergence") else ("report", field)
            spec = catalogue.get(name)
            if spec is None:
                problems.append(scenario.located(at, f"unknown outcome {name!r}{did_you_mean(name, catalogue)}"))
            elif spec.kind not in kinds:
                problems.append(
                    scenario.located(
                        at, f"{name!r} is a {spec.kind} outcome; {field} takes {' or '.join(sorted(kinds))}"
                    )
                )
            elif field == "timeline" and not spec.date_column:
                problems.append(scenario.located(at, f"{name!r} has no date to draw"))
    for index, name in enumerate(settings.groups):
        if name.startswith("param."):
            parameter = scenario.parameters.get(name.removeprefix("param."))
            if parameter is None or parameter.kind != "category":
                problems.append(
                    scenario.located(("report", "groups", index), f"{name!r} is not a categorical parameter")
                )
        elif catalogue.get(name) is None or catalogue[name].kind != CATEGORY:
            problems.append(
                scenario.located(
                    ("report", "groups", index),
                    f"{name!r} is not a category outcome{did_you_mean(name, catalogue.of_kind(CATEGORY))}",
                )
            )
    return problems


def headline_outcomes(scenario_data: Mapping[str, Any], catalogue: OutcomeCatalogue) -> list[str]:
    """The yes/no outcomes a scenario puts first: its `report.headline`, else every state an
    actor can enter after its initial one (catalogue order), at most HEADLINE_LIMIT of them."""
    named = scenario_data.get("report", {}).get("headline") or ()
    if named:
        return [name for name in named if name in catalogue]
    initial = {f"{actor}.{entry['initial']}" for actor, entry in scenario_data.get("actors", {}).items()}
    chosen = [
        name for name, spec in catalogue.items() if spec.kind == YES_NO and (spec.state is None or name not in initial)
    ]
    return chosen[:HEADLINE_LIMIT]
