"""The baseline's mechanics behave as docs/model.md says, checked on pinned (noise-free) inputs.

The mechanics live in scenarios/baseline.yaml (`actors:`); each test runs a small variant
of it (fixed parameters, one hypothesis) through the engine and reads the outcome
columns: `actor.state` (entered), `actor.state.date`, `actor` (state at the horizon) and
the variables.

Model days count from the start, 14 August 2025 (day 0): the summit is day 1, the build-up
starts on day 18 (1 September), the active phase runs from day 29 to day 33 (12-16
September) and the run ends with day 139 (31 December), at day 140.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import LAUNCH_READY, fixed, pinned_hypothesis

from sim.engine import CompiledScenario, Replication, outcome_row, run_chunk, run_replication

DAYS_PER_MONTH = 30.44  # the baseline's rates per month are divided by 30.44 (its assumption)
START = dt.date(2025, 8, 14)
SUMMIT = dt.date(2025, 8, 15)
HORIZON_DAYS = (dt.date(2026, 1, 1) - START).days  # 140
AFTER_SUMMIT_DAYS = HORIZON_DAYS - 1  # 139: from the summit to the end of the run
HYPOTHESES = ("routine", "coercion", "offensive")
Variant = Callable[..., CompiledScenario]

# Alaska ends in no deal and the talks stay stalled.
NO_DEAL = {"alaska_acceptance_multiplier": 0.0, "alaska_progress_probability": 0.0, "talks_resume_per_month": 0.0}
# Progress in Alaska, then talks under way to the horizon with nothing happening in them.
ENGAGED_QUIETLY = {
    "alaska_acceptance_multiplier": 0.0,
    "alaska_progress_probability": 1.0,
    "contact_rounds_per_month": 0.0,
    "summit_proposal_per_month": 0.0,
    "talks_stall_per_month": 0.0,
}
# Every side accepts a ceasefire wherever one is put to it; once agreed it holds to the horizon.
ALL_ACCEPT = {
    "russia_acceptance": 1.0,
    "ukraine_acceptance": 1.0,
    "us_acceptance": 1.0,
    "ceasefire_collapse_shape": 1000,
    "ceasefire_collapse_scale_days": 100_000,
}
# Progress in Alaska and a second summit proposed at once (15 August), agreed 10 days later (25 August)
# and held 20 days after that (14 September); no rounds, no stall, no deadline.
SECOND_SUMMIT = {
    **ENGAGED_QUIETLY,
    "summit_proposal_per_month": 1e6,  # a proposal within a few seconds of the summit
    "summit_arrangement_days": 10,
    "summit_agreed_probability": 1.0,
    "summit_lead_days": 20,
    "summit_cancel_probability": 0.0,
    "talks_resume_per_month": 0.0,
    "deadline_after_no_deal_probability": 0.0,
    "deadlines_per_month": 0.0,
}
PROPOSED, SCHEDULED, HELD = dt.date(2025, 8, 15), dt.date(2025, 8, 25), dt.date(2025, 9, 14)
# No deal in Alaska and, at once, a deadline of 10 days: it expires 25 August; no other deadline.
DEADLINE_AFTER_NO_DEAL = {
    **NO_DEAL,
    "deadline_after_no_deal_probability": 1.0,
    "deadline_days": 10,
    "deadlines_per_month": 0.0,
}
EXPIRY = dt.date(2025, 8, 25)
# Nothing triggers a crisis: no deadline (so no measures), no coercive action, no Article 4, no offensive.
NO_CRISIS_EVENT = {
    "deadline_after_no_deal_probability": 0.0,
    "deadlines_per_month": 0.0,
    "coercive_actions_per_month": 0.0,
    "article4_per_incident": 0.0,
    "offensive_intent_probability": 0.0,
}


def pinned(variant: Variant, **values: Any) -> CompiledScenario:
    return variant(hypotheses=pinned_hypothesis(), parameters={k: fixed(v) for k, v in values.items()})


def run_pinned(variant: Variant, seed: int = 0, index: int = 0, **values: Any) -> Replication:
    return run_replication(pinned(variant, **values), seed, index)


def batch(compiled: CompiledScenario, n: int) -> list[dict[str, Any]]:
    chunk = run_chunk(compiled, 99, range(n))
    return [outcome_row(compiled, chunk, i) for i in range(n)]


def batch_pinned(variant: Variant, n: int, **values: Any) -> list[dict[str, Any]]:
    return batch(pinned(variant, **values), n)


def events_of(replication: Replication, actor: str) -> list[tuple[dt.date, str, str]]:
    """(date, event, detail) of one actor: `event` is the state entered, or `process.event`."""
    return [(date, event, detail) for _, date, comp, event, detail in replication.events if comp == actor]


def states_of(replication: Replication, actor: str) -> list[tuple[dt.date, str]]:
    """(date, state entered) of one actor, in order."""
    return [(date, event) for date, event, _ in events_of(replication, actor)]


def only_hypothesis(name: str) -> dict[str, Any]:
    """The baseline's own hypotheses, with all the weight on one of them (its overrides and actors apply)."""
    return {hypothesis: {"weight": 1 if hypothesis == name else 0} for hypothesis in HYPOTHESES}


def assert_poisson_mean(counts: list[int], expected: float) -> None:
    """The mean count within 4 standard errors (sqrt(expected / n)) of a Poisson mean."""
    assert abs(np.mean(counts) - expected) < 4 * math.sqrt(expected / len(counts)), (np.mean(counts), expected)


def assert_share(hits: list[bool], expected: float) -> None:
    """A share within 4 binomial standard errors of its probability."""
    n = len(hits)
    assert abs(np.mean(hits) - expected) < 4 * math.sqrt(expected * (1 - expected) / n), (np.mean(hits), expected)


# Talks: Alaska


def test_alaska_ceasefire_when_every_side_accepts_is_dated_on_the_summit(variant):
    row = run_pinned(variant, **ALL_ACCEPT, alaska_acceptance_multiplier=1.0).row
    assert row["talks.alaska_ceasefire"] and row["talks.ceasefire.date"] == SUMMIT
    assert row["talks"] == "ceasefire" and row["alaska_outcome"] == "ceasefire"
    assert not row["consequences.deadline"] and not row["talks.engaged"]
    # Russia's acceptance in Alaska is scaled by the multiplier: at 0 the same acceptances agree nothing.
    row = run_pinned(variant, **ALL_ACCEPT, **NO_DEAL).row
    assert not row["talks.ceasefire"] and row["alaska_outcome"] == "no_deal"


