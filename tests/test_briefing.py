"""The run report's briefing: drivers named only above noise, spreads by hypothesis and branch,
and nothing said about an outcome that does not vary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.analyze.rbd_fast import compute_first_order

from sim.analysis import briefing


def noisy_table(rows: int, seed: int, noise_parameters: int = 20) -> pd.DataFrame:
    """One outcome driven by `param.cause` alone, beside parameters it does not depend on
    (numeric ones and a categorical one)."""
    rng = np.random.default_rng(seed)
    cause = rng.random(rows)
    table = {"param.cause": cause, "hypothesis": rng.choice(["a", "b"], rows)}
    for index in range(noise_parameters):
        table[f"param.noise_{index}"] = rng.lognormal(size=rows)
    table["param.noise_law"] = rng.choice(["square", "linear", "mixed"], rows)
    table["outcome"] = rng.random(rows) < 0.1 + 0.6 * cause
    return pd.DataFrame(table)


def test_our_fft_gives_salibs_rbd_fast_first_order_index():
    rng = np.random.default_rng(3)
    for y in (rng.random(1001), (rng.random(1000) < 0.2).astype(float)):
        assert briefing.first_order(y) == pytest.approx(compute_first_order(y, briefing.HARMONICS), rel=1e-12)


def test_epsilon_squared_is_one_for_a_perfect_split_and_near_zero_for_noise():
    codes = np.array([0, 0, 1, 1, 2, 2])
    assert briefing.epsilon_squared(codes, np.array([1.0, 1.0, 0.0, 0.0, 5.0, 5.0]))[0] == pytest.approx(1.0)
    rng = np.random.default_rng(1)
    # With 20,000 rows the estimate's standard error is about 1e-4; 0.002 is 20 of them.
    noise = briefing.epsilon_squared(rng.integers(0, 3, 20_000), rng.random(20_000))[0]
    assert abs(noise) < 0.002


def test_the_real_driver_is_named_and_parameters_without_effect_are_not():
    """2,000 rows: the cause explains about a third of the variance, noise parameters nothing.

    With N = 2,000 a shuffled parameter's RBD-FAST share has a standard error of about 0.003,
    so the 2% floor is six of them: over 20 seeds and 21 noise parameters none may pass. Without
    the guard (the top three by share) every seed would name two noise parameters."""
    for seed in range(20):
        inputs = briefing.Inputs.of(noisy_table(2000, seed).drop(columns="outcome"))
        found = inputs.drivers(noisy_table(2000, seed)["outcome"].to_numpy(float))
        named = [driver.parameter for driver in found["drivers"]]
        assert named == ["param.cause"], f"seed {seed}: {named}"


def test_with_few_replications_the_permutation_guard_keeps_noise_out():
    """200 rows, where a shuffled parameter's share varies by about 0.03 and the 2% floor alone
    would pass a third of the noise parameters. Beating all 199 shuffled copies happens to a
    parameter without effect 1 time in 200: over 50 seeds x 21 noise parameters (1,050 chances)
    we expect about 5 and allow 15 (over four standard deviations of a binomial(1050, 0.005))."""
    false_drivers = above_floor = 0
    for seed in range(50):
        table = noisy_table(200, seed)
        shares = briefing.Inputs.of(table.drop(columns="outcome")).shares(table["outcome"].to_numpy(float))
        noise = shares[shares["parameter"].str.contains("noise")]
        false_drivers += int(noise["driver"].sum())
        above_floor += int((noise["share"] >= briefing.MIN_SHARE).sum())
    assert false_drivers <= 15
    assert above_floor > 100  # the floor alone would name noise (about 250 times here)


def test_an_outcome_that_does_not_vary_is_left_out_of_the_briefing():
    table = noisy_table(500, 1).assign(never=False, always=True)
    result = briefing.build_briefing(table, table, ["never", "outcome", "always"])
    assert [brief.outcome for brief in result.outcomes] == ["outcome"]


def test_spread_by_hypothesis_and_branch_and_what_would_move_the_answer_most():
    rows = 4000
    rng = np.random.default_rng(2)
    hypothesis = rng.choice(["routine", "offensive"], rows, p=[0.8, 0.2])
    summit = rng.choice(["no_deal", "deal"], rows)
    launched = rng.random(rows) < np.where(hypothesis == "offensive", 0.3, 0.0)
    ceasefire = rng.random(rows) < np.where(summit == "deal", 0.9, 0.2)
    table = pd.DataFrame(
        {"hypothesis": hypothesis, "summit": summit, "launched": launched, "ceasefire": ceasefire}
    ).assign(**{"param.x": rng.random(rows)})
    result = briefing.build_briefing(table, table, ["launched", "ceasefire"], branch="summit")
    launched_brief, ceasefire_brief = result.outcomes
    by_hypothesis = {split.value: split for split in launched_brief.by_hypothesis}
    # Binomial standard errors: sqrt(0.3 x 0.7 / 800) = 0.016 for the probability, sqrt(0.16 / 4000) = 0.006
    # for the share; the tolerances are three of them.
    assert by_hypothesis["offensive"].probability == pytest.approx(0.3, abs=0.05)
    assert by_hypothesis["routine"].probability == 0.0
    assert by_hypothesis["offensive"].share == pytest.approx(0.2, abs=0.02)
    assert result.widest("hypothesis") is launched_brief and result.widest("branch") is ceasefire_brief
    # Knowing the summit's outcome moves the ceasefire by 0.5 x 0.35 x 2 = 0.35 on average; knowing the
    # hypothesis moves the launch by 2 x 0.2 x 0.8 x 0.3 = 0.096.
    assert result.observation.column == "summit" and result.observation.outcome == "ceasefire"
    assert result.observation.shift == pytest.approx(0.35, abs=0.03)
    assert launched_brief.hypothesis.parameter == "hypothesis" and launched_brief.drivers == []


def hypothesis_table(rows: int, seed: int) -> pd.DataFrame:
    """Three hypotheses; `param.buildup` and `param.cover` are fixed under all but the offensive one.
    `launched` depends on the hypothesis alone; `launched_by_buildup` on buildup within the offensive
    hypothesis; `coercion` on `param.pressure` within every hypothesis."""
    rng = np.random.default_rng(seed)
    hypothesis = rng.choice(["routine", "coercion", "offensive"], rows, p=[0.55, 0.3, 0.15])
    offensive = hypothesis == "offensive"
    buildup = np.where(offensive, rng.uniform(30_000, 130_000, rows), 0.0)
    pressure = rng.random(rows)
    return pd.DataFrame(
        {
            "hypothesis": hypothesis,
            "param.buildup": buildup,
            "param.cover": offensive,
            "param.pressure": pressure,
            "launched": offensive & (rng.random(rows) < 0.35),
            "launched_by_buildup": offensive & (rng.random(rows) < (buildup - 30_000) / 100_000),
            "coercion": rng.random(rows) < np.where(hypothesis == "coercion", 0.5, 0.2) + 0.4 * pressure,
        }
    )


def test_a_parameter_that_only_stands_in_for_the_hypothesis_is_not_named_a_driver():
    """Buildup and cover are fixed under two hypotheses: measured on the outcome itself they share the
    hypothesis's 30% (the defect this guards against); beyond the hypothesis they explain nothing."""
    table = hypothesis_table(3000, 5)
    result = briefing.build_briefing(table, table, ["launched", "launched_by_buildup", "coercion"])
    launched, by_buildup, coercion = result.outcomes
    # The hypothesis's own share of a Bernoulli(0.35) in 15% of rows: 0.15 x 0.85 x 0.35^2 / (p (1 - p)), with
    # p = 0.0525, is 0.31; its standard error at 3,000 rows is about 0.02, so 0.05 is over two of them.
    assert launched.hypothesis is not None and launched.hypothesis.share == pytest.approx(0.31, abs=0.05)
    assert launched.drivers == []
    # Within the offensive hypothesis buildup moves the launch from 0 to 1: it is named beyond the hypothesis,
    # with a share the shuffled copies (about 0.005 at most here) cannot reach.
    assert [driver.parameter for driver in by_buildup.drivers] == ["param.buildup"]
    assert by_buildup.hypothesis is not None
    # Pressure matters within every hypothesis; the hypothesis itself moves coercion by 0.3 under one.
    assert [driver.parameter for driver in coercion.drivers] == ["param.pressure"]
    assert coercion.hypothesis is not None
    assert coercion.hypothesis.share + coercion.drivers[0].share < 1


def test_a_branch_that_decides_an_outcome_is_not_quoted_as_its_spread():
    """A ceasefire summit is a ceasefire (100%): that spread is a definition, so the briefing quotes the
    outcome the branch moves without deciding, and nothing when the branch decides every outcome."""
    rows = 2000
    rng = np.random.default_rng(4)
    summit = rng.choice(["no_deal", "ceasefire"], rows, p=[0.9, 0.1])
    table = pd.DataFrame(
        {
            "hypothesis": rng.choice(["routine", "offensive"], rows),
            "summit": summit,
            "ceasefire": (summit == "ceasefire") | (rng.random(rows) < 0.2),
            "sanctions": rng.random(rows) < np.where(summit == "ceasefire", 0.2, 0.6),
        }
    )
    result = briefing.build_briefing(table, table, ["ceasefire", "sanctions"], branch="summit")
    assert result.widest("branch").outcome == "sanctions"
    assert result.observation.outcome == "sanctions"
    alone = briefing.build_briefing(table, table, ["ceasefire"], branch="summit")
    assert alone.widest("branch") is None
    assert alone.observation is None or alone.observation.column == "hypothesis"
