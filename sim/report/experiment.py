"""Turn an experiment's points table into its report: indices, tornado, PRIM box (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.experiments.analysis import (
    MIN_DENSITY,
    RESAMPLES,
    VARIATION_LEVEL,
    Discovery,
    design_warnings,
    discover,
    outcome_variation,
    sensitivity_indices,
    tornado,
)
from sim.experiments.design import SAMPLED
from sim.experiments.spec import Experiment
from sim.plots import experiments as plots
from sim.report.build import Report, ReportFigure, render_report
from sim.report.build import format_number as num
from sim.report.plan import column_label, file_name
from sim.scenario import Scenario
from sim.scenario.outcomes import OutcomeCatalogue


@dataclass(frozen=True)
class ExperimentFindings:
    """The report and the tables it rests on (written beside it as CSV)."""

    report: Report
    indices: pd.DataFrame
    swings: pd.DataFrame
    discovery: Discovery
    variation: pd.DataFrame  # per outcome: does it vary beyond a point's simulation error (analysis.outcome_variation)


def build_experiment_report(manifest: dict[str, Any], points: pd.DataFrame) -> ExperimentFindings:
    experiment = Experiment.model_validate(manifest["experiment_as_run"])
    variation = outcome_variation(experiment, points)
    indices = sensitivity_indices(experiment, points, variation)
    too_small = design_warnings(experiment, indices)
    swings = tornado(experiment, points, variation)
    discovery = discover(experiment, points, Scenario.model_validate(manifest["scenario_as_run"]), variation)
    design = points[points["kind"] == SAMPLED]
    catalogue = OutcomeCatalogue.from_manifest(manifest)

    def name_of(outcome: str) -> str:
        return column_label(catalogue, outcome)

    figures = []
    for outcome in experiment.outcomes:
        label = name_of(outcome)
        part = indices[indices["outcome"] == outcome]
        if len(part):
            figures.append(
                ReportFigure(
                    f"sensitivity_{file_name(outcome)}",
                    f"Sensitivity of {label}",
                    f"Bar chart of each factor's {part['method'].iloc[0]} indices for {label} with 95% bootstrap "
                    "intervals: " + "; ".join(f"{r.factor} {r.index} {num(r.value)}" for r in part.itertuples()),
                    plots.sensitivity_indices(indices, outcome, name_of),
                )
            )
        rows = swings[swings["outcome"] == outcome]
        if rows.empty:  # does not vary beyond simulation error: its swings would be noise
            continue
        figures.append(
            ReportFigure(
                f"tornado_{file_name(outcome)}",
                f"One at a time: {label}",
                f"Tornado chart of {label} with each factor at its low and high end, the others at their centre, "
                "each with its 95% interval of simulation error: "
                + "; ".join(
                    f"{r.factor} from {num(r.at_low)} ({num(r.at_low_ci_low)} to {num(r.at_low_ci_high)}) "
                    f"to {num(r.at_high)} ({num(r.at_high_ci_low)} to {num(r.at_high_ci_high)})"
                    for r in rows.itertuples()
                ),
                plots.tornado(swings, outcome, name_of),
            )
        )
    if discovery.chosen_step is not None:
        figures.append(
            ReportFigure(
                "prim_tradeoff",
                "Scenario discovery: PRIM trade-off",
                f"Scatter of coverage against density for each box PRIM peeled for {name_of(discovery.outcome)} "
                f"at or above "
                f"{num(discovery.threshold)}; the chosen box is circled",
                plots.prim_tradeoff(discovery.trajectory, discovery.chosen_step),
            )
        )
    chosen = (
        discovery.trajectory[discovery.trajectory["step"] == discovery.chosen_step].iloc[0].to_dict()
        if discovery.chosen_step is not None
        else None
    )
    context = {
        "manifest": manifest,
        "experiment": experiment,
        "design_points": len(design),
        "oat_points": len(points) - len(design),
        "outcome_ranges": [
            {
                "outcome": name,
                "min": design[name].min(),
                "median": design[name].median(),
                "max": design[name].max(),
            }
            for name in experiment.outcomes
        ],
        "indices": indices,
        "index_rows": indices.to_dict("records"),
        "quiet_outcomes": variation[~variation["varies"]].to_dict("records"),
        "variation_level": VARIATION_LEVEL,
        "design_warnings": too_small,
        "swings": swings.to_dict("records"),
        "discovery": discovery,
        "chosen": chosen,
        "limits": discovery.limits.to_dict("records"),
        "figures": figures,
        "resamples": RESAMPLES,
        "min_density": MIN_DENSITY,
        "catalogue": catalogue,
    }
    report = render_report("experiment", context, figures)
    return ExperimentFindings(report, indices, swings, discovery, variation)
