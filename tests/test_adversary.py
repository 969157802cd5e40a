"""Defender posture and the adversary's response (docs/model.md#posture-and-the-adversarys-response).

The baseline carries, at status-quo values, the parameters that courses of action move:
`prepositioned_reserve_share` and `prepositioned_extra_troops` (Ukraine's northern posture),
`flank_air_defence_reinforced` (NATO's eastern flank). Each test runs the baseline and small
variants of it with the same seed, so replication i draws the same random numbers in all of
them (common random numbers): a difference between two runs is the lever's, not noise.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import BASELINE, fixed
from ruamel.yaml import YAML
from test_engines import assert_same_tables

from sim.engine import SIMPY, VECTORISED, CompiledScenario, compile_scenario, run_chunk, run_replication
from sim.runner.tables import events_table, replications_schema, replications_table
from sim.scenario import load_scenario

SEED = 7
REPLICATIONS = 4_000
HORIZON_DAY = 140  # 14 August 2025 (day 0) to the end of 31 December 2025
DETERRED_LOG = "attack held back: force ratio "


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory):
    """Compile the baseline with some parameters pinned (and optionally other top-level changes)."""
    folder = tmp_path_factory.mktemp("adversary")
    counter = itertools.count()

    def compiled(parameters: dict[str, Any] | None = None, **overrides: Any) -> CompiledScenario:
        path = folder / f"variant-{next(counter)}.yaml"
        pinned = {name: fixed(value) for name, value in (parameters or {}).items()}
        with path.open("w") as handle:
            document = {"extends": str(BASELINE), "name": "adversary-variant", "parameters": pinned, **overrides}
            YAML(typ="safe", pure=True).dump(document, handle)
        return compile_scenario(load_scenario(path))

    return compiled


def table(compiled: CompiledScenario, n: int = REPLICATIONS, engine: str = VECTORISED) -> pd.DataFrame:
    chunk = run_chunk(compiled, SEED, range(n), engine=engine, events=False)
    return replications_table(chunk, replications_schema(compiled), compiled).to_pandas()


@pytest.fixture(scope="module")
def status_quo() -> pd.DataFrame:
    return table(compile_scenario(load_scenario(BASELINE)))


@pytest.fixture(scope="module")
def north(build) -> dict[float, pd.DataFrame]:
    """The baseline with half, and all, of the reserves placed north from the start."""
    return {share: table(build({"prepositioned_reserve_share": share})) for share in (0.5, 1.0)}


def test_a_reinforced_north_deters_orders_while_the_intent_is_unchanged(build, status_quo, north):
    """The same intent draw in every replication; fewer orders once the north is reinforced.

    No statistical tolerance is needed: with common random numbers each replication keeps its
    intent, its attackers and its decision day, and meets at least as many defenders (all the
    reserves from day 0, instead of only those arrived by then), so its force ratio can only
    fall and no replication may be ordered that was not ordered before. The fall itself: of the
    ~200 orders in 4,000 replications (a ratio drawn near the threshold of about 2), 5,000 to
    30,000 more defenders deter about a quarter; requiring at least 10 fewer fails only if the
    mechanism is broken.
    """
    full = north[1.0]
    assert status_quo["attack_intended"].equals(full["attack_intended"])
    assert not (full["attack_ordered"] & ~status_quo["attack_ordered"]).any()
    assert not (full["force_ratio"] > status_quo["force_ratio"] * (1 + 1e-12)).any()
    assert full["attack_ordered"].sum() <= status_quo["attack_ordered"].sum() - 10
    assert north[0.5]["attack_ordered"].sum() <= status_quo["attack_ordered"].sum()
    assert (full["reserves_moved"] == 0).all()

    # A replication deterred by the posture tells why in the reference engine's event log.
    deterred = np.flatnonzero((full["offensive"] == "too_weak") & (status_quo["offensive"] == "launched"))
    assert len(deterred) > 0
    replication = run_replication(build({"prepositioned_reserve_share": 1.0}), SEED, int(deterred[0]))
    details = [
        detail for _, _, actor, event, detail in replication.events if (actor, event) == ("offensive", "too_weak")
    ]
    assert len(details) == 1 and details[0].startswith(DETERRED_LOG) and "it needs (" in details[0]


def test_status_quo_orders_are_exactly_the_launches(status_quo):
    """Ordered means intended and strong enough, and an order always launches; intended but
    too weak is the deterred end state; no intent is `not_ordered`."""
    sq = status_quo
    assert sq["attack_ordered"].equals(sq["offensive.launched"])
    assert sq["attack_intended"].equals(sq["offensive"].isin(["too_weak", "launched"]))
    assert ((sq["offensive"] == "too_weak") == (sq["attack_intended"] & ~sq["attack_ordered"])).all()
    assert (sq.loc[sq["offensive"] == "not_ordered", "attack_intended"] == False).all()  # noqa: E712
    launched = sq[sq["offensive.launched"]]
    assert (launched["force_ratio"] >= launched["param.force_ratio_threshold"]).all()
    # Nothing is placed north in the status quo: defenders start at the drawn defender_troops.
    assert (sq["reserves_prepositioned"] == 0).all()
    assert (
        sq["reserves_moved"] == np.where(sq["warning.reserves_arrived"], sq["param.reserve_troops"].round(), 0)
    ).all()


def test_eastern_front_loss_is_zero_when_nothing_moves_and_grows_with_the_share(status_quo, north):
    """The loss is rate x troops x days from the move to the horizon, per 1,000 troop-days."""
    sq, half, full = status_quo, north[0.5], north[1.0]
    rate = sq["param.eastern_loss_km2_per_1000_troop_days"] / 1000
    assert (sq.loc[sq["reserves_moved"] == 0, "eastern_front_loss_km2"] == 0).all()
    moved = sq["reserves_moved"] > 0
    assert moved.any()
    expected = sq["reserves_moved"] * (HORIZON_DAY - sq["detection_day"]) * rate
    assert np.allclose(sq.loc[moved, "eastern_front_loss_km2"], expected[moved], rtol=1e-12)
    # All placed north from day 0: every troop is missing in the east for all 140 days.
    assert np.allclose(full["eastern_front_loss_km2"], full["reserves_prepositioned"] * HORIZON_DAY * rate, rtol=1e-12)
    assert (full["reserves_prepositioned"] == full["param.reserve_troops"].round()).all()
    # Earlier moves cost more, replication by replication (same draws, same detection day).
    assert (half["eastern_front_loss_km2"] >= sq["eastern_front_loss_km2"]).all()
    assert (full["eastern_front_loss_km2"] >= half["eastern_front_loss_km2"]).all()
    assert (
        sq["eastern_front_loss_km2"].mean()
        < half["eastern_front_loss_km2"].mean()
        < full["eastern_front_loss_km2"].mean()
    )


def test_extra_troops_sent_north_add_to_the_defence_and_to_the_cost(build):
    extra = table(build({"prepositioned_reserve_share": 1.0, "prepositioned_extra_troops": 20_000}), 200)
    assert (extra["reserves_prepositioned"] == extra["param.reserve_troops"].round() + 20_000).all()
    decided = extra["force_ratio"].notna() & extra["attackers"].notna()
    defenders_at_decision = extra.loc[decided, "attackers"] / extra.loc[decided, "force_ratio"]
    floor = extra.loc[decided, "param.defender_troops"] + extra.loc[decided, "reserves_prepositioned"]
    assert (defenders_at_decision >= floor - 1e-6).all()


def test_a_reinforced_flank_draws_more_nuclear_signalling_and_fewer_article4_requests(build, status_quo):
    """Nuclear announcements come flank_response_multiplier times as often (PERT(1, 1.5, 3), mean
    1.67) for the whole run, so their mean should rise by about half or more (a little less,
    since fewer Article 4 requests mean fewer crises, which also raise the rate). Requiring a
    rise of 20% leaves a wide margin: the mean of ~8 announcements over 4,000 replications has a
    standard error of about 0.1, and the paired difference less. Article 4 requests after a
    violation fall by flank_article4_multiplier (PERT(0.3, 0.6, 1)); a multiplier of 0 leaves
    only the requests that follow an offensive, an exact check of where the factor acts."""
    flank = table(build({"flank_air_defence_reinforced": 1}))
    assert flank["nuclear_announcements"].mean() > 1.2 * status_quo["nuclear_announcements"].mean()
    assert flank["nato.article4"].mean() < status_quo["nato.article4"].mean()
    silenced = table(build({"flank_air_defence_reinforced": 1, "flank_article4_multiplier": 0.0}), 1_000)
    assert (~silenced["nato.article4"] | silenced["offensive.launched"]).all()


def test_both_engines_agree_with_the_levers_pulled(build):
    """The status quo leaves the new mechanics idle, so tests/test_engines.py does not exercise
    them: here every lever is pulled, under the offensive hypothesis, where decisions happen."""
    compiled = build(
        {"prepositioned_reserve_share": 0.5, "prepositioned_extra_troops": 5_000, "flank_air_defence_reinforced": 1},
        hypotheses={"routine": {"weight": 0}, "coercion": {"weight": 0}, "offensive": {"weight": 1}},
    )
    schema = replications_schema(compiled)
    chunks = {engine: run_chunk(compiled, SEED, range(300), engine=engine) for engine in (SIMPY, VECTORISED)}
    assert chunks[VECTORISED].engine == VECTORISED, chunks[VECTORISED].note
    tables = {engine: replications_table(chunk, schema, compiled) for engine, chunk in chunks.items()}
    assert_same_tables(tables[SIMPY], tables[VECTORISED])
    columns = ["replication", "date", "component", "event"]
    events = {engine: events_table(chunk, compiled.scenario.start).select(columns) for engine, chunk in chunks.items()}
    assert events[SIMPY].equals(events[VECTORISED])
    offensive = tables[SIMPY].column("offensive").to_pylist()
    assert offensive.count("too_weak") > 0 and offensive.count("launched") > 0


def test_the_deadline_and_measures_levers_take_fixed_values(build):
    """Courses of action fix deadline_days (12 or 50) and the measures' probabilities."""
    for days in (12, 50):
        values = {
            "deadline_days": days,
            "measures_on_russia_probability": 1.0,
            "measures_on_buyers_probability": 0.0,
            "deadline_after_no_deal_probability": 1.0,
        }
        rows = table(build(values), 300)
        expired = rows[rows["consequences.expired"]]
        assert len(expired) > 0
        # The first deadline usually expires (a ceasefire can lift it and a later one expire instead).
        gap = pd.to_datetime(expired["consequences.expired.date"]) - pd.to_datetime(
            expired["consequences.deadline.date"]
        )
        assert (gap.dt.days >= days).all() and (gap.dt.days == days).mean() > 0.9
        assert (expired["measures_on_russia"]).all() and not rows["consequences.buyer_measures"].any()
