"""Expressions of the scenario language evaluated on arrays: one element per replication.

The vectorised engine's counterpart of `sim.mechanics.expressions`: the same checked
text, parsed again and turned into numpy closures over a chunk's values. It keeps
Python's semantics where they matter for equal results: `and`, `or` and `if ... else`
evaluate a part only on the rows that reach it (so a random function draws exactly
where the SimPy engine draws, and a division guarded by a test never divides by
zero), `min`/`max` pick as Python's do, and a row whose expression would raise in
Python (a division by zero, the square root of a negative number...) raises
`NeedsReference`, so the SimPy engine re-runs the chunk and names the problem.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from sim.mechanics.draws import RANDOM_TRANSFORMS, call_site
from sim.mechanics.expressions import COMPARISONS, CONSTANTS, HORIZON, RANDOM_DOMAINS, Compiled


class NeedsReference(Exception):
    """The vectorised engine cannot give this chunk's answer; the SimPy engine must run it."""


class Frame(Protocol):
    """What array expressions read: one chunk's values, one element per replication."""

    values: dict[str, Any]  # parameters, variables, `now` (arrays); dates and the horizon (floats)
    states: dict[str, np.ndarray]  # actor -> index of its current state
    state_names: dict[str, np.ndarray]  # actor -> its state names (object array), by index
    state_index: dict[str, dict[str, int]]  # actor -> state -> index
    entered: dict[str, np.ndarray]  # "actor.state" -> day first entered (NaN: never)

    def draw(self, site: int, rows: np.ndarray) -> np.ndarray: ...  # one uniform per row, keyed


ArrayEvaluate = Callable[[Frame, np.ndarray], Any]  # (frame, rows) -> array over rows, or a scalar


def compile_array(compiled: Compiled) -> ArrayEvaluate:
    """`compiled` (already checked) as a function of (frame, rows) giving an array over `rows`."""
    if compiled.is_constant:
        constant = compiled.constant
        return lambda _frame, rows: _full(constant, len(rows))
    tree = ast.parse(compiled.text, mode="eval")
    evaluate, _ = _Builder(compiled.text).build(tree.body)
    return lambda frame, rows: _full(evaluate(frame, rows), len(rows))


def can_fail(compiled: Compiled) -> bool:
    """Whether evaluating `compiled` could raise (a division, a square root...) or draw."""
    if compiled.is_constant:
        return False
    _, safe = _Builder(compiled.text).build(ast.parse(compiled.text, mode="eval").body)
    return not safe


def _full(value: Any, size: int) -> np.ndarray:
    """`value` as an array over `size` rows: a constant as a read-only view, not a copy."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return value
    if isinstance(value, str) or value is None:
        return np.broadcast_to(np.array(value, dtype=object), (size,))
    return np.broadcast_to(np.asarray(value), (size,))


def truthy(value: Any) -> np.ndarray | bool:
    """Python's bool() of each element: non-zero numbers (NaN too), non-empty text."""
    if not isinstance(value, np.ndarray):
        return bool(value)
    if value.dtype == bool:
        return value
    if value.dtype == object:
        return np.frompyfunc(bool, 1, 1)(value).astype(bool)
    return value != 0


def _merge(mask: np.ndarray, when_true: Any, when_false: Any) -> np.ndarray:
    """Rows where `mask` from `when_true`, the rest from `when_false` (each over its own rows)."""
    size = len(mask)
    true_part, false_part = _full(when_true, int(mask.sum())), _full(when_false, size - int(mask.sum()))
    dtype = object if object in (true_part.dtype, false_part.dtype) else np.result_type(true_part, false_part)
    out = np.empty(size, dtype=dtype)
    out[mask] = true_part
    out[~mask] = false_part
    return out


def _fail(why: str) -> None:
    raise NeedsReference(why)


def _divide(op: Callable[[Any, Any], Any], what: str) -> Callable[[Any, Any], Any]:
    def checked(a: Any, b: Any) -> Any:
        if np.any(np.asarray(b) == 0):
            _fail(f"{what} by zero")
        return op(np.asarray(a, dtype=float), b)

    return checked


def _power(a: Any, b: Any) -> Any:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        result = np.power(a, b)
    finite = np.isfinite(a) & np.isfinite(b)
    if np.any(finite & ~np.isfinite(result)) or np.any((a < 0) & (b != np.floor(b))):
        _fail("a power out of range")
    return result


_BINARY: dict[type, tuple[Callable[[Any, Any], Any], bool]] = {  # operator -> (function, cannot raise)
    ast.Add: (operator.add, True),
    ast.Sub: (operator.sub, True),
    ast.Mult: (operator.mul, True),
    ast.Div: (_divide(np.true_divide, "a division"), False),
    ast.FloorDiv: (_divide(np.floor_divide, "a floor division"), False),
    ast.Mod: (_divide(np.mod, "a remainder"), False),
    ast.Pow: (_power, False),
}
_SAFE_DIVISION: dict[type, Callable[[Any, Any], Any]] = {
    ast.Div: lambda a, b: np.true_divide(np.asarray(a, dtype=float), b),
    ast.FloorDiv: lambda a, b: np.floor_divide(np.asarray(a, dtype=float), b),
    ast.Mod: lambda a, b: np.mod(np.asarray(a, dtype=float), b),
}


