"""Where chunks are computed: in this process, in a local process pool, or on Dask.

Each backend is a generator: it takes (key, arguments) tasks, keeps a bounded number in
flight (memory stays flat however many chunks there are), and yields (key, result) as
they finish, in whatever order. Closing the generator cancels what is still in flight.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Task = tuple[int, tuple[Any, ...]]
IN_FLIGHT_PER_WORKER = 2
CONNECT_SECONDS = 10  # to reach a Dask scheduler
NO_WORKERS_SECONDS = 60.0  # a Dask cluster with no worker this long is given up on (the run resumes later)


class BackendError(Exception):
    """The backend cannot go on (a scheduler out of reach, a cluster without workers): the user's to fix.

    The run keeps its finished chunks and resumes once the backend is back.
    """


FORK_WARNING = r".*use of fork\(\) may lead to deadlocks"  # Python 3.12+, see _processes


@dataclass(frozen=True)
class BackendSpec:
    """Which backend to use and how big: "serial", "processes" or "dask"."""

    kind: str = "processes"
    workers: int | None = None  # processes or local Dask workers; None: every core
    scheduler: str | None = None  # address of an existing Dask scheduler
    engine: str = "vectorised"  # "vectorised" or "simpy" (the reference): same numbers, see sim/engine.py

    def worker_count(self) -> int:
        if self.kind == "serial":
            return 1
        return self.workers or os.cpu_count() or 1

    def remote(self) -> bool:
        """Whether workers may run on other machines (and so cannot write into the run directory)."""
        return self.kind == "dask" and self.scheduler is not None

    def describe(self) -> str:
        if self.kind == "dask" and self.scheduler:
            return f"Dask scheduler {self.scheduler}"
        if self.kind == "serial":
            return "one process, no pool"
        return f"{self.worker_count()} {'Dask workers' if self.kind == 'dask' else 'processes'}"


def execute(
    spec: BackendSpec,
    function: Callable[..., Any],
    tasks: Iterable[Task],
    prepare: Callable[[], object] | None = None,
) -> Iterator[tuple[int, Any]]:
    """Run `function(*arguments)` for each task on the chosen backend; yield (key, result) as done.

    `prepare` is set-up every worker would otherwise repeat (building samplers): where
    workers are forked from this process, it runs once here, before they start.
    """
    if spec.kind == "serial":
        return ((key, function(*arguments)) for key, arguments in tasks)
    if spec.kind == "processes":
        return _processes(spec.worker_count(), function, tasks, prepare)
    if spec.kind == "dask":
        return _dask(spec, function, tasks)
    raise ValueError(f"unknown backend {spec.kind!r}")


def start_method() -> str:
    """How the process pool starts its workers.

    Fork on Linux when this process runs no other Python thread: a worker starts in
    milliseconds with the imports and samplers already here (numpy's BLAS and Arrow's
    thread pools reset themselves in a forked child). Otherwise spawn, which starts each
    worker clean (about a second of imports each) but is safe whatever threads run here
    (a Dask client, another library's threads).
    """
    return "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"


def _processes(
    workers: int, function: Callable[..., Any], tasks: Iterable[Task], prepare: Callable[[], object] | None
) -> Iterator[tuple[int, Any]]:
    method = start_method()
    if method == "fork" and prepare is not None:
        prepare()
    context = multiprocessing.get_context(method)
    pending = iter(tasks)
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_ignore_interrupts) as pool:
        in_flight: dict[cf.Future[Any], int] = {}
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns of any fork in a process with threads; the only ones here
                # are native pools (BLAS, Arrow) that reset themselves in the child.
                warnings.filterwarnings("ignore", message=FORK_WARNING, category=DeprecationWarning)
                _top_up(in_flight, pending, workers * IN_FLIGHT_PER_WORKER, lambda args: pool.submit(function, *args))
            while in_flight:
                done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    yield in_flight.pop(future), future.result()
                _top_up(in_flight, pending, workers * IN_FLIGHT_PER_WORKER, lambda args: pool.submit(function, *args))
        finally:
            for future in in_flight:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops the run cleanly and cancels their work."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _dask(spec: BackendSpec, function: Callable[..., Any], tasks: Iterable[Task]) -> Iterator[tuple[int, Any]]:
    import logging

    from distributed import Client, LocalCluster, wait

    client, cluster = _dask_client(spec, Client, LocalCluster, logging.ERROR)
    pending = iter(tasks)
    in_flight: dict[Any, int] = {}
    try:
        capacity = max(1, len(client.scheduler_info()["workers"])) * IN_FLIGHT_PER_WORKER

        def submit(args: tuple) -> Any:  # pure=False: a chunk lost with a dead worker is recomputed, never cached
            return client.submit(function, *args, pure=False)

        _top_up(in_flight, pending, capacity, submit)
        without_workers = 0.0
        while in_flight:
            try:
                done, _ = wait(list(in_flight), timeout=5, return_when="FIRST_COMPLETED")
            except TimeoutError:
                without_workers = 0.0 if client.scheduler_info()["workers"] else without_workers + 5
                if without_workers >= NO_WORKERS_SECONDS:
                    raise BackendError(
                        f"the Dask cluster has had no workers for {NO_WORKERS_SECONDS:g} s; finished chunks are "
                        "kept: resume once it has workers again"
                    ) from None
                continue
            for future in done:
                key = in_flight.pop(future)
                yield key, future.result()
            _top_up(in_flight, pending, capacity, submit)
    finally:
        for future in in_flight:
            future.cancel()
        logging.getLogger("distributed").setLevel(logging.CRITICAL)  # no shutdown chatter after Ctrl-C
        client.close()
        if cluster is not None:
            cluster.close()


def _dask_client(spec: BackendSpec, client_type: Any, cluster_type: Any, log_level: int) -> tuple[Any, Any]:
    """A client of the scheduler asked for, or of a new local cluster; BackendError if there is none to reach."""
    if spec.scheduler:
        try:
            return client_type(spec.scheduler, timeout=CONNECT_SECONDS), None
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = " ".join(str(exc).split())[:160] or type(exc).__name__
            message = f"--scheduler {spec.scheduler}: cannot reach a Dask scheduler there ({reason})"
            raise BackendError(message) from None
    with _workers_ignore_interrupts():
        cluster = cluster_type(
            n_workers=spec.worker_count(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=log_level,
        )
    return client_type(cluster), cluster


@contextmanager
def _workers_ignore_interrupts() -> Iterator[None]:
    """Start local Dask workers with Ctrl-C ignored (they inherit it), so only this process hears it.

    Ctrl-C reaches every process of the terminal's group: each worker used to print its own
    traceback. Here it stops the run cleanly and closes the cluster, which ends the workers.
    """
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _top_up(
    in_flight: dict[Any, int], pending: Iterator[Task], capacity: int, submit: Callable[[tuple], Any]
) -> list[Any]:
    """Submit tasks until `capacity` are in flight; return the new futures."""
    added = []
    while len(in_flight) < capacity:
        try:
            key, arguments = next(pending)
        except StopIteration:
            break
        future = submit(arguments)
        in_flight[future] = key
        added.append(future)
    return added
