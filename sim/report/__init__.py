"""Reports of a run: `report.md`, a self-contained `report.html`, and figures under `plots/`."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from sim.report.build import Report, build_report
from sim.runner import store

__all__ = ["Report", "build_report", "write_report"]


def write_report(run_dir: Path) -> Path:
    """Write the report files of a complete run into its directory; return the HTML path."""
    manifest = store.read_manifest(run_dir)
    if manifest.get("status") != "complete":
        raise store.RunDirectoryError(
            f"{run_dir}: run is {manifest.get('status', 'unknown')}, not complete; no report written"
        )
    # Outcome columns only, text as categories: a million rows stay well under a gigabyte.
    columns = [name for name in pq.read_schema(run_dir / store.REPLICATIONS).names if not name.startswith("param.")]
    table = pq.read_table(run_dir / store.REPLICATIONS, columns=columns).to_pandas(strings_to_categorical=True)
    report = build_report(manifest, table)
    plots = run_dir / "plots"
    plots.mkdir(exist_ok=True)
    for item in report.figures:
        for suffix in ("png", "svg"):
            store.atomic_write_figure(plots / f"{item.name}.{suffix}", item.figure)
    store.atomic_write_text(run_dir / "report.md", report.markdown)
    store.atomic_write_text(run_dir / "report.html", report.html)
    return run_dir / "report.html"
