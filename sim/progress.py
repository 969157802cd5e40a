"""How the `wargame` command shows a run's progress: a bar on a terminal, lines otherwise.

Part of the command-line interface: the runner only calls `update(done, planned)`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from sim.runner.batch import Progress

LINE_INTERVAL_SECONDS = 5.0


@contextmanager
def progress_display(quiet: bool, stream: TextIO = sys.stderr) -> Iterator[Progress | None]:
    """A progress callback suited to where output goes, or None when quiet."""
    if quiet:
        yield None
    elif stream.isatty():
        with _bar(stream) as update:
            yield update
    else:
        yield _PlainLines(stream)


@contextmanager
def _bar(stream: TextIO) -> Iterator[Progress]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("replications"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    # Redrawn as chunks finish, not by rich's refresh thread: a process with no other
    # thread can fork its workers (sim.runner.backends.start_method).
    with Progress(*columns, console=Console(file=stream), transient=True, auto_refresh=False) as bar:
        task = bar.add_task("run", total=None, rate="")
        started = time.perf_counter()
        first: list[int] = []

        def update(done: int, planned: int) -> None:
            if not first:
                first.append(done)  # a resumed run starts part-way: rate counts only this session
            elapsed = time.perf_counter() - started
            rate = (done - first[0]) / elapsed if elapsed > 0 else 0.0
            bar.update(task, completed=done, total=planned, rate=f"{rate:,.0f}/s", refresh=True)

        yield update


class _PlainLines:
    """A line every few seconds (and at the end): for logs and CI, where a bar would be noise."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.started = time.perf_counter()
        self.last_line = 0.0
        self.first_done: int | None = None

    def __call__(self, done: int, planned: int) -> None:
        now = time.perf_counter()
        if self.first_done is None:
            self.first_done = done
        if done < planned and now - self.last_line < LINE_INTERVAL_SECONDS:
            return
        self.last_line = now
        elapsed = now - self.started
        rate = (done - self.first_done) / elapsed if elapsed > 0 else 0.0
        left = f", about {(planned - done) / rate:,.0f} s left" if rate > 0 and done < planned else ""
        share = done / planned if planned else 1.0
        print(
            f"progress: {done:,}/{planned:,} replications ({share:.0%}), {rate:,.0f}/s{left}",
            file=self.stream,
            flush=True,
        )
