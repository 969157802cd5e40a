"""The comparison report: scenarios side by side, paired differences to the first, overlays (no I/O)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import comparison, summary
from sim.forecast import weighted
from sim.forecast.questions import forecast_table, questions_of
from sim.plots import comparison as comparison_plots
from sim.plots import timelines
from sim.report.build import Report, ReportFigure, format_number, render_report
from sim.report.plan import file_name, report_plan
from sim.scenario.outcomes import CATEGORY, OutcomeCatalogue

TIMELINE_FIGURES = 3  # dated outcomes drawn per scenario side by side, from the reference's timeline
# Below this share of replications with the same hypothesis the report says the pairing is lost.
# Each outcome's paired interval is primary only where it is narrower than the independent one anyway.
PAIRING_THRESHOLD = 0.9
# The `given` of a numeric outcome that only some replications have, not only those where `given` happened.
WHERE_DEFINED = "where defined"


@dataclass(frozen=True)
class Compared:
    """One scenario's run in a comparison; with `weights`, `table` is the reference's, re-weighted."""

    name: str
    manifest: dict[str, Any]
    table: pd.DataFrame
    weights: np.ndarray | None = None


def build_comparison(runs: Sequence[Compared]) -> tuple[Report, pd.DataFrame, pd.DataFrame]:
    """The comparison report, the side-by-side table and the table of differences to the first run.

    What is compared comes from the first (reference) run's scenario: its yes/no and numeric
    outcomes that every run has, its headline for the differences, its timeline and distributions.
    A run whose scenario changes only hypothesis weights is replaced by the reference's
    replications re-weighted (sim/analysis/comparison.py); the others are paired where they can be.
    """
    names = [run.name for run in runs]
    paired = _paired(runs)
    catalogue = OutcomeCatalogue.from_manifest(runs[0].manifest)
    shared = [c for c in runs[0].table.columns if all(c in run.table.columns for run in runs[1:])]
    plan = report_plan(runs[0].manifest["scenario_as_run"], catalogue, shared)
    # A numeric outcome that has a value exactly where `given` happened (one the model sets only once
    # `given` happened) is a given outcome whatever `report:` lists; one missing elsewhere is marked WHERE_DEFINED.
    given_mask = runs[0].table[plan.given].astype(bool).to_numpy() if plan.given else None
    defined_on_given = [
        n
        for n in plan.numeric
        if given_mask is not None and (runs[0].table[n].notna().to_numpy() == given_mask).all() and given_mask.any()
    ]
    plan = dataclasses.replace(
        plan,
        numeric=[n for n in plan.numeric if n not in defined_on_given],
        given_outcomes=[*plan.given_outcomes, *defined_on_given],
    )
    compared = [*plan.probabilities, *plan.numeric]
    partial = {n for n in plan.numeric if any(run.table[n].isna().any() for run in runs)}
    declined: dict[str, dict[str, float]] = {}
    candidates = []
    for run in runs[1:]:
        candidate = _reweighted(runs[0], run)
        if candidate.weights is not None:
            ratio = _reweighting_ratio(runs[0], run, candidate, paired[run.name], compared)
            if ratio > 1:
                declined[run.name] = {"ratio": ratio, "ess": weighted.kish_ess(candidate.weights)}
                candidate = run
        candidates.append(candidate)
    runs = [runs[0], *candidates]
    # The given outcomes are over the replications where `given` happened, as in the run report.
    # Those differ between scenarios, so their differences are independent samples, never paired
    # (re-weighted ones excepted: the same replications).
    given = [_given(run, plan.given) for run in runs]
    side = pd.concat(
        [
            _mark(
                comparison.side_by_side([run.table for run in runs], names, compared, [run.weights for run in runs]),
                partial,
            ),
            comparison.side_by_side(
                [g.table for g in given], names, plan.given_outcomes, [g.weights for g in given]
            ).assign(given=plan.given or ""),
        ],
        ignore_index=True,
    )
    # Branches: the category variables a replication draws or decides (a variable of kind category), not
    # the actors' final states, which are consequences of everything a variant changes.
    branches = [
        n for n, spec in catalogue.items() if spec.kind == CATEGORY and spec.actor is None and n != "hypothesis"
    ]
    differences, methods = {}, []
    for run, given_run in zip(runs[1:], given[1:], strict=True):
        pairs = paired[run.name] and run.weights is None
        frame = pd.concat(
            [
                _mark(comparison.differences(runs[0].table, run.table, pairs, compared, run.weights), partial),
                comparison.differences(
                    given[0].table, given_run.table, False, plan.given_outcomes, given_run.weights
                ).assign(given=plan.given or ""),
            ],
            ignore_index=True,
        )
        differences[run.name] = frame
        methods.append({**_method(runs[0], run, pairs, frame, branches), "declined": declined.get(run.name)})
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
                f"{name} {plan.label(row.outcome)} {row.difference:+.1%}"
                for name, frame in differences.items()
                for row in frame[frame["outcome"].isin(shown)].itertuples()
            ),
            comparison_plots.difference_plot(differences, shown, plan.label),
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
                + ", ".join(f"{run.name} {_mean(run, outcome):.1%}" for run in runs),
                timelines.cumulative_timelines(
                    {run.name: _curve(run, date_column) for run in runs}, f"Probability of {label}, by date"
                ),
            )
        )
    given_label = plan.label(plan.given) if plan.given else ""
    drawn = [(outcome, runs, "") for outcome in plan.distributions]
    drawn += [(outcome, given, f"given {given_label}") for outcome in plan.given_outcomes]
    for outcome, over_runs, over in drawn:
        samples = {name: run.table[outcome].to_numpy(dtype=float) for name, run in zip(names, over_runs, strict=True)}
        sample_weights = {name: run.weights for name, run in zip(names, over_runs, strict=True)}
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
                    f"{name} {format_number(_median(values, sample_weights[name]))} "
                    f"({_count(values, sample_weights[name])})"
                    for name, values in samples.items()
                ),
                comparison_plots.overlaid_cdfs(
                    samples, label + (f" ({plan.unit(outcome)})" if plan.unit(outcome) else ""), over, sample_weights
                ),
            )
        )
    context = {
        "runs": runs,
        "names": names,
        "methods": methods,
        "replications": len(runs[0].table),
        "side": side.to_dict("records"),
        "differences": {name: frame.to_dict("records") for name, frame in differences.items()},
        "pairing_threshold": PAIRING_THRESHOLD,
        "figures": figures,
        "forecasts": _forecasts(runs),
        "catalogue": catalogue,
        "given_label": given_label,
        "where_defined": WHERE_DEFINED,
        "failures": {run.name: int(run.manifest.get("failures") or 0) for run in runs},
    }
    report = render_report("compare", context, figures)
    return report, side, long_differences


def _forecasts(runs: Sequence[Compared]) -> dict[str, list[dict[str, Any]]]:
    """The forecast questions of each scenario that asks any, by scenario name."""
    forecasts = {}
    for run in runs:
        questions = questions_of(run.manifest["scenario_as_run"], OutcomeCatalogue.from_manifest(run.manifest))
        if questions:
            forecasts[run.name] = forecast_table(questions, run.table, run.weights).to_dict("records")
    return forecasts


def _reweighted(reference: Compared, run: Compared) -> Compared:
    """`run` as the reference's replications re-weighted, if its scenario changes only hypothesis weights."""
    as_run = reference.manifest["scenario_as_run"]
    weights = comparison.weight_change(as_run, run.manifest["scenario_as_run"])
    if weights is None:
        return run
    hypotheses = reference.table["hypothesis"].astype(str).to_numpy()
    return dataclasses.replace(run, table=reference.table, weights=comparison.reweighting(hypotheses, as_run, weights))


