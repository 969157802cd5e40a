"""The assessment of a run against evidence: report (Markdown, self-contained HTML), tables and figures.

Built from an `Assessment` (sim/evidence/assessment.py); HTML escapes every text of the
evidence and scenario files, as the run report does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.evidence import assessment as rules
from sim.evidence.assessment import Assessment
from sim.evidence.schema import EvidenceFile
from sim.plots import forecasting
from sim.report.build import Report, ReportFigure, render_report
from sim.report.publish import publish
from sim.runner import store

TABLES = ("posterior_hypotheses.csv", "ach_matrix.csv", "diagnosticity.csv", "posterior_path.csv", "outcomes.csv")
WEIGHTS = "weights.parquet"  # one row per replication: its weight given the evidence (`wargame score --assessment`)


def build_assessment_report(manifest: dict[str, Any], evidence: EvidenceFile, result: Assessment) -> Report:
    names = result.hypotheses["hypothesis"].tolist()
    hypotheses = result.hypotheses
    figures = [
        ReportFigure(
            "hypothesis_weights",
            "Hypotheses before and after the evidence",
            "Paired bars of the prior and posterior weight of each hypothesis: "
            + "; ".join(
                f"{row.hypothesis} {row.prior_sampled:.1%} before, {row.posterior:.1%} after"
                for row in hypotheses.itertuples()
            ),
            forecasting.hypothesis_weights(hypotheses),
        ),
        ReportFigure(
            "posterior_path",
            "As evidence accumulates",
            "Lines of each hypothesis's weight after each observation in date order: "
            + "; ".join(
                f"{name} from {result.sequence[name].iloc[0]:.1%} to {result.sequence[name].iloc[-1]:.1%}"
                for name in names
            ),
            forecasting.posterior_path(result.sequence, names),
        ),
    ]
    ach = result.ach.set_index(["observation", "hypothesis"])
    matrix = [
        {
            **row,
            "cells": [
                {
                    "likelihood": ach.loc[(row["observation"], name), "likelihood"],
                    "ratio": ach.loc[(row["observation"], name), "likelihood_ratio"],
                }
                for name in names
            ],
        }
        for row in result.diagnosticity.to_dict("records")
    ]
    context = {
        "manifest": manifest,
        "scenario": manifest["scenario_as_run"],
        "evidence": evidence,
        "result": result,
        "advice": result.advice(),
        "names": names,
        "hypotheses": hypotheses.to_dict("records"),
        "matrix": matrix,
        "sequence": result.sequence.to_dict("records"),
        "outcomes": result.outcomes.to_dict("records"),
        "forecasts": result.forecasts.to_dict("records"),
        "figures": figures,
        "ess_minimum": rules.ESS_MINIMUM,
        "diagnostic_ratio": rules.DIAGNOSTIC_RATIO,
        "weak_ratio": rules.WEAK_RATIO,
        "noise_sigmas": rules.NOISE_SIGMAS,
    }
    return render_report("assessment", context, figures)


def write_assessment(
    out: Path,
    manifest: dict[str, Any],
    evidence: EvidenceFile,
    result: Assessment,
    replications: np.ndarray | None = None,
) -> Path:
    """Write the assessment's tables, figures and report into `out`; return the HTML path.

    `replications`, the replication index of each weight (default 0, 1, ...), go into
    weights.parquet beside the weights, so the re-weighted forecasts can be scored later.
    """
    report = build_assessment_report(manifest, evidence, result)
    out.mkdir(parents=True, exist_ok=True)
    ids = np.arange(len(result.weights)) if replications is None else np.asarray(replications)
    weights = pa.table({"replication": pa.array(ids, pa.int64()), "weight": pa.array(result.weights, pa.float64())})
    about = {
        "scenario_hash": manifest.get("scenario_hash", ""),
        "seed": manifest.get("seed"),
        "evidence": evidence.title,
    }
    store.atomic_write_table(out / WEIGHTS, weights.replace_schema_metadata({"assessment": json.dumps(about)}))
    frames = (result.hypotheses, result.ach, result.diagnosticity, result.sequence, result.outcomes)
    texts = {name: frame.to_csv(index=False) for name, frame in zip(TABLES, frames, strict=True)}
    if len(result.forecasts):
        texts["forecasts.csv"] = result.forecasts.to_csv(index=False)
    publish(out, texts | {"assessment.md": report.markdown, "assessment.html": report.html}, report.figures)
    return out / "assessment.html"
