"""The run directory: manifest, chunk files written atomically, and the final tables.

This is the contract between running and analysing (docs/results.md): nothing else
writes results, and a table is only ever seen whole.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
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
SCENARIO_AS_RUN = "scenario.yaml"
CHUNKS = "chunks"
# Chunk files are Arrow IPC: a tenth of Parquet's cost to write, next to nothing to read back,
# and they live only until the final Parquet tables are assembled.
CHUNK_SUFFIX = ".arrow"
EXPERIMENT_AS_RUN = "experiment.yaml"
DESIGN = "design.parquet"
POINTS = "points.parquet"
OWNED = (
    MANIFEST,
    REPLICATIONS,
    EVENTS,
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
)


class RunDirectoryError(Exception):
    """A run directory that cannot be used as asked (a user's mistake, not a bug)."""


def check_run_directory(path: Path, scenario_hash: str) -> None:
    """Refuse `path` unless it is absent, empty, or an earlier run of the same scenario."""
    if path.exists() and not path.is_dir():
        raise RunDirectoryError(f"{path}: exists and is not a directory")
    if path.is_dir() and any(path.iterdir()):
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


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunDirectoryError(f"{path}: not a run directory (no {MANIFEST})") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise RunDirectoryError(f"{path / MANIFEST}: unreadable manifest ({exc})") from None
    if not isinstance(data, dict):
        raise RunDirectoryError(f"{path / MANIFEST}: unreadable manifest (not a JSON object)")
    return data


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


def write_chunk(path: Path, chunk_index: int, replications: pa.Table, events: pa.Table | None) -> None:
    """Write one finished chunk's tables, each atomically (write, then rename); events last, if kept."""
    _atomic_write_chunk_table(chunk_file(path, "replications", chunk_index), replications)
    if events is not None:
        _atomic_write_chunk_table(chunk_file(path, "events", chunk_index), events)


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
    for replications in folder.glob(f"replications-*{CHUNK_SUFFIX}"):
        index = int(replications.stem.split("-")[1])
        if not with_events or chunk_file(path, "events", index).is_file():
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
    """Remove chunks a precision target made unnecessary."""
    for index in indices:
        for prefix in ("replications", "events"):
            chunk_file(path, prefix, index).unlink(missing_ok=True)


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
            partial = path / f".{name}.assembling"
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
        """Stop without tables: an interrupted run keeps its chunks, never half a table."""
        for _, _, partial, _, writer in self.parts:
            writer.close()
            partial.unlink(missing_ok=True)


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
