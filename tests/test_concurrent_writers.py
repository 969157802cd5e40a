"""Two `wargame run`s started together into one --out, ten times: one refuses, the other's tables
are those of an undisturbed run (issue: two writers once corrupted both tables and exited 0)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import BASELINE, REPO

TRIALS = 10
# Long enough (a few seconds on the reference engine) that the two always overlap: both start
# within a fraction of a second of each other, after the same imports.
COMMAND = ["run", str(BASELINE), "--runs", "1500", "--seed", "11", "--workers", "1", "--engine", "simpy"]


def _wargame(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("undisturbed") / "run"
    alone = _wargame(*COMMAND, "--out", str(out), "--no-report", "--quiet")
    _, stderr = alone.communicate(timeout=300)
    assert alone.returncode == 0, stderr
    return out


@pytest.mark.slow
def test_two_writers_started_together_one_refuses_and_the_other_is_undisturbed(undisturbed: Path, tmp_path: Path):
    expected = {name: pq.read_table(undisturbed / name) for name in ("replications.parquet", "events.parquet")}
    for trial in range(TRIALS):
        out = tmp_path / f"trial-{trial}"
        first, second = (_wargame(*COMMAND, "--out", str(out), "--no-report", "--quiet") for _ in range(2))
        results = [(process, *process.communicate(timeout=300)) for process in (first, second)]
        codes = sorted(process.returncode for process, _, _ in results)
        assert codes == [0, 2], [(p.returncode, err) for p, _, err in results]
        refused = next(err for p, _, err in results if p.returncode == 2)
        winner = next(p for p, _, _ in results if p.returncode == 0)
        assert f"wargame process {winner.pid} is writing this run directory" in refused, refused
        assert "Traceback" not in refused and len(refused.strip().splitlines()) == 1
        for name, table in expected.items():
            assert pq.read_table(out / name).equals(table), f"trial {trial}: {name} differs from an undisturbed run"
        assert not list(out.glob("*.assembling*")), "a temporary file was left behind"
