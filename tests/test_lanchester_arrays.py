"""fight_arrays / SegmentArrays.state_at give, row by row, what fight / Segment.state_at give.

The array code does the scalar code's floating-point operations in the same order on the same numpy
ufuncs (sim/mechanics/lanchester_arrays.py says where that needs care: linspace, math.atan, the
scalar `**2`, cumsum, np.interp's C code). Reasons must match exactly. Numbers are compared with
rtol 1e-12 (atol 0), the contract; on numpy 2.4 (x86-64, AVX-512) every output was found bit-identical:
end_day, the grid days, the kept km grid and the whole one, the grid's first strengths, and state_at's
attackers, defenders and km; test_outputs_are_bit_identical holds them to that, so a numpy that
evaluated a 0-d operand differently from an array shows up there first.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim.mechanics.lanchester_arrays as lanchester_arrays
from sim.mechanics.lanchester import Advance, Attrition, Segment, fight
from sim.mechanics.lanchester_arrays import SegmentArrays, fight_arrays

ROWS = 3_000
RTOL = 1e-12
NAMES = (
    "law",
    "attacker_effectiveness",
    "defender_effectiveness",
    "opening_attackers",
    "opening_defenders",
    "rate_km_per_day",
    "culmination_force_ratio",
    "culmination_strength",
    "attackers",
    "defenders",
    "objective_remaining_km",
    "max_days",
)


def draw(law: str, n: int, seed: int) -> dict[str, np.ndarray]:
    """Random inputs reaching every branch of `fight` for one law (checked by test_draws_cover_every_branch)."""
    rng = np.random.default_rng(seed)

    def share(p: float) -> np.ndarray:
        return rng.random(n) < p

    opening_a = rng.uniform(1e3, 1e5, n)
    opening_d = opening_a / np.exp(rng.uniform(np.log(0.2), np.log(10), n))  # force ratios 0.2 to 10
    a = np.exp(rng.uniform(np.log(1e-3), np.log(5e-2), n))
    b = np.exp(rng.uniform(np.log(1e-3), np.log(5e-2), n))
    a[share(0.07)] = 0.0
    b[share(0.07)] = 0.0
    later = share(0.5)  # a later segment: worn down, the defence reinforced
    attackers = np.where(later, opening_a * rng.uniform(0.3, 1.0, n), opening_a)
    defenders = np.where(later, opening_d * rng.uniform(0.3, 1.6, n), opening_d)
    rate = rng.uniform(0, 30, n)
    rate[share(0.05)] = 0.0
    force_ratio = rng.uniform(0.3, 3.0, n)
    strength = attackers * rng.uniform(0, 0.9, n)
    objective = rng.uniform(-5, 300, n)
    objective[share(0.03)] = 0.0
    objective[share(0.03)] = np.inf
    max_days = rng.uniform(0, 150, n)
    special = rng.integers(0, 20, n)
    max_days = np.select(
        [special == 0, special == 1, special == 2, special == 3, special == 4, special == 5],
        [
            np.zeros(n),
            -rng.uniform(0, 3, n),
            10.0 ** rng.uniform(-12, -1, n),  # tiny: one step
            rng.integers(1, 400, n) * 0.25,  # a whole number of steps
            rng.uniform(400, 500, n),
            np.full(n, -0.0),
        ],
        max_days,
    )
    # Horizon endings: no advance to speak of, no culmination.
    quiet = share(0.08)
    rate[quiet], force_ratio[quiet], strength[quiet] = 0.0, 0.0, 0.0
    if law == "linear":  # alpha a0 == beta d0: exactly (c == 0), or within 1e-15 (c a few ulps)
        balanced = np.flatnonzero(share(0.1))
        opening_d[balanced] = opening_a[balanced]
        b[balanced] = a[balanced]
        defenders[balanced] = attackers[balanced]
        nudged = balanced[: len(balanced) // 2]
        defenders[nudged] = attackers[nudged] * (1 + 4e-16 * rng.integers(1, 4, len(nudged)))
    if law == "mixed":  # m2 == 0 exactly: alpha = 2^-20, b = 2^-6, d0 = a0^2 / 2^15
        zero = np.flatnonzero(share(0.1))
        opening_d[zero], a[zero], b[zero] = 2.0**14, 2.0**-6, 2.0**-6
        attackers[zero] = rng.integers(1_000, 40_000, len(zero)).astype(float)
        defenders[zero] = attackers[zero] ** 2 / 2.0**15
        strength[zero] = attackers[zero] * rng.uniform(0, 0.9, len(zero))
    return dict(
        zip(
            NAMES,
            (
                np.full(n, law, dtype=object),
                a,
                b,
                opening_a,
                opening_d,
                rate,
                force_ratio,
                strength,
                attackers,
                defenders,
                objective,
                max_days,
            ),
            strict=True,
        )
    )


def scalar_fight(inputs: dict[str, np.ndarray], i: int) -> Segment:
    x = {name: (values[i] if name == "law" else float(values[i])) for name, values in inputs.items()}
    attrition = Attrition(
        x["law"],
        x["attacker_effectiveness"],
        x["defender_effectiveness"],
        x["opening_attackers"],
        x["opening_defenders"],
    )
    advance = Advance(x["rate_km_per_day"], x["culmination_force_ratio"], x["culmination_strength"])
    return fight(attrition, advance, x["attackers"], x["defenders"], x["objective_remaining_km"], x["max_days"])


@pytest.fixture(scope="module", params=["square", "linear", "mixed"])
def solved(request) -> tuple[dict[str, np.ndarray], list[Segment], SegmentArrays]:
    inputs = draw(request.param, ROWS, seed=2024 + len(request.param))
    return inputs, [scalar_fight(inputs, i) for i in range(ROWS)], fight_arrays(**inputs)


def state_days(segments: list[Segment], seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and days to ask: the end day, random days in [0, end_day], grid points, 0, and beyond the end."""
    rng = np.random.default_rng(seed)
    n = len(segments)
    rows = np.arange(n)
    end = np.array([s.end_day for s in segments])
    on_grid = np.array([s.grid_days[rng.integers(0, len(s.grid_days))] for s in segments])
    beyond = end + rng.uniform(0, 100, n)
    return np.tile(rows, 5), np.concatenate([end, end * rng.random(n), on_grid, np.zeros(n), beyond])


