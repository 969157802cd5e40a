"""Every random number of a replication, keyed by (seed, replication, site, occurrence).

A *site* is one place in a scenario that draws: a parameter, the hypothesis, a
transition's clock or branch, a counter, a random function in an expression. Each
draw is the Philox uniform of its key (`sim.mechanics.keyed`), so a replication's
numbers do not depend on chunking, workers, or which engine runs it, and a variant
that adds a parameter or a transition leaves every other draw where it was
(docs/model.md#random-numbers). The transforms below are written once, with numpy's
ufuncs, and used by both engines, so the two compute the same bits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from scipy import special

from sim.mechanics import keyed

SMALLEST_UNIFORM = 2.0**-54  # the inverse normal CDF of 0 is -inf
PREFETCHED_OCCURRENCES = 2  # draws per site and replication computed for a whole chunk at once (SimPy engine)


def hypothesis_site(name: str) -> int:
    """The uniform of one hypothesis in the exponential race that picks a replication's hypothesis."""
    return keyed.site_id(f"hypothesis:{name}")


def parameter_site(name: str) -> int:
    return keyed.site_id(f"parameter:{name}")


def clock_site(transition_key: str) -> int:
    """An `after:` distribution, or the Exp(1) budget of a `rate:` clock, each time it is armed."""
    return keyed.site_id(f"clock:{transition_key}")


def branch_site(transition_key: str) -> int:
    return keyed.site_id(f"branch:{transition_key}")


def count_site(transition_key: str) -> int:
    """A counter's Poisson count; its firings' times come from `times_site`."""
    return keyed.site_id(f"count:{transition_key}")


def times_site(transition_key: str) -> int:
    return keyed.site_id(f"times:{transition_key}")


def call_site(expression_text: str, column: int) -> int:
    """A random function in an expression, named by the expression and the call's column."""
    return keyed.site_id(f"draw:{expression_text}@{column}")


# Transforms of uniforms, for scalars and arrays alike (docs/scenarios.md#random-functions).


def exponential_budget(u):  # noqa: ANN001, ANN201 - a float or an array
    """Exp(1) by inversion: the hazard a `rate:` clock spends before it rings."""
    return -np.log1p(-u)


SEARCHED_MEAN = 500.0  # below: the CDF summed term by term; above: scipy's inverse (e^-mean underflows past ~700)


def poisson_quantile(u, mean):  # noqa: ANN001, ANN201
    """The smallest k with P(Poisson(mean) <= k) >= u (0 at u = 0), elementwise.

    Small means sum the probabilities term by term on arrays (fast, and the same bits
    for one element as for many); large ones use scipy's inverse, as poisson.ppf does.
    """
    u, mean = np.broadcast_arrays(np.asarray(u, dtype=float), np.asarray(mean, dtype=float))
    shape = u.shape
    u, mean = u.ravel(), mean.ravel()
    k = np.zeros(len(u))
    searched = np.flatnonzero((mean > 0) & (mean < SEARCHED_MEAN) & (u > 0))
    if len(searched):
        target, m = u[searched], mean[searched]
        term = np.exp(-m)
        cdf = term.copy()
        count = 0
        undecided = np.flatnonzero(cdf < target)
        limit = int(np.max(m + 40.0 * np.sqrt(m) + 40.0))  # past this the CDF is 1 to rounding
        while len(undecided) and count < limit:
            count += 1
            term[undecided] = term[undecided] * m[undecided] / count
            cdf[undecided] = cdf[undecided] + term[undecided]
            k[searched[undecided]] = count
            undecided = undecided[cdf[undecided] < target[undecided]]
    large = np.flatnonzero((mean >= SEARCHED_MEAN) & (u > 0))
    if len(large):
        with np.errstate(invalid="ignore"):
            guess = np.ceil(special.pdtrik(u[large], mean[large]))
            below = np.maximum(guess - 1, 0)
            k[large] = np.where(special.pdtr(below, mean[large]) >= u[large], below, guess)
    return k.reshape(shape) if shape else k[0]


def _normal(u):  # noqa: ANN001, ANN202
    return special.ndtri(np.maximum(u, SMALLEST_UNIFORM))


RANDOM_TRANSFORMS = {  # function -> (uniform, *arguments) -> value
    "bernoulli": lambda u, p: u < p,
    "uniform": lambda u, a, b: a + (b - a) * u,
    "exponential": lambda u, mean: mean * -np.log1p(-u),
    "normal": lambda u, mean, sd: mean + sd * _normal(u),
    "lognormal": lambda u, mu, sigma: np.exp(mu + sigma * _normal(u)),
    "weibull": lambda u, shape: (-np.log1p(-u)) ** (1.0 / shape),
    "poisson": lambda u, mean: poisson_quantile(u, mean),
}


class ReplicationDraws:
    """One replication's draws for the SimPy engine; each site counts its own occurrences.

    The first `PREFETCHED_OCCURRENCES` of each known site come from a table drawn for
    the whole chunk at once; later ones are computed one by one (same numbers).
    """

    __slots__ = ("key", "replication", "occurrences", "table", "columns")

    def __init__(self, key: keyed.Key, replication: int, table: list[float] | None, columns: Mapping[int, int]):
        self.key = key
        self.replication = replication
        self.occurrences: dict[int, int] = {}
        self.table = table
        self.columns = columns  # site -> its first column in `table`

    def uniform(self, site: int) -> float:
        occurrence = self.occurrences.get(site, 0)
        self.occurrences[site] = occurrence + 1
        column = self.columns.get(site)
        if column is not None and occurrence < PREFETCHED_OCCURRENCES and self.table is not None:
            return self.table[column + occurrence]
        return keyed.uniform(self.key, self.replication, site, occurrence)

    def uniforms(self, site: int, count: int) -> np.ndarray:
        """`count` draws of one site at once (a counter's firing times)."""
        first = self.occurrences.get(site, 0)
        self.occurrences[site] = first + count
        replications = np.full(count, self.replication, dtype=np.int64)
        return keyed.uniforms(self.key, replications, site, np.arange(first, first + count, dtype=np.int64))


def prefetch(
    key: keyed.Key, replications: np.ndarray, sites: Iterable[int]
) -> tuple[list[list[float]], dict[int, int]]:
    """The first draws of every site for a chunk's replications: one row of floats each."""
    sites = sorted(set(sites))
    columns = {site: PREFETCHED_OCCURRENCES * i for i, site in enumerate(sites)}
    if not sites:
        return [[] for _ in replications], columns
    table = np.empty((len(replications), PREFETCHED_OCCURRENCES * len(sites)))
    for site, column in columns.items():
        for occurrence in range(PREFETCHED_OCCURRENCES):
            table[:, column + occurrence] = keyed.uniforms(key, replications, site, occurrence)
    return table.tolist(), columns


def input_uniforms(
    key: keyed.Key, replications: np.ndarray, hypothesis_names: Iterable[str], parameter_names: Iterable[str]
) -> np.ndarray:
    """One column per hypothesis, then one per parameter, in the orders given: each keyed by its name."""
    sites = [hypothesis_site(name) for name in hypothesis_names] + [parameter_site(name) for name in parameter_names]
    uniforms = np.empty((len(replications), len(sites)))
    for column, site in enumerate(sites):
        uniforms[:, column] = keyed.uniforms(key, replications, site, 0)
    return uniforms
