"""Time the example sensitivity analysis end to end, as a user runs it.

Runs `wargame sweep scenarios/experiments/baseline-uncertainties.yaml` on 2 worker
processes (design points x replications, then the Sobol indices, tornado, PRIM and the
report) and prints the wall time, the replications per second and the time the report took.

    python benchmarks/experiment.py            # the example as it stands
    python benchmarks/experiment.py --quick    # 50 replications per point
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "scenarios" / "experiments" / "baseline-uncertainties.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 replications per design point")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run"
        command = [sys.executable, "-m", "sim.cli", "sweep", str(EXAMPLE), "--out", str(out), "--quiet"]
        command += ["--workers", str(args.workers)] + (["--runs", "50"] if args.quick else [])
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        total = time.perf_counter() - started
        manifest = json.loads((out / "manifest.json").read_text())
    simulate = manifest["elapsed_seconds"]
    print(f"experiment: {manifest['experiment']} ({manifest['points']} points x {manifest['replications_per_point']})")
    print(f"workers: {args.workers}")
    print(f"replications: {manifest['replications']:,}")
    print(f"wall time, command start to report written: {total:.1f} s")
    print(
        f"  simulating the design points: {simulate:.1f} s ({manifest['replications'] / simulate:,.0f} replications/s)"
    )
    print(f"  start-up, indices, PRIM and report: {total - simulate:.1f} s")


if __name__ == "__main__":
    main()
