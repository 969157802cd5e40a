"""The score report of `wargame score`: Markdown and self-contained HTML beside scores.csv.

Small on purpose: the summary against each question's baseline, the questions with their
answers, scores and how they resolve, and the reliability diagram when there is one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.forecast.resolutions import ResolutionsFile
from sim.forecast.scoring import POSTERIOR, PRIOR
from sim.report.build import Report, ReportFigure, render_report
from sim.runner import store


def build_score_report(
    manifest: dict[str, Any],
    resolutions: ResolutionsFile,
    scores: pd.DataFrame,
    summaries: dict[str, dict[str, Any]],
    figures: list[ReportFigure],
    assessment: dict[str, Any] | None = None,
) -> Report:
    """`scores` holds the rows of `score_questions`, prior and (with an assessment) posterior;
    `summaries` the summary of each set; `assessment` says which one re-weighted them."""
    records = scores.astype(object).where(scores.notna(), None).to_dict("records")
    prior = {row["question"]: row for row in records if row["forecasts"] == PRIOR}
    posterior = {row["question"]: row for row in records if row["forecasts"] == POSTERIOR}
    questions = [{**row, "posterior": posterior.get(name)} for name, row in prior.items()]
    context = {
        "manifest": manifest,
        "scenario": manifest["scenario_as_run"],
        "resolutions": resolutions,
        "questions": questions,
        "summaries": summaries,
        "assessment": assessment,
        "late": [row for row in posterior.values() if row.get("late_evidence")],
        "figures": figures,
    }
    return render_report("score", context, figures)


def write_score_report(out: Path, report: Report) -> Path:
    """Write score.md and score.html (figures go in as files beside them); return the HTML path."""
    store.atomic_write_text(out / "score.md", report.markdown)
    store.atomic_write_text(out / "score.html", report.html)
    return out / "score.html"