def test_progress_in_alaska_engages_the_talks(variant):
    values = {"russia_acceptance": 0.0, "alaska_progress_probability": 1.0}
    row = run_pinned(variant, **values, talks_stall_per_month=0.0, summit_proposal_per_month=0.0).row
    assert row["talks.progress.date"] == row["talks.engaged.date"] == SUMMIT
    assert row["alaska_outcome"] == "progress"
    assert not row["talks.no_deal"] and not row["talks.stalled"] and not row["talks.ceasefire"]


def test_no_deal_in_alaska_stalls_the_talks(variant):
    row = run_pinned(variant, **NO_DEAL).row
    assert row["talks.no_deal.date"] == row["talks.stalled.date"] == SUMMIT
    assert row["alaska_outcome"] == "no_deal" and row["talks"] == "stalled"
    assert not row["talks.progress"] and not row["talks.engaged"]


def test_alaska_outcomes_follow_the_acceptances(variant):
    """P(ceasefire) = min(1, russia x multiplier) x ukraine x us = 0.25 x 0.8 x 0.9 = 0.18;
    P(progress) = (1 - 0.18) x 0.5 = 0.41; no deal the rest.

    n = 400; each share within 4 binomial standard errors (at most 0.1). Leaving out the
    multiplier would make the ceasefire 0.36, 9 standard errors (0.019) off."""
    values = {
        "russia_acceptance": 0.5,
        "alaska_acceptance_multiplier": 0.5,
        "ukraine_acceptance": 0.8,
        "us_acceptance": 0.9,
        "alaska_progress_probability": 0.5,
    }
    outcomes = [row["alaska_outcome"] for row in batch_pinned(variant, 400, **values)]
    ceasefire = 0.25 * 0.8 * 0.9
    assert_share([o == "ceasefire" for o in outcomes], ceasefire)
    assert_share([o == "progress" for o in outcomes], (1 - ceasefire) * 0.5)
    assert_share([o == "no_deal" for o in outcomes], (1 - ceasefire) * 0.5)


# Talks: the ceasefire's holding time


def test_ceasefire_collapses_after_its_weibull_holding_time(variant):
    # Shape 1000 makes the Weibull holding time the scale to within 0.5%: 60 days after 15 August.
    values = {**ALL_ACCEPT, "alaska_acceptance_multiplier": 1.0, "talks_resume_per_month": 0.0}
    row = run_pinned(variant, **{**values, "ceasefire_collapse_scale_days": 60}).row
    assert row["talks.ceasefire"] and row["talks"] == "collapsed"
    assert abs((row["talks.collapsed.date"] - dt.date(2025, 10, 14)).days) <= 1


def test_ceasefire_holding_time_follows_the_weibull(variant):
    """Share of ceasefires collapsed by the end of the horizon (139 days) = 1 - exp(-(139/s)^k).

    n = 400; 4 binomial standard errors (0.1 at most) separate a right answer from a
    wrong law (exponential instead of Weibull here differs by 0.2)."""
    values = {**ALL_ACCEPT, "alaska_acceptance_multiplier": 1.0, "talks_resume_per_month": 0.0}
    rows = batch_pinned(
        variant, 400, **{**values, "ceasefire_collapse_shape": 2.0, "ceasefire_collapse_scale_days": 120}
    )
    assert all(row["talks.ceasefire.date"] == SUMMIT for row in rows)
    assert_share([row["talks.collapsed"] for row in rows], 1 - math.exp(-((139 / 120) ** 2)))


# Talks: rounds of contact, stalls


def test_a_round_agrees_a_ceasefire_when_all_three_accept(variant):
    replication = run_pinned(variant, **{**ENGAGED_QUIETLY, **ALL_ACCEPT, "contact_rounds_per_month": 2.0})
    row = replication.row
    first_round = next(date for date, state in states_of(replication, "talks") if state == "round_held")
    assert row["talks.ceasefire"] and row["talks.ceasefire.date"] == first_round
    assert row["ceasefire_rounds"] == 1 and row["talks"] == "ceasefire"


@pytest.mark.parametrize("side", ["russia_acceptance", "ukraine_acceptance", "us_acceptance"])
def test_no_round_agrees_a_ceasefire_if_one_side_refuses(variant, side):
    """At 3 rounds a month each replication holds about 14 rounds: 50 replications give about 700
    chances for a ceasefire the mechanics must refuse."""
    values = {**ENGAGED_QUIETLY, **ALL_ACCEPT, side: 0.0, "contact_rounds_per_month": 3.0}
    rows = batch_pinned(variant, 50, **values)
    assert not any(row["talks.ceasefire"] for row in rows)
    assert sum(row["ceasefire_rounds"] for row in rows) > 500


def test_rounds_of_talks_are_poisson_and_counted(variant):
    """Rounds come at contact_rounds_per_month / 30.44 a day from the summit on (139 days): 2 a month
    gives a mean of 9.1 rounds. n = 300; the mean is within 4 standard errors (0.7); a rate
    read per week or per day would be far out. `ceasefire_rounds` counts every round held."""
    compiled = pinned(variant, **{**ENGAGED_QUIETLY, "ukraine_acceptance": 0.0, "contact_rounds_per_month": 2.0})
    chunk = run_chunk(compiled, 99, range(300))
    rows = [outcome_row(compiled, chunk, i) for i in range(300)]
    counts = [row["ceasefire_rounds"] for row in rows]
    assert counts == [result.taken.get("talks.engaged.round", 0) for result in chunk.results]
    assert_poisson_mean(counts, 2.0 / DAYS_PER_MONTH * AFTER_SUMMIT_DAYS)


@pytest.mark.parametrize("change", ["resume", "stall"])
def test_talks_stall_and_resume_at_their_rates(variant, change):
    """Share of replications that change state by the horizon = 1 - exp(-0.3 / 30.44 x 139) = 0.75:
    stalled talks (no deal in Alaska) resuming, or engaged talks (progress) stalling.

    n = 300; within 4 binomial standard errors (0.1); a rate per week would give 1.0."""
    if change == "resume":
        rows = batch_pinned(variant, 300, **{**NO_DEAL, "talks_resume_per_month": 0.3})
        changed = [row["talks.engaged"] for row in rows]
    else:
        values = {**ENGAGED_QUIETLY, "talks_stall_per_month": 0.3, "talks_resume_per_month": 0.0}
        rows = batch_pinned(variant, 300, **values)
        changed = [row["talks.stalled"] for row in rows]
    assert_share(changed, 1 - math.exp(-0.3 / DAYS_PER_MONTH * AFTER_SUMMIT_DAYS))


