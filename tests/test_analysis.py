"""Statistics for reports and comparisons, checked on data whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import comparison, provenance, summary


def test_numeric_table_gives_mean_standard_error_and_percentiles():
    values = np.arange(1.0, 101.0)  # 1..100
    row = summary.numeric_table(pd.DataFrame({"advance_km": values})).iloc[0]
    assert row["mean"] == pytest.approx(50.5)
    assert row["sd"] == pytest.approx(values.std(ddof=1))
    assert row["mc_se"] == pytest.approx(values.std(ddof=1) / 10)
    assert (row["p5"], row["p25"], row["p50"], row["p75"], row["p95"]) == pytest.approx(
        np.percentile(values, [5, 25, 50, 75, 95])
    )


def test_category_shares_count_each_value_most_common_first():
    table = pd.DataFrame({"end": ["b", "a", "b", None, "c", "b", "a"]})
    shares = summary.category_shares(table, "end", order=["c", "a", "b"])
    assert shares["value"].tolist() == ["b", "a", "c"]  # by count, ties in the declared order
    assert shares["count"].tolist() == [3, 2, 1]
    assert (shares["replications"] == 6).all()  # over the replications that have a value
    assert shares["share"].sum() == pytest.approx(1.0)
    assert (shares["ci_low"].iloc[0], shares["ci_high"].iloc[0]) == pytest.approx(summary.wilson_interval(3, 6))


def test_bootstrap_interval_covers_the_mean_about_as_wide_as_theory():
    """For n = 400 normal values the 95% interval of the mean is about +/- 1.96 sd / 20.
    The percentile bootstrap with 999 resamples lands within 15% of that width."""
    values = np.random.default_rng(1).normal(10, 2, 400)
    row = summary.numeric_table(pd.DataFrame({"x": values})).iloc[0]
    assert row["interval"] == "bootstrap"
    assert row["ci_low"] < values.mean() < row["ci_high"]
    expected = 2 * 1.96 * values.std(ddof=1) / 20
    assert (row["ci_high"] - row["ci_low"]) == pytest.approx(expected, rel=0.15)


def test_large_samples_use_the_normal_interval():
    values = np.random.default_rng(2).exponential(1.0, summary.BOOTSTRAP_LIMIT + 1)
    row = summary.numeric_table(pd.DataFrame({"x": values})).iloc[0]
    assert row["interval"] == "normal"
    assert row["ci_high"] - row["mean"] == pytest.approx(1.96 * row["mc_se"])


def test_paired_differences_are_narrower_when_replications_share_their_draws():
    """b = a + a small effect: the paired interval is tight around the effect, the
    independent one as wide as the spread of a itself."""
    rng = np.random.default_rng(3)
    a = rng.normal(100, 20, 2000)
    b = a + 1.0 + rng.normal(0, 0.5, 2000)
    result = comparison.differences(pd.DataFrame({"x": a}), pd.DataFrame({"x": b}), paired=True).iloc[0]
    assert result["difference"] == pytest.approx(1.0, abs=0.05)
    assert result["ci_low"] < 1.0 < result["ci_high"]
    assert result["paired_half_width"] == pytest.approx(1.96 * 0.5 / math.sqrt(2000), rel=0.1)
    assert result["narrowing"] > 30


def test_unpaired_runs_fall_back_to_independent_intervals():
    a = pd.DataFrame({"offensive": [True, False] * 50})
    b = pd.DataFrame({"offensive": [True, True, False, False] * 25})
    result = comparison.differences(a, b, paired=False).iloc[0]
    assert math.isnan(result["paired_half_width"]) and result["difference"] == 0
    assert result["ci_high"] == pytest.approx(1.959964 * math.sqrt(0.25 / 100 * 2 * 100 / 99), rel=1e-3)


def test_rank_correlation_finds_the_parameter_that_drives_an_outcome():
    rng = np.random.default_rng(4)
    n = 3000
    driver, noise = rng.random(n), rng.random(n)
    table = pd.DataFrame(
        {
            "param.driver": driver,
            "param.noise": noise,
            "advance_km": driver**3 + rng.normal(0, 0.05, n),
            "offensive": driver > 0.8,
        }
    )
    correlations = provenance.rank_correlations(table)
    assert correlations.loc["driver", "advance_km"] > 0.9 and abs(correlations.loc["noise", "advance_km"]) < 0.1
    assert correlations.loc["driver", "offensive"] > 0.5


def test_provenance_links_claims_to_parameters_and_outcomes():
    scenario = {
        "claims": {"latvia": {"quote": "100,000 to 150,000", "by": "a Latvian official"}},
        "parameters": {
            "exercise_troops": {"dist": "mixture", "components": [{"source": "latvia"}, {"assumption": "x"}]},
            "northern_share": {"dist": "uniform", "assumption": "y"},
        },
    }
    rng = np.random.default_rng(5)
    troops = rng.random(500)
    table = pd.DataFrame(
        {"param.exercise_troops": troops, "param.northern_share": rng.random(500), "northern_troops": troops * 2}
    )
    rows = provenance.provenance_table(scenario, table)
    assert rows["claim"].tolist() == ["latvia"] and rows["parameter"].tolist() == ["exercise_troops"]
    (moves,) = rows["moves"]
    assert moves[0][0] == "northern_troops" and moves[0][1] == pytest.approx(1.0)


def test_state_flows_count_each_transition_once_a_replication_and_date_its_first():
    """Three replications of an actor a -> b -> c with a counter loop on c; a process row is skipped."""
    from sim.analysis.flows import ActorStates, state_depths, state_flows

    actor = ActorStates(
        "door", "shut", ("shut", "ajar", "open"), (("shut", "ajar"), ("ajar", "open"), ("open", "open"))
    )
    d = pd.Timestamp
    events = pd.DataFrame(
        [
            (0, d("2025-01-02"), "door", "ajar"),
            (0, d("2025-01-05"), "door", "open"),
            (0, d("2025-01-06"), "door", "open"),
            (0, d("2025-01-07"), "door", "open"),
            (0, d("2025-01-07"), "door", "hinge.creaks"),
            (1, d("2025-01-04"), "door", "ajar"),
            (1, d("2025-01-09"), "door", "open"),
            (2, d("2025-01-03"), "other", "ajar"),
        ],
        columns=["replication", "date", "component", "event"],
    )
    flows = state_flows(events, [actor], replications=4).set_index(["from_state", "to_state"])
    assert flows.loc[("shut", "ajar"), "replications"] == 2
    assert flows.loc[("shut", "ajar"), "share"] == 0.5
    assert str(flows.loc[("shut", "ajar"), "median_first_date"]) == "2025-01-03"
    assert flows.loc[("ajar", "open"), "replications"] == 2
    assert flows.loc[("open", "open"), "replications"] == 1
    assert flows.loc[("open", "open"), "entries_per_replication"] == 2
    assert len(flows) == 3  # no row for the process's log line or another actor's state
    assert state_depths(actor, actor.declared) == {"shut": 0, "ajar": 1, "open": 2}
