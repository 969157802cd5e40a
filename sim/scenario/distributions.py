"""The distributions a scenario parameter may take, each validated and able to draw.

Every distribution is a frozen pydantic model chosen by its `dist:` field. Drawing
takes an explicit `numpy.random.Generator` (never global state); definitions of each
family are in docs/scenarios.md#distributions.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from scipy import special

Value = float | bool | str

WEIGHT_TOLERANCE = 1e-6


class DistributionBase(BaseModel):
    """Fields every distribution shares: provenance and, inside a mixture, a weight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str | None = None
    source: str | None = Field(None, description="id of the claim this number rests on")
    assumption: str | None = Field(None, description="the author's reason, where no claim gives the number")
    weight: float | None = Field(None, ge=0, le=1, description="only inside a mixture: the component's weight")

    @property
    def kind(self) -> str:
        """What a draw is: "number", "bool" or "category"."""
        return "number"

    def has_provenance(self) -> bool:
        return bool(self.source or self.assumption)

    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take (numeric distributions)."""
        raise NotImplementedError

    def categories(self) -> frozenset[str]:
        """Values a categorical draw can take (empty for numeric distributions)."""
        return frozenset()

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        """The values at cumulative probabilities `u` in [0, 1): the inverse CDF, elementwise.

        Every draw is the quantile of one uniform number, so two scenarios fed the same
        stream get the same quantiles (common random numbers), a design over the unit
        cube (Latin hypercube, Sobol) maps straight onto parameter values, and a whole
        chunk of replications is drawn in one vectorised call.
        """
        raise NotImplementedError

    def quantile(self, u: float) -> Value:
        """`quantiles` of one number, as a plain Python value."""
        return plain(self.quantiles(np.array([u], dtype=float))[0])

    def sample(self, rng: np.random.Generator) -> Value:
        return self.quantile(float(rng.random()))


class Fixed(DistributionBase):
    """A known value: a number, a yes/no, or a category name."""

    dist: Literal["fixed"]
    value: float | bool | str

    @property
    def kind(self) -> str:
        return "bool" if isinstance(self.value, bool) else "category" if isinstance(self.value, str) else "number"

    def support(self) -> tuple[float, float]:
        value = float(self.value) if not isinstance(self.value, str) else math.nan
        return (value, value)

    def categories(self) -> frozenset[str]:
        return frozenset([self.value]) if isinstance(self.value, str) else frozenset()

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        return np.full(len(u), self.value, dtype=object if isinstance(self.value, str) else type(self.value))


class Uniform(DistributionBase):
    """Every value in [low, high] equally likely."""

    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be less than high ({self.high:g})")
        return self

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        return self.low + (self.high - self.low) * u


class Triangular(DistributionBase):
    """Linear rise from low to mode, linear fall to high."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        _check_low_mode_high(self.low, self.mode, self.high)
        return self

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        span = self.high - self.low
        split = (self.mode - self.low) / span
        rising = self.low + np.sqrt(u * span * (self.mode - self.low))
        falling = self.high - np.sqrt((1 - u) * span * (self.high - self.mode))
        return np.where(u < split, rising, falling)