def test_draws_cover_every_branch(solved):
    inputs, segments, arrays = solved
    law = inputs["law"][0]
    reasons = {s.reason for s in segments}
    assert reasons == {"objective", "culmination", "horizon"}
    codes = lanchester_arrays.LAWS.index
    kinds = set(
        lanchester_arrays._kinds(
            np.full(ROWS, codes(law), dtype=np.int8),
            inputs["attacker_effectiveness"],
            inputs["defender_effectiveness"],
            inputs["opening_attackers"],
            inputs["opening_defenders"],
            inputs["attackers"],
            inputs["defenders"],
        ).tolist()
    )
    expected = {
        "square": {lanchester_arrays._SQUARE_LINEAR, lanchester_arrays._SQUARE_HYPERBOLIC},
        "linear": {
            lanchester_arrays._LINEAR_EXPONENTIAL,
            lanchester_arrays._LINEAR_BALANCED,
            lanchester_arrays._LINEAR_LOGISTIC,
        },
        "mixed": {
            lanchester_arrays._MIXED_LINEAR,
            lanchester_arrays._MIXED_POSITIVE,
            lanchester_arrays._MIXED_NEGATIVE,
            lanchester_arrays._MIXED_ZERO,
        },
    }[law]
    assert kinds == expected
    if law == "linear":
        a0, d0 = inputs["attackers"], inputs["defenders"]
        alpha = inputs["attacker_effectiveness"] / inputs["opening_defenders"]
        beta = inputs["defender_effectiveness"] / inputs["opening_attackers"]
        assert ((alpha * a0 == beta * d0) & (alpha != 0)).any()  # c == 0 exactly, not only |c| < 1e-15
    at_end = [s.grid_attackers[np.searchsorted(s.grid_days, s.end_day)] for s in segments]
    culminated = [i for i, s in enumerate(segments) if s.reason == "culmination"]
    by_strength = [i for i in culminated if at_end[i] <= inputs["culmination_strength"][i]]
    assert 0 < len(by_strength) < len(culminated)  # by strength, and by force ratio alone
    assert any(s.reason == "objective" and s.end_day not in s.grid_days for s in segments)  # interpolated
    assert any(s.end_day == 0 for s in segments) and any(len(s.grid_days) == 2 for s in segments)


