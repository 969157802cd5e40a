"""Each distribution family draws what its definition says, and bad definitions are refused.

Sampling tests draw N values with a fixed seed through `.sample(rng)` and compare them
with an independent reference from scipy.stats (never with the code under test's own
formulas), so a wrong parameterisation in sim/ cannot also hide in the reference.

Tolerances
----------
Continuous families use the one-sample Kolmogorov-Smirnov statistic D (the largest gap
between the empirical CDF and the reference CDF). We assert D < 1.95 / sqrt(N), the
asymptotic 99.9% critical value: a correct sampler exceeds it for only 1 seed in 1000.
That is enough because
  * the seed is fixed, so each test is deterministic: it either always passes or always
    fails, never flakes;
  * the mistakes we care about move D far past the bound. With N = 20,000 the bound is
    ~0.014, whereas sd used as a variance, mu used as a median, a swapped PERT shape or
    swapped mixture weights give D of 0.1 to 1 (see
    `test_ks_bound_rejects_common_parameterisation_mistakes`, which checks exactly that).
Discrete families (Bernoulli, Categorical, mixture component shares) compare observed
frequencies with the probabilities within 4 binomial standard errors sqrt(p(1-p)/N):
a correct sampler strays that far with probability ~6e-5 (normal approximation), while
a probability mixed up with its complement, or weights attached to the wrong category,
is off by hundreds of standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from sim.scenario.distributions import (
    Bernoulli,
    Categorical,
    Distribution,
    Fixed,
    LogNormal,
    Mixture,
    Normal,
    Pert,
    Triangular,
    Uniform,
)

N = 20_000
KS_CRITICAL = 1.95 / math.sqrt(N)  # asymptotic 99.9% critical value of the KS statistic D
SE_MULTIPLE = 4  # frequencies must lie within 4 binomial standard errors of the probability

ADAPTER = TypeAdapter(Distribution)


def make(spec: dict):
    """Build a distribution as a scenario file would: chosen by its `dist:` field."""
    return ADAPTER.validate_python(spec)


def draw(dist, n: int = N, seed: int = 20250814) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.array([dist.sample(rng) for _ in range(n)])


def assert_ks_matches(draws: np.ndarray, cdf) -> None:
    result = stats.kstest(draws, cdf)
    assert result.statistic < KS_CRITICAL, (
        f"KS statistic D={result.statistic:.4f} exceeds the 99.9% bound {KS_CRITICAL:.4f} "
        f"(p={result.pvalue:.2e}): draws do not follow the reference distribution"
    )


def assert_frequency_matches(observed_count: int, n: int, p: float, what: str) -> None:
    se = math.sqrt(p * (1 - p) / n)
    freq = observed_count / n
    assert abs(freq - p) <= SE_MULTIPLE * se, (
        f"{what}: frequency {freq:.4f} differs from probability {p:.4f} by more than "
        f"{SE_MULTIPLE} standard errors ({SE_MULTIPLE * se:.4f})"
    )


# --- sampling follows each family's definition ---------------------------------------------


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (2.0, 5.0), (100_000.0, 150_000.0), (-3.0, -1.0)])
def test_uniform_is_flat_between_low_and_high(low, high):
    dist = make({"dist": "uniform", "low": low, "high": high})
    draws = draw(dist)
    assert draws.min() >= low and draws.max() <= high
    assert_ks_matches(draws, stats.uniform(loc=low, scale=high - low).cdf)


@pytest.mark.parametrize(
    "low, mode, high",
    [
        (13_000.0, 13_500.0, 20_000.0),  # the Belarusian troop figure, skewed right
        (0.0, 7.0, 10.0),  # skewed left
        (0.0, 0.0, 1.0),  # mode at the lower bound
        (0.0, 1.0, 1.0),  # mode at the upper bound
    ],
)
def test_triangular_rises_to_mode_and_falls_to_high(low, mode, high):
    dist = make({"dist": "triangular", "low": low, "mode": mode, "high": high})
    draws = draw(dist)
    assert draws.min() >= low and draws.max() <= high
    reference = stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)
    assert_ks_matches(draws, reference.cdf)


@pytest.mark.parametrize(
    "low, mode, high, lam",
    [
        (1.0, 3.0, 10.0, None),  # classic PERT: lambda defaults to 4
        (0.0, 0.5, 1.0, None),  # symmetric
        (10.0, 80.0, 90.0, None),  # skewed left
        (1.0, 3.0, 10.0, 2.0),  # flatter, with an explicit `lambda:`
    ],
)
def test_pert_is_beta_scaled_to_low_high_with_mode_weighted_by_lambda(low, mode, high, lam):
    spec = {"dist": "pert", "low": low, "mode": mode, "high": high}
    if lam is not None:
        spec["lambda"] = lam
    dist = make(spec)
    weight = 4.0 if lam is None else lam
    alpha = 1 + weight * (mode - low) / (high - low)
    beta = 1 + weight * (high - mode) / (high - low)
    draws = draw(dist)
    assert draws.min() >= low and draws.max() <= high
    assert_ks_matches(draws, stats.beta(alpha, beta, loc=low, scale=high - low).cdf)


@pytest.mark.parametrize("mean, sd", [(0.0, 1.0), (10.0, 3.0), (-250.0, 40.0)])
def test_normal_mean_and_sd_match_definition(mean, sd):
    draws = draw(make({"dist": "normal", "mean": mean, "sd": sd}))
    assert_ks_matches(draws, stats.norm(loc=mean, scale=sd).cdf)
    # Plain moments, for a readable failure: the sample mean and sd of N normal draws
    # have standard errors sd/sqrt(N) and about sd/sqrt(2N).
    assert abs(draws.mean() - mean) < SE_MULTIPLE * sd / math.sqrt(N)
    assert abs(draws.std(ddof=1) - sd) < SE_MULTIPLE * sd / math.sqrt(2 * N)


@pytest.mark.parametrize(
    "mean, sd, low, high",
    [
        (0.0, 2.0, -1.0, 3.0),  # both bounds inside the bulk
        (5.0, 2.0, 0.0, None),  # floored at zero only
        (5.0, 2.0, None, 6.0),  # capped only
        (0.0, 1.0, 1.5, 4.0),  # upper tail: the bounds cut away most of the mass
        (0.0, 1.0, -4.0, -1.5),  # lower tail
    ],
)
def test_truncated_normal_is_gaussian_renormalised_between_bounds(mean, sd, low, high):
    spec = {"dist": "normal", "mean": mean, "sd": sd}
    if low is not None:
        spec["low"] = low
    if high is not None:
        spec["high"] = high
    draws = draw(make(spec))
    a = -math.inf if low is None else (low - mean) / sd
    b = math.inf if high is None else (high - mean) / sd
    if low is not None:
        assert draws.min() >= low
    if high is not None:
        assert draws.max() <= high
    assert_ks_matches(draws, stats.truncnorm(a, b, loc=mean, scale=sd).cdf)


@pytest.mark.parametrize("median, sigma", [(1.0, 0.5), (50.0, 0.8), (13_500.0, 0.25), (0.02, 1.5)])
def test_lognormal_median_and_sigma_match_definition(median, sigma):
    draws = draw(make({"dist": "lognormal", "median": median, "sigma": sigma}))
    assert draws.min() > 0
    # scipy's lognorm(s, scale) is exp(N(log(scale), s)): scale is the median, s the sd of log X.
    assert_ks_matches(draws, stats.lognorm(s=sigma, scale=median).cdf)
    logs = np.log(draws)
    assert abs(np.mean(logs) - math.log(median)) < SE_MULTIPLE * sigma / math.sqrt(N)
    assert abs(np.std(logs, ddof=1) - sigma) < SE_MULTIPLE * sigma / math.sqrt(2 * N)


@pytest.mark.parametrize("alpha, beta", [(2.0, 5.0), (0.5, 0.5), (1.0, 99.0), (30.0, 3.0)])
def test_beta_matches_alpha_beta_definition(alpha, beta):
    draws = draw(make({"dist": "beta", "alpha": alpha, "beta": beta}))
    assert draws.min() >= 0 and draws.max() <= 1
    assert_ks_matches(draws, stats.beta(alpha, beta).cdf)


@pytest.mark.parametrize("p", [0.3, 0.01, 0.5, 0.97])
def test_bernoulli_is_true_with_probability_p(p):
    dist = make({"dist": "bernoulli", "p": p})
    rng = np.random.default_rng(7)
    values = [dist.sample(rng) for _ in range(N)]
    assert all(isinstance(v, bool) for v in values)
    assert_frequency_matches(sum(values), N, p, f"bernoulli(p={p}) share of True")


@pytest.mark.parametrize("p, expected", [(0.0, False), (1.0, True)])
def test_bernoulli_with_certain_probability_always_gives_the_same_answer(p, expected):
    values = set(draw(make({"dist": "bernoulli", "p": p}), n=2_000).tolist())
    assert values == {expected}


@pytest.mark.parametrize(
    "weights",
    [
        {"ceasefire": 0.2, "second_summit": 0.5, "no_deal": 0.3},
        {"a": 0.05, "b": 0.9, "c": 0.05},
        {"never": 0.0, "mostly": 0.75, "sometimes": 0.25, "also_never": 0.0},
    ],
)
def test_categorical_frequencies_match_weights(weights):
    dist = make({"dist": "categorical", "weights": weights})
    values = draw(dist).tolist()
    assert set(values) <= set(weights)
    for name, weight in weights.items():
        count = values.count(name)
        if weight == 0:
            assert count == 0, f"category {name!r} has weight 0 but was drawn {count} times"
        else:
            assert_frequency_matches(count, N, weight, f"category {name!r}")
    # The same check as one chi-square test over all categories with positive weight.
    names = [name for name, weight in weights.items() if weight > 0]
    observed = [values.count(name) for name in names]
    expected = [weights[name] * N for name in names]
    assert stats.chisquare(observed, expected).pvalue > 1e-3


@pytest.mark.parametrize("w_belarus, w_latvia", [(0.5, 0.5), (0.3, 0.7), (0.85, 0.15)])
def test_mixture_picks_components_by_weight_and_each_follows_its_own_distribution(w_belarus, w_latvia):
    # The Zapad-2025 troop estimate: Belarus says "over 13,000", Latvia says 100,000-150,000.
    dist = make(
        {
            "dist": "mixture",
            "components": [
                {"dist": "triangular", "low": 13_000, "mode": 13_500, "high": 20_000, "weight": w_belarus},
                {"dist": "uniform", "low": 100_000, "high": 150_000, "weight": w_latvia},
            ],
        }
    )
    belarus_ref = stats.triang(c=500 / 7_000, loc=13_000, scale=7_000)
    latvia_ref = stats.uniform(loc=100_000, scale=50_000)
    draws = draw(dist)

    in_belarus = (draws >= 13_000) & (draws <= 20_000)
    in_latvia = (draws >= 100_000) & (draws <= 150_000)
    assert np.all(in_belarus | in_latvia), "a draw fell outside every component's range"
    assert_frequency_matches(int(in_belarus.sum()), N, w_belarus, "share of draws from the Belarusian component")
    assert_frequency_matches(int(in_latvia.sum()), N, w_latvia, "share of draws from the Latvian component")

    # Within each component the draws follow that component (smaller samples, so their own bound).
    for mask, reference in ((in_belarus, belarus_ref), (in_latvia, latvia_ref)):
        part = draws[mask]
        result = stats.kstest(part, reference.cdf)
        assert result.statistic < 1.95 / math.sqrt(part.size), f"component KS D={result.statistic:.4f}"

    # And overall they follow the weighted sum of the component CDFs.
    assert_ks_matches(draws, lambda x: w_belarus * belarus_ref.cdf(x) + w_latvia * latvia_ref.cdf(x))


def test_mixture_of_overlapping_components_has_weighted_cdf():
    dist = make(
        {
            "dist": "mixture",
            "components": [
                {"dist": "normal", "mean": 0, "sd": 1, "weight": 0.25},
                {"dist": "lognormal", "median": 2, "sigma": 0.5, "weight": 0.6},
                {"dist": "fixed", "value": 1.0, "weight": 0.15},
            ],
        }
    )
    draws = draw(dist)
    assert_frequency_matches(int(np.sum(draws == 1.0)), N, 0.15, "share of the fixed component")
    continuous = draws[draws != 1.0]

    def cdf(x):  # the continuous part, renormalised
        return (0.25 * stats.norm.cdf(x) + 0.6 * stats.lognorm(s=0.5, scale=2).cdf(x)) / 0.85

    result = stats.kstest(continuous, cdf)
    assert result.statistic < 1.95 / math.sqrt(continuous.size), f"KS D={result.statistic:.4f}"


@pytest.mark.parametrize(
    "value, kind",
    [(42.5, "number"), (13_000, "number"), (True, "bool"), (False, "bool"), ("ceasefire", "category")],
)
def test_fixed_always_returns_its_value(value, kind):
    dist = make({"dist": "fixed", "value": value})
    assert isinstance(dist, Fixed)
    assert dist.kind == kind
    rng = np.random.default_rng(3)
    draws = [dist.sample(rng) for _ in range(200)]
    assert all(d == value and type(d) is type(value if kind != "number" else 1.0) for d in draws)
    assert {dist.quantile(u) for u in (0.0, 0.5, 0.999999)} == {value}
    if kind == "category":
        assert dist.categories() == frozenset([value])
    else:
        assert dist.support() == (float(value), float(value))


def test_sampling_is_reproducible_with_the_same_seed():
    dist = make({"dist": "pert", "low": 1, "mode": 3, "high": 10})
    assert np.array_equal(draw(dist, n=500, seed=11), draw(dist, n=500, seed=11))
    assert not np.array_equal(draw(dist, n=500, seed=11), draw(dist, n=500, seed=12))


# --- the KS bound has the power the module docstring claims -------------------------------


@pytest.mark.parametrize(
    "spec, wrong_reference",
    [
        # sd read as a variance: N(10, 3) compared with N(10, sd=9)
        ({"dist": "normal", "mean": 10, "sd": 3}, stats.norm(loc=10, scale=9)),
        # the median read as mu, the mean of log X (X would be exp(N(2, 0.8)), median e^2)
        ({"dist": "lognormal", "median": 2, "sigma": 0.8}, stats.lognorm(s=0.8, scale=math.exp(2))),
        # the median read as the mean of X (median = mean * exp(-sigma^2 / 2))
        ({"dist": "lognormal", "median": 50, "sigma": 0.8}, stats.lognorm(s=0.8, scale=50 * math.exp(-0.32))),
        # sigma read as the variance of log X rather than its sd
        ({"dist": "lognormal", "median": 50, "sigma": 0.5}, stats.lognorm(s=math.sqrt(0.5), scale=50)),
        # PERT shape parameters swapped
        ({"dist": "pert", "low": 1, "mode": 3, "high": 10}, stats.beta(1 + 28 / 9, 1 + 8 / 9, loc=1, scale=9)),
        # triangular mode taken as a fraction in the wrong direction
        ({"dist": "triangular", "low": 0, "mode": 7, "high": 10}, stats.triang(c=0.3, loc=0, scale=10)),
        # beta parameters swapped
        ({"dist": "beta", "alpha": 2, "beta": 5}, stats.beta(5, 2)),
    ],
)
def test_ks_bound_rejects_common_parameterisation_mistakes(spec, wrong_reference):
    draws = draw(make(spec))
    assert stats.kstest(draws, wrong_reference.cdf).statistic > 5 * KS_CRITICAL


# --- quantile: monotone and inside the support ---------------------------------------------

NUMERIC_SPECS = {
    "uniform": {"dist": "uniform", "low": 2, "high": 5},
    "triangular": {"dist": "triangular", "low": 13_000, "mode": 13_500, "high": 20_000},
    "triangular_mode_at_low": {"dist": "triangular", "low": 0, "mode": 0, "high": 1},
    "pert": {"dist": "pert", "low": 1, "mode": 3, "high": 10},
    "normal": {"dist": "normal", "mean": 10, "sd": 3},
    "normal_truncated": {"dist": "normal", "mean": 0, "sd": 2, "low": -1, "high": 3},
    "normal_floored": {"dist": "normal", "mean": 1, "sd": 2, "low": 0},
    "lognormal": {"dist": "lognormal", "median": 50, "sigma": 0.8},
    "beta": {"dist": "beta", "alpha": 2, "beta": 5},
    "beta_u_shaped": {"dist": "beta", "alpha": 0.5, "beta": 0.5},
    "fixed": {"dist": "fixed", "value": 4.0},
    "mixture_troops": {
        "dist": "mixture",
        "components": [
            {"dist": "triangular", "low": 13_000, "mode": 13_500, "high": 20_000, "weight": 0.5},
            {"dist": "uniform", "low": 100_000, "high": 150_000, "weight": 0.5},
        ],
    },
}

# A fine grid over [0, 1) plus the extremes a generator can actually produce.
U_GRID = np.concatenate([[0.0, 1e-12, 1e-9], np.linspace(1e-6, 1 - 1e-6, 4001), [1 - 1e-9, 1 - 2**-53]])


@pytest.mark.parametrize("name", sorted(NUMERIC_SPECS))
def test_quantile_is_non_decreasing_in_u(name):
    dist = make(NUMERIC_SPECS[name])
    values = np.array([dist.quantile(float(u)) for u in U_GRID])
    steps = np.diff(values)
    assert np.all(steps >= 0), f"quantile decreases at u={U_GRID[1:][steps < 0][:5]}"


@pytest.mark.parametrize("name", sorted(NUMERIC_SPECS))
def test_quantile_stays_inside_support(name):
    dist = make(NUMERIC_SPECS[name])
    assert dist.kind == "number"
    low, high = dist.support()
    values = np.array([dist.quantile(float(u)) for u in U_GRID])
    assert not np.any(np.isnan(values))
    assert np.all(values >= low) and np.all(values <= high), (
        f"quantile left the support [{low}, {high}]: min {values.min()}, max {values.max()}"
    )
    # Away from u = 0 every value is a finite number, even for unbounded families.
    assert np.all(np.isfinite(values[1:]))


@pytest.mark.parametrize(
    "spec, expected",
    [
        ({"dist": "uniform", "low": 2, "high": 5}, (2.0, 5.0)),
        ({"dist": "triangular", "low": 1, "mode": 2, "high": 3}, (1.0, 3.0)),
        ({"dist": "pert", "low": 1, "mode": 2, "high": 3}, (1.0, 3.0)),
        ({"dist": "normal", "mean": 0, "sd": 1}, (-math.inf, math.inf)),
        ({"dist": "normal", "mean": 0, "sd": 1, "low": 0}, (0.0, math.inf)),
        ({"dist": "lognormal", "median": 1, "sigma": 1}, (0.0, math.inf)),
        ({"dist": "beta", "alpha": 1, "beta": 1}, (0.0, 1.0)),
        (NUMERIC_SPECS["mixture_troops"], (13_000.0, 150_000.0)),
    ],
)
def test_support_is_the_range_of_possible_draws(spec, expected):
    assert make(spec).support() == expected


def test_models_are_built_as_the_right_family_by_dist_name():
    assert isinstance(make({"dist": "uniform", "low": 0, "high": 1}), Uniform)
    assert isinstance(make({"dist": "triangular", "low": 0, "mode": 0.5, "high": 1}), Triangular)
    assert isinstance(make({"dist": "pert", "low": 0, "mode": 0.5, "high": 1}), Pert)
    assert isinstance(make({"dist": "normal", "mean": 0, "sd": 1}), Normal)
    assert isinstance(make({"dist": "lognormal", "median": 1, "sigma": 1}), LogNormal)
    assert isinstance(make({"dist": "bernoulli", "p": 0.5}), Bernoulli)
    assert isinstance(make({"dist": "categorical", "weights": {"a": 1.0}}), Categorical)
    assert isinstance(make(NUMERIC_SPECS["mixture_troops"]), Mixture)
    assert make({"dist": "bernoulli", "p": 0.5}).kind == "bool"
    assert make({"dist": "categorical", "weights": {"a": 1.0}}).kind == "category"


# --- validation: each bad definition is refused with a message that says why ---------------

UNIFORM_0_1 = {"dist": "uniform", "low": 0, "high": 1}


@pytest.mark.parametrize(
    "spec, message",
    [
        pytest.param(
            {"dist": "uniform", "low": 5, "high": 5},
            r"low \(5\) must be less than high \(5\)",
            id="uniform-low-eq-high",
        ),
        pytest.param(
            {"dist": "uniform", "low": 6, "high": 5},
            r"low \(6\) must be less than high \(5\)",
            id="uniform-low-gt-high",
        ),
        pytest.param(
            {"dist": "triangular", "low": 20, "mode": 15, "high": 10},
            r"low \(20\) must be less than high \(10\)",
            id="triangular-low-gt-high",
        ),
        pytest.param(
            {"dist": "triangular", "low": 10, "mode": 25, "high": 20},
            r"mode \(25\) must lie between low \(10\) and high \(20\)",
            id="triangular-mode-above-high",
        ),
        pytest.param(
            {"dist": "pert", "low": 10, "mode": 5, "high": 20},
            r"mode \(5\) must lie between low \(10\) and high \(20\)",
            id="pert-mode-below-low",
        ),
        pytest.param(
            {"dist": "pert", "low": 0, "mode": 1, "high": 2, "lambda": 0}, r"greater than 0", id="pert-lambda-0"
        ),
        pytest.param({"dist": "normal", "mean": 0, "sd": 0}, r"normal\.sd\n.*greater than 0", id="normal-sd-0"),
        pytest.param({"dist": "normal", "mean": 0, "sd": -1}, r"normal\.sd\n.*greater than 0", id="normal-sd-negative"),
        pytest.param(
            {"dist": "normal", "mean": 0, "sd": 1, "low": 3, "high": 1},
            r"low \(3\) must be less than high \(1\)",
            id="normal-truncation-reversed",
        ),
        pytest.param(
            {"dist": "lognormal", "median": 0, "sigma": 1},
            r"lognormal\.median\n.*greater than 0",
            id="lognormal-median-0",
        ),
        pytest.param(
            {"dist": "lognormal", "median": 5, "sigma": 0},
            r"lognormal\.sigma\n.*greater than 0",
            id="lognormal-sigma-0",
        ),
        pytest.param({"dist": "beta", "alpha": 0, "beta": 1}, r"beta\.alpha\n.*greater than 0", id="beta-alpha-0"),
        pytest.param(
            {"dist": "categorical", "weights": {"a": 0.5, "b": 0.5, "c": 0.4}},
            r"category weights must sum to 1 \(they sum to 1\.4\)",
            id="categorical-weights-1.4",
        ),
        pytest.param({"dist": "categorical", "weights": {}}, r"at least one category", id="categorical-empty"),
        pytest.param({"dist": "bernoulli", "p": 1.5}, r"bernoulli\.p\n.*less than or equal to 1", id="bernoulli-p-1.5"),
        pytest.param(
            {"dist": "bernoulli", "p": -0.1}, r"bernoulli\.p\n.*greater than or equal to 0", id="bernoulli-p-negative"
        ),
        pytest.param(
            {"dist": "mixture", "components": [{**UNIFORM_0_1, "weight": 1.0}]},
            r"a mixture needs at least two components",
            id="mixture-one-component",
        ),
        pytest.param(
            {"dist": "mixture", "components": [{**UNIFORM_0_1, "weight": 0.5}, UNIFORM_0_1]},
            r"components \[1\] have no weight",
            id="mixture-component-without-weight",
        ),
        pytest.param(
            {"dist": "mixture", "components": [{**UNIFORM_0_1, "weight": 0.5}, {**UNIFORM_0_1, "weight": 0.4}]},
            r"component weights must sum to 1 \(they sum to 0\.9\)",
            id="mixture-weights-0.9",
        ),
        pytest.param(
            {
                "dist": "mixture",
                "components": [{**UNIFORM_0_1, "weight": 0.5}, {"dist": "fixed", "value": "yes", "weight": 0.5}],
            },
            r"mixture components must be numeric",
            id="mixture-categorical-component",
        ),
        pytest.param(
            {
                "dist": "mixture",
                "components": [{**UNIFORM_0_1, "weight": 0.5}, {"dist": "bernoulli", "p": 0.5, "weight": 0.5}],
            },
            r"mixture\.components\.1\n.*Input tag 'bernoulli' found using 'dist' does not match any of the expected",
            id="mixture-bernoulli-component",
        ),
        pytest.param(
            {"dist": "gamma", "shape": 2, "scale": 1},
            r"Input tag 'gamma' found using 'dist' does not match any of the expected tags: 'fixed', 'uniform'",
            id="unknown-dist",
        ),
        pytest.param({"low": 0, "high": 1}, r"Unable to extract tag using discriminator 'dist'", id="missing-dist"),
        pytest.param(
            {**UNIFORM_0_1, "mode": 0.5}, r"uniform\.mode\n.*Extra inputs are not permitted", id="uniform-extra-field"
        ),
        pytest.param(
            {"dist": "lognormal", "median": 5, "sigma": 1, "mu": 1.6},
            r"lognormal\.mu\n.*Extra inputs are not permitted",
            id="lognormal-extra-field",
        ),
    ],
)
def test_invalid_definition_is_refused_with_a_helpful_message(spec, message):
    with pytest.raises(ValidationError, match=message):
        make(spec)


def test_invalid_definition_is_refused_when_built_from_the_class_directly():
    with pytest.raises(ValidationError, match=r"mode \(0\) must lie between low \(1\) and high \(2\)"):
        Triangular(dist="triangular", low=1, mode=0, high=2)
    with pytest.raises(ValidationError, match=r"sum to 1"):
        Categorical(dist="categorical", weights={"a": 0.7, "b": 0.7})


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "triangular", "low": 1, "mode": 1, "high": 2},  # mode on a bound is allowed
        {"dist": "categorical", "weights": {"a": 0.1, "b": 0.2, "c": 0.7}},  # 0.1 + 0.2 is not exactly 0.3
        {"dist": "bernoulli", "p": 0},
        {"dist": "bernoulli", "p": 1},
    ],
)
def test_valid_edge_definitions_are_accepted(spec):
    make(spec)


def test_distributions_are_frozen():
    dist = make({"dist": "uniform", "low": 0, "high": 1})
    with pytest.raises(ValidationError):
        dist.low = 2  # type: ignore[misc]


@pytest.mark.parametrize("shape", [(1, 99), (2, 38), (7, 3), (5, 5), (1, 1), (1.2, 4.8), (3, 1), (100, 2), (0.5, 0.5)])
def test_fast_beta_quantiles_hit_the_target_probability(shape):
    """PERT and beta draws use scipy's PINV inversion where it applies (exact inverse elsewhere).

    Tolerance: |CDF(x) - u| <= 2e-12, twice the u-resolution PINV is built with; the
    draws must also rise with u (a common-random-numbers design relies on it).
    """
    from scipy.special import betainc

    from sim.scenario.distributions import beta_quantiles

    u = np.concatenate([np.random.default_rng(5).random(20_000), [2.0**-54, 1e-12, 0.5, 1 - 2.0**-53]])
    x = beta_quantiles(*shape, u)
    assert np.abs(betainc(*shape, x) - u).max() <= 2e-12
    assert np.all(np.diff(x[np.argsort(u)]) >= 0)