class Pert(DistributionBase):
    """Beta-PERT: a smooth three-point estimate, mode weighted by `lambda_` (4 is classic PERT)."""

    dist: Literal["pert"]
    low: float
    mode: float
    high: float
    lambda_: float = Field(4.0, alias="lambda", gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> Pert:
        _check_low_mode_high(self.low, self.mode, self.high)
        return self

    def beta_shape(self) -> tuple[float, float]:
        span = self.high - self.low
        return (
            1 + self.lambda_ * (self.mode - self.low) / span,
            1 + self.lambda_ * (self.high - self.mode) / span,
        )

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        a, b = self.beta_shape()
        return self.low + (self.high - self.low) * beta_quantiles(a, b, u)


class Normal(DistributionBase):
    """Gaussian with mean and sd, optionally truncated to [low, high]."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Normal:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be less than high ({self.high:g})")
        return self

    def support(self) -> tuple[float, float]:
        return (-math.inf if self.low is None else self.low, math.inf if self.high is None else self.high)

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        lo, hi = self.support()
        a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
        if a > 0:  # upper tail: mirror it, where the normal CDF keeps its precision
            z = -_standard_normal_between(-b, -a, 1.0 - u)
        else:
            z = _standard_normal_between(a, b, u)
        return np.clip(self.mean + self.sd * z, lo, hi)


def _standard_normal_between(a: float, b: float, u: np.ndarray) -> np.ndarray:
    """Quantiles u of a standard normal truncated to [a, b] (a <= 0 keeps ndtr precise)."""
    p_a, p_b = special.ndtr(a), special.ndtr(b)
    return special.ndtri(p_a + u * (p_b - p_a))


class LogNormal(DistributionBase):
    """Positive and right-skewed: log(X) is normal with median `median` and sd `sigma`."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0, description="standard deviation of log(X)")

    def support(self) -> tuple[float, float]:
        return (0.0, math.inf)

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        return self.median * np.exp(self.sigma * special.ndtri(u))


class Beta(DistributionBase):
    """Beta(alpha, beta) on [0, 1], the usual prior for an uncertain probability."""

    dist: Literal["beta"]
    alpha: float = Field(gt=0)
    beta: float = Field(gt=0)

    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        return beta_quantiles(self.alpha, self.beta, u)


BETA_U_RESOLUTION = 1e-12
MAX_PINV_SHAPE = 1_000.0  # tested up to Beta(2, 1000); beyond, the exact inverse


def beta_quantiles(a: float, b: float, u: np.ndarray) -> np.ndarray:
    """Quantiles of Beta(a, b): scipy's fast numerical inversion where it applies, else exact.

    PERT and beta parameters are most of a replication's draws; the exact inverse
    (`betaincinv`) costs about 1.3 us a value, scipy's PINV about 0.02 us, within
    1e-12 of the target probability (|CDF(x) - u|). PINV is built for shapes with a <= b
    (mass away from 1, where it loses precision; a > b uses the mirror image, 1 - X ~
    Beta(b, a)) and needs a bounded density, so shapes below 1 keep the exact inverse.
    The choice depends on the shape alone, never on how many values are asked for, so the
    numbers are the same however work is split.
    """
    mirrored = a > b
    inverse = _beta_inverse(float(b), float(a)) if mirrored else _beta_inverse(float(a), float(b))
    if inverse is None:
        return special.betaincinv(a, b, u)
    return 1.0 - inverse.ppf(1.0 - u) if mirrored else inverse.ppf(u)


class _BetaDensity:
    """The Beta density, normalised and in logs (no underflow for large shapes), as UNU.RAN takes it."""

    def __init__(self, a: float, b: float):
        self.a, self.b, self.log_norm = a, b, -float(special.betaln(a, b))

    def pdf(self, x: float) -> float:
        if x <= 0.0 or x >= 1.0:
            edge = self.a if x <= 0.0 else self.b
            return math.exp(self.log_norm) if edge == 1.0 else 0.0
        return math.exp((self.a - 1) * math.log(x) + (self.b - 1) * math.log1p(-x) + self.log_norm)

    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)


@functools.lru_cache(maxsize=512)
def _beta_inverse(a: float, b: float) -> Any:
    """PINV's inverse CDF of Beta(a, b), a <= b, built once per shape, or None where it does not apply."""
    if a < 1 or b < 1 or b > MAX_PINV_SHAPE:
        return None
    from scipy.stats.sampling import NumericalInversePolynomial, UNURANError

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any accuracy warning from UNU.RAN: use the exact inverse instead
        try:
            return NumericalInversePolynomial(_BetaDensity(a, b), domain=(0.0, 1.0), u_resolution=BETA_U_RESOLUTION)
        except (RuntimeWarning, UserWarning, ValueError, UNURANError):
            return None


class Bernoulli(DistributionBase):
    """Yes with probability p."""

    dist: Literal["bernoulli"]
    p: float = Field(ge=0, le=1)

    @property
    def kind(self) -> str:
        return "bool"

    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        return u < self.p


