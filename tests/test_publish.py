"""Reports are published all or nothing (sim/report/publish.py): a failure while writing leaves
the previous report whole, and no staging folder behind."""

from __future__ import annotations

import errno
import pathlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from sim.report.publish import publish  # noqa: E402


@dataclass
class Item:
    name: str
    png: bytes
    figure: Any


def _figures(*names: str) -> list[Item]:
    figure = plt.figure(figsize=(1, 1))
    return [Item(name, f"png of {name}".encode(), figure) for name in names]


def _contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_report_replaces_the_previous_one_whole_stale_figures_included(tmp_path: Path):
    publish(tmp_path, {"report.md": "old", "report.html": "<p>old</p>"}, _figures("a", "stale"))
    publish(tmp_path, {"report.md": "new", "report.html": "<p>new</p>"}, _figures("a"))
    files = _contents(tmp_path)
    assert files["report.md"] == b"new" and files["plots/a.png"] == b"png of a"
    assert "plots/stale.png" not in files and "plots/a.svg" in files
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("failing", ["write_bytes", "write_text"])
def test_a_disk_that_fills_while_publishing_leaves_the_previous_report_whole(tmp_path: Path, monkeypatch, failing):
    publish(tmp_path, {"report.md": "old", "report.html": "<p>old</p>", "table.csv": "a\n1\n"}, _figures("a"))
    before = _contents(tmp_path)

    def no_space(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pathlib.Path, failing, no_space)
    with pytest.raises(OSError, match="No space"):
        publish(tmp_path, {"report.md": "new", "report.html": "<p>new</p>", "table.csv": "a\n2\n"}, _figures("a", "b"))
    monkeypatch.undo()
    assert _contents(tmp_path) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
