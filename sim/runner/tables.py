"""Arrow schemas of the result tables, so every chunk and every run has the same columns.

Columns come from the scenario's outcome catalogue (sim.scenario.outcomes): dates are
date32 (null when the state was never entered), yes/no are bool, numbers float64 (counts
int64), categories and final states strings; then `param.<name>` for every parameter.
Replications that raised have a row in the failures table instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pyarrow as pa

from sim.engine import Chunk, CompiledScenario
from sim.mechanics import keyed
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


FAILURES_SCHEMA = pa.schema(
    [
        ("replication", pa.int64()),
        ("seed", pa.string()),  # the run's root seed, as text: a seed may exceed 64 bits
        ("stream_key", pa.string()),  # the Philox key of that seed; replication i draws from (key, i)
        ("hypothesis", pa.string()),
        ("component", pa.string()),  # what was being evaluated: a transition's key, "the initial values"
        ("error", pa.string()),
        ("message", pa.string()),
    ]
)


def failures_table(chunk: Chunk, seed: int) -> pa.Table | None:
    """The replications of a chunk that raised, one row each; None if none did."""
    if not chunk.failures:
        return None
    k0, k1 = keyed.seed_key(seed)
    rows = [
        {"seed": str(seed), "stream_key": f"{k0:08x}{k1:08x}", **dataclasses.asdict(failure)}
        for failure in chunk.failures
    ]
    return pa.Table.from_pylist(rows, schema=FAILURES_SCHEMA)


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
    """One chunk's rows: outcomes and parameters straight from their columns (either engine's)."""
    columns: dict[str, object] = {"replication": pa.array(chunk.indices, pa.int64())}
    outcomes = chunk.outcomes
    size = len(chunk.indices)
    first_day = np.datetime64(compiled.scenario.start, "D")
    for name, spec in compiled.outcomes.items():
        arrow_type = schema.field(name).type
        if name == "hypothesis":
            columns[name] = pa.array(chunk.hypotheses.astype(str), arrow_type)
        elif spec.state is None and spec.actor is not None:
            columns[name] = pa.array(outcomes.final_states[spec.actor], arrow_type)
        elif spec.state is not None:
            days = outcomes.entered.get(f"{spec.actor}.{spec.state}", np.full(size, np.nan))
            if spec.kind == YES_NO:
                columns[name] = pa.array(~np.isnan(days), arrow_type)
            else:
                dates = first_day + np.floor(np.nan_to_num(days)).astype("timedelta64[D]")
                columns[name] = pa.array(dates, arrow_type, mask=np.isnan(days))
        else:
            columns[name] = _variable_column(outcomes.variables[name], arrow_type)
    for name, parameter_values in chunk.parameters.items():
        column = f"param.{name}"
        columns[column] = pa.array(parameter_values, schema.field(column).type)
    return pa.Table.from_pydict(columns, schema=schema)


def _variable_column(values: np.ndarray, arrow_type: pa.DataType) -> pa.Array:
    """A variable's column: unset numbers (NaN) and categories (None) as nulls; counts rounded."""
    if values.dtype == object:
        return pa.array(values, arrow_type, from_pandas=True)
    if values.dtype == bool:
        return pa.array(values, arrow_type)
    unset = np.isnan(values)
    if arrow_type == pa.int64():
        values = np.rint(np.where(unset, 0.0, values)).astype(np.int64)
    return pa.array(values, arrow_type, mask=unset if unset.any() else None)


def events_table(chunk: Chunk, start: dt.date) -> pa.Table:
    """One chunk's event log, model days turned into calendar dates."""
    log = chunk.events
    replication = np.repeat(chunk.indices, log.counts)
    dates = np.datetime64(start, "D") + np.floor(np.asarray(log.day, dtype=float)).astype("timedelta64[D]")
    columns = [pa.array(replication, pa.int64()), pa.array(dates, pa.date32())]
    if log.vocabulary is None:
        columns += [pa.array(values, pa.string()) for values in (log.component, log.event, log.detail)]
    else:  # codes: the strings are made by Arrow, not one Python object per row
        vocabulary = pa.array(log.vocabulary, pa.string())
        columns += [
            pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), vocabulary).cast(pa.string())
            for codes in (log.component, log.event, log.detail)
        ]
    return pa.Table.from_arrays(columns, schema=EVENTS_SCHEMA)
