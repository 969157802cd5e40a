"""The run directory: manifest, chunk files written atomically, and the final tables.

This is the contract between running and analysing (docs/results.md): nothing else
writes results, and a table is only ever seen whole.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc  # noqa: F401  (pa.ipc)
import pyarrow.parquet as pq
from ruamel.yaml import YAML

MANIFEST = "manifest.json"
REPLICATIONS = "replications.parquet"
EVENTS = "events.parquet"
FAILURES = "failures.parquet"  # replications that raised (only when some did)
SCENARIO_AS_RUN = "scenario.yaml"
CHUNKS = "chunks"
# Chunk files are Arrow IPC: a tenth of Parquet's cost to write, next to nothing to read back,
# and they live only until the final Parquet tables are assembled.
CHUNK_SUFFIX = ".arrow"
CHECK_SUFFIX = ".check"  # beside each finished chunk: its checksums and replication range, written last
LOCK = ".lock"  # held (flock) by the one process writing the run directory
EXPERIMENT_AS_RUN = "experiment.yaml"
DESIGN = "design.parquet"
POINTS = "points.parquet"
OWNED = (
    MANIFEST,
    REPLICATIONS,
    EVENTS,
    FAILURES,
    SCENARIO_AS_RUN,
    CHUNKS,
    "report.md",
    "report.html",
    "plots",
    EXPERIMENT_AS_RUN,
    DESIGN,
    POINTS,
    "points.csv",
    "sensitivity.csv",
    "tornado.csv",
    "discovery.csv",
    "courses.parquet",
    "assessments",  # written beside a run by `wargame assess` and `wargame score`: stale once the run is redone
    "scores",
    *(
        f"{name}.csv"
        for name in (
            "robustness",
            "regret",
            "value_of_information",
            "by_hypothesis",
            "choices",
            "pareto",
            "pairing",
            "outcomes",
            "courses",
        )
    ),
)


class RunDirectoryError(Exception):
    """A run directory that cannot be used as asked (a user's mistake, not a bug)."""


def check_run_directory(path: Path, scenario_hash: str) -> None:
    """Refuse `path` unless it is absent, empty, or an earlier run of the same scenario."""
    if path.exists() and not path.is_dir():
        raise RunDirectoryError(f"{path}: exists and is not a directory")
    writer = writer_of(path)
    if writer:  # checked first: another process's half-prepared directory is not "someone else's files"
        raise RunDirectoryError(f"{path}: {writer} is writing this run directory; {WAIT}")
    if path.is_dir() and any(entry.name != LOCK for entry in path.iterdir()):
        manifest = read_manifest(path) if (path / MANIFEST).is_file() else None
        if manifest is None or manifest.get("scenario_hash") != scenario_hash:
            raise RunDirectoryError(
                f"{path}: directory exists and is not a run of this scenario; choose another --out or remove it"
            )
        if manifest.get("status") != "complete":
            raise RunDirectoryError(
                f"{path}: holds an unfinished run of this scenario; finish it with: wargame run --resume {path}"
                " (or remove it to start again)"
            )


def prepare_run_directory(path: Path, scenario_hash: str) -> None:
    """Create `path`, or clear an earlier run of the same scenario there; refuse anything else."""
    check_run_directory(path, scenario_hash)
    if path.is_dir():
        for name in OWNED:
            target = path / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    (path / CHUNKS).mkdir(parents=True, exist_ok=True)


WAIT = "wait for it to finish, or choose another --out"
_held: set[Path] = set()  # run directories this process holds the lock of


def writer_of(path: Path) -> str | None:
    """Who holds the run directory's lock, if another process does ("wargame process PID"); else None."""
    lock = path / LOCK
    if path.resolve() in _held or not lock.is_file():
        return None
    with open(lock) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip() or "another process"
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the run directory's advisory lock while writing it: a second writer is refused, naming the first.

    The lock is the kernel's (flock), so a writer that was killed holds nothing: its stale
    `.lock` file is simply taken over. The file stays, empty of meaning, after the run.
    """
    if path.exists() and not path.is_dir():
        raise RunDirectoryError(f"{path}: exists and is not a directory")
    path.mkdir(parents=True, exist_ok=True)
    handle = open(path / LOCK, "a+")  # noqa: SIM115  (held open for the whole block)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunDirectoryError(f"{path}: {holder} is writing this run directory; {WAIT}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"wargame process {os.getpid()}")
        handle.flush()
        _held.add(path.resolve())
        yield
    finally:
        _held.discard(path.resolve())
        handle.close()  # releases the lock


RESUMED_BY = {"run": "wargame run", "experiment": "wargame sweep", "decision": "wargame decide"}
_KIND_WORDS = {"run": "a run", "experiment": "an experiment", "decision": "a decision run"}


def resume(path: Path, kind: str, complete: Callable[[Path, dict[str, Any]], Path]) -> Path:
    """Finish an interrupted run directory of `kind` with `complete(path, manifest)`, under its lock.

    A directory of another kind is refused, naming the command that resumes it; a complete
    one is returned as it is.
    """
    found = read_manifest(path).get("kind", "run")
    if found != kind:
        words = _KIND_WORDS.get(found, f"a {found!r}")
        raise RunDirectoryError(f"{path}: {words}; resume it with: {RESUMED_BY.get(found, 'wargame')} --resume {path}")
    with exclusive(path):
        manifest = read_manifest(path)  # read again under the lock: another writer may have finished it
        if manifest.get("status") == "complete":
            return path
        return complete(path, manifest)


def read_manifest(path: Path) -> dict[str, Any]:
    """The run directory's manifest, refused in one line if it is unreadable or lacks what reports and resume read."""
    try:
        raw = (path / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise RunDirectoryError(f"{path}: not a run directory (no {MANIFEST})") from None
    except OSError as exc:
        raise RunDirectoryError(f"{path / MANIFEST}: unreadable manifest ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw)
    except ValueError as exc:  # not JSON, or not text at all
        raise RunDirectoryError(
            f"{path / MANIFEST}: unreadable manifest ({f'not JSON: {exc}' if raw.strip() else 'empty'})"
        ) from None
    if not isinstance(data, dict):
        raise RunDirectoryError(f"{path / MANIFEST}: unreadable manifest (not a JSON object)")
    kind = data.get("kind", "run")
    if kind not in _MANIFEST_FIELDS:
        raise RunDirectoryError(f"{path / MANIFEST}: damaged manifest (unknown kind {kind!r})")
    missing = [key for key in _MANIFEST_FIELDS[kind] if key not in data]
    wrong = [key for key, kinds in _MANIFEST_TYPES.items() if key in data and not _typed(data[key], kinds)]
    out_of_range = [
        f"{key} {data[key]:,} is outside {low:,} to {high:,}"
        for key, (low, high) in _MANIFEST_RANGES.items()
        if key in data and key not in wrong and _typed(data[key], (int,)) and not low <= data[key] <= high
    ]
    if missing or wrong or out_of_range:
        said = [f"no {', '.join(missing)}"] if missing else []
        said += [f"{key} is not a {' or '.join(t.__name__ for t in _MANIFEST_TYPES[key])}" for key in wrong]
        said += out_of_range
        raise RunDirectoryError(
            f"{path / MANIFEST}: damaged manifest ({'; '.join(said)}): it cannot be reported or resumed; "
            "run it again into a new --out"
        )
    return data


# The most replications one run (or one point) may ask for. Far past any question's need (a
# probability's 95% interval is +/- 0.00003 at 10**9), about four days on two cores at the
# benchmarks' 2,000-3,000 a second, tens of gigabytes of tables. Beyond it a typo is likelier.
MAX_REPLICATIONS = 10**9

# What the manifest of each kind of run directory holds from its start, and its report and resume read.
_SHARED_FIELDS = ("status", "scenario", "scenario_hash", "seed", "chunk_size", "versions", "scenario_as_run")
_MANIFEST_FIELDS = {
    "run": (*_SHARED_FIELDS, "replications_requested", "replications"),
    "experiment": (*_SHARED_FIELDS, "experiment", "experiment_as_run", "replications_per_point", "points"),
    "decision": (*_SHARED_FIELDS, "replications_per_course", "courses"),
}
_COUNTS = ("seed", "chunk_size", "replications_requested", "replications", "replications_per_point", "points")
_MANIFEST_TYPES: dict[str, tuple[type, ...]] = {
    "status": (str,),
    "scenario_hash": (str,),
    "versions": (dict,),
    "scenario_as_run": (dict,),
    "experiment_as_run": (dict,),
    "precision": (dict, type(None)),
    **{key: (int,) for key in (*_COUNTS, "replications_per_course", "courses")},
}


# What a count can be: a chunk holds one replication at least; no run asks for more than MAX_REPLICATIONS.
_MANIFEST_RANGES = {
    "seed": (0, 2**63 - 1),
    "chunk_size": (1, MAX_REPLICATIONS),
    "replications_requested": (1, MAX_REPLICATIONS),
    "replications": (0, MAX_REPLICATIONS),
    "replications_per_point": (1, MAX_REPLICATIONS),
    "replications_per_course": (1, MAX_REPLICATIONS),
    "points": (1, MAX_REPLICATIONS),
    "courses": (1, MAX_REPLICATIONS),
}


def _typed(value: object, kinds: tuple[type, ...]) -> bool:
    return isinstance(value, kinds) and not isinstance(value, bool)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    atomic_write_bytes(path / MANIFEST, json.dumps(manifest, indent=2, default=str).encode())


def write_scenario_as_run(path: Path, data: dict[str, Any]) -> None:
    """The scenario as it ran (bases merged), loadable again with `wargame run`."""
    write_yaml(path / SCENARIO_AS_RUN, data, "# The scenario exactly as this run used it (bases merged in).\n")


def write_yaml(target: Path, data: dict[str, Any], header: str) -> None:
    """Plain data as block-style YAML, keys in the order given, written atomically."""
    buffer = io.StringIO()
    buffer.write(header)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False  # block style: reads like the scenario files people write
    yaml.width = 100
    yaml.sort_base_mapping_type_on_output = False  # keep the schema's order: name and title first
    yaml.dump(data, buffer)
    atomic_write_bytes(target, buffer.getvalue().encode())


def write_chunk(
    path: Path, chunk_index: int, replications: pa.Table, events: pa.Table | None, failures: pa.Table | None = None
) -> None:
    """Write one finished chunk's tables, each atomically (write, then rename); events and failures, if any,
    and then its check file (checksums and replication range) last: a chunk counts as finished only once that
    is there."""
    files = {"replications": chunk_file(path, "replications", chunk_index)}
    _atomic_write_chunk_table(files["replications"], replications)
    for name, table in (("events", events), ("failures", failures)):
        if table is not None:
            files[name] = chunk_file(path, name, chunk_index)
            _atomic_write_chunk_table(files[name], table)
    parts = [table.column("replication").to_numpy() for table in (replications, failures) if table is not None]
    numbers = [int(bound) for part in parts if len(part) for bound in (part.min(), part.max())]
    check = {
        "sha256": {name: _sha256(target) for name, target in files.items()},
        "rows": replications.num_rows + (failures.num_rows if failures is not None else 0),
        "first": min(numbers) if numbers else None,
        "last": max(numbers) if numbers else None,
    }
    atomic_write_bytes(_check_file(path, chunk_index), json.dumps(check).encode())


def _check_file(path: Path, index: int) -> Path:
    return path / CHUNKS / f"chunk-{index:06d}{CHECK_SUFFIX}"


def _sha256(target: Path) -> str:
    digest = hashlib.sha256()
    with target.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_chunks(path: Path, expected: Callable[[int], range], with_events: bool = True) -> list[str]:
    """Check every finished chunk against its check file and the replications it should hold; remove each
    that fails (it is computed again) and say why, one line a chunk."""
    removed = []
    for index in finished_chunks(path, with_events):
        reason = _chunk_problem(path, index, expected(index), with_events)
        if reason:
            discard_chunks(path, [index])
            removed.append(f"chunk {index}: {reason}; computed again")
    return removed


def _chunk_problem(path: Path, index: int, span: range, with_events: bool) -> str | None:
    try:
        check = json.loads(_check_file(path, index).read_text())
        names = ["replications", "events"] if with_events else ["replications"]
        for name in [*names, *(["failures"] if "failures" in check["sha256"] else [])]:
            if _sha256(chunk_file(path, name, index)) != check["sha256"][name]:
                return f"{name} table damaged (checksum differs)"
        if check["rows"] and (check["first"], check["last"]) != (span.start, span.stop - 1):
            return f"holds replications {check['first']}-{check['last']}, not {span.start}-{span.stop - 1}"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"check file unreadable ({exc})"
    return None


def chunk_file(path: Path, prefix: str, index: int) -> Path:
    """Where chunk `index`'s table `prefix` (replications or events) is kept until the run completes."""
    return path / CHUNKS / f"{prefix}-{index:06d}{CHUNK_SUFFIX}"


def read_chunk_table(target: Path) -> pa.Table:
    """A chunk file, memory-mapped: reading it back costs next to nothing."""
    with pa.memory_map(str(target)) as source:
        return pa.ipc.open_file(source).read_all()


def _atomic_write_chunk_table(target: Path, table: pa.Table) -> None:
    with _atomic(target) as partial:
        with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)


def finished_chunks(path: Path, with_events: bool = True) -> list[int]:
    """Indices of chunks whose tables are all on disk (a chunk is written replications first, events last)."""
    folder = path / CHUNKS
    if not folder.is_dir():
        return []
    done = []
    for check in folder.glob(f"chunk-*{CHECK_SUFFIX}"):
        index = int(check.stem.split("-")[1])
        if chunk_file(path, "replications", index).is_file() and (
            not with_events or chunk_file(path, "events", index).is_file()
        ):
            done.append(index)
    return sorted(done)


def read_chunk(path: Path, index: int) -> pa.Table:
    return read_chunk_table(chunk_file(path, "replications", index))


def remove_partial_files(path: Path) -> None:
    """Drop temporary files a killed run left half-written (finished files are never temporary)."""
    folder = path / CHUNKS
    folder.mkdir(parents=True, exist_ok=True)
    for partial in [*folder.glob(".*"), *path.glob(".*.assembling")]:
        partial.unlink(missing_ok=True)


def discard_chunks(path: Path, indices: list[int]) -> None:
    """Remove chunks a precision target made unnecessary, or that failed their check."""
    for index in indices:
        for prefix in ("replications", "events", "failures"):
            chunk_file(path, prefix, index).unlink(missing_ok=True)
        _check_file(path, index).unlink(missing_ok=True)


class TableAssembler:
    """Builds the final tables from chunk files in chunk order, while the run goes on.

    Chunks finish in any order; each one that extends the run of finished chunks from
    chunk 0 is appended at once, so little is left to do when the last chunk arrives.
    The tables appear under their final names only in `finish`; `abandon` drops them.
    """

    def __init__(self, path: Path, replications_schema: pa.Schema, events_schema: pa.Schema | None):
        self.path = path
        self.appended = 0  # chunks 0 .. appended-1 are in the tables
        self.parts = []
        tables = [(REPLICATIONS, "replications", replications_schema)]
        if events_schema is not None:
            tables.append((EVENTS, "events", events_schema))
        for name, prefix, schema in tables:
            partial = path / f".{name}.{os.getpid()}.assembling"  # unique: never shared with another writer
            self.parts.append((prefix, schema, partial, path / name, pq.ParquetWriter(partial, schema)))

    def append_up_to(self, chunk_count: int) -> None:
        """Append chunks appended .. chunk_count-1 (all must be finished)."""
        while self.appended < chunk_count:
            for prefix, schema, _, _, writer in self.parts:
                table = read_chunk_table(chunk_file(self.path, prefix, self.appended))
                writer.write_table(table if table.schema == schema else table.cast(schema))
            self.appended += 1

    def finish(self, chunk_count: int) -> None:
        """Append what is left, put the tables in place (atomically) and drop the chunk files."""
        self.append_up_to(chunk_count)
        for _, _, partial, final, writer in self.parts:
            writer.close()
            os.chmod(partial, 0o644)
            os.replace(partial, final)
        shutil.rmtree(self.path / CHUNKS)

    def abandon(self) -> None:
        """Stop without tables: an interrupted run keeps its chunks, never half a table (even on a full disk)."""
        for _, _, partial, _, writer in self.parts:
            try:
                writer.close()
            except OSError:
                pass  # the partial table goes anyway
            partial.unlink(missing_ok=True)


def assemble_failures(path: Path, chunk_count: int, schema: pa.Schema) -> int:
    """Gather the failures of chunks 0 .. chunk_count-1 into failures.parquet (written only if there are any);
    return how many there are."""
    parts = [read_chunk_table(target) for index, target in _failure_chunks(path) if index < chunk_count]
    rows = sum(part.num_rows for part in parts)
    if rows:
        atomic_write_table(path / FAILURES, pa.concat_tables([part.cast(schema) for part in parts]))
    return rows


def count_failures(path: Path) -> int:
    """Replications that raised in the chunks finished so far."""
    return sum(read_chunk_table(target).num_rows for _, target in _failure_chunks(path))


def _failure_chunks(path: Path) -> list[tuple[int, Path]]:
    """(index, file) of every chunk's failures table, in chunk order (only chunks where a replication raised)."""
    found = (path / CHUNKS).glob(f"failures-*{CHUNK_SUFFIX}")
    return sorted((int(target.stem.split("-")[1]), target) for target in found)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with _atomic(target) as partial:
        partial.write_bytes(data)


def atomic_write_text(target: Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_figure(target: Path, figure: Any) -> None:
    """Save a matplotlib Figure; the format follows the file's suffix."""
    with _atomic(target) as partial:
        figure.savefig(partial, format=target.suffix.lstrip("."))


def atomic_write_table(target: Path, table: pa.Table) -> None:
    with _atomic(target) as partial:
        pq.write_table(table, partial)


@contextmanager
def _atomic(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` that replaces it only if the block completes."""
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as handle:
        partial = Path(handle.name)
    try:
        yield partial
        os.chmod(partial, 0o644)  # temporary files are created private; results are shared
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
