"""The code stays ruff-clean (STYLE.md, habit 6): lint errors fail the suite like any bug."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import REPO


def test_code_is_ruff_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is missing: install the test extras (pip install -e '.[test]')")
    result = subprocess.run([ruff, "check", "sim", "tests", "benchmarks"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