def _nonzero_number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, int | float) and node.value != 0


def _python_min(*args: Any) -> Any:
    """Python's min: the first argument unless a later one is strictly smaller (NaN never is)."""
    result = args[0]
    for other in args[1:]:
        result = np.where(other < result, other, result)
    return result


def _python_max(*args: Any) -> Any:
    result = args[0]
    for other in args[1:]:
        result = np.where(other > result, other, result)
    return result


def _to_integer(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """round/floor/ceil: Python refuses NaN and infinity (it cannot make an int of them)."""

    def checked(x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        if not np.all(np.isfinite(x)):
            _fail("an integer of NaN or infinity")
        return function(x)

    return checked


def _sqrt(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    if np.any(x < 0):
        _fail("the square root of a negative number")
    return np.sqrt(x)


def _log(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    if np.any(x <= 0):
        _fail("the logarithm of a number not above 0")
    return np.log(x)


def _exp(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore"):
        result = np.exp(x)
    if np.any(np.isinf(result) & np.isfinite(x)):
        _fail("exp() overflowed")
    return result


def _known(x: Any) -> Any:
    if isinstance(x, np.ndarray) and x.dtype == object:
        return np.frompyfunc(lambda v: v is not None and v == v, 1, 1)(x).astype(bool)
    if x is None:
        return False
    if isinstance(x, np.ndarray) and x.dtype == bool:  # a yes/no is always set
        return True
    return ~np.isnan(np.asarray(x, dtype=float))


_FUNCTIONS: dict[str, tuple[Callable[..., Any], bool]] = {  # name -> (function, cannot raise)
    "min": (_python_min, True),
    "max": (_python_max, True),
    "abs": (np.abs, True),
    "round": (_to_integer(np.rint), False),  # half to even, as Python's round
    "floor": (_to_integer(np.floor), False),
    "ceil": (_to_integer(np.ceil), False),
    "sqrt": (_sqrt, False),
    "exp": (_exp, False),
    "log": (_log, False),
    "known": (_known, True),
}

Built = tuple[ArrayEvaluate, bool]  # (closure, safe: draws nothing and cannot raise)


class _Builder:
    """Walks a parsed (already checked) expression, building array closures."""

    def __init__(self, text: str):
        self.text = text

    def build(self, node: ast.AST) -> Built:  # noqa: PLR0911 - one branch per node type
        if isinstance(node, ast.Constant):
            value = node.value
            return (lambda _f, _rows: value), True
        if isinstance(node, ast.Name):
            return self._name(node.id), True
        if isinstance(node, ast.Attribute):
            actor, state = node.value.id, node.attr  # type: ignore[attr-defined]  # checked: ACTOR.STATE
            return (lambda f, rows: f.states[actor][rows] == f.state_index[actor][state]), True
        if isinstance(node, ast.BinOp):
            (left, left_safe), (right, right_safe) = self.build(node.left), self.build(node.right)
            op, op_safe = _BINARY[type(node.op)]
            if isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod) and _nonzero_number(node.right):
                op, op_safe = _SAFE_DIVISION[type(node.op)], True  # by a constant that is not 0: cannot fail
            return (lambda f, rows: op(left(f, rows), right(f, rows))), left_safe and right_safe and op_safe
        if isinstance(node, ast.UnaryOp):
            operand, safe = self.build(node.operand)
            if isinstance(node.op, ast.Not):
                return (lambda f, rows: ~_bool_array(operand(f, rows))), safe
            if isinstance(node.op, ast.USub):
                return (lambda f, rows: -operand(f, rows)), safe
            return operand, safe
        if isinstance(node, ast.BoolOp):
            return self._bool_op(node)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.IfExp):
            return self._if(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise NeedsReference(f"{ast.unparse(node)!r} has no array form")  # the checker refuses these first

    def _name(self, name: str) -> ArrayEvaluate:
        if name in CONSTANTS:
            constant = CONSTANTS[name]
            return lambda _f, _rows: constant

        def read(f: Frame, rows: np.ndarray) -> Any:
            if name in f.states:
                return f.state_names[name][f.states[name][rows]]
            value = f.values[name]
            return value[rows] if isinstance(value, np.ndarray) else value

        if name == HORIZON:
            return lambda f, _rows: f.values[HORIZON]
        return read

    def _bool_op(self, node: ast.BoolOp) -> Built:
        parts = [self.build(value) for value in node.values]
        conjunction = isinstance(node.op, ast.And)
        if all(safe for _, safe in parts):
            combine = np.logical_and if conjunction else np.logical_or

            def eager(f: Frame, rows: np.ndarray) -> Any:
                result = _bool_array(parts[0][0](f, rows), len(rows))
                for part, _ in parts[1:]:
                    result = combine(result, _bool_array(part(f, rows), len(rows)))
                return result

            return eager, True

        def lazy(f: Frame, rows: np.ndarray) -> Any:
            result = _bool_array(parts[0][0](f, rows), len(rows))
            for part, _ in parts[1:]:
                undecided = result if conjunction else ~result  # rows whose answer the next part decides
                if undecided.any():
                    result = result.copy()
                    result[undecided] = _bool_array(part(f, rows[undecided]), int(undecided.sum()))
            return result

        return lazy, False

    def _compare(self, node: ast.Compare) -> Built:
        operands = [self.build(node.left), *(self.build(c) for c in node.comparators)]
        ops = [COMPARISONS[type(op)] for op in node.ops]  # operator.lt etc.: elementwise on arrays
        safe = all(s for _, s in operands)
        if len(ops) == 1:
            op, (left, _), (right, _) = ops[0], operands[0], operands[1]
            return (lambda f, rows: _compared(op, left(f, rows), right(f, rows))), safe

        def chained(f: Frame, rows: np.ndarray) -> Any:  # a < b < c: c only where a < b (Python short-circuits)
            result = np.ones(len(rows), dtype=bool)
            previous = _full(operands[0][0](f, rows), len(rows))
            for op, (operand, _) in zip(ops, operands[1:], strict=True):
                alive = np.flatnonzero(result)
                current = _full(operand(f, rows[alive]), len(alive))
                result[alive] = _bool_array(_compared(op, previous[alive], current), len(alive))
                full = np.empty(len(rows), dtype=current.dtype)
                full[alive] = current
                previous = full
            return result

        return chained, safe

    def _if(self, node: ast.IfExp) -> Built:
        (test, test_safe), (body, body_safe), (orelse, orelse_safe) = (
            self.build(node.test),
            self.build(node.body),
            self.build(node.orelse),
        )

        if body_safe and orelse_safe:  # nothing to guard: evaluate both and pick, no subsets

            def pick(f: Frame, rows: np.ndarray) -> Any:
                mask = _bool_array(test(f, rows), len(rows))
                chosen, other = _full(body(f, rows), len(rows)), _full(orelse(f, rows), len(rows))
                if object in (chosen.dtype, other.dtype):
                    return _merge(mask, chosen[mask], other[~mask])
                return np.where(mask, chosen, other)

            return pick, test_safe

        def choose(f: Frame, rows: np.ndarray) -> Any:
            mask = _bool_array(test(f, rows), len(rows))
            if mask.all():
                return body(f, rows)
            if not mask.any():
                return orelse(f, rows)
            return _merge(mask, body(f, rows[mask]), orelse(f, rows[~mask]))

        return choose, test_safe and body_safe and orelse_safe

    def _call(self, node: ast.Call) -> Built:
        name = node.func.id  # type: ignore[attr-defined]  # checked: a function name
        if name == "entered":
            argument = node.args[0]
            key = f"{argument.value.id}.{argument.attr}"  # type: ignore[attr-defined]  # checked: ACTOR.STATE
            return (lambda f, rows: ~np.isnan(f.entered[key][rows])), True
        args = [self.build(arg) for arg in node.args]
        if name in RANDOM_DOMAINS:
            site = call_site(self.text, node.col_offset)
            transform = RANDOM_TRANSFORMS[name]

            def draw(f: Frame, rows: np.ndarray) -> Any:
                values = [_full(arg(f, rows), len(rows)).astype(float) for arg, _ in args]
                for value, (low, high, open_low) in zip(values, RANDOM_DOMAINS[name], strict=True):
                    inside = (low < value if open_low else low <= value) & (value <= high)
                    if not inside.all():
                        _fail(f"an argument of {name}() outside its domain")
                return transform(f.draw(site, rows), *values)

            return draw, False
        function, function_safe = _FUNCTIONS[name]
        safe = function_safe and all(s for _, s in args)
        if len(args) == 1:
            only = args[0][0]
            return (lambda f, rows: function(only(f, rows))), safe
        return (lambda f, rows: function(*(arg(f, rows) for arg, _ in args))), safe


def _compared(op: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    if isinstance(left, np.ndarray) and left.dtype == object or isinstance(right, np.ndarray) and right.dtype == object:
        return np.asarray(op(np.asarray(left, dtype=object), right), dtype=bool)
    return op(left, right)


def _bool_array(value: Any, size: int | None = None) -> np.ndarray:
    result = truthy(value)
    if isinstance(result, np.ndarray):
        return result
    return np.full(1 if size is None else size, result) if size is not None else np.asarray(result)


def as_kind(value: np.ndarray, kind: str) -> np.ndarray:
    """A computed column as its variable's kind stores it: numbers as floats (NaN unset)."""
    value = np.asarray(value)
    if kind in ("number", "count"):
        if value.dtype == object:
            return np.array([np.nan if v is None else float(v) for v in value], dtype=float)
        return value.astype(float)
    if kind == "flag":
        return value.astype(bool)
    return value.astype(object)


def bools(value: np.ndarray) -> np.ndarray:
    """Python's truth of each element, as a bool array."""
    return truthy(np.asarray(value))  # type: ignore[return-value]  # an array in, an array out