def test_fight_arrays_matches_fight(solved):
    inputs, segments, arrays = solved
    assert len(arrays) == ROWS
    assert list(arrays.reason) == [s.reason for s in segments]
    np.testing.assert_allclose(arrays.end_day, [s.end_day for s in segments], rtol=RTOL, atol=0)
    np.testing.assert_allclose(arrays.start_attackers, [s.grid_attackers[0] for s in segments], rtol=RTOL, atol=0)
    np.testing.assert_allclose(arrays.start_defenders, [s.grid_defenders[0] for s in segments], rtol=RTOL, atol=0)
    for i, s in enumerate(segments):
        assert arrays.steps[i] + 1 == len(s.grid_days)
        np.testing.assert_allclose(arrays.grid_days(i), s.grid_days, rtol=RTOL, atol=0)
        kept = arrays.grid_advance_km(i)
        # The kept grid reaches past the end (so state_at up to end_day needs nothing more), or is whole.
        assert len(kept) == len(s.grid_days) or s.grid_days[len(kept) - 1] > s.end_day
        np.testing.assert_allclose(kept, s.grid_advance_km[: len(kept)], rtol=RTOL, atol=0)


def test_whole_grids_match_fight(solved):
    inputs, segments, _ = solved
    arrays = fight_arrays(**inputs, keep_whole_grid=True)
    assert list(arrays.reason) == [s.reason for s in segments]
    np.testing.assert_allclose(arrays.end_day, [s.end_day for s in segments], rtol=RTOL, atol=0)
    for i, s in enumerate(segments):
        np.testing.assert_allclose(arrays.grid_advance_km(i), s.grid_advance_km, rtol=RTOL, atol=0)


def test_state_at_matches_segment_state_at(solved):
    _, segments, arrays = solved
    rows, days = state_days(segments, seed=7)
    attackers, defenders, km = arrays.state_at(rows, days)
    expected = np.array([segments[r].state_at(float(d)) for r, d in zip(rows, days, strict=True)])
    np.testing.assert_allclose(attackers, expected[:, 0], rtol=RTOL, atol=0)
    np.testing.assert_allclose(defenders, expected[:, 1], rtol=RTOL, atol=0)
    np.testing.assert_allclose(km, expected[:, 2], rtol=RTOL, atol=0)


def test_outputs_are_bit_identical(solved):
    """Stronger than the contract (rtol 1e-12): the same operations in the same order give the same bits."""
    inputs, segments, arrays = solved
    whole = fight_arrays(**inputs, keep_whole_grid=True)
    assert np.array_equal(arrays.end_day, [s.end_day for s in segments])
    assert np.array_equal(arrays.start_attackers, [s.grid_attackers[0] for s in segments])
    assert np.array_equal(arrays.start_defenders, [s.grid_defenders[0] for s in segments])
    for i, s in enumerate(segments):
        assert np.array_equal(arrays.grid_days(i), s.grid_days)
        assert np.array_equal(whole.grid_advance_km(i), s.grid_advance_km)
    rows, days = state_days(segments, seed=8)
    got = np.stack(arrays.state_at(rows, days), axis=1)
    expected = np.array([segments[r].state_at(float(d)) for r, d in zip(rows, days, strict=True)])
    assert np.array_equal(got, expected, equal_nan=True)


