"""Whole-run outcome summaries of finished runs, one CSV row per (scenario, outcome column).

    python benchmarks/outcome_summary.py RUN_DIR [RUN_DIR ...] [--out FILE.csv]

Why it exists: tests/data/first_edition_outcomes.csv is the record, made with this script,
of what the first edition of the model (the hand-written sim/model/) gave on every
scenario, kept so the second edition can be tested against it within Monte Carlo error.

It reads each run directory's replications.parquet and manifest.json and skips
`replication` and the `param.*` columns. By the column's type:
- bool: kind "yes/no"; mean is the share true, sd the per-replication standard deviation;
- int or float: kind "number"; mean and sd over the non-null values;
- date: kind "date"; mean is the share non-null (the probability the event happened) and sd
  that indicator's standard deviation; mean_day and sd_day are the day offsets from the
  scenario start (manifest scenario_as_run.start) over the non-null values;
- string: kind "category"; one row per value, column `COLUMN=VALUE`, mean the share of all
  replications with that value (nulls have no row, so shares may sum to less than 1).
n is the number of replications in the run, count_non_null the column's non-null values
(for a category row, those of the whole column); standard deviations are sample ones (ddof=1).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FIELDS = ["scenario", "column", "kind", "n", "count_non_null", "mean", "sd", "mean_day", "sd_day"]


def row(scenario: str, column: str, kind: str, n: int, count: int, values: pd.Series) -> dict[str, object]:
    """One CSV row: mean and sample sd of `values` (an indicator's share true and its per-replication sd)."""
    values = values.astype(float)
    return {
        "scenario": scenario,
        "column": column,
        "kind": kind,
        "n": n,
        "count_non_null": count,
        "mean": values.mean(),
        "sd": values.std(),
    }


def summarise(run_dir: Path) -> list[dict[str, object]]:
    """Rows for every outcome column of one run directory."""
    manifest = json.loads((run_dir / "manifest.json").read_text())
    scenario: str = manifest["scenario"]
    start = dt.date.fromisoformat(str(manifest["scenario_as_run"]["start"]))
    table = pq.read_table(run_dir / "replications.parquet")
    rows: list[dict[str, object]] = []
    for field in table.schema:
        name, kind = field.name, field.type
        if name == "replication" or name.startswith("param."):
            continue
        series = table.column(name).to_pandas()
        n, count = len(series), int(series.notna().sum())
        if pa.types.is_boolean(kind):
            if count < n:
                raise ValueError(f"{run_dir}: yes/no column {name} has nulls")
            rows.append(row(scenario, name, "yes/no", n, count, series))
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
            rows.append(row(scenario, name, "number", n, count, series.dropna()))
        elif pa.types.is_date(kind) or pa.types.is_timestamp(kind):
            days = (pd.to_datetime(series.dropna()) - pd.Timestamp(start)).dt.days.astype(float)
            summary = row(scenario, name, "date", n, count, series.notna())
            rows.append(summary | {"mean_day": days.mean(), "sd_day": days.std()})
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
            for value in sorted(series.dropna().astype(str).unique()):
                rows.append(row(scenario, f"{name}={value}", "category", n, count, series.astype(object) == value))
        else:
            raise TypeError(f"{run_dir}: column {name} has a type this summary does not know: {kind}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="finished run directories")
    parser.add_argument("--out", type=Path, help="CSV file to write (default: standard output)")
    args = parser.parse_args(argv)
    rows = [row for run_dir in args.run_dirs for row in summarise(run_dir)]
    handle = args.out.open("w", newline="") if args.out else sys.stdout
    try:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: (f"{v:.10g}" if isinstance(v, float) else v) for k, v in row.items()} for row in rows)
    finally:
        if args.out:
            handle.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