# Talks: a second summit


def test_second_summit_is_proposed_scheduled_and_held_on_its_dates(variant):
    # Proposed at the summit, agreed 10 days later, held 20 days after that; Ukraine refuses a ceasefire.
    replication = run_pinned(variant, **SECOND_SUMMIT, ukraine_acceptance=0.0)
    assert states_of(replication, "talks")[:6] == [
        (SUMMIT, "progress"),
        (SUMMIT, "engaged"),
        (PROPOSED, "summit_proposed"),
        (SCHEDULED, "summit_scheduled"),
        (HELD, "second_summit"),
        (HELD, "engaged"),
    ]
    row = replication.row
    assert row["talks.second_summit.date"] == HELD and not row["talks.ceasefire"]


def test_a_second_summit_refused_stalls_the_talks(variant):
    row = run_pinned(variant, **{**SECOND_SUMMIT, "summit_agreed_probability": 0.0}).row
    assert row["talks.summit_proposed.date"] == PROPOSED and row["talks.stalled.date"] == SCHEDULED
    assert not row["talks.summit_scheduled"] and not row["talks.second_summit"] and row["talks"] == "stalled"


def test_a_called_off_summit_stalls_the_talks_unless_reinstated(variant):
    values = {**SECOND_SUMMIT, "summit_cancel_probability": 1.0, "summit_reinstate_days": 5}
    row = run_pinned(variant, **{**values, "summit_reinstate_probability": 0.0}).row
    # Called off on the day it was to be held; stalled when reconsidered, 5 days later.
    assert row["talks.summit_cancelled.date"] == HELD and row["talks.stalled.date"] == dt.date(2025, 9, 19)
    assert not row["talks.second_summit"] and row["talks"] == "stalled"


def test_a_reinstated_summit_is_rescheduled_after_its_delay(variant):
    values = {**SECOND_SUMMIT, "summit_cancel_probability": 1.0, "summit_reinstate_days": 5}
    replication = run_pinned(variant, **{**values, "summit_reinstate_probability": 1.0})
    # Back on 5 days after it was called off, and due 20 days later: called off again, and so on.
    assert states_of(replication, "talks")[3:8] == [
        (SCHEDULED, "summit_scheduled"),
        (HELD, "summit_cancelled"),
        (dt.date(2025, 9, 19), "summit_scheduled"),
        (dt.date(2025, 10, 9), "summit_cancelled"),
        (dt.date(2025, 10, 14), "summit_scheduled"),
    ]
    assert not replication.row["talks.second_summit"] and not replication.row["talks.stalled"]


def test_a_second_summit_raises_russias_acceptance(variant):
    """Russia's 0.5 doubled by summit_acceptance_multiplier is certain: all 30 replications agree
    a ceasefire on the summit's day. Without the multiplier about half would (the chance all 30
    do is 1e-9)."""
    values = {**SECOND_SUMMIT, **ALL_ACCEPT, "russia_acceptance": 0.5}
    doubled = batch_pinned(variant, 30, **{**values, "summit_acceptance_multiplier": 2.0})
    assert all(row["talks.ceasefire.date"] == HELD for row in doubled)
    unchanged = batch_pinned(variant, 30, **{**values, "summit_acceptance_multiplier": 1.0})
    assert 0 < sum(row["talks.ceasefire"] for row in unchanged) < 30


# Consequences


def test_a_deadline_after_no_deal_expires_into_measures_on_russia(variant):
    row = run_pinned(variant, **DEADLINE_AFTER_NO_DEAL, measures_on_russia_probability=1.0).row
    assert row["consequences.deadline.date"] == SUMMIT and row["alaska_reacted"]
    assert row["consequences.expired.date"] == row["consequences.russia_measures.date"] == EXPIRY
    assert row["consequences.imposed.date"] == EXPIRY and row["consequences"] == "imposed"
    assert row["measures_on_russia"] and not row["measures_on_buyers"] and not row["consequences.buyer_measures"]
    # Without the deadline the threat stands and nothing follows.
    row = run_pinned(variant, **{**DEADLINE_AFTER_NO_DEAL, "deadline_after_no_deal_probability": 0.0}).row
    assert row["alaska_reacted"] and not row["consequences.deadline"] and row["consequences"] == "threatened"


def test_measures_fall_on_buyers_when_not_on_russia(variant):
    values = {**DEADLINE_AFTER_NO_DEAL, "measures_on_russia_probability": 0.0, "measures_on_buyers_probability": 1.0}
    row = run_pinned(variant, **values).row
    assert row["consequences.buyer_measures.date"] == row["consequences.imposed.date"] == EXPIRY
    assert row["measures_on_buyers"] and not row["measures_on_russia"] and not row["consequences.russia_measures"]


def test_a_deferred_deadline_returns_to_the_threat(variant):
    values = {**DEADLINE_AFTER_NO_DEAL, "measures_on_russia_probability": 0.0, "measures_on_buyers_probability": 0.0}
    replication = run_pinned(variant, **values)
    assert states_of(replication, "consequences") == [
        (SUMMIT, "deadline"),
        (EXPIRY, "expired"),
        (EXPIRY, "deferred"),
        (EXPIRY, "threatened"),
    ]
    row = replication.row
    assert row["consequences"] == "threatened" and not row["consequences.imposed"]
    assert not row["measures_on_russia"] and not row["measures_on_buyers"]


def test_a_ceasefire_lifts_a_running_deadline(variant):
    # No deal and a 100-day deadline on 15 August; talks resume at once and a second summit on
    # 14 September agrees a ceasefire (Alaska's multiplier 0 kept Alaska itself from agreeing one).
    values = {
        **SECOND_SUMMIT,
        **ALL_ACCEPT,
        **DEADLINE_AFTER_NO_DEAL,
        "deadline_days": 100,
        "talks_resume_per_month": 1e6,
    }
    replication = run_pinned(variant, **values)
    row = replication.row
    assert row["talks.no_deal"] and row["talks.ceasefire.date"] == HELD
    assert states_of(replication, "consequences") == [(SUMMIT, "deadline"), (HELD, "threatened")]
    assert not row["consequences.expired"] and row["consequences"] == "threatened"


