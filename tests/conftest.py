"""Shared fixtures: the repository's paths, and scenarios built as small variants of the baseline."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from sim.engine import CompiledScenario, compile_scenario
from sim.scenario import load_scenario
from sim.scenario.loader import ALLOW_ROOT

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"

# Tests write variants in pytest's temporary folders that extend the repository's scenarios: outside
# their own project, so allowed explicitly, as a user would with --allow-root (the commands they run inherit it).
os.environ[ALLOW_ROOT] = str(REPO)


def wargame(*args: object) -> subprocess.CompletedProcess[str]:
    """Run the `wargame` command as a user would: a real process, output captured."""
    return subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)], cwd=REPO, capture_output=True, text=True)


def fixed(value: Any) -> dict[str, Any]:
    """A parameter pinned to one value, for tests that need the model without noise."""
    return {"dist": "fixed", "value": value, "assumption": "pinned by a test"}


@pytest.fixture
def variant(tmp_path: Path) -> Callable[..., CompiledScenario]:
    """Build a compiled scenario that extends the baseline with the given overrides."""
    counter = itertools.count()

    def build(**overrides: Any) -> CompiledScenario:
        path = tmp_path / f"variant-{next(counter)}.yaml"
        with path.open("w") as handle:
            YAML(typ="safe", pure=True).dump({"extends": str(BASELINE), "name": "test-variant", **overrides}, handle)
        return compile_scenario(load_scenario(path))

    return build


def pinned_hypothesis() -> dict[str, Any]:
    """Hypotheses that always draw 'pinned', a hypothesis with no overrides."""
    return {
        "routine": {"weight": 0},
        "coercion": {"weight": 0},
        "offensive": {"weight": 0},
        "pinned": {"weight": 1, "description": "no overrides", "assumption": "test"},
    }


# Parameter values under which an offensive is launched 26 September (the exercise ends 16 September,
# the force is ready 10 days later): Alaska ends in no deal and the talks stay stalled, no ceasefire is
# possible (Russia never accepts) and none that a test brings collapses, no deadline and so no measures,
# a force of 60,000 northern troops all retained plus 40,000 built up against 30,000 defenders with no
# reserves, and an order that is certain.
LAUNCH_READY = {
    "alaska_acceptance_multiplier": 0.0,
    "alaska_progress_probability": 0.0,
    "russia_acceptance": 0.0,
    "talks_resume_per_month": 0.0,
    "ceasefire_collapse_shape": 1000,
    "ceasefire_collapse_scale_days": 100_000,
    "deadline_after_no_deal_probability": 0.0,
    "deadlines_per_month": 0.0,
    "measures_escalation_multiplier": 1.0,
    "belarus_strength": 120_000,
    "exercise_strength": 150_000,
    "northern_share": 0.5,
    "retained_share": 1.0,
    "buildup_troops": 40_000,
    "offensive_intent_probability": 1.0,
    "belarus_joins_probability": 0.0,
    "defender_troops": 30_000,
    "force_ratio_threshold": 2.0,
    "time_to_ready_days": 10,
    "reserve_troops": 0,
    "detection_spread": 0.0,
}