def _method(
    reference: Compared, run: Compared, pairs: bool, frame: pd.DataFrame, branches: list[str]
) -> dict[str, Any]:
    """How `run` is compared with the reference, in the words and numbers the report prints."""
    primary = frame["method"].value_counts().to_dict()
    finite = frame["narrowing"].replace([np.inf], np.nan).dropna()
    method: dict[str, Any] = {
        "name": run.name,
        "outcomes": len(frame),
        "paired_outcomes": primary.get(comparison.PAIRED, 0),
        "identical": bool((frame["half_width"] == 0).all()),
        "median_narrowing": float(finite.median()) if len(finite) else None,
    }
    if run.weights is not None:
        old = comparison.hypothesis_weights(reference.manifest["scenario_as_run"])
        new = comparison.hypothesis_weights(run.manifest["scenario_as_run"])
        changes = [f"{h} {old[h]:.0%} to {new[h]:.0%}" for h in sorted(old) if abs(old[h] - new[h]) > 1e-12]
        return {**method, "kind": comparison.REWEIGHTED, "changes": changes, "ess": weighted.kish_ess(run.weights)}
    if not pairs:
        return {**method, "kind": comparison.INDEPENDENT}
    shares = comparison.pairing(reference.table, run.table, branches)
    low = shares["same_hypothesis"] < PAIRING_THRESHOLD
    return {**method, **shares, "kind": comparison.PAIRED, "low": low, "branches": branches}