@pytest.mark.parametrize("alaska", ["progress", "no_deal"])
def test_deadlines_come_at_their_rate_after_progress_too(variant, alaska):
    """A deadline comes at deadlines_per_month / 30.44 a day, times engaged_deadline_factor while
    talks are under way; with 10-day deadlines and certain measures, consequences are imposed by
    the horizon if the first deadline comes within 129 days of the summit:
    P = 1 - exp(-0.4 / 30.44 x factor x 129) = 0.34 after progress (factor 0.25), 0.82 with
    talks stalled after no deal (factor 1).

    n = 300; within 4 binomial standard errors (0.11 at most); either factor in place of the
    other would miss by over 0.4."""
    values = {
        "russia_acceptance": 0.0,
        "deadline_after_no_deal_probability": 0.0,
        "deadlines_per_month": 0.4,
        "engaged_deadline_factor": 0.25,
        "deadline_days": 10,
        "measures_on_russia_probability": 1.0,
    }
    talks = ENGAGED_QUIETLY if alaska == "progress" else NO_DEAL
    rows = batch_pinned(variant, 300, **{**talks, **values})
    assert all(row["alaska_outcome"] == alaska for row in rows)
    factor = 0.25 if alaska == "progress" else 1.0
    assert_share([row["consequences.imposed"] for row in rows], 1 - math.exp(-0.4 / DAYS_PER_MONTH * factor * 129))


def test_consequences_fall_in_every_month_from_september_to_december(variant):
    """With stalled talks, deadlines at 0.5 a month (a day's rate lam = 0.5 / 30.44) and 10 days
    long, the first measures come on day 1 + T + 10, T ~ Exp(lam): in a month of days [a, b)
    with probability exp(-lam (a - 11)) - exp(-lam (b - 11)): 0.35 in September, 0.22 in
    October, 0.13 in November, 0.08 in December.

    n = 300; each month's share within 4 binomial standard errors (0.06 to 0.11); December's
    expected count is 24, so an empty month fails."""
    values = {
        **NO_DEAL,
        "russia_acceptance": 0.0,
        "deadline_after_no_deal_probability": 0.0,
        "deadlines_per_month": 0.5,
        "deadline_days": 10,
        "measures_on_russia_probability": 1.0,
    }
    dates = [row["consequences.imposed.date"] for row in batch_pinned(variant, 300, **values)]
    rate = 0.5 / DAYS_PER_MONTH
    bounds = [dt.date(2025, month, 1) for month in (9, 10, 11, 12)] + [dt.date(2026, 1, 1)]
    for first, after in zip(bounds, bounds[1:], strict=False):
        a, b = (first - START).days, (after - START).days
        in_month = [date is not None and first <= date < after for date in dates]
        assert any(in_month), first
        assert_share(in_month, math.exp(-rate * (a - 11)) - math.exp(-rate * (b - 11)))


def test_measures_scale_the_propensity_to_attack(variant):
    """Measures on Russia from 20 August; intent 0.5 doubled by measures_escalation_multiplier is
    certain: all 30 replications launch. Without the multiplier about half would (the chance
    all 30 launch is 1e-9)."""
    values = {
        **LAUNCH_READY,
        "offensive_intent_probability": 0.5,
        "deadline_after_no_deal_probability": 1.0,
        "deadline_days": 5,
        "measures_on_russia_probability": 1.0,
    }
    doubled = batch_pinned(variant, 30, **{**values, "measures_escalation_multiplier": 2.0})
    assert all(row["measures_on_russia"] and row["offensive.launched"] for row in doubled)
    unchanged = batch_pinned(variant, 30, **{**values, "measures_escalation_multiplier": 1.0})
    assert 0 < sum(row["offensive.launched"] for row in unchanged) < 30


def test_measures_scale_russias_acceptance(variant):
    """Measures on Russia from 20 August, a second summit on 14 September: Russia's 0.25 times the
    summit's 2 times measures_acceptance_multiplier 2 is certain: all 30 replications agree a
    ceasefire there. Without the multiplier half would (the chance all 30 do is 1e-9)."""
    values = {
        **SECOND_SUMMIT,
        **ALL_ACCEPT,
        **DEADLINE_AFTER_NO_DEAL,
        "deadline_days": 5,
        "measures_on_russia_probability": 1.0,
        "talks_resume_per_month": 1e6,
        "russia_acceptance": 0.25,
        "summit_acceptance_multiplier": 2.0,
    }
    doubled = batch_pinned(variant, 30, **{**values, "measures_acceptance_multiplier": 2.0})
    assert all(row["consequences.imposed.date"] == dt.date(2025, 8, 20) for row in doubled)
    assert all(row["talks.ceasefire.date"] == HELD for row in doubled)
    unchanged = batch_pinned(variant, 30, **{**values, "measures_acceptance_multiplier": 1.0})
    assert 0 < sum(row["talks.ceasefire"] for row in unchanged) < 30


def test_measures_scale_russias_acceptance_at_rounds_of_talks(variant):
    """Measures on Russia from day 6 (20 August) unless a ceasefire comes first and lifts the deadline
    (a round in those 5 days, chance 0.39, agrees with chance 0.5: about 40 of 50 replications
    reach the measures; fewer than 26 would be a 1e-5 event). Talks resume at once after no deal
    and hold rounds at 3 a month. Russia's 0.5 doubled by measures_acceptance_multiplier is
    certain: the first round after the measures agrees a ceasefire, so each replication has
    exactly one. Without the multiplier each round after the measures fails half the time: that
    none of about 40 replications holds a second one has chance about 0.5^40."""
    values = {
        **ENGAGED_QUIETLY,
        **ALL_ACCEPT,
        **DEADLINE_AFTER_NO_DEAL,
        "deadline_days": 5,
        "measures_on_russia_probability": 1.0,
        "talks_resume_per_month": 1e6,
        "contact_rounds_per_month": 3.0,
        "russia_acceptance": 0.5,
    }

    def rounds_after_measures(multiplier: float) -> list[int]:
        compiled = pinned(variant, **{**values, "measures_acceptance_multiplier": multiplier})
        chunk = run_chunk(compiled, 99, range(50))
        counts = []
        for i, result in enumerate(chunk.results):
            row = outcome_row(compiled, chunk, i)
            if not row["consequences.imposed"]:  # a ceasefire before 20 August lifted the deadline
                assert row["talks.ceasefire.date"] < dt.date(2025, 8, 20) and not row["consequences.expired"]
                continue
            assert row["consequences.imposed.date"] == dt.date(2025, 8, 20)
            rounds = [day for day, actor, state, _ in result.events if (actor, state) == ("talks", "round_held")]
            counts.append(sum(day > 6 for day in rounds))
        return counts

    certain = rounds_after_measures(2.0)
    assert len(certain) > 25 and set(certain) == {1}
    assert max(rounds_after_measures(1.0)) > 1


