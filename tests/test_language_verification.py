"""The scenario language against closed forms (issue 12, "Verification").

Every scenario here is a few lines of YAML written to a temporary file and run through
the real loader, compiler and interpreter. Statistical tests fix their seed and say, next
to the assertion, what tolerance they use, why it suffices, and what error they would
catch; where the sample is the same, the test also checks that it would reject the
behaviour 10% off, so a test that could never fail would show itself.
"""

from __future__ import annotations

import math
import signal
import textwrap
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
from scipy import stats

from sim.engine import ENGINES, SIMPY, VECTORISED, Chunk, CompiledScenario, compile_scenario, run_chunk
from sim.mechanics.interpreter import MechanicsError, Result
from sim.scenario import load_scenario

START = "2025-01-01"
LONG_HORIZON = "2026-12-31"  # 730 days: the slowest clock below is still waiting with probability 2e-10


def build(tmp_path: Path, body: str, *, horizon: str = LONG_HORIZON, name: str = "verification") -> CompiledScenario:
    """Compile a one-hypothesis scenario whose parameters, calendar, variables and actors are `body`."""
    header = textwrap.dedent(
        f"""\
        schema_version: 1
        name: {name}
        title: Verification scenario
        start: {START}
        horizon: {horizon}
        hypotheses:
          only: {{weight: 1, description: the only hypothesis, assumption: a test scenario}}
        """
    )
    body = textwrap.dedent(body)
    if not body.lstrip().startswith("parameters:") and "\nparameters:" not in body:
        body = "parameters: {}\n" + body
    path = tmp_path / f"{name}.yaml"
    path.write_text(header + body)
    return compile_scenario(load_scenario(path))


ENGINE = {"name": SIMPY}  # set for each test by the `engine` fixture: every model runs on both engines


