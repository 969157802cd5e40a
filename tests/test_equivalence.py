"""The first edition's scenarios, in the language, reproduce the retired hand-written model.

The model is now in its second edition (scenarios/); the first edition's nine scenarios are
kept under tests/data/first_edition/ as they were when the language replaced sim/model/, so
this check of the language and its engines against hand-written Python keeps its teeth.

tests/data/first_edition_outcomes.csv holds every outcome of the first edition on the nine
scenarios: 40,000 replications each, seed 20250815, written by benchmarks/outcome_summary.py
from runs of commit 8cea150, before sim/model/ was retired. Here each scenario runs again in
the language and every probability and mean must agree within Monte Carlo error.

Tolerance: |new - old| <= 4.5 standard errors of the difference (both runs' errors
combined). About 300 comparisons are made; under exact equivalence the chance that any one
exceeds 4.5 SE is about 7e-6, so about 0.2% that the suite fails by chance at some seed.
With 6,000 new replications a scenario, an offensive probability of 4% has a standard error
of 0.25 points, so a shift of about 1.2 points (a quarter of its value) fails the test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine import compile_scenario, run_chunk
from sim.runner.tables import replications_schema, replications_table
from sim.scenario import load_scenario

RECORD = Path(__file__).parent / "data" / "first_edition_outcomes.csv"
SCENARIOS = Path(__file__).parent / "data" / "first_edition"
REPLICATIONS = 6_000
SEED = 7
Z_TOLERANCE = 4.5

# First-edition column -> the same quantity in the language's tables.
RENAMED = {
    "second_summit": "talks.second_summit",
    "ceasefire": "talks.ceasefire",
    "ceasefire_date": "talks.ceasefire.date",
    "sanctions": "consequences.imposed",
    "sanctions_date": "consequences.imposed.date",
    "exercise_troops": "exercise_size",
    "offensive": "offensive.launched",
    "offensive_date": "offensive.launched.date",
    "detection_date": "warning.detected.date",
    "oreshnik_operational": "oreshnik.operational",
    "oreshnik_date": "oreshnik.operational.date",
    "warheads_present": "warheads.present",
}
COMBAT_ENDS = {"ceasefire": "stopped"}  # the battle's generic name for an outside stop
NATO_ALERT = {"normal": 0, "raised": 1, "high": 2}


def _new_tables(scenario: str) -> pd.DataFrame:
    compiled = compile_scenario(load_scenario(SCENARIOS / f"{scenario}.yaml"))
    chunk = run_chunk(compiled, SEED, range(REPLICATIONS))
    table = replications_table(chunk, replications_schema(compiled), compiled).to_pandas()
    table["ceasefire_in_force_at_horizon"] = table["talks"] == "ceasefire"
    table["nato_alert_level"] = table["nato"].map(NATO_ALERT).astype(float)
    start = pd.Timestamp(compiled.scenario.start)
    for column in [c for c in table.columns if c.endswith(".date")]:
        table[column] = (pd.to_datetime(table[column]) - start).dt.days
    return table


def _new_statistic(table: pd.DataFrame, column: str, kind: str) -> tuple[float, float, int, float, float, int]:
    """(mean, sd, n) of the record's statistic, and for dates (mean day, sd day, count) too."""
    if kind == "category":
        name, value = column.split("=", 1)
        source = f"param.{name}" if name == "summit_outcome" else name
        value = COMBAT_ENDS.get(value, value) if name == "combat_end" else value
        values = (table[source] == value).to_numpy(dtype=float)
        return float(values.mean()), float(values.std(ddof=1)), len(values), math.nan, math.nan, 0
    source = RENAMED.get(column, column)
    series = table[source]
    if kind == "date":
        happened = series.notna().to_numpy(dtype=float)
        days = series.dropna().to_numpy(dtype=float)
        sd_day = float(days.std(ddof=1)) if len(days) > 1 else math.nan
        return (
            float(happened.mean()),
            float(happened.std(ddof=1)),
            len(happened),
            float(days.mean()) if len(days) else math.nan,
            sd_day,
            len(days),
        )
    values = series.dropna().to_numpy(dtype=float)
    if len(values) < 2:
        return (float(values[0]) if len(values) else math.nan), math.nan, len(values), math.nan, math.nan, 0
    return float(values.mean()), float(values.std(ddof=1)), len(values), math.nan, math.nan, 0


def _disagreements(scenario: str) -> list[str]:
    record = pd.read_csv(RECORD)
    record = record[record["scenario"] == scenario]
    table = _new_tables(scenario)
    problems = []
    for row in record.itertuples():
        mean, sd, n, mean_day, sd_day, n_day = _new_statistic(table, row.column, row.kind)
        old_n = row.count_non_null if row.kind == "number" else row.n
        problems += _compare(row.column, row.mean, row.sd, old_n, mean, sd, n)
        if row.kind == "date" and row.count_non_null > 1 and n_day > 1:
            problems += _compare(
                f"{row.column} (mean day)", row.mean_day, row.sd_day, row.count_non_null, mean_day, sd_day, n_day
            )
    return problems


def _compare(what: str, old: float, old_sd: float, old_n: int, new: float, new_sd: float, new_n: int) -> list[str]:
    if old_n == 0 and new_n == 0:
        return []
    if old_n == 0 or new_n == 0:
        return [f"{what}: present in {'the first edition' if old_n else 'the language'} only"]
    se = math.sqrt(np.nan_to_num(old_sd) ** 2 / old_n + np.nan_to_num(new_sd) ** 2 / new_n)
    gap = abs(new - old)
    if se == 0:
        return [] if gap < 1e-9 else [f"{what}: {new:.6g} against {old:.6g}, and neither varies"]
    if gap > Z_TOLERANCE * se:
        return [f"{what}: {new:.4g} against {old:.4g} ({gap / se:.1f} standard errors)"]
    return []


@pytest.mark.parametrize("scenario", ["baseline", "intent-offensive", "summit-ceasefire"])
def test_the_language_reproduces_the_first_edition(scenario: str) -> None:
    assert _disagreements(scenario) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "scenario",
    [
        "intent-coercion",
        "intent-routine",
        "second-summit",
        "summit-no-deal",
        "troops-belarus-13k",
        "troops-latvia-100-150k",
    ],
)
def test_every_other_scenario_reproduces_the_first_edition(scenario: str) -> None:
    assert _disagreements(scenario) == []


def test_the_comparison_catches_a_changed_mechanic(tmp_path: Path) -> None:
    """The test above has teeth: halving one delay moves outcomes by far more than its tolerance."""
    variant = tmp_path / "slow-sanctions.yaml"
    variant.write_text(
        f"schema_version: 1\nextends: {SCENARIOS / 'baseline.yaml'}\nname: slow-sanctions\ntitle: t\n"
        "parameters:\n  sanctions_probability: {dist: fixed, value: 0.3, assumption: a test}\n"
    )
    compiled = compile_scenario(load_scenario(variant))
    chunk = run_chunk(compiled, SEED, range(3000))
    table = replications_table(chunk, replications_schema(compiled), compiled).to_pandas()
    old = pd.read_csv(RECORD).set_index(["scenario", "column"]).loc[("baseline", "sanctions")]
    new = table["consequences.imposed"].to_numpy(dtype=float)
    se = math.sqrt(old["sd"] ** 2 / old["n"] + new.std(ddof=1) ** 2 / len(new))
    assert abs(new.mean() - old["mean"]) > Z_TOLERANCE * se