# Exercise


def test_exercise_troops_follow_their_equations(variant):
    values = {
        "exercise_strength": 60_000,
        "belarus_strength": 20_000,
        "northern_share": 0.3,
        "retained_share": 0.5,
        "official_figure_cap": 13_000,
        "official_figure_noise": 0.0,
        "western_estimate_bias": 1.5,
        "western_estimate_noise": 0.0,
        "drawdown_days": 14,
    }
    row = run_pinned(variant, **values).row
    assert (row["exercise_troops"], row["belarus_troops"], row["northern_troops"]) == (60_000, 20_000, 6_000)
    assert (row["troops_retained"], row["official_troops_figure"], row["western_estimate_troops"]) == (
        3_000,
        13_000,  # the cap, not the 20,000 in Belarus
        90_000,  # the whole exercise times the bias
    )
    assert [row[f"exercise.{state}.date"] for state in ("buildup", "active", "drawdown", "over")] == [
        dt.date(2025, 9, 1),
        dt.date(2025, 9, 12),
        dt.date(2025, 9, 16),
        dt.date(2025, 9, 30),
    ]
    # Below the cap the official figure is the true number; the exercise counts at least what is in Belarus.
    row = run_pinned(variant, **{**values, "belarus_strength": 9_000, "exercise_strength": 5_000}).row
    assert row["official_troops_figure"] == row["belarus_troops"] == row["exercise_troops"] == 9_000


def test_western_estimate_noise_is_lognormal(variant):
    """log(estimate / (troops x bias)) ~ N(0, 0.3). n = 400: the mean within 4 standard errors
    (0.06), the standard deviation within 4 of its standard errors (0.3 / sqrt(800) each, 0.042);
    rounding to whole troops moves the log by under 1e-5."""
    values = {"exercise_strength": 60_000, "belarus_strength": 20_000, "western_estimate_bias": 1.5}
    rows = batch_pinned(variant, 400, **values, western_estimate_noise=0.3)
    logs = np.log([row["western_estimate_troops"] / 90_000 for row in rows])
    assert abs(logs.mean()) < 4 * 0.3 / math.sqrt(400)
    assert abs(logs.std(ddof=1) - 0.3) < 4 * 0.3 / math.sqrt(2 * 400)


def test_troop_columns_nest_under_every_hypothesis(variant):
    """Under the baseline's own hypotheses: the whole exercise at least the Belarus side, which holds
    the northern force, of which some stays."""
    rows = batch(variant(), 300)
    assert {row["hypothesis"] for row in rows} == {"routine", "coercion", "offensive"}
    for row in rows:
        assert row["exercise_troops"] >= row["belarus_troops"] >= row["northern_troops"] >= row["troops_retained"]


def test_preparation_signs_are_poisson_over_the_buildup_and_active_phase(variant):
    """Signs at preparation_signs_per_week / 7 a day from the build-up (1 September) to the end of
    the active phase (16 September): 15 days, a mean of 15 at 7 a week. n = 300; the mean is
    within 4 standard errors (0.9); counting the draw-down's 14 days too would give 29."""
    rows = batch_pinned(variant, 300, preparation_signs_per_week=7.0, drawdown_days=14)
    assert_poisson_mean([row["preparation_signs"] for row in rows], 7.0 / 7 * 15)


# Offensive decision


def test_offensive_launches_when_ready_and_strong_enough(variant):
    row = run_pinned(variant, **LAUNCH_READY).row
    # Exercise ends 16 September; ready 10 days later.
    assert row["offensive.preparing.date"] == dt.date(2025, 9, 16)
    assert row["offensive.launched"] and row["offensive.launched.date"] == dt.date(2025, 9, 26)
    assert row["force"] == 60_000 + 40_000
    assert row["force_ratio"] == pytest.approx((60_000 + 40_000) / 30_000)
    assert row["combat_days"] > 0 and row["attacker_losses"] > 0 and row["defender_losses"] > 0


def test_offensive_hypothesis_assembles_from_the_active_phase(variant):
    """Its `actors:` change moves the assembly from the draw-down (16 September) to the active phase."""
    compiled = variant(hypotheses=only_hypothesis("offensive"))
    chunk = run_chunk(compiled, 99, range(50))
    for i in range(50):
        row = outcome_row(compiled, chunk, i)
        assert row["hypothesis"] == "offensive"
        assert row["offensive.preparing.date"] == row["warning.watching.date"] == dt.date(2025, 9, 12)
        assert row["ready_day"] == pytest.approx(29 + chunk.parameters["time_to_ready_days"][i])
    routine = batch(variant(hypotheses=only_hypothesis("routine")), 50)
    assert all(row["offensive.preparing.date"] == dt.date(2025, 9, 16) for row in routine)


def test_ceasefire_in_force_blocks_launch(variant):
    row = run_pinned(variant, **{**LAUNCH_READY, **ALL_ACCEPT, "alaska_acceptance_multiplier": 1.0}).row
    assert row["talks.ceasefire"] and row["talks"] == "ceasefire"
    assert row["offensive"] == "blocked_by_ceasefire" and row["offensive.held.date"] == dt.date(2025, 9, 26)
    assert row["offensive.blocked_by_ceasefire.date"] == dt.date(2025, 12, 20)
    assert not row["offensive.launched"] and row["offensive.launched.date"] is None and row["combat_days"] == 0


def test_launch_follows_the_collapse_of_a_ceasefire(variant):
    # Ready 26 September, held by the ceasefire until it collapses about 15 October (61 days after the summit).
    values = {
        **LAUNCH_READY,
        **ALL_ACCEPT,
        "alaska_acceptance_multiplier": 1.0,
        "ceasefire_collapse_shape": 1000,
        "ceasefire_collapse_scale_days": 61,
    }
    row = run_pinned(variant, **values).row
    assert row["offensive.held.date"] == dt.date(2025, 9, 26)
    assert row["offensive.launched"] and abs((row["offensive.launched.date"] - dt.date(2025, 10, 15)).days) <= 1
    assert row["offensive.launched.date"] == row["talks.collapsed.date"]