@pytest.fixture(autouse=True, params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each verification model runs on the SimPy engine (the reference) and on the vectorised one."""
    ENGINE["name"] = request.param
    yield request.param
    ENGINE["name"] = SIMPY


def run(compiled: CompiledScenario, n: int, seed: int) -> list[Result]:
    return run_range(compiled, seed, range(n))


def run_range(compiled: CompiledScenario, seed: int, indices: range) -> list[Result]:
    chunk = run_chunk(compiled, seed, indices, engine=ENGINE["name"])
    if ENGINE["name"] == VECTORISED:
        assert chunk.engine == VECTORISED, chunk.note  # the model ran on the engine under test
        return results_of(chunk)
    assert chunk.results is not None
    return chunk.results


def results_of(chunk: Chunk) -> list[Result]:
    """A vectorised chunk's columns as one `Result` per replication, to check both engines alike."""
    outcomes, log = chunk.outcomes, chunk.events
    ends = np.cumsum(log.counts)
    component, event, detail = (log.texts(column) for column in ("component", "event", "detail"))
    results = []
    for row in range(len(chunk.indices)):
        entered = {key: float(days[row]) for key, days in outcomes.entered.items() if not np.isnan(days[row])}
        final = {actor: str(states[row]) for actor, states in outcomes.final_states.items()}
        variables = {name: _plain(values[row]) for name, values in outcomes.variables.items()}
        span = range(ends[row] - log.counts[row], ends[row])
        events = [(float(log.day[i]), component[i], event[i], detail[i]) for i in span]
        taken = {key: int(counts[row]) for key, counts in (outcomes.taken or {}).items() if counts[row]}
        results.append(Result(entered, final, variables, taken, events))
    return results


def _plain(value: object) -> object:
    value = value.item() if isinstance(value, np.generic) else value
    return math.nan if isinstance(value, float) and math.isnan(value) else value


def first_days(results: list[Result], key: str) -> np.ndarray:
    """The first day each replication entered `key` ("actor.state"); every one must have."""
    missing = sum(key not in r.entered for r in results)
    assert missing == 0, f"{missing} replications never entered {key}"
    return np.array([r.entered[key] for r in results], dtype=float)


def binomial_tolerance(p: float, n: int, standard_errors: float) -> float:
    """That many standard errors of a share estimated from n replications, p its true value."""
    return standard_errors * math.sqrt(p * (1 - p) / n)


@pytest.fixture
def time_limit() -> Iterator[Callable[[int], None]]:
    """Fail, rather than hang, if a run takes longer than the given seconds (POSIX alarm)."""

    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError("the interpreter ran past its time limit: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    yield lambda seconds: signal.alarm(seconds)
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# Hazard rates


def test_rate_waiting_time_is_exponential(tmp_path):
    compiled = build(
        tmp_path,
        """
        parameters:
          incident_rate: {dist: fixed, value: 0.1, assumption: a test rate per day}
        actors:
          border:
            initial: quiet
            states:
              quiet:
                transitions:
                  incident: {rate: incident_rate, to: tense}
              tense: {}
        """,
    )
    days = first_days(run(compiled, 4000, seed=11), "border.tense")
    # KS on 4000 draws at the 1% level (critical distance 1.63 / sqrt(4000) = 0.026). A rate 10%
    # off moves the CDF by up to 0.035, so the same sample must reject it (at 5%: power ~1).
    assert stats.kstest(days, stats.expon(scale=1 / 0.1).cdf).pvalue > 0.01
    assert stats.kstest(days, stats.expon(scale=1 / 0.11).cdf).pvalue < 0.05
    assert stats.kstest(days, stats.expon(scale=1 / 0.09).cdf).pvalue < 0.05


def test_competing_hazards_first_fires_with_probability_ra_over_ra_plus_rb(tmp_path):
    compiled = build(
        tmp_path,
        """
        parameters:
          talks_rate: {dist: fixed, value: 0.3, assumption: a test rate per day}
          strike_rate: {dist: fixed, value: 0.2, assumption: a test rate per day}
        actors:
          crisis:
            initial: open
            states:
              open:
                transitions:
                  negotiate: {rate: talks_rate, to: talks}
                  escalate: {rate: strike_rate, to: strike}
              talks: {}
              strike: {}
        """,
    )
    n = 20_000
    results = run(compiled, n, seed=12)
    share_talks = sum(r.final_states["crisis"] == "talks" for r in results) / n
    # 3 binomial SE (0.0104): a 10% error in one rate moves the share by 0.0226 (6.5 SE), which
    # this catches with probability 0.9998; a correct interpreter passes with probability 0.997.
    expected = 0.3 / (0.3 + 0.2)
    assert abs(share_talks - expected) < binomial_tolerance(expected, n, 3)
    assert abs(share_talks - 0.33 / (0.33 + 0.2)) > binomial_tolerance(expected, n, 3)
    # The race is won once: the loser's clock is cancelled, and the first firing is Exp(rA + rB).
    assert all(sum(r.taken.values()) == 1 for r in results)
    first = np.array([max(r.entered.get("crisis.talks", 0), r.entered.get("crisis.strike", 0)) for r in results])
    assert stats.kstest(first, stats.expon(scale=1 / 0.5).cdf).pvalue > 0.01


def test_factor_doubling_a_rate_while_a_condition_holds_gives_the_piecewise_exponential(tmp_path):
    compiled = build(
        tmp_path,
        """
        calendar:
          sanctions_day: {date: 2025-01-11, assumption: a test date (day 10)}
        parameters:
          crossing_rate: {dist: fixed, value: 0.03, assumption: a test rate per day}
          sanctions_multiplier: {dist: fixed, value: 2, assumption: sanctions double the rate}
          sanctions_days: {dist: fixed, value: 20, assumption: sanctions last 20 days}
        actors:
          sanctions:
            initial: none
            states:
              none:
                transitions:
                  impose: {at: sanctions_day, to: imposed}
              imposed:
                transitions:
                  lift: {after: sanctions_days, to: lifted}
              lifted: {}
          refugees:
            initial: waiting
            states:
              waiting:
                transitions:
                  cross:
                    rate: crossing_rate
                    factors: [{while: sanctions.imposed, times: sanctions_multiplier}]
                    to: crossed
              crossed: {}
        """,
    )
    days = first_days(run(compiled, 6000, seed=13), "refugees.crossed")

    def cdf(t: np.ndarray, rate: float = 0.03, factor: float = 2.0, lifted: float = 30.0) -> np.ndarray:
        # Cumulative hazard: rate * t, plus (factor - 1) * rate over the part of [10, lifted) passed.
        doubled = np.clip(np.asarray(t) - 10.0, 0.0, lifted - 10.0)
        return 1.0 - np.exp(-(rate * np.asarray(t) + (factor - 1.0) * rate * doubled))

    # KS on 6000 draws (1% critical distance 0.021). Ignoring the factor moves the CDF by up to
    # 0.18, keeping it after the sanctions are lifted by 0.056, a base rate 10% off by 0.035: the
    # same sample must reject all three.
    assert stats.kstest(days, cdf).pvalue > 0.01
    assert stats.kstest(days, lambda t: cdf(t, factor=1.0)).pvalue < 1e-6
    assert stats.kstest(days, lambda t: cdf(t, lifted=math.inf)).pvalue < 1e-4
    assert stats.kstest(days, lambda t: cdf(t, rate=0.033)).pvalue < 0.01


def test_three_state_markov_chain_matches_the_matrix_exponential(tmp_path):
    rates = {
        ("a", "b"): 0.15,
        ("a", "c"): 0.05,
        ("b", "a"): 0.10,
        ("b", "c"): 0.15,
        ("c", "a"): 0.075,
        ("c", "b"): 0.125,
    }
    body = """
        parameters:
        {parameters}
        actors:
          chain:
            initial: a
            states:
        {states}
        """
    parameters = "\n".join(
        f"  rate_{i}_{j}: {{dist: fixed, value: {r}, assumption: a test rate}}" for (i, j), r in rates.items()
    )
    states = "\n".join(
        f"      {i}:\n        transitions:\n"
        + "\n".join(f"          to_{j}: {{rate: rate_{i}_{j}, to: {j}}}" for (k, j) in rates if k == i)
        for i in "abc"
    )
    text = textwrap.dedent(body).format(parameters=parameters, states=states)

    def generator(scale: float = 1.0) -> np.ndarray:
        q = np.zeros((3, 3))
        for (i, j), r in rates.items():
            q["abc".index(i), "abc".index(j)] = r * scale
        return q - np.diag(q.sum(axis=1))

    # A replication runs to the end of its horizon's last day: horizon 2025-01-02 (day 1) ends at t = 2.
    n, chi2, chi2_wrong = 8000, 0.0, 0.0
    for horizon, t in (("2025-01-02", 2.0), ("2025-01-05", 5.0), ("2025-01-12", 12.0)):
        compiled = build(tmp_path, text, horizon=horizon, name=f"chain-{int(t)}")
        counts = Counter(r.final_states["chain"] for r in run(compiled, n, seed=14))
        observed = np.array([counts[s] for s in "abc"], dtype=float)
        expected = n * scipy.linalg.expm(generator() * t)[0]
        wrong = n * scipy.linalg.expm(generator(1.2) * t)[0]
        chi2 += float(((observed - expected) ** 2 / expected).sum())
        chi2_wrong += float(((observed - wrong) ** 2 / wrong).sum())
        assert np.all(np.abs(observed - expected) < 4.5 * np.sqrt(expected * (1 - expected / n)))
    # Pearson's chi-square over the three horizons (6 degrees of freedom) at the 0.1% level, and
    # each count within 4.5 SE. All rates 10% fast, or the a -> b rate 10% off, give noncentralities
    # of 38 and 46 at 8000 replications a horizon, rejected with probability 0.97 and 0.99 (smaller
    # rates need more replications: a -> c 10% off gives 10); the state read at t - 1 gives 744.
    # The sample itself must reject all rates 20% fast (noncentrality ~150, power ~1).
    assert stats.chi2.sf(chi2, df=6) > 0.001
    assert stats.chi2.sf(chi2_wrong, df=6) < 0.001


# Delays


def test_after_inline_pert_distribution_reproduces_the_beta_pert(tmp_path):
    compiled = build(
        tmp_path,
        """
        actors:
          convoy:
            initial: loading
            states:
              loading:
                transitions:
                  depart:
                    after: {dist: pert, low: 2, mode: 5, high: 15, assumption: a test three-point estimate}
                    to: underway
              underway: {}
        """,
    )
    days = first_days(run(compiled, 4000, seed=15), "convoy.underway")
    low, mode, high = 2.0, 5.0, 15.0
    alpha, beta = 1 + 4 * (mode - low) / (high - low), 1 + 4 * (high - mode) / (high - low)
    pert = stats.beta(alpha, beta, loc=low, scale=high - low)
    # KS on 4000 draws at 1% (critical 0.026); the delay stretched by 10% about its low end
    # moves the CDF by up to 0.064 and must be rejected.
    assert stats.kstest(days, pert.cdf).pvalue > 0.01
    assert stats.kstest(days, stats.beta(alpha, beta, loc=low, scale=1.1 * (high - low)).cdf).pvalue < 0.01
    assert days.min() >= low and days.max() <= high


def test_after_lognormal_expression_reproduces_the_lognormal(tmp_path):
    compiled = build(
        tmp_path,
        """
        actors:
          convoy:
            initial: loading
            states:
              loading:
                transitions:
                  depart: {after: "lognormal(1, 0.5)", to: underway, assumption: a test delay}
              underway: {}
        """,
    )
    days = first_days(run(compiled, 4000, seed=16), "convoy.underway")
    # numpy's lognormal(mu, sigma) is exp(N(mu, sigma)): scipy's lognorm(s=sigma, scale=e^mu).
    # KS at 1% (critical 0.026); a median 10% off moves the CDF by up to 0.076 and is rejected
    # (a sigma 10% off, 0.03, is at the edge of what 4000 draws can see).
    assert stats.kstest(days, stats.lognorm(s=0.5, scale=math.e).cdf).pvalue > 0.01
    assert stats.kstest(days, stats.lognorm(s=0.5, scale=1.1 * math.e).cdf).pvalue < 0.01


# Conditions and dates


WHEN_SCENARIO = """
    calendar:
      review_day: {date: 2025-01-21, assumption: a test date (day 20)}
    variables:
      convoy_arrived: {kind: flag}
    actors:
      convoy:
        initial: loading
        states:
          loading:
            transitions:
              depart: {after: "uniform(1, 10)", to: passing, assumption: a test delay}
          passing:
            transitions:
              arrive: {after: 0, to: arrived, effects: [{set: {convoy_arrived: true}}]}
          arrived: {}
      state_watcher:
        initial: waiting
        states:
          waiting:
            transitions:
              see: {when: convoy.arrived, to: seen}
          seen: {}
      flag_watcher:
        initial: waiting
        states:
          waiting:
            transitions:
              see: {when: convoy_arrived, to: seen}
          seen: {}
      passage_watcher:
        initial: waiting
        states:
          waiting:
            transitions:
              see: {when: entered(convoy.passing), to: seen}
          seen: {}
      reviewer:
        initial: idle
        states:
          idle:
            transitions:
              open: {at: review_day, to: reviewing}
          reviewing:
            transitions:
              conclude: {when: convoy.arrived, to: concluded}
          concluded: {}
    """


def test_when_fires_at_the_exact_moment_its_condition_becomes_true(tmp_path):
    results = run(build(tmp_path, WHEN_SCENARIO), 300, seed=17)
    for r in results:
        arrived = r.entered["convoy.arrived"]
        assert 1 <= arrived <= 10
        # Equal, not close: the watcher fires in the same instant, with no polling lag.
        assert r.entered["state_watcher.seen"] == arrived
        assert r.entered["flag_watcher.seen"] == arrived
        # `entered()` sees a state the convoy passed through in no time at all.
        assert r.entered["convoy.passing"] == arrived
        assert r.entered["passage_watcher.seen"] == arrived
        assert r.final_states == {
            "convoy": "arrived",
            "state_watcher": "seen",
            "flag_watcher": "seen",
            "passage_watcher": "seen",
            "reviewer": "concluded",
        }


def test_when_already_true_on_entry_fires_at_once(tmp_path):
    results = run(build(tmp_path, WHEN_SCENARIO), 50, seed=18)
    for r in results:
        assert r.entered["convoy.arrived"] < 20.0  # arrived before the review opened...
        assert r.entered["reviewer.reviewing"] == 20.0
        assert r.entered["reviewer.concluded"] == 20.0  # ...so the review concludes the moment it opens


def test_at_fires_on_its_calendar_day_and_at_once_if_the_day_has_passed(tmp_path):
    compiled = build(
        tmp_path,
        """
        calendar:
          deadline: {date: 2025-02-01, assumption: a test date (day 31)}
        parameters:
          late_days: {dist: fixed, value: 40, assumption: arrives after the deadline}
          grace_days: {dist: fixed, value: 3.5, assumption: a test grace period}
        actors:
          punctual:
            initial: waiting
            states:
              waiting:
                transitions:
                  due: {at: deadline, to: due}
              due: {}
          graceful:
            initial: waiting
            states:
              waiting:
                transitions:
                  due: {at: deadline + grace_days, to: due}
              due: {}
          latecomer:
            initial: travelling
            states:
              travelling:
                transitions:
                  arrive: {after: late_days, to: waiting}
              waiting:
                transitions:
                  due: {at: deadline, to: due}
              due: {}
        """,
    )
    for r in run(compiled, 3, seed=19):
        assert r.entered["punctual.due"] == 31.0
        assert r.entered["graceful.due"] == 34.5
        assert r.entered["latecomer.waiting"] == 40.0
        assert r.entered["latecomer.due"] == 40.0


# Branches


def test_branches_by_numbers_categorical_and_yes_no_parameters_give_their_frequencies(tmp_path):
    compiled = build(
        tmp_path,
        """
        parameters:
          posture: {dist: categorical, weights: {defend: 0.2, deter: 0.3, wait: 0.5}, assumption: test weights}
          mobilise: {dist: bernoulli, p: 0.3, assumption: a test probability}
          talks_probability: {dist: fixed, value: 0.2, assumption: a test probability}
        actors:
          summit:
            initial: pending
            states:
              pending:
                transitions:
                  outcome:
                    after: 0
                    branches:
                      - {to: talks, probability: talks_probability}
                      - {to: truce, probability: 0.5}
                      - {to: nothing, otherwise: true}
                    assumption: test probabilities
              talks: {}
              truce: {}
              nothing: {}
          army:
            initial: undecided
            states:
              undecided:
                transitions:
                  choose: {after: 0, branch_on: posture, to: {defend: defending, deter: deterring, wait: waiting}}
              defending: {}
              deterring: {}
              waiting: {}
          reserve:
            initial: undecided
            states:
              undecided:
                transitions:
                  choose: {after: 0, branch_on: mobilise, to: {true: mobilised, false: home}}
              mobilised: {}
              home: {}
        """,
    )
    n = 20_000
    results = run(compiled, n, seed=20)
    expected = {
        ("summit", "talks"): 0.2,
        ("summit", "truce"): 0.5,
        ("summit", "nothing"): 0.3,
        ("army", "defending"): 0.2,
        ("army", "deterring"): 0.3,
        ("army", "waiting"): 0.5,
        ("reserve", "mobilised"): 0.3,
        ("reserve", "home"): 0.7,
    }
    for (actor, state), p in expected.items():
        share = sum(r.final_states[actor] == state for r in results) / n
        # 3.5 binomial SE (0.0099 at p = 0.2): a probability 10% off moves a share by 0.02 to 0.07,
        # 7 to 21 SE, caught with probability 0.9998 or more; the eight checks together pass a
        # correct interpreter with probability 0.996.
        assert abs(share - p) < binomial_tolerance(p, n, 3.5), (actor, state, share, p)
        assert abs(share - 1.1 * p) > binomial_tolerance(p, n, 3.5), (actor, state, share)


# Reproducibility


REPRODUCIBLE = """
    parameters:
      patrol_rate: {dist: uniform, low: 0.05, high: 0.5, assumption: a test range per day}
      escalation_probability: {dist: beta, alpha: 2, beta: 3, assumption: a test prior}
    variables:
      incidents: {kind: count}
    actors:
      border:
        initial: calm
        states:
          calm:
            transitions:
              incident:
                rate: patrol_rate
                to: tense
                effects: [{add: {incidents: 1}}, {log: "incident {incidents}"}]
          tense:
            transitions:
              settle:
                after: {dist: triangular, low: 1, mode: 3, high: 9, assumption: a test delay}
                branches:
                  - {to: calm, probability: 1 - escalation_probability}
                  - {to: closed, otherwise: true}
          closed: {}
    """


def test_the_same_seed_gives_identical_results(tmp_path):
    compiled = build(tmp_path, REPRODUCIBLE)
    first, again, other = run(compiled, 50, seed=21), run(compiled, 50, seed=21), run(compiled, 50, seed=22)
    assert first == again
    assert first != other  # the comparison can fail: another seed gives other histories
    assert len({r.variables["incidents"] for r in first}) > 1


def test_chunking_does_not_change_a_replication(tmp_path):
    compiled = build(tmp_path, REPRODUCIBLE)
    whole = run_range(compiled, 23, range(0, 100))
    tail = run_range(compiled, 23, range(50, 100))
    single = run_range(compiled, 23, range(60, 61))
    assert whole[60] == tail[10] == single[0]
    assert whole[60] != whole[61]
    assert whole[50:] == tail


def written_in_order(reverse: bool) -> str:
    """A scenario whose actors, transitions and `set` keys are written in one order or the reverse."""

    def order(*parts: str) -> str:
        return "\n".join(reversed(parts) if reverse else parts)

    assignments = order("first: troops", "second: first + 1").replace("\n", ", ")
    patrol = f"          patrol: {{rate: patrol_rate, to: alert, effects: [{{set: {{{assignments}}}}}]}}"
    drift = '          drift: {after: "exponential(5)", to: alert, assumption: a test delay}'
    react = '          react: {when: alpha.alert, to: done, effects: [{set: {second: "uniform(0, 1)"}}]}'
    wander = '          wander: {after: "uniform(0, 20)", to: done, assumption: a test delay}'
    header = "  {}:\n    initial: {}\n    states:\n      {}:\n        transitions:\n"
    alpha = header.format("alpha", "calm", "calm") + order(patrol, drift) + "\n      alert: {}"
    bravo = header.format("bravo", "idle", "idle") + order(react, wander) + "\n      done: {}"
    return (
        "parameters:\n"
        "  patrol_rate: {dist: uniform, low: 0.05, high: 0.5, assumption: a test range per day}\n"
        "  troops: {dist: uniform, low: 1000, high: 2000, assumption: a test range}\n"
        "variables:\n"
        "  first: {kind: number, initial: 0}\n"
        "  second: {kind: number, initial: 0}\n"
        f"actors:\n{order(alpha, bravo)}\n"
    )


def test_the_order_actors_transitions_and_assignments_are_written_in_changes_nothing(tmp_path):
    as_written = run(build(tmp_path, written_in_order(False), name="as-written"), 200, seed=31)
    reversed_ = run(build(tmp_path, written_in_order(True), name="reversed"), 200, seed=31)
    assert as_written == reversed_
    # Both clocks of each race win sometimes, so the comparison covers both orders of events.
    assert {r.taken.get("alpha.calm.patrol", 0) for r in as_written} == {0, 1}
    assert {r.taken.get("bravo.idle.react", 0) for r in as_written} == {0, 1}


def test_a_self_loop_re_arms_only_itself_and_the_state_s_other_clocks_run_on(tmp_path):
    compiled = build(
        tmp_path,
        """
        parameters:
          probe_rate: {dist: fixed, value: 2, assumption: two probes a day}
          patience_days: {dist: fixed, value: 10, assumption: ten days}
        variables:
          probes: {kind: count}
          unwatched_probes: {kind: count}
        actors:
          border:
            initial: watching
            states:
              watching:
                transitions:
                  probe: {rate: probe_rate, to: watching, effects: [{add: {probes: 1}}]}
                  give_up: {after: patience_days, to: closed}
              closed: {}
          quiet_border:
            initial: watching
            states:
              watching:
                transitions:
                  probe: {rate: probe_rate, to: watching, effects: [{add: {unwatched_probes: 1}}]}
                  give_up: {after: patience_days, to: closed}
              closed: {}
          analyst:
            initial: idle
            states:
              idle:
                transitions:
                  swamped: {when: probes > 1000000, to: swamped, assumption: never reached}
              swamped: {}
        """,
    )
    n = 500
    results = run(compiled, n, seed=32)
    for r in results:
        # Forty-odd probes come and go, but the 10-day clock set on entry is never reset.
        assert r.entered["border.closed"] == r.entered["quiet_border.closed"] == 10.0
        assert r.entered["border.watching"] == 0.0
    for name in ("probes", "unwatched_probes"):  # fired one by one; drawn as one count
        counts = np.array([r.variables[name] for r in results], dtype=float)
        # Poisson(2 * 10 = 20): the mean within 4 SE (0.8); a rate 10% off moves it by 2.
        assert abs(counts.mean() - 20.0) < 4 * math.sqrt(20.0 / n), name


# The run-time loop guard

# Two states that hand over to each other while a flag holds, and nothing clears it:
# validation sees only loops of `after: 0`, so this one is for the run-time guard.
TOGGLING = """
        variables:
          alarm: {kind: flag, initial: "true"}
        actors:
          sentry:
            initial: calm
            states:
              calm:
                transitions:
                  agitate: {when: alarm, to: agitated}
              agitated:
                transitions:
                  calm_down: {when: alarm, to: calm}
    """


def test_a_loop_of_when_transitions_validation_cannot_see_stops_with_an_error_naming_it(tmp_path, time_limit):
    compiled = build(
        tmp_path,
        TOGGLING,
    )
    time_limit(20)
    with pytest.raises(MechanicsError, match=r"day 0.*loop of instantaneous transitions") as caught:
        run(compiled, 1, seed=24)
    assert "sentry.calm" in str(caught.value) and "sentry.agitated" in str(caught.value)


def test_a_loop_of_zero_delays_drawn_from_parameters_stops_with_an_error(tmp_path, time_limit):
    compiled = build(
        tmp_path,
        """
        calendar:
          opening_day: {date: 2025-01-06, assumption: a test date (day 5)}
        parameters:
          turnaround_days: {dist: fixed, value: 0, assumption: validation cannot see this is 0}
        actors:
          ferry:
            initial: docked
            states:
              docked:
                transitions:
                  open: {at: opening_day, to: port}
              port:
                transitions:
                  sail: {after: turnaround_days, to: starboard}
              starboard:
                transitions:
                  sail_back: {after: turnaround_days, to: port}
        """,
    )
    time_limit(20)
    with pytest.raises(MechanicsError, match=r"day 5.*loop of instantaneous transitions") as caught:
        run(compiled, 1, seed=25)
    assert "ferry.port" in str(caught.value) and "ferry.starboard" in str(caught.value)


def test_arithmetic_failing_at_run_time_stops_with_an_error_naming_the_transition(tmp_path):
    compiled = build(
        tmp_path,
        """
        parameters:
          delay_days: {dist: fixed, value: 3, assumption: a test delay}
          spare_troops: {dist: fixed, value: 0, assumption: none to spare}
        actors:
          convoy:
            initial: loading
            states:
              loading:
                transitions:
                  depart: {after: delay_days / spare_troops, to: underway}
              underway: {}
        """,
    )
    with pytest.raises(MechanicsError, match=r"replication 0 .*convoy\.loading\.depart: ZeroDivisionError"):
        run(compiled, 1, seed=33)


def test_a_scenario_without_parameters_runs(tmp_path):
    compiled = build(
        tmp_path,
        """
        parameters: {}
        actors:
          convoy:
            initial: loading
            states:
              loading:
                transitions:
                  depart: {after: 2, to: underway, assumption: a test delay}
              underway: {}
        """,
    )
    assert [r.entered["convoy.underway"] for r in run(compiled, 3, seed=30)] == [2.0, 2.0, 2.0]


# Time-varying hazards


def test_a_counting_self_loop_gives_a_poisson_count_of_the_integrated_rate(tmp_path):
    compiled = build(
        tmp_path,
        """
        calendar:
          drills_begin: {date: 2025-01-11, assumption: a test date (day 10)}
          drills_end: {date: 2025-01-31, assumption: a test date (day 30)}
        parameters:
          signal_rate: {dist: fixed, value: 0.5, assumption: a test rate per day}
          drill_multiplier: {dist: fixed, value: 2, assumption: twice as many signals during drills}
        variables:
          signals: {kind: count}
          watched_signals: {kind: count}
        actors:
          drills:
            initial: before
            states:
              before:
                transitions:
                  begin: {at: drills_begin, to: active}
              active:
                transitions:
                  end: {at: drills_end, to: over}
              over: {}
          signaller:
            initial: signalling
            states:
              signalling:
                transitions:
                  signal:
                    rate: signal_rate
                    factors: [{while: drills.active, times: drill_multiplier}]
                    to: signalling
                    effects: [{add: {signals: 1}}]
          watched_signaller:
            initial: signalling
            states:
              signalling:
                transitions:
                  signal:
                    rate: signal_rate
                    factors: [{while: drills.active, times: drill_multiplier}]
                    to: signalling
                    effects: [{add: {watched_signals: 1}}]
          analyst:
            initial: watching
            states:
              watching:
                transitions:
                  overwhelmed: {when: watched_signals > 1000000, to: overwhelmed, assumption: never reached}
              overwhelmed: {}
        """,
        horizon="2025-02-09",  # day 39: the replication ends at day 40
    )
    n = 2500
    results = run(compiled, n, seed=27)
    # Integrated rate: 0.5 a day for 40 days plus 0.5 more for the 20 days of drills = 30.
    mean = 0.5 * 40 + 0.5 * 20
    for name in ("signals", "watched_signals"):  # drawn as one Poisson count, and fired one by one
        counts = np.array([r.variables[name] for r in results], dtype=float)
        # Mean within 4 SE (0.44, 1.5% of 30): a rate 10% off moves it by 3. Variance within 4 SE
        # of a Poisson's (SE of a sample variance ~ sqrt((mu + 2 mu^2) / n) = 0.86, so 3.4): a
        # count that ignored the drills' doubling (mean 20) or was not Poisson-dispersed fails.
        assert abs(counts.mean() - mean) < 4 * math.sqrt(mean / n), name
        assert abs(counts.var(ddof=1) - mean) < 4 * math.sqrt((mean + 2 * mean**2) / n), name
        key = f"{name.removesuffix('signals')}signaller.signalling.signal"
        assert np.array_equal([r.taken.get(key, 0) for r in results], counts)


# Built-in processes


LANCHESTER = """
    calendar:
      truce_day: {date: 2025-01-06, assumption: a test date (day 5)}
    parameters:
      attackers_at_start: {dist: fixed, value: 30000, assumption: test numbers}
    variables:
      combat_days: {kind: number}
      combat_end: {kind: category}
      advance_km: {kind: number}
      attacker_losses: {kind: count}
      defender_losses: {kind: count}
      objective_reached: {kind: flag}
      attackers_left: {kind: number}
    actors:
      truce:
        initial: fighting
        states:
          fighting:
            transitions:
              sign: {at: truce_day, to: signed}
          signed: {}
      army:
        initial: massing
        states:
          massing:
            transitions:
              attack:
                after: 1
                to: attacking
                assumption: test numbers
                effects:
                  - start:
                      process: lanchester_combat
                      inputs:
                        attackers: attackers_at_start
                        defenders: 10000
                        law: "'square'"
                        attacker_effectiveness: 0.02
                        defender_effectiveness: 0.05
                        advance_rate_km_per_day: 5
                        objective_km: 200
                        culmination_force_ratio: 1.0
                        culmination_strength: 5000
                        stop: truce.signed
                      outputs:
                        days: combat_days
                        end: combat_end
                        advance_km: advance_km
                        attacker_losses: attacker_losses
                        defender_losses: defender_losses
                        objective_reached: objective_reached
                        attackers: attackers_left
          attacking: {}
    """


def test_lanchester_combat_started_by_a_transition_writes_its_outputs_and_stops_on_its_condition(tmp_path):
    (result,) = run(build(tmp_path, LANCHESTER), 1, seed=28)
    variables = result.variables
    assert variables["combat_end"] == "stopped"
    assert variables["combat_days"] == pytest.approx(4.0)  # from day 1 to the truce on day 5
    assert variables["attacker_losses"] > 0 and variables["defender_losses"] > 0
    assert 0 < variables["advance_km"] < 200 and variables["objective_reached"] is False
    # Square law in closed form: A(t) = A0 cosh(k t) - sqrt(b / a) D0 sinh(k t), k = sqrt(a b).
    a, b, t = 0.02, 0.05, 4.0
    k = math.sqrt(a * b)
    attackers = 30000 * math.cosh(k * t) - math.sqrt(b / a) * 10000 * math.sinh(k * t)
    defenders = 10000 * math.cosh(k * t) - math.sqrt(a / b) * 30000 * math.sinh(k * t)
    assert variables["attackers_left"] == pytest.approx(attackers, rel=1e-6)
    assert variables["attacker_losses"] == round(30000 - attackers)
    assert variables["defender_losses"] == round(10000 - defenders)
    assert any(component == "army" and "lanchester_combat" in event for _, component, event, _ in result.events)


def test_lanchester_combat_without_a_stop_runs_to_its_own_end(tmp_path):
    body = LANCHESTER.replace("stop: truce.signed", "stop: false")
    (result,) = run(build(tmp_path, body), 1, seed=29)
    variables = result.variables
    assert variables["combat_end"] in ("objective", "culmination", "horizon")
    assert variables["combat_days"] > 4.0
    assert variables["objective_reached"] == (variables["combat_end"] == "objective")


def test_a_runaway_rate_stops_with_an_error_instead_of_running_forever(tmp_path, time_limit):
    """A billion incidents a day would take hours event by event: the run stops at a bound, naming it."""
    compiled = build(
        tmp_path,
        """
        parameters:
          incident_rate: {dist: fixed, value: 1.0e+9, assumption: a hostile rate per day}
        variables:
          incidents: {kind: count}
        actors:
          border:
            initial: tense
            states:
              tense:
                transitions:
                  incident: {rate: incident_rate, to: tense, effects: [{add: {incidents: 1}}]}
                  calm: {when: incidents < 0, to: calm}
              calm: {}
        """,
    )
    time_limit(30)
    with pytest.raises(MechanicsError, match=r"border\.tense\.incident: more than 100,000 transitions fired"):
        run(compiled, 1, seed=40)
