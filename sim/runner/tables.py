"""Arrow schemas of the two result tables, so every chunk and every run has the same columns.

Types come from the `Outcome` dataclass and the model's parameter contract: dates are
date32 (null when the event did not happen), yes/no are bool, counts int64.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
import types
import typing

import numpy as np
import pyarrow as pa

from sim.engine import Chunk, CompiledScenario
from sim.model import PARAMETERS
from sim.model.world import Outcome

_ARROW_TYPES = {str: pa.string(), bool: pa.bool_(), int: pa.int64(), float: pa.float64(), dt.date: pa.date32()}
_PARAMETER_TYPES = {"number": pa.float64(), "bool": pa.bool_(), "category": pa.string()}

EVENTS_SCHEMA = pa.schema(
    [
        ("replication", pa.int64()),
        ("date", pa.date32()),
        ("component", pa.string()),
        ("event", pa.string()),
        ("detail", pa.string()),
    ]
)


def replications_schema(compiled: CompiledScenario) -> pa.Schema:
    """Columns: replication, each outcome metric, then `param.<name>` for every parameter."""
    hints = typing.get_type_hints(Outcome)
    fields = [pa.field("replication", pa.int64(), nullable=False)]
    for field in dataclasses.fields(Outcome):
        python_type, nullable = _unwrap_optional(hints[field.name])
        fields.append(pa.field(field.name, _ARROW_TYPES[python_type], nullable=nullable))
    for name in compiled.parameter_names:
        fields.append(pa.field(f"param.{name}", _PARAMETER_TYPES[PARAMETERS[name].kind]))
    return pa.schema(fields)


def replications_table(chunk: Chunk, schema: pa.Schema) -> pa.Table:
    """One chunk's rows: outcomes field by field, parameters straight from their arrays."""
    columns = {"replication": pa.array(chunk.indices, pa.int64())}
    for field in dataclasses.fields(Outcome):
        getter = operator.attrgetter(field.name)
        columns[field.name] = pa.array([getter(o) for o in chunk.outcomes], schema.field(field.name).type)
    for name, values in chunk.parameters.items():
        column = f"param.{name}"
        columns[column] = pa.array(values, schema.field(column).type)
    return pa.Table.from_pydict(columns, schema=schema)


def events_table(chunk: Chunk, start: dt.date) -> pa.Table:
    """One chunk's event log, model days turned into calendar dates."""
    log = chunk.events
    replication = np.repeat(chunk.indices, log.counts)
    dates = np.datetime64(start, "D") + np.floor(np.asarray(log.day, dtype=float)).astype("timedelta64[D]")
    arrays = [replication, dates, log.component, log.event, log.detail]
    columns = [pa.array(values, field.type) for values, field in zip(arrays, EVENTS_SCHEMA, strict=True)]
    return pa.Table.from_arrays(columns, schema=EVENTS_SCHEMA)


def _unwrap_optional(annotation: typing.Any) -> tuple[type, bool]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], True
    return annotation, False