def test_force_ratio_below_threshold_blocks_launch(variant):
    row = run_pinned(variant, **{**LAUNCH_READY, "force_ratio_threshold": 4.0}).row
    assert not row["offensive.launched"] and row["offensive"] == "too_weak"


def test_no_order_to_attack_means_no_launch(variant):
    row = run_pinned(variant, **{**LAUNCH_READY, "offensive_intent_probability": 0.0}).row
    assert not row["offensive.launched"] and row["offensive"] == "not_ordered" and not row["attack_ordered"]


def test_option_lapses_when_readiness_comes_after_the_deadline(variant):
    # Exercise ends 16 September; the deadline is 20 December (95 days later).
    late = run_pinned(variant, **{**LAUNCH_READY, "time_to_ready_days": 96}).row
    assert not late["offensive.launched"] and late["offensive"] == "lapsed"
    assert late["force_ratio"] == pytest.approx(100_000 / 30_000)
    assert run_pinned(variant, **{**LAUNCH_READY, "time_to_ready_days": 94}).row["offensive.launched"]


def test_belarus_joining_adds_its_troops_to_the_attack(variant):
    row = run_pinned(
        variant, **{**LAUNCH_READY, "belarus_joins_probability": 1.0, "belarus_troops_committed": 15_000}
    ).row
    assert row["belarus_joins"]
    assert row["force_ratio"] == pytest.approx((60_000 + 40_000 + 15_000) / 30_000)


# Coercion


def test_coercion_applies_pressure_but_never_attacks(variant):
    """Under the coercion hypothesis the intent to attack is 0: none of 100 replications launches.
    Coercive actions come at 0.2 to 1.5 a month (more while a deadline runs), stopped only by a
    ceasefire: a replication has none with chance below 0.5 (0.40 for no action in 139 days at the
    lowest rate, plus about 0.07 for a ceasefire in Alaska), so that none of 100 has one is below 1e-30."""
    rows = batch(variant(hypotheses=only_hypothesis("coercion")), 100)
    assert all(row["hypothesis"] == "coercion" for row in rows)
    assert not any(row["offensive.launched"] or row["attack_ordered"] for row in rows)
    assert any(row["pressure.applied"] for row in rows)
    assert all(row["coercive_actions"] == 0 or row["pressure.applied"] for row in rows)


def test_coercive_actions_concentrate_while_a_deadline_runs(variant):
    """Actions at coercive_actions_per_month / 30.44 a day, times talks_pressure_multiplier while a
    deadline runs. A 30-day deadline from the summit (15 August to 14 September, then deferred)
    and no summit pending: mean = 3 / 30.44 x (110 + 4 x 30) = 22.7.

    n = 300; the mean is within 4 standard errors (1.1); without the multiplier it would be 13.8."""
    values = {
        **DEADLINE_AFTER_NO_DEAL,
        "russia_acceptance": 0.0,
        "deadline_days": 30,
        "measures_on_russia_probability": 0.0,
        "measures_on_buyers_probability": 0.0,
        "offensive_intent_probability": 0.0,
        "coercive_actions_per_month": 3.0,
        "talks_pressure_multiplier": 4.0,
    }
    rows = batch_pinned(variant, 300, **values)
    assert all(row["consequences.deferred.date"] == dt.date(2025, 9, 14) for row in rows)
    assert_poisson_mean([row["coercive_actions"] for row in rows], 3.0 / DAYS_PER_MONTH * (110 + 4.0 * 30))


# Warning and response


def test_detection_takes_the_median_for_a_reference_force(variant):
    # Force = 60,000 retained + 40,000 built up = 2 x the 50,000 reference; elasticity 1 halves 10 days.
    values = {
        **LAUNCH_READY,
        "detection_median_days": 10,
        "detection_reference_troops": 50_000,
        "detection_force_elasticity": 1.0,
    }
    row = run_pinned(variant, **{**values, "time_to_ready_days": 30}).row
    assert row["warning.detected.date"] == dt.date(2025, 9, 21)  # 16 September + 5 days
    assert row["warning_days"] == pytest.approx(25.0)  # launch 16 October


def test_a_larger_force_is_detected_sooner(variant):
    base = {
        **LAUNCH_READY,
        "detection_median_days": 20,
        "detection_force_elasticity": 1.0,
        "offensive_intent_probability": 0.0,
    }
    small = run_pinned(variant, **{**base, "buildup_troops": 0}).row["warning.detected.date"]
    large = run_pinned(variant, **{**base, "buildup_troops": 140_000}).row["warning.detected.date"]
    assert large < small


def test_an_attack_before_detection_gives_no_warning(variant):
    values = {**LAUNCH_READY, "detection_median_days": 500, "time_to_ready_days": 10}
    row = run_pinned(variant, **values).row
    assert row["offensive.launched"] and row["warning_days"] == 0
    assert row["warning.detected.date"] == row["offensive.launched.date"]


def test_reserves_move_north_after_detection_and_deter_a_launch(variant):
    # Detected 21 September, reserves of 30,000 in place 7 days later: defenders 60,000, ratio 100/60 < 2.
    values = {
        **LAUNCH_READY,
        "detection_median_days": 10,
        "detection_force_elasticity": 1.0,
        "reserve_troops": 30_000,
        "reserve_move_delay_days": 7,
        "time_to_ready_days": 20,
    }
    row = run_pinned(variant, **values).row
    assert row["reserves_moved"] == 30_000 and row["warning.reserves_arrived.date"] == dt.date(2025, 9, 28)
    assert row["force_ratio"] == pytest.approx(100_000 / 60_000)
    assert not row["offensive.launched"] and row["offensive"] == "too_weak"


