"""What the second edition of the baseline must show (docs/model.md), checked on runs of it.

Each test runs the shipped scenario as a user would (the vectorised engine, one seed) and
reads the outcome table. Statistical tolerances are stated with each test.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

from sim.engine import compile_scenario, run_chunk
from sim.runner.tables import replications_schema, replications_table
from sim.scenario import load_scenario

SEED = 20250815
REPLICATIONS = 6_000
LADDER = ("airspace.violated", "nato.article4", "nuclear.announced", "oreshnik.declared", "oreshnik.verified")
LADDER += ("nuclear_use.used",)


def table_of(path, replications: int, seed: int = SEED) -> pd.DataFrame:
    compiled = compile_scenario(load_scenario(path))
    chunk = run_chunk(compiled, seed, range(replications))
    return replications_table(chunk, replications_schema(compiled), compiled).to_pandas()


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    return table_of(SCENARIOS / "baseline.yaml", REPLICATIONS)


def best_likelihood_ratio(first: np.ndarray, second: np.ndarray) -> float:
    """The largest P(above t | one) / P(above t | other), or the same for below, over thresholds t.

    Only thresholds where the larger of the two shares is at least 0.2 count, so a ratio is
    never made of a handful of replications."""
    best = 0.0
    for threshold in np.quantile(np.concatenate([first, second]), np.linspace(0.02, 0.98, 49)):
        for a, b in ((first > threshold, second > threshold), (first <= threshold, second <= threshold)):
            p, q = a.mean(), b.mean()
            if max(p, q) >= 0.2:
                best = max(best, max(p, q) / max(min(p, q), 1e-12))
    return best


def test_the_baseline_states_what_it_knew_and_its_targets():
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    assert scenario.as_of == dt.date(2025, 8, 15)
    assert len(scenario.targets) >= 5
    assert all(target.published <= scenario.as_of for target in scenario.targets.values())
    assert all(entry.source or entry.assumption for entry in scenario.calendar.values())


def test_every_pair_of_hypotheses_is_told_apart_by_a_troop_column_seen_during_the_exercise(baseline):
    """For each pair, some column whose name contains `troops` (not the retention after the
    exercise) has a threshold where the likelihood ratio is at least 3. About 3,300, 1,800 and
    900 replications per hypothesis: a share of 0.2 has a standard error under 0.015, so a
    ratio measured at 3 is not an accident of sampling."""
    observed = [c for c in baseline.columns if "troops" in c and "retained" not in c and not c.startswith("param.")]
    assert {"belarus_troops", "northern_troops", "official_troops_figure", "western_estimate_troops"} <= set(observed)
    for first, second in itertools.combinations(sorted(baseline["hypothesis"].unique()), 2):
        ratios = {
            column: best_likelihood_ratio(
                baseline.loc[baseline["hypothesis"] == first, column].to_numpy(dtype=float),
                baseline.loc[baseline["hypothesis"] == second, column].to_numpy(dtype=float),
            )
            for column in observed
        }
        assert max(ratios.values()) >= 3, (first, second, ratios)


def test_the_measured_figures_are_weak_evidence_unlike_the_true_troops(baseline):
    """The official figure sits at the observer threshold whatever the hypothesis: between routine and
    coercion it separates far less than the true forces in Belarus do."""
    routine, coercion = (baseline[baseline["hypothesis"] == h] for h in ("routine", "coercion"))
    official = best_likelihood_ratio(
        routine["official_troops_figure"].to_numpy(dtype=float),
        coercion["official_troops_figure"].to_numpy(dtype=float),
    )
    true = best_likelihood_ratio(
        routine["belarus_troops"].to_numpy(dtype=float), coercion["belarus_troops"].to_numpy(dtype=float)
    )
    assert official < true


def test_consequences_can_follow_progress_and_come_in_every_month(baseline):
    """Each share must be above zero; with 6,000 replications a true share of 0.5% would give
    no case with probability e^-30."""
    assert (baseline["talks.progress"] & baseline["consequences.imposed"]).any()
    imposed = pd.to_datetime(baseline["consequences.imposed.date"]).dropna()
    for month in (9, 10, 11, 12):
        assert (imposed.dt.month == month).sum() > 0, month
    for kind in ("consequences.russia_measures", "consequences.buyer_measures", "consequences.deferred"):
        assert baseline[kind].any(), kind


def test_every_rung_of_the_ladder_has_a_column_and_can_happen(baseline):
    for event in LADDER:
        assert baseline[event].dtype == bool, event
        assert f"{event}.date" in baseline.columns, event
    for event in LADDER[:-1]:  # nuclear use is rare by design (a few in a thousand)
        assert baseline[event].any(), event


def test_coercion_shows_pressure_short_of_an_offensive(baseline):
    """Coercion never attacks (its intent is 0) but applies pressure far more often than a routine exercise."""
    coercion, routine = (baseline[baseline["hypothesis"] == h] for h in ("coercion", "routine"))
    assert not coercion["offensive.launched"].any()
    assert coercion["pressure.applied"].mean() > routine["pressure.applied"].mean() + 0.2


def test_a_ceasefire_is_not_capped_by_the_model_structure(baseline):
    """The first edition could not exceed about 18%. The second edition's ceasefire share sits
    within the range of forecasts published before the summit (28% to 53%), with a margin of
    simulation error (about 0.6 points at 6,000 replications); this checks the structure
    allows it, not a number fitted to it."""
    assert 0.2 < baseline["talks.ceasefire"].mean() < 0.6


def test_2022_northern_campaign_is_covered():
    """The baseline's combat with 2022's inputs (scenarios/checks/north-2022.yaml): the central
    90% of the advance covers the 115 km reached in 2022, and of the days of fighting covers a
    stall within about ten days. 4,000 replications: a 5th or 95th percentile is known to
    about half a percentile point, far inside the margins at the seed used (docs/model.md)."""
    table = table_of(SCENARIOS / "checks" / "north-2022.yaml", 4_000, seed=1)
    assert table["offensive.launched"].all()
    low, high = table["advance_km"].quantile([0.05, 0.95])
    assert low <= 115 <= high, (low, high)
    first_days = table.loc[table["combat_end"] == "culmination", "combat_days"].quantile(0.05)
    assert first_days <= 10, first_days
    assert (table["combat_end"] == "culmination").mean() > 0.5
