"""Arrow schemas of the two result tables, so every chunk and every run has the same columns.

Columns come from the scenario's outcome catalogue (sim.scenario.outcomes): dates are
date32 (null when the state was never entered), yes/no are bool, numbers float64 (counts
int64), categories and final states strings; then `param.<name>` for every parameter.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from sim.engine import Chunk, CompiledScenario, variable_value
from sim.scenario.outcomes import CATEGORY, DATE, NUMBER, YES_NO

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
    """Columns: replication, each outcome, then `param.<name>` for every parameter."""
    fields = [pa.field("replication", pa.int64(), nullable=False)]
    for name, spec in compiled.outcomes.items():
        if spec.kind == NUMBER:
            arrow_type = pa.int64() if spec.integer else pa.float64()
        else:
            arrow_type = {YES_NO: pa.bool_(), DATE: pa.date32(), CATEGORY: pa.string()}[spec.kind]
        fields.append(pa.field(name, arrow_type))
    for name in compiled.parameter_names:
        kind = compiled.scenario.parameters[name].kind
        fields.append(pa.field(f"param.{name}", _PARAMETER_TYPES[kind]))
    return pa.schema(fields)


def replications_table(chunk: Chunk, schema: pa.Schema, compiled: CompiledScenario) -> pa.Table:
    """One chunk's rows: outcomes column by column, parameters straight from their arrays."""
    columns: dict[str, object] = {"replication": pa.array(chunk.indices, pa.int64())}
    start = compiled.scenario.start
    results = chunk.results
    for name, spec in compiled.outcomes.items():
        arrow_type = schema.field(name).type
        if name == "hypothesis":
            values: list[object] = [str(h) for h in chunk.hypotheses]
        elif spec.state is None and spec.actor is not None:
            actor = spec.actor
            values = [r.final_states[actor] for r in results]
        elif spec.kind == YES_NO and spec.state is not None:
            values = [name in r.entered for r in results]
        elif spec.kind == DATE:
            key = f"{spec.actor}.{spec.state}"
            days = [r.entered.get(key) for r in results]
            values = [None if d is None else start + dt.timedelta(days=int(d)) for d in days]
        else:
            values = [variable_value(r.variables[name]) for r in results]
            if arrow_type == pa.int64():
                values = [None if v is None else round(v) for v in values]
        columns[name] = pa.array(values, arrow_type)
    for name, parameter_values in chunk.parameters.items():
        column = f"param.{name}"
        columns[column] = pa.array(parameter_values, schema.field(column).type)
    return pa.Table.from_pydict(columns, schema=schema)


def events_table(chunk: Chunk, start: dt.date) -> pa.Table:
    """One chunk's event log, model days turned into calendar dates."""
    log = chunk.events
    replication = np.repeat(chunk.indices, log.counts)
    dates = np.datetime64(start, "D") + np.floor(np.asarray(log.day, dtype=float)).astype("timedelta64[D]")
    arrays = [replication, dates, log.component, log.event, log.detail]
    columns = [pa.array(values, field.type) for values, field in zip(arrays, EVENTS_SCHEMA, strict=True)]
    return pa.Table.from_arrays(columns, schema=EVENTS_SCHEMA)