@pytest.mark.parametrize("law", ["square", "linear", "mixed"])
def test_small_chunks_and_passes_change_nothing(monkeypatch, law):
    """Ends falling on and next to pass boundaries, rows split over many chunks: the same segments."""
    inputs = draw(law, 400, seed=11)
    inputs["max_days"] = np.abs(inputs["max_days"]) % 30  # short grids: many ends near pass boundaries
    reference = fight_arrays(**inputs)
    monkeypatch.setattr(lanchester_arrays, "CHUNK_ELEMENTS", 50)
    monkeypatch.setattr(lanchester_arrays, "FIRST_PASS", 1)
    monkeypatch.setattr(lanchester_arrays, "LONGEST_PASS", 3)
    small = fight_arrays(**inputs)
    assert np.array_equal(small.reason, reference.reason)
    assert np.array_equal(small.end_day, reference.end_day)
    assert np.array_equal(small.kept, reference.kept)
    for i in range(len(small)):
        assert np.array_equal(small.grid_advance_km(i), reference.grid_advance_km(i))
    segments = [scalar_fight(inputs, i) for i in range(len(small))]
    rows, days = state_days(segments, seed=3)
    got = np.stack(small.state_at(rows, days), axis=1)
    expected = np.array([segments[r].state_at(float(d)) for r, d in zip(rows, days, strict=True)])
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)


def test_state_at_takes_any_rows_and_shapes():
    inputs = draw("square", 50, seed=5)
    arrays = fight_arrays(**inputs)
    segments = [scalar_fight(inputs, i) for i in range(50)]
    rows = np.array([[3, 3, 49], [0, 7, 3]])
    days = np.array([[0.5, 2.0, 1.0], [np.nan, 400.0, -1.0]])
    attackers, defenders, km = arrays.state_at(rows, days)
    assert attackers.shape == defenders.shape == km.shape == (2, 3)
    got = np.stack([attackers.ravel(), defenders.ravel(), km.ravel()], axis=1)
    expected = [segments[r].state_at(float(d)) for r, d in zip(rows.ravel(), days.ravel(), strict=True)]
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)


def test_no_rows():
    arrays = fight_arrays(*(np.empty(0, dtype=object if name == "law" else float) for name in NAMES))
    assert len(arrays) == 0
    assert all(len(x) == 0 for x in arrays.state_at(np.empty(0, dtype=int), np.empty(0)))


@pytest.mark.parametrize(
    "change, scalar_error, array_error",
    [
        ({"law": np.array(["square", "lnear"], dtype=object)}, ValueError, ValueError),
        ({"max_days": np.array([10.0, np.nan])}, ValueError, ValueError),
        ({"max_days": np.array([np.inf, 10.0])}, OverflowError, ValueError),
        (
            {"law": np.array(["mixed", "square"], dtype=object), "opening_defenders": np.array([0.0, 1.0])},
            ZeroDivisionError,
            ZeroDivisionError,
        ),
        (
            {"law": np.array(["linear", "linear"], dtype=object), "opening_attackers": np.array([1.0, 0.0])},
            ZeroDivisionError,
            ZeroDivisionError,
        ),
        (
            {"attacker_effectiveness": np.array([0.01, -0.01]), "defender_effectiveness": np.array([0.01, 0.01])},
            ValueError,
            ValueError,
        ),
    ],
)
def test_refuses_what_fight_refuses(change, scalar_error, array_error):
    inputs = dict(draw("square", 2, seed=1), **change)
    inputs["max_days"] = change.get("max_days", np.array([10.0, 10.0]))
    with pytest.raises(scalar_error), np.errstate(all="ignore"):
        for i in range(2):
            scalar_fight(inputs, i)
    with pytest.raises(array_error):
        fight_arrays(**inputs)


