"""Paths through each actor's states: which transitions replications took, how often, and when.

The event log holds a row for every state an actor enters (component = the actor, event =
the state), in time order within a replication; the state it left is the one it entered
before (its initial state for the first). Rows of built-in processes name no state and
are skipped. Tables in, tables out: nothing here reads files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

FLOW_COLUMNS = [
    "actor",
    "from_state",
    "to_state",
    "replications",
    "share",
    "median_first_date",
    "entries",
    "entries_per_replication",
]


@dataclass(frozen=True)
class ActorStates:
    """What the flow of one actor needs from the scenario: its states, initial state and declared moves."""

    name: str
    initial: str
    states: tuple[str, ...]
    declared: tuple[tuple[str, str], ...]  # (from, to) of every transition the scenario declares


def actors_of(scenario_data: Mapping[str, Any], order: Iterable[str] = ()) -> list[ActorStates]:
    """Every actor of a scenario as stored in a run's manifest (`scenario_as_run`).

    `order`: outcome names (`ACTOR.STATE`, `ACTOR`) in the order the scenario declares them, e.g.
    its outcome catalogue; the manifest's JSON has its keys sorted, and declared order reads better.
    """
    rank = {name: index for index, name in enumerate(order)}
    actors = []
    entries = scenario_data.get("actors", {})
    for name in sorted(entries, key=lambda actor: rank.get(actor, len(rank))):
        actor = entries[name]
        states = actor.get("states") or {}
        states = {s: states[s] for s in sorted(states, key=lambda state: rank.get(f"{name}.{state}", len(rank)))}
        declared = []
        for state_name, state in states.items():
            for transition in ((state or {}).get("transitions") or {}).values():
                if transition is None:
                    continue
                declared += [(state_name, target) for target in _targets(transition)]
        actors.append(ActorStates(name, actor["initial"], tuple(states), tuple(dict.fromkeys(declared))))
    return actors


def _targets(transition: Mapping[str, Any]) -> Iterable[str]:
    target = transition.get("to")
    if isinstance(target, str):
        yield target
    elif isinstance(target, Mapping):
        yield from target.values()
    for branch in transition.get("branches") or ():
        yield branch["to"]


def state_flows(events: pd.DataFrame, actors: Iterable[ActorStates], replications: int) -> pd.DataFrame:
    """One row per (actor, from state, to state) that some replication took.

    `share`: the share of all `replications` that took it at least once; `median_first_date`:
    the median, over those, of the first time they took it; `entries`: how many times it was
    taken in all; `entries_per_replication`: on average, by a replication that took it.
    `events` needs columns replication, date, component and event, rows in time order within
    each replication (as events.parquet holds them).
    """
    actors = list(actors)
    frames = []
    for actor in actors:
        rows = events.loc[
            (events["component"] == actor.name).to_numpy() & events["event"].isin(actor.states).to_numpy(),
            ["replication", "date", "event"],
        ]
        if rows.empty:
            continue
        rows = rows.sort_values("replication", kind="stable")  # keeps time order within a replication
        to_state = rows["event"].astype(str)
        from_state = to_state.groupby(rows["replication"].to_numpy()).shift(1).fillna(actor.initial)
        moves = pd.DataFrame(
            {
                "replication": rows["replication"].to_numpy(),
                "date": pd.to_datetime(rows["date"]).to_numpy(),
                "from_state": from_state.to_numpy(),
                "to_state": to_state.to_numpy(),
            }
        )
        first = moves.groupby(["from_state", "to_state", "replication"], sort=False)["date"].agg(["min", "size"])
        grouped = first.groupby(level=["from_state", "to_state"], sort=False)
        summary = pd.DataFrame(
            {
                "replications": grouped.size(),
                "median_first_date": grouped["min"].median(),
                "entries": grouped["size"].sum(),
            }
        ).reset_index()
        summary.insert(0, "actor", actor.name)
        frames.append(summary)
    if not frames:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    flows = pd.concat(frames, ignore_index=True)
    flows["share"] = flows["replications"] / replications if replications else np.nan
    flows["entries_per_replication"] = flows["entries"] / flows["replications"]
    flows["median_first_date"] = pd.to_datetime(flows["median_first_date"]).dt.date
    return flows[FLOW_COLUMNS].reset_index(drop=True)


def entry_shares(table: pd.DataFrame, actor: ActorStates) -> dict[str, float]:
    """Share of replications that entered each of the actor's states at some point (its
    `ACTOR.STATE` outcome columns); the initial state is entered by every replication."""
    shares = {}
    for state in actor.states:
        column = f"{actor.name}.{state}"
        if column in table.columns:
            shares[state] = float(table[column].astype(bool).mean()) if len(table) else float("nan")
        else:
            shares[state] = 1.0 if state == actor.initial else float("nan")
    return shares


def state_depths(actor: ActorStates, edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Shortest-path depth of each state from the initial one over `edges` (breadth first).

    States no edge reaches are placed one layer beyond the deepest.
    """
    following: dict[str, list[str]] = {}
    for origin, target in edges:
        if origin != target:
            following.setdefault(origin, []).append(target)
    depth = {actor.initial: 0}
    frontier = [actor.initial]
    while frontier:
        reached = []
        for state in frontier:
            for target in following.get(state, ()):
                if target not in depth:
                    depth[target] = depth[state] + 1
                    reached.append(target)
        frontier = reached
    beyond = max(depth.values()) + 1
    return {state: depth.get(state, beyond) for state in actor.states}