def test_reserves_arriving_during_combat_reinforce_the_defence(variant):
    values = {
        **LAUNCH_READY,
        "detection_median_days": 500,  # detected only when the attack starts, 26 September
        "reserve_troops": 20_000,
        "reserve_move_delay_days": 3,
        "objective_km": 10_000,
        "advance_rate_km_per_day": 1.0,
        "culmination_loss_fraction": 0.9,
        "culmination_force_ratio": 0.5,
        # Fighting in the open, hard enough to wear the attack down before the horizon.
        "attrition_law": "linear",
        "attacker_effectiveness": 0.01,
        "defender_effectiveness": 0.1,
        "fortification_multiplier": 1.0,
    }
    replication = run_pinned(variant, **values)
    events = events_of(replication, "offensive")
    assert [date for date, event, _ in events if event == "lanchester_combat.reinforced"] == [dt.date(2025, 9, 29)]
    row = replication.row
    assert row["reserves_moved"] == 20_000
    assert row["combat_end"] == "culmination" and row["offensive.launched.date"] == dt.date(2025, 9, 26)
    # The 20,000 who arrive fight on: the defence's losses and what is left count them.
    assert 0 < row["defender_losses"] < 30_000 + 20_000
    assert row["defenders_left"] == pytest.approx(30_000 + 20_000 - row["defender_losses"], abs=1)


# Combat


def test_ceasefire_during_combat_stops_it(variant):
    # Fighting starts 26 September; a second summit proposed 15 August, agreed 10 days later and held
    # 37 days after that (1 October) agrees a ceasefire.
    values = {
        **LAUNCH_READY,
        **SECOND_SUMMIT,
        **ALL_ACCEPT,
        "summit_lead_days": 37,
        "culmination_loss_fraction": 0.9,
        "culmination_force_ratio": 0.1,
        "advance_rate_km_per_day": 1.0,
        "objective_km": 1000,
    }
    row = run_pinned(variant, **values).row
    assert row["talks.ceasefire.date"] == dt.date(2025, 10, 1)
    assert row["offensive.launched"] and row["combat_end"] == "stopped"
    assert row["combat_days"] == pytest.approx(5.0, abs=0.01)  # the proposal came seconds after the summit
    assert not row["objective_reached"]


def test_combat_still_going_at_the_horizon_is_recorded_there(variant):
    values = {
        **LAUNCH_READY,
        "culmination_loss_fraction": 0.99,
        "culmination_force_ratio": 0.0,
        "objective_km": 100_000,
        "attacker_effectiveness": 0.0,
        "defender_effectiveness": 0.0,
    }
    row = run_pinned(variant, **values).row
    # 26 September to the end of 31 December: 97 days.
    assert row["combat_end"] == "horizon" and row["combat_days"] == pytest.approx(97.0)


@pytest.mark.parametrize("law", ["square", "linear", "mixed"])
def test_every_attrition_law_runs_in_the_model(variant, law):
    row = run_pinned(variant, **{**LAUNCH_READY, "attrition_law": law}).row
    assert row["offensive.launched"] and row["combat_end"] in ("objective", "culmination")
    assert row["attacker_losses"] > 0


# Crisis


@pytest.mark.parametrize("measures", ["measures_on_russia", "measures_on_buyers"])
def test_measures_start_a_crisis_that_fades(variant, measures):
    values = {
        **NO_CRISIS_EVENT,
        **DEADLINE_AFTER_NO_DEAL,
        "measures_on_russia_probability": 1.0 if measures == "measures_on_russia" else 0.0,
        "measures_on_buyers_probability": 1.0,
        "crisis_days": 20,
    }
    replication = run_pinned(variant, **values)
    assert replication.row[measures] and replication.row["crisis_events"] == 1
    # Measures on 25 August; the crisis fades 20 days later.
    assert states_of(replication, "crisis") == [(EXPIRY, "crisis"), (dt.date(2025, 9, 14), "calm")]


def test_a_new_crisis_event_renews_the_crisis(variant):
    # Measures on 25 August start a 40-day crisis; the offensive on 26 September renews it, for 40
    # days from then (to 5 November, not 4 October).
    values = {
        **LAUNCH_READY,
        **DEADLINE_AFTER_NO_DEAL,
        "measures_on_russia_probability": 1.0,
        "coercive_actions_per_month": 0.0,
        "article4_per_incident": 0.0,
        "article4_after_offensive_probability": 0.0,
        "crisis_days": 40,
    }
    replication = run_pinned(variant, **values)
    assert replication.row["offensive.launched.date"] == dt.date(2025, 9, 26)
    assert states_of(replication, "crisis") == [
        (EXPIRY, "crisis"),
        (dt.date(2025, 9, 26), "renewed"),
        (dt.date(2025, 9, 26), "crisis"),
        (dt.date(2025, 11, 5), "calm"),
    ]
    assert replication.row["crisis_events"] == replication.row["crises_counted"] == 2


# Escalation ladder


def test_airspace_violations_are_poisson_with_the_exercise_factor(variant):
    """Violations at nato_incidents_per_week / 7 a day, times exercise_incident_multiplier from the
    build-up (1 September) to the end of the draw-down (16 September + 14 days): 29 days.
    Mean = 1 / 7 x (111 + 4 x 29) = 32.4. n = 300; within 4 standard errors (1.3); without the
    factor it would be 20."""
    rows = batch_pinned(variant, 300, nato_incidents_per_week=1.0, exercise_incident_multiplier=4.0, drawdown_days=14)
    assert_poisson_mean([row["airspace_violations"] for row in rows], 1.0 / 7 * (111 + 4.0 * 29))


def test_article4_follows_violations_when_every_incident_counts(variant):
    """With article4_per_incident 1 the first violation brings Article 4 the same day; a consultation
    lasts 14 days and takes in the violations meanwhile, so every violation outside one starts
    another. Replayed from each replication's violation days; at 0.5 a week nearly all of the
    100 replications have violations and many have several consultations."""
    compiled = pinned(variant, offensive_intent_probability=0.0, nato_incidents_per_week=0.5, article4_per_incident=1.0)
    chunk = run_chunk(compiled, 99, range(100))
    several = 0
    for i, result in enumerate(chunk.results):
        row = outcome_row(compiled, chunk, i)
        violations = sorted(day for day, actor, state, _ in result.events if (actor, state) == ("airspace", "violated"))
        assert len(violations) == row["airspace_violations"]
        assert row["nato.article4.date"] == row["airspace.violated.date"] == row["nato.consulting.date"]
        expected, ends = 0, -math.inf
        for day in violations:
            if day >= ends:
                expected, ends = expected + 1, day + 14
        assert row["article4_consultations"] == expected
        several += expected > 1
    assert several > 10
    rows = batch_pinned(variant, 100, **NO_CRISIS_EVENT, nato_incidents_per_week=0.5)
    assert sum(row["airspace_violations"] for row in rows) > 0 and not any(row["nato.article4"] for row in rows)