def annihilation_draw(n: int, seed: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Square-law segments fought to far past the day one side is destroyed, and that day per row (inf if none).

    Force ratios both ways, some rows at exact parity (a == b, A0 == D0: nobody destroyed; 100 days), some with no
    defenders or no attackers at the start (destroyed at day 0). Nothing ends the fighting but the attacker's
    destruction (culmination at zero strength) or the horizon, three times the day of destruction (at most 500)."""
    inputs = draw("square", n, seed)
    rng = np.random.default_rng(seed)
    a = np.exp(rng.uniform(np.log(1e-3), np.log(5e-2), n))
    b = np.exp(rng.uniform(np.log(1e-3), np.log(5e-2), n))
    attackers = inputs["opening_attackers"] * rng.uniform(0.5, 1.0, n)
    defenders = inputs["opening_defenders"] * rng.uniform(0.5, 1.5, n)
    parity, no_defenders, no_attackers = (np.arange(n) % 20 == k for k in (0, 1, 2))
    b[parity], defenders[parity] = a[parity], attackers[parity]
    defenders[no_defenders], attackers[no_attackers] = 0.0, 0.0
    g = np.sqrt(a * b)
    with np.errstate(divide="ignore"):
        ratio = np.minimum(attackers / (np.sqrt(b / a) * defenders), defenders / (np.sqrt(a / b) * attackers))
    end, destroyed = np.full(n, np.inf), ratio < 1
    end[destroyed] = np.arctanh(ratio[destroyed]) / g[destroyed]
    inputs.update(
        attacker_effectiveness=a,
        defender_effectiveness=b,
        attackers=attackers,
        defenders=defenders,
        culmination_force_ratio=np.zeros(n),
        culmination_strength=np.zeros(n),
        objective_remaining_km=np.full(n, np.inf),
        max_days=np.where(destroyed, np.minimum(3 * end, 500.0), 100.0),
    )
    return inputs, end


def test_square_law_annihilation_matches_fight_bit_for_bit():
    """Past the day one side is destroyed nothing changes (Attrition.strengths): fight_arrays and state_at give the
    scalar code's bits there too, the loser is exactly zero and the survivor never rises (by more than 1e-12 of the
    larger start strength: rounding; the defect regrew survivors by percent)."""
    inputs, end = annihilation_draw(600, seed=17)
    segments = [scalar_fight(inputs, i) for i in range(len(end))]
    arrays = fight_arrays(**inputs, keep_whole_grid=True)
    assert list(arrays.reason) == [s.reason for s in segments]
    assert np.array_equal(arrays.end_day, [s.end_day for s in segments])
    for i, s in enumerate(segments):
        assert np.array_equal(arrays.grid_advance_km(i), s.grid_advance_km)
    # Each row on 200 days from 0 to three times its day of destruction (to 100 days where none), and on that day.
    destroyed = np.isfinite(end)
    horizon = np.where(destroyed, 3 * end, 100.0)
    days = np.concatenate([horizon[:, None] * np.linspace(0, 1, 200), np.where(destroyed, end, 0)[:, None]], 1)
    rows = np.broadcast_to(np.arange(len(end))[:, None], days.shape)
    attackers, defenders, km = arrays.state_at(rows, days)
    expected = np.array([segments[r].state_at(float(d)) for r, d in zip(rows.ravel(), days.ravel(), strict=True)])
    assert np.array_equal(np.stack([attackers.ravel(), defenders.ravel(), km.ravel()], 1), expected)
    a0, d0 = inputs["attackers"], inputs["defenders"]
    attackers_lose = a0 * np.sqrt(inputs["attacker_effectiveness"]) < d0 * np.sqrt(inputs["defender_effectiveness"])
    loser = np.where(attackers_lose[:, None], attackers, defenders)[:, :200]
    survivor = np.where(attackers_lose[:, None], defenders, attackers)[:, :200]
    past = days[:, :200] > end[:, None] * (1 + 1e-9)
    assert past[destroyed & attackers_lose].any() and past[destroyed & ~attackers_lose].any()
    assert (loser[past] == 0).all() and (survivor[past] > 0).all()
    assert (np.diff(survivor, axis=1) <= 1e-12 * np.maximum(a0, d0)[:, None]).all()