class Categorical(DistributionBase):
    """One of several named outcomes, with weights that sum to 1."""

    dist: Literal["categorical"]
    weights: dict[str, Annotated[float, Field(ge=0, le=1)]]

    @property
    def kind(self) -> str:
        return "category"

    @field_validator("weights")
    @classmethod
    def _sums_to_one(cls, weights: dict[str, float]) -> dict[str, float]:
        if not weights:
            raise ValueError("needs at least one category")
        _check_sums_to_one(weights.values(), "category weights")
        return FrozenDict(weights)

    def support(self) -> tuple[float, float]:
        return (math.nan, math.nan)

    def categories(self) -> frozenset[str]:
        return frozenset(self.weights)

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        # Categories share [0, 1) in alphabetical order, so a draw depends on the weights,
        # not on the order the file lists them in (the scenario's hash ignores that order too).
        names = sorted(self.weights)
        index, _ = pick_shares([self.weights[name] for name in names], u)
        return np.array(names, dtype=object)[index]


class Mixture(DistributionBase):
    """Weighted components, e.g. two sources' troop estimates weighted by credibility."""

    dist: Literal["mixture"]
    components: tuple[
        Annotated[Fixed | Uniform | Triangular | Pert | Normal | LogNormal | Beta, Field(discriminator="dist")], ...
    ]

    @model_validator(mode="after")
    def _weighted(self) -> Mixture:
        if len(self.components) < 2:
            raise ValueError("a mixture needs at least two components")
        missing = [i for i, c in enumerate(self.components) if c.weight is None]
        if missing:
            raise ValueError(f"components {missing} have no weight")
        _check_sums_to_one([c.weight or 0.0 for c in self.components], "component weights")
        if any(c.kind != "number" for c in self.components):
            raise ValueError("mixture components must be numeric")
        return self

    def has_provenance(self) -> bool:
        return super().has_provenance() or all(c.has_provenance() for c in self.components)

    def support(self) -> tuple[float, float]:
        bounds = [c.support() for c in self.components]
        return (min(b[0] for b in bounds), max(b[1] for b in bounds))

    def quantiles(self, u: np.ndarray) -> np.ndarray:
        # Choose the component by u, then reuse u's position inside that component's share:
        # one uniform per draw, as for every other family. The draws follow the mixture
        # exactly; the map is monotone in u (a true inverse CDF) only when the components
        # are listed in increasing order and do not overlap, as the troop estimates are.
        index, within = pick_shares([c.weight or 0.0 for c in self.components], u)
        values = np.empty(len(u), dtype=float)
        for number, component in enumerate(self.components):
            chosen = index == number
            if chosen.any():
                values[chosen] = component.quantiles(within[chosen])
        return values


Distribution = Annotated[
    Fixed | Uniform | Triangular | Pert | Normal | LogNormal | Beta | Bernoulli | Categorical | Mixture,
    Field(discriminator="dist"),
]

DISTRIBUTION_NAMES = (
    "fixed",
    "uniform",
    "triangular",
    "pert",
    "normal",
    "lognormal",
    "beta",
    "bernoulli",
    "categorical",
    "mixture",
)


class FrozenDict(dict):
    """A dict that refuses changes, so a validated scenario stays as it was checked."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a loaded scenario is frozen; build a new one to change it")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]  # same signature for all


def plain(value: Any) -> Value:
    """A numpy scalar as the Python value it holds (str, bool, float) for output."""
    return value.item() if isinstance(value, np.generic) else value


def pick_shares(weights: list[float], u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each u, the index whose share of [0, 1) holds it, and u rescaled to [0, 1) within that share.

    Shares are the weights over their total; a zero weight is never picked.
    """
    shares = np.asarray(weights, dtype=float) / float(sum(weights))
    upper = np.cumsum(shares)
    index = np.searchsorted(upper, u, side="right")
    index = np.minimum(index, int(np.flatnonzero(shares)[-1]))
    lower = upper[index] - shares[index]
    within = np.clip((u - lower) / shares[index], 0.0, 1.0 - 2.0**-53)
    return index, within


def _check_low_mode_high(low: float, mode: float, high: float) -> None:
    if not low < high:
        raise ValueError(f"low ({low:g}) must be less than high ({high:g})")
    if not low <= mode <= high:
        raise ValueError(f"mode ({mode:g}) must lie between low ({low:g}) and high ({high:g})")


def _check_sums_to_one(weights: Any, what: str) -> None:
    total = float(sum(weights))
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (they sum to {total:g})")
