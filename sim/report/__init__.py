"""Reports of a run: `report.md`, a self-contained `report.html`, and figures under `plots/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.analysis.provenance import CORRELATION_ROWS
from sim.report.build import Report, build_report
from sim.report.compare import Compared, build_comparison
from sim.report.experiment import build_experiment_report
from sim.report.plan import group_columns
from sim.report.publish import publish
from sim.runner import store

__all__ = ["Report", "build_report", "run_report", "write_comparison", "write_experiment_report", "write_report"]


def _leading_rows(path: Path, rows: int) -> pd.DataFrame:
    """The first `rows` replications with every column, read batch by batch (not the whole file)."""
    batches, count = [], 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=min(rows, 65_536)):
        batches.append(batch)
        count += batch.num_rows
        if count >= rows:
            break
    return pa.Table.from_batches(batches).slice(0, rows).to_pandas()


def run_report(run_dir: Path) -> Report:
    """The report of a complete run, built from its files (nothing written)."""
    manifest = complete_manifest(run_dir)
    sample = _leading_rows(run_dir / store.REPLICATIONS, CORRELATION_ROWS)
    table = outcome_table(run_dir, group_columns(manifest["scenario_as_run"]))
    return build_report(manifest, table, sample=sample, events=state_entries(run_dir, manifest))


def write_report(run_dir: Path) -> Path:
    """Write the report files of a complete run into its directory; return the HTML path."""
    report = run_report(run_dir)
    texts = {name: frame.to_csv(index=False) for name, frame in report.tables.items()}
    texts |= {"briefing.md": report.briefing, "report.md": report.markdown, "report.html": report.html}
    publish(run_dir, texts, report.figures)
    return run_dir / "report.html"


def write_comparison(out: Path, run_dirs: list[Path]) -> Path:
    """Write the comparison of complete runs into `out`; return the HTML path.

    The first run is the reference. Writes comparison.html (self-contained),
    comparison.md, side_by_side.csv, differences.csv and plots/.
    """
    runs: list[Compared] = []
    for run_dir in run_dirs:
        manifest = complete_manifest(run_dir)
        name = _unique_name(manifest["scenario"], [run.name for run in runs])
        runs.append(Compared(name, manifest, outcome_table(run_dir)))
    report, side, differences = build_comparison(runs)
    texts = {"side_by_side.csv": side.to_csv(index=False), "differences.csv": differences.to_csv(index=False)}
    publish(out, texts | {"comparison.md": report.markdown, "comparison.html": report.html}, report.figures)
    return out / "comparison.html"


def write_experiment_report(run_dir: Path) -> Path:
    """Write an experiment's report and its analysis tables (CSV) into its directory; return the HTML path."""
    manifest = complete_manifest(run_dir, "experiment")
    points = pq.read_table(run_dir / store.POINTS).to_pandas()
    findings = build_experiment_report(manifest, points)
    texts = {
        "sensitivity.csv": findings.indices.to_csv(index=False),
        "tornado.csv": findings.swings.to_csv(index=False),
        "discovery.csv": findings.discovery.trajectory.to_csv(index=False),
        "report.md": findings.report.markdown,
        "report.html": findings.report.html,
    }
    publish(run_dir, texts, findings.report.figures)
    return run_dir / "report.html"


def complete_manifest(run_dir: Path, kind: str = "run") -> dict[str, Any]:
    manifest = store.read_manifest(run_dir)
    found = manifest.get("kind", "run")
    if found != kind:
        article = {"run": "a run", "experiment": "an experiment", "decision": "a decision run"}
        raise store.RunDirectoryError(
            f"{run_dir}: holds {article.get(found, repr(found))}, not {article.get(kind, repr(kind))}"
        )
    if manifest.get("status") != "complete":
        status = manifest.get("status", "unknown")
        raise store.RunDirectoryError(f"{run_dir}: run is {status}, not complete; no report written")
    return manifest


def outcome_table(run_dir: Path, parameters: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """Outcome columns only (and the `param.NAME` columns asked for), text as categories: a
    million rows stay well under a gigabyte."""
    path = run_dir / store.REPLICATIONS
    names = pq.read_schema(path).names
    columns = [name for name in names if not name.startswith("param.") or name in parameters]
    return pq.read_table(path, columns=columns).to_pandas(strings_to_categorical=True)


def state_entries(run_dir: Path, manifest: dict[str, Any]) -> pd.DataFrame | None:
    """The event log's rows of actors (state entries, and their processes' rows), in file order."""
    path = run_dir / store.EVENTS
    actors = sorted(manifest["scenario_as_run"].get("actors", {}))
    if not actors or not path.is_file():
        return None
    columns = ["replication", "date", "component", "event"]
    return pq.read_table(path, columns=columns, filters=[("component", "in", actors)]).to_pandas()


def _unique_name(name: str, taken: list[str]) -> str:
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}-{number}"
    return candidate
