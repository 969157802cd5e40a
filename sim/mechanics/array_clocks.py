"""The clocks of the vectorised engine: every armed transition's next day, row by row, and the next to ring.

SimPy orders the events of one moment by priority, then by when they were scheduled;
the `order` key reproduces that: its class (below) in the top bits, then the
scheduling call's sequence number, then, within one settle, the order the clocks were
armed (`sim.mechanics.vectorised`).
"""

from __future__ import annotations

import numpy as np

# At one moment: transitions due at once; a process's log line after the transitions its outputs set off;
# processes starting; then the rest, in the order scheduled (SimPy's urgent and normal events).
DUE_NOW, AFTER_DRAIN, PROCESS_START, TIMEOUT = 0, 1, 2, 3
CLASS_SHIFT = 58  # order key = class << shift | sequence number << ARM_BITS | arming order
ARM_BITS = 24
NEVER = np.inf


class Clocks:
    """Every clock of a chunk, and for each group of clocks (an actor's, a battle's) the one that rings first.

    Picking the next event compares a few groups, not every clock; a group's choice is
    recomputed only for the rows where its chosen clock was cleared (marked by a best day
    of minus infinity, which no clock can beat, so `set` needs no separate test).
    """

    LAST = np.iinfo(np.int64).max
    STALE = -np.inf

    def __init__(self, groups: list[list[int]], slots: int, n: int):
        self.due = np.full((slots, n), NEVER)
        self.order = np.zeros((slots, n), dtype=np.int64)
        self.groups = [np.asarray(g, dtype=np.int64) for g in groups]
        self.group_of = np.zeros(slots, dtype=np.int64)
        for g, members in enumerate(groups):
            self.group_of[members] = g
        self.best_due = np.full((len(groups), n), NEVER)
        self.best_order = np.full((len(groups), n), self.LAST)
        self.best_slot = np.zeros((len(groups), n), dtype=np.int64)
        self.stale: list[list[np.ndarray]] = [[] for _ in groups]  # rows marked stale since the last refresh

    def set(self, slot: int, rows: np.ndarray, due: np.ndarray, order: np.ndarray) -> None:
        self.due[slot, rows] = due
        self.order[slot, rows] = order
        g = self.group_of[slot]
        best = self.best_due[g, rows]
        better = (due < best) | ((due == best) & (order < self.best_order[g, rows]))
        if better.any():
            chosen = rows[better]
            self.best_due[g, chosen], self.best_order[g, chosen] = due[better], order[better]
            self.best_slot[g, chosen] = slot

    def clear(self, slot: int, rows: np.ndarray) -> None:
        self.due[slot, rows] = NEVER
        g = self.group_of[slot]
        stale = rows[self.best_slot[g, rows] == slot]
        self.best_due[g, stale] = self.STALE
        self.stale[g].append(stale)

    def reset(self, group: int, rows: np.ndarray) -> None:
        """These rows' clocks of `group` are all disarmed: nothing to recompute."""
        self.best_due[group, rows], self.best_order[group, rows] = NEVER, self.LAST

    def refresh(self) -> None:
        """Recompute each group's first clock where it was cleared."""
        for g, members in enumerate(self.groups):
            if not self.stale[g]:
                continue
            rows = np.concatenate(self.stale[g])
            self.stale[g] = []
            rows = rows[self.best_due[g, rows] == self.STALE]  # still stale (not reset since); repeats are harmless
            if not len(rows):
                continue
            due = self.due[np.ix_(members, rows)]
            earliest = due.min(axis=0)
            order = np.where(due == earliest, self.order[np.ix_(members, rows)], self.LAST)
            pick = order.argmin(axis=0)
            self.best_due[g, rows] = earliest
            self.best_order[g, rows] = order[pick, np.arange(len(rows))]
            self.best_slot[g, rows] = members[pick]

    def next(self, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each active row: the day of its next clock and which clock it is."""
        self.refresh()
        everyone = len(active) == self.best_due.shape[1]  # then whole rows, not gathered copies
        due = self.best_due if everyone else self.best_due[:, active]
        earliest = due.min(axis=0)
        order = np.where(due == earliest, self.best_order if everyone else self.best_order[:, active], self.LAST)
        group = order.argmin(axis=0)
        return earliest, self.best_slot[group, active]


class RateHistory:
    """A counter's (day, rate) stretches since it last counted, row by row (for its firings' days)."""

    def __init__(self, n: int):
        self.days = np.zeros((n, 4))
        self.rates = np.zeros((n, 4))
        self.length = np.zeros(n, dtype=np.int64)

    def restart(self, rows: np.ndarray, day: np.ndarray, rate: np.ndarray) -> None:
        self.length[rows] = 0
        self.append(rows, day, rate)

    def append(self, rows: np.ndarray, day: np.ndarray, rate: np.ndarray) -> None:
        at = self.length[rows]
        if len(at) and at.max() >= self.days.shape[1]:
            grow = self.days.shape[1]
            self.days = np.concatenate([self.days, np.zeros((len(self.length), grow))], axis=1)
            self.rates = np.concatenate([self.rates, np.zeros((len(self.length), grow))], axis=1)
        self.days[rows, at] = day
        self.rates[rows, at] = rate
        self.length[rows] = at + 1

    def of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        width = int(self.length[rows].max())
        return self.days[rows, :width], self.rates[rows, :width], self.length[rows]
