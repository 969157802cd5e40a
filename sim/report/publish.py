"""Write a report's files so that a failure leaves the previous report whole.

Everything (text files, tables, figures) is first written into a staging folder beside the
report; only when all of it is on disk does it move into place: the staged `plots/` swapped
for the old one by two renames, then each file by one atomic rename. A full disk or an error
while drawing or saving therefore costs nothing but the staging folder, which is removed. The
moves at the end rename files that already exist on the same file system: no data is written
then, so they do not fail for lack of space.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

PLOTS = "plots"


class FigureItem(Protocol):
    name: str
    png: bytes
    figure: Any


def publish(folder: Path, texts: Mapping[str, str], figures: Iterable[FigureItem] = ()) -> None:
    """Write `texts` (file name -> content) and `figures` (into plots/) into `folder`, all or nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".report-staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        (staging / PLOTS).mkdir(parents=True)
        figures = list(figures)
        for item in figures:
            (staging / PLOTS / f"{item.name}.png").write_bytes(item.png)
            item.figure.savefig(staging / PLOTS / f"{item.name}.svg", format="svg")
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8")
        for path in staging.rglob("*"):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _move_into_place(folder, staging, texts, bool(figures))


def _move_into_place(folder: Path, staging: Path, texts: Iterable[str], with_figures: bool) -> None:
    if with_figures:
        old = folder / f".{PLOTS}-old-{os.getpid()}"
        if (folder / PLOTS).is_dir():
            os.replace(folder / PLOTS, old)
        os.replace(staging / PLOTS, folder / PLOTS)
        shutil.rmtree(old, ignore_errors=True)
    for name in texts:
        os.replace(staging / name, folder / name)
    shutil.rmtree(staging, ignore_errors=True)