def test_article4_follows_an_offensive(variant):
    values = {**LAUNCH_READY, "article4_per_incident": 0.0}
    row = run_pinned(variant, **{**values, "article4_after_offensive_probability": 1.0}).row
    assert row["nato.article4.date"] == row["offensive.launched.date"] == dt.date(2025, 9, 26)
    assert row["article4_consultations"] == 1 and row["offensive_weighed"]
    row = run_pinned(variant, **{**values, "article4_after_offensive_probability": 0.0}).row
    assert row["offensive.launched"] and not row["nato.article4"] and row["offensive_weighed"]


# Announcements: the only crisis is the active phase (12-16 September, 4 days), or measures on
# 25 August add a 10-day crisis and the measures factor 2 from then on.
ANNOUNCEMENTS = {**NO_CRISIS_EVENT, "nuclear_announcements_per_month": 3.0, "crisis_multiplier": 20.0}
WITH_MEASURES = {
    **ANNOUNCEMENTS,
    **DEADLINE_AFTER_NO_DEAL,
    "measures_on_russia_probability": 1.0,
    "crisis_days": 10,
    "crisis_multiplier": 5.0,
    "measures_escalation_multiplier": 2.0,
}


@pytest.mark.parametrize(
    "values, weighted_days",
    [
        # (140 - 4) calm days + 20 x 4 active; a model ignoring the active phase would have 140.
        (ANNOUNCEMENTS, (HORIZON_DAYS - 4) + 20.0 * 4),
        # 11 plain days, 10 of crisis under measures (5 x 2), 8 of measures, 4 active under measures
        # (5 x 2), 107 of measures; a model ignoring the measures would have 11 + 5 x 10 + 8 + 5 x 4 + 107.
        (WITH_MEASURES, 11 + 10.0 * 10 + 2.0 * 8 + 10.0 * 4 + 2.0 * 107),
    ],
    ids=["active-phase", "measures"],
)
def test_nuclear_announcements_are_poisson_with_crisis_and_measures_factors(variant, values, weighted_days):
    """Mean count = 3 / 30.44 x the days weighted by the factors in force (21.3 and 37.5). n = 300
    replications; the mean is within 4 standard errors (sqrt(mean / n): 0.27 and 0.35); the
    model without the factor in question misses by 28 and 51 of them."""
    rows = batch_pinned(variant, 300, **values)
    assert_poisson_mean([row["nuclear_announcements"] for row in rows], 3.0 / DAYS_PER_MONTH * weighted_days)


@pytest.mark.slow
def test_nuclear_announcement_times_follow_the_crisis_rate(variant):
    """Announcements are placed by inverting the cumulative rate: the share dated in the active
    phase (12-15 September) is the crisis share of the expected count,
    20 x 4 / ((140 - 4) + 20 x 4), about 0.37.

    About 6,400 announcements over 300 replications: the share's standard error is about 0.006;
    the tolerance is 4 of them. Spreading them evenly in time would give 0.03."""
    compiled = pinned(variant, **ANNOUNCEMENTS)
    announced = [
        date
        for i in range(300)
        for date, state in states_of(run_replication(compiled, 99, i), "nuclear")
        if state == "announced"
    ]
    crisis = [date for date in announced if dt.date(2025, 9, 12) <= date < dt.date(2025, 9, 16)]
    share = 20.0 * 4 / ((HORIZON_DAYS - 4) + 20.0 * 4)
    standard_error = math.sqrt(share * (1 - share) / len(announced))
    assert abs(len(crisis) / len(announced) - share) < 4 * standard_error


def test_oreshnik_is_declared_then_verified_after_its_delays(variant):
    row = run_pinned(variant, oreshnik_declaration_days=30, oreshnik_verification_days=40).row
    assert row["oreshnik.declared.date"] == dt.date(2025, 9, 13)  # 14 August + 30 days
    assert row["oreshnik.verified.date"] == dt.date(2025, 10, 23)  # + 40 days
    row = run_pinned(variant, oreshnik_declaration_days=100, oreshnik_verification_days=60).row
    assert row["oreshnik.declared.date"] == dt.date(2025, 11, 22) and not row["oreshnik.verified"]
    row = run_pinned(variant, oreshnik_declaration_days=200, oreshnik_verification_days=10).row
    assert not row["oreshnik.declared"] and row["oreshnik"] == "deploying"


@pytest.mark.parametrize("offensive", [False, True], ids=["calm", "offensive"])
def test_nuclear_use_follows_its_hazard(variant, offensive):
    """P(use by the horizon) = 1 - exp(-integrated hazard): calm, 2 a year over 140 days (0.54);
    with an offensive from 26 September (day 43) and its multiplier 4 (crisis factor 1 here),
    0.5 a year x (43 + 4 x 97) days (0.45; without the multiplier 0.17).

    n = 300; within 4 binomial standard errors (0.115)."""
    if offensive:
        values = {
            **LAUNCH_READY,
            "nuclear_use_per_year": 0.5,
            "nuclear_use_offensive_multiplier": 4.0,
            "crisis_multiplier": 1.0,
        }
        hazard = 0.5 / 365.25 * (43 + 4.0 * 97)
    else:
        values = {**NO_CRISIS_EVENT, "nuclear_use_per_year": 2.0}
        hazard = 2.0 / 365.25 * HORIZON_DAYS
    rows = batch_pinned(variant, 300, **values)
    assert all(row["offensive.launched"] == offensive for row in rows)
    assert_share([row["nuclear_use.used"] for row in rows], 1 - math.exp(-hazard))


def test_no_nuclear_use_at_a_zero_rate(variant):
    values = {
        **LAUNCH_READY,
        "nuclear_use_per_year": 0.0,
        "nuclear_use_offensive_multiplier": 20.0,
        "crisis_multiplier": 6.0,
    }
    rows = batch_pinned(variant, 50, **values)
    assert all(row["offensive.launched"] for row in rows) and not any(row["nuclear_use.used"] for row in rows)


def test_warheads_present_follows_its_parameter(variant):
    assert run_pinned(variant, warheads_present=True).row["warheads.present"]
    row = run_pinned(variant, warheads_present=False).row
    assert not row["warheads.present"] and row["warheads"] == "absent"
