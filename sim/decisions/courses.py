"""Courses of action: which combinations of the levers' options a decision run evaluates, and their names.

A lever's default option is the scenario as written, so the default course is the
scenario itself. Other options replace parameters and merge changes onto the actors by
the variant rule (sim/scenario/levers.py applies them). Random draws are keyed by name
(sim.mechanics.keyed), so every course sees the same hypothesis, the same parameter draws
and the same event draws wherever its changes do not reach: common random numbers by
construction.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping

import numpy as np

from sim.scenario.schema import Lever

Course = dict[str, str]  # lever -> option
MAX_COURSES = 64  # past this, a design (every single change from the defaults, then random combinations)
RUNS_PER_COURSE = 1_000  # `wargame decide`'s default: a share's simulation error about 1.5 points at most


def default_course(levers: Mapping[str, Lever]) -> Course:
    return {name: lever.default for name, lever in levers.items()}


def course_label(course: Mapping[str, str], levers: Mapping[str, Lever]) -> str:
    """A course in words: the options that differ from the defaults, or 'as written'."""
    changed = [f"{name}={option}" for name, option in course.items() if option != levers[name].default]
    return ", ".join(changed) if changed else "as written"


def short_label(course: Mapping[str, str], levers: Mapping[str, Lever]) -> str:
    """A course for a figure's axis: the options taken, without the levers' names where they are unambiguous."""
    names = [option for lever in levers.values() for option in lever.options]
    changed = [
        option if names.count(option) == 1 else f"{name}={option}"
        for name, option in course.items()
        if option != levers[name].default
    ]
    return " + ".join(changed) if changed else "as written"


def all_courses(levers: Mapping[str, Lever]) -> int:
    return int(np.prod([len(lever.options) for lever in levers.values()])) if levers else 1


def courses_of(levers: Mapping[str, Lever], limit: int = MAX_COURSES, seed: int = 0) -> list[Course]:
    """Every combination of options, the default course first; a design when there are more than `limit`.

    The design keeps the default course, then the courses that change one lever (taken lever
    by lever in turn, so a small limit still varies every lever), then distinct combinations
    drawn at random with the seed, up to `limit`. It never lists every combination.
    """
    names = list(levers)
    default = default_course(levers)
    if all_courses(levers) <= limit:
        combinations = [dict(zip(names, options, strict=True)) for options in _product(levers)]
        combinations.sort(key=lambda course: course != default)  # stable: the default first, then product order
        return combinations
    per_lever = [[{**default, n: o} for o in levers[n].options if o != levers[n].default] for n in names]
    singles = [c for group in itertools.zip_longest(*per_lever) for c in group if c is not None]
    chosen = [default, *singles][:limit]
    seen = {tuple(c.values()) for c in chosen}
    rng = np.random.default_rng(seed)
    options = [list(levers[n].options) for n in names]
    attempts = 0
    while len(chosen) < limit and attempts < 100 * limit:
        attempts += 1
        course = {n: choices[rng.integers(len(choices))] for n, choices in zip(names, options, strict=True)}
        key = tuple(course.values())
        if key not in seen:
            seen.add(key)
            chosen.append(course)
    return chosen


def _product(levers: Mapping[str, Lever]) -> Iterator[tuple[str, ...]]:
    return itertools.product(*(list(lever.options) for lever in levers.values()))