def _mark(frame: pd.DataFrame, partial: set[str]) -> pd.DataFrame:
    """`given` of each row: WHERE_DEFINED for an outcome some replications lack, else empty."""
    return frame.assign(given=[WHERE_DEFINED if outcome in partial else "" for outcome in frame["outcome"]])


def _reweighting_ratio(
    reference: Compared, run: Compared, reweighted: Compared, pairs: bool, outcomes: list[str]
) -> float:
    """Median over outcomes of the re-weighted half-width over the half-width from `run`'s own
    replications (paired where they pair): above 1, the variant's own run is the more precise comparison.
    A heavy re-weighting (a weight raised far above the reference's) has few effective replications."""
    own = comparison.differences(reference.table, run.table, pairs, outcomes)["half_width"].to_numpy()
    again = comparison.differences(reference.table, reweighted.table, False, outcomes, reweighted.weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = again["half_width"].to_numpy() / own
    ratios = ratios[np.isfinite(ratios)]
    return float(np.median(ratios)) if len(ratios) else 0.0


def _given(run: Compared, given: str | None) -> Compared:
    """The run over the replications in which `given` happened (none without a `given`)."""
    keep = run.table[given].astype(bool).to_numpy() if given else np.zeros(len(run.table), dtype=bool)
    weights = None if run.weights is None else run.weights[keep]
    return dataclasses.replace(run, table=run.table[keep], weights=weights)


def _paired(runs: Sequence[Compared]) -> dict[str, bool]:
    """Whether replication i of each run shares its random streams with the reference's: same seed, same count."""
    first = runs[0].manifest
    return {run.name: run.manifest["seed"] == first["seed"] and len(run.table) == len(runs[0].table) for run in runs}


def _mean(run: Compared, column: str) -> float:
    values = run.table[column].to_numpy(dtype=float)
    return weighted.weighted_mean(values, np.ones(len(values)) if run.weights is None else run.weights)[0]


def _median(values: np.ndarray, weights: np.ndarray | None) -> float:
    return weighted.weighted_quantiles(values, np.ones(len(values)) if weights is None else weights, (0.5,))[0]


def _count(values: np.ndarray, weights: np.ndarray | None) -> str:
    """How many replications a figure draws on: their number, or their effective number when re-weighted."""
    keep = ~np.isnan(values)
    if weights is None:
        return f"n={int(keep.sum()):,}"
    return f"effective n={weighted.kish_ess(weights[keep]):,.0f} re-weighted"


def _curve(run: Compared, column: str) -> pd.DataFrame:
    """P(it happened by each day), with its 95% band (Wilson, on the effective sample size when re-weighted)."""
    scenario = run.manifest["scenario_as_run"]
    start, horizon = dt.date.fromisoformat(scenario["start"]), dt.date.fromisoformat(scenario["horizon"])
    if run.weights is None:
        return summary.cumulative_probability(run.table, column, start, horizon)
    dates = pd.to_datetime(run.table[column]).to_numpy()
    happened = ~np.isnat(dates)
    order = np.argsort(dates[happened], kind="stable")
    cumulative = np.concatenate([[0.0], np.cumsum(run.weights[happened][order])]) / run.weights.sum()
    days = pd.date_range(start, horizon, freq="D")
    probability = cumulative[np.searchsorted(dates[happened][order], days.to_numpy(), side="right")]
    ess = weighted.kish_ess(run.weights)
    bands = [weighted.wilson_bounds(float(p), ess) for p in probability]
    return pd.DataFrame(
        {
            "date": days.date,
            "probability": probability,
            "ci_low": [band[0] for band in bands],
            "ci_high": [band[1] for band in bands],
        }
    )
