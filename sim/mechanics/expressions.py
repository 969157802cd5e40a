"""The expression language of `actors:`: arithmetic, comparisons and a few functions.

Parsed with Python's own parser (`ast`, for its grammar and error columns), then every
node is checked against a short list and turned into a closure; nothing is ever
evaluated as Python code (no `eval`, no attribute access, no imports). Reference:
docs/scenarios.md#expressions.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.mechanics.draws import RANDOM_TRANSFORMS, call_site

Values = dict[str, Any]  # one replication's names -> values (see `Namespace`)
Evaluate = Callable[[Values], Any]

MAX_EXPRESSION_LENGTH = 1_000  # longer belongs in parameters and variables; also bounds the parser's recursion
RNG = "\0rng"  # key of the replication's draws (a ReplicationDraws) in `Values`
NOW, HORIZON = "now", "horizon"

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: lambda a, b: _power(float(a), b),  # in floats: a huge power overflows at once instead of growing an int
}
COMPARISONS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _power(a: float, b: Any) -> float:
    result = a**b
    if isinstance(result, complex):  # Python's answer for a negative number to a fractional power
        raise ValueError(f"{a:g} ** {b:g} is not a real number")
    return result


def _known(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _round(x: float) -> int:
    return round(x)


FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[int, int]]] = {
    "min": (min, (2, 99)),
    "max": (max, (2, 99)),
    "abs": (abs, (1, 1)),
    "round": (_round, (1, 1)),
    "floor": (math.floor, (1, 1)),
    "ceil": (math.ceil, (1, 1)),
    "sqrt": (math.sqrt, (1, 1)),
    "exp": (math.exp, (1, 1)),
    "log": (math.log, (1, 1)),
    "known": (_known, (1, 1)),
}


ANY_NUMBER = (-math.inf, math.inf, False)
NON_NEGATIVE = (0.0, math.inf, False)
POSITIVE = (0.0, math.inf, True)
# Each call is a fresh draw, keyed by its site (sim/mechanics/draws.py). name -> domains of its arguments
RANDOM_DOMAINS: dict[str, tuple[tuple[float, float, bool], ...]] = {
    "bernoulli": ((0.0, 1.0, False),),
    "uniform": (ANY_NUMBER, ANY_NUMBER),
    "exponential": (POSITIVE,),
    "normal": (ANY_NUMBER, NON_NEGATIVE),
    "lognormal": (ANY_NUMBER, NON_NEGATIVE),
    "weibull": (POSITIVE,),
    "poisson": (NON_NEGATIVE,),
}
_RANDOM_RESULT = {"bernoulli": bool, "poisson": int}  # the rest give floats


def outside_domain(name: str, args: tuple[float, ...]) -> str | None:
    """Why arguments `args` cannot be given to random function `name`, or None."""
    for value, (low, high, open_low) in zip(args, RANDOM_DOMAINS[name], strict=True):
        if not (low < value if open_low else low <= value) or not value <= high:
            bound = f"above {low:g}" if open_low else f"at least {low:g}"
            limit = f" and at most {high:g}" if high != math.inf else ""
            return f"{name}() needs an argument {bound}{limit}, got {value!r}"
    return None


def _draw(name: str) -> Callable[..., Any]:
    """Random function `name` on one uniform, refusing arguments outside its domain."""
    transform, result = RANDOM_TRANSFORMS[name], _RANDOM_RESULT.get(name, float)

    def checked(u: float, *args: float) -> Any:
        problem = outside_domain(name, args)
        if problem:
            raise ValueError(problem)
        return result(transform(u, *args))

    return checked


RANDOM_FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[int, int]]] = {
    name: (_draw(name), (len(domains), len(domains))) for name, domains in RANDOM_DOMAINS.items()
}
CONSTANTS = {"true": True, "false": False}


NUMBER, BOOL, TEXT, ANY = "number", "yes/no", "text", "any"
_NAME_KINDS = {"number": NUMBER, "date": NUMBER, "bool": BOOL, "category": TEXT}


def infer_kind(node: ast.AST, names: Namespace) -> str:  # noqa: PLR0911 - one answer per form
    """What an already-checked expression gives; raises ExpressionError where text meets arithmetic.

    Catches at validation the mistakes that would otherwise stop a run: adding text to a
    number, comparing a category with a number, ordering text.
    """

    def numeric(operand: ast.AST, what: str) -> None:
        kind = infer_kind(operand, names)
        if kind == TEXT:
            raise ExpressionError(f"{what} needs numbers, and {ast.unparse(operand)!r} is text", operand.col_offset + 1)
        if kind == BOOL:
            raise ExpressionError(
                f"{what} needs numbers, and {ast.unparse(operand)!r} is a yes/no "
                f"(write `(1 if {ast.unparse(operand)} else 0)` to count it)",
                operand.col_offset + 1,
            )

    if isinstance(node, ast.Constant):
        return BOOL if isinstance(node.value, bool) else TEXT if isinstance(node.value, str) else NUMBER
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return BOOL
        return TEXT if node.id in names.actors else _NAME_KINDS.get(names.kinds.get(node.id, ""), ANY)
    if isinstance(node, ast.Attribute):
        return BOOL
    if isinstance(node, ast.BinOp):
        numeric(node.left, "arithmetic")
        numeric(node.right, "arithmetic")
        return NUMBER
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            return BOOL
        numeric(node.operand, "a sign")
        return NUMBER
    if isinstance(node, ast.BoolOp):
        return BOOL
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        kinds = [infer_kind(operand, names) for operand in operands]
        for op, (a, b), (left, right) in zip(
            node.ops, zip(kinds, kinds[1:], strict=False), zip(operands, operands[1:], strict=False), strict=False
        ):
            if isinstance(op, ast.Eq | ast.NotEq):
                _check_state_name(left, right, names)
                _check_state_name(right, left, names)
                if {a, b} == {TEXT, NUMBER} or {a, b} == {TEXT, BOOL}:
                    raise ExpressionError(
                        f"compares text with a number or yes/no: {ast.unparse(left)!r} and {ast.unparse(right)!r}",
                        node.col_offset + 1,
                    )
            else:
                numeric(left, "an ordering comparison")
                numeric(right, "an ordering comparison")
        return BOOL
    if isinstance(node, ast.IfExp):
        body, orelse = infer_kind(node.body, names), infer_kind(node.orelse, names)
        if TEXT in (body, orelse) and {body, orelse} - {TEXT, ANY}:
            raise ExpressionError("the two branches of `if ... else` give text and a number", node.col_offset + 1)
        return body if body == orelse else ANY
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name in ("entered", "known"):
            return BOOL
        for arg in node.args:
            numeric(arg, f"{name}()")
        return BOOL if name == "bernoulli" else NUMBER
    return ANY


def _check_state_name(actor: ast.AST, text: ast.AST, names: Namespace) -> None:
    """`ACTOR == 'STATE'` must name one of the actor's states, or it could never be true."""
    if not (isinstance(actor, ast.Name) and actor.id in names.actors):
        return
    if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value not in names.actors[actor.id]:
        states = names.actors[actor.id]
        message = f"actor {actor.id!r} has no state {text.value!r}{did_you_mean(text.value, states)}"
        raise ExpressionError(message, text.col_offset + 1)


class ExpressionError(Exception):
    """A mistake in an expression, at `column` (1-based) of its text."""

    def __init__(self, message: str, column: int = 1):
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class Namespace:
    """What expressions in one scenario may name, and the kind of each value."""

    kinds: Mapping[str, str]  # name -> "number", "bool", "category" or "date" (a model day)
    actors: Mapping[str, frozenset[str]]  # actor -> its states


@dataclass(frozen=True)
class Compiled:
    """A checked expression: evaluate it on a replication's values."""

    text: str
    evaluate: Evaluate
    reads: frozenset[str]  # value names and actor names it depends on
    literals: tuple[float, ...] = ()  # numbers written in it, for the provenance check
    random: bool = False  # draws from the event stream
    constant: Any = field(default=None)  # its value when it reads nothing and draws nothing
    kind: str = ANY  # what it gives: NUMBER, BOOL, TEXT or ANY (see `infer_kind`)
    bare_arguments: tuple[tuple[str, int, str], ...] = ()  # (random function, argument index, name given bare)
    sites: tuple[int, ...] = ()  # draw sites of its random functions

    @property
    def is_constant(self) -> bool:
        return not self.reads and not self.random


def compile_expression(source: Any, names: Namespace) -> Compiled:
    """Check `source` (text or a plain number) against `names` and compile it."""
    if isinstance(source, bool | int | float):
        if isinstance(source, float) and not math.isfinite(source):
            raise ExpressionError(f"{source} is not a finite number")
        value = source
        literals = () if isinstance(source, bool) else (float(source),)
        return Compiled(str(source), lambda _values: value, frozenset(), literals, constant=value)
    text = str(source).strip()
    if not text:
        raise ExpressionError("empty expression")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"an expression is at most {MAX_EXPRESSION_LENGTH:,} characters; this one has {len(text):,}"
        )
    try:
        tree = ast.parse(text, mode="eval")
        builder = _Builder(names, text)
        evaluate = builder.build(tree.body)
        kind = infer_kind(tree.body, names)
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", exc.offset or 1) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("nested too deeply to read") from None
    compiled = Compiled(
        text,
        evaluate,
        frozenset(builder.reads),
        tuple(builder.literals),
        builder.random,
        kind=kind,
        bare_arguments=tuple(builder.bare_arguments),
        sites=tuple(builder.sites),
    )
    if compiled.is_constant:
        try:
            constant = evaluate({})
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise ExpressionError(f"cannot be computed: {exc}") from None
        return Compiled(text, evaluate, compiled.reads, compiled.literals, constant=constant, kind=kind)
    return compiled


def did_you_mean(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Builder:
    """Walks a parsed expression, checking each node and building its closure."""

    def __init__(self, names: Namespace, text: str):
        self.names = names
        self.text = text  # names the draw sites of its random functions
        self.reads: set[str] = set()
        self.literals: list[float] = []
        self.random = False
        self.bare_arguments: list[tuple[str, int, str]] = []  # (random function, argument, name)
        self.sites: list[int] = []

    def fail(self, node: ast.AST, message: str) -> ExpressionError:
        return ExpressionError(message, getattr(node, "col_offset", 0) + 1)

    def build(self, node: ast.AST) -> Evaluate:  # noqa: PLR0911, PLR0912 - one branch per node type
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Attribute):
            return self._in_state(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            op, left, right = _BINARY[type(node.op)], self.build(node.left), self.build(node.right)
            return lambda v: op(left(v), right(v))
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            if isinstance(node.op, ast.Not):
                return lambda v: not operand(v)
            if isinstance(node.op, ast.USub):
                return lambda v: -operand(v)
            if isinstance(node.op, ast.UAdd):
                return operand
        if isinstance(node, ast.BoolOp):
            parts = [self.build(value) for value in node.values]
            combined = parts[0]
            for part in parts[1:]:  # nested pairs: no generator per evaluation
                combined = _and(combined, part) if isinstance(node.op, ast.And) else _or(combined, part)
            return combined
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.IfExp):
            test, body, orelse = self.build(node.test), self.build(node.body), self.build(node.orelse)
            return lambda v: body(v) if test(v) else orelse(v)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.BinOp | ast.BoolOp | ast.UnaryOp):
            operator_text = _OPERATOR_ADVICE.get(type(node.op), "this operator")
            raise self.fail(node, f"{operator_text} is not part of the expression language")
        raise self.fail(node, f"{_describe(node)} is not part of the expression language")

    def _constant(self, node: ast.Constant) -> Evaluate:
        value = node.value
        if isinstance(value, bool) or isinstance(value, str):
            return lambda _v: value
        if isinstance(value, int | float):
            if not math.isfinite(value):
                raise self.fail(node, f"{value} is not a finite number")
            self.literals.append(float(value))
            return lambda _v: value
        raise self.fail(node, f"the literal {value!r} is not a number, text or true/false")

    def _name(self, node: ast.Name) -> Evaluate:
        name = node.id
        if name in CONSTANTS:
            constant = CONSTANTS[name]
            return lambda _v: constant
        if name in self.names.kinds:
            self.reads.add(name)
            return operator.itemgetter(name)
        if name in self.names.actors:
            self.reads.add(name)
            return operator.itemgetter(name)  # the actor's current state, as text
        known = [*self.names.kinds, *self.names.actors]
        raise self.fail(node, f"unknown name {name!r}{did_you_mean(name, known)}")

    def _actor_state(self, node: ast.AST) -> tuple[str, str]:
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            raise self.fail(node, "expected ACTOR.STATE")
        actor, state = node.value.id, node.attr
        if actor not in self.names.actors:
            raise self.fail(node, f"unknown actor {actor!r}{did_you_mean(actor, self.names.actors)}")
        states = self.names.actors[actor]
        if state not in states:
            message = f"actor {actor!r} has no state {state!r}{did_you_mean(state, states)}"
            raise ExpressionError(message, node.end_col_offset - len(state) + 1 if node.end_col_offset else 1)
        self.reads.add(actor)
        return actor, state

    def _in_state(self, node: ast.Attribute) -> Evaluate:
        actor, state = self._actor_state(node)
        return lambda v: v[actor] == state

    def _compare(self, node: ast.Compare) -> Evaluate:
        if any(type(op) not in COMPARISONS for op in node.ops):
            raise self.fail(node, "only ==, !=, <, <=, > and >= compare values")
        operands = [self.build(node.left), *(self.build(c) for c in node.comparators)]
        ops = [COMPARISONS[type(op)] for op in node.ops]
        if len(ops) == 1:
            op, left, right = ops[0], operands[0], operands[1]
            return lambda v: op(left(v), right(v))

        def chained(v: Values) -> bool:
            values = [operand(v) for operand in operands]
            return all(op(a, b) for op, a, b in zip(ops, values, values[1:], strict=False))

        return chained

    def _call(self, node: ast.Call) -> Evaluate:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only the language's functions can be called")
        name = node.func.id
        if node.keywords:
            raise self.fail(node, f"{name}() takes its arguments by position")
        if name == "entered":
            if len(node.args) != 1:
                raise self.fail(node, "entered() takes one ACTOR.STATE")
            actor, state = self._actor_state(node.args[0])
            key = f"{actor}.{state}"
            return lambda v: key in v
        table = RANDOM_FUNCTIONS if name in RANDOM_FUNCTIONS else FUNCTIONS
        if name not in table:
            every = ["entered", *FUNCTIONS, *RANDOM_FUNCTIONS]
            raise self.fail(node, f"unknown function {name!r}{did_you_mean(name, every)}")
        function, (least, most) = table[name]
        if not least <= len(node.args) <= most:
            count = str(least) if least == most else f"{least} or more"
            raise self.fail(node, f"{name}() takes {count} argument{'s' if most > 1 else ''}")
        args = [self.build(arg) for arg in node.args]
        if table is RANDOM_FUNCTIONS:
            self.random = True
            for index, arg in enumerate(node.args):
                if isinstance(arg, ast.Name) and self.names.kinds.get(arg.id) == "number":
                    self.bare_arguments.append((name, index, arg.id))
            site = call_site(self.text, node.col_offset)
            self.sites.append(site)
            return lambda v: function(v[RNG].uniform(site), *(arg(v) for arg in args))
        if len(args) == 1:
            only = args[0]
            return lambda v: function(only(v))
        return lambda v: function(*(arg(v) for arg in args))


_OPERATOR_ADVICE = {
    ast.BitAnd: "`&` (write `and`)",
    ast.BitOr: "`|` (write `or`)",
    ast.BitXor: "`^` (write `**` for a power)",
    ast.Invert: "`~` (write `not`)",
    ast.LShift: "`<<`",
    ast.RShift: "`>>`",
    ast.MatMult: "`@`",
}


def _and(first: Evaluate, second: Evaluate) -> Evaluate:
    return lambda v: bool(first(v)) and bool(second(v))


def _or(first: Evaluate, second: Evaluate) -> Evaluate:
    return lambda v: bool(first(v)) or bool(second(v))


def _describe(node: ast.AST) -> str:
    return {
        ast.Subscript: "indexing ([...])",
        ast.Lambda: "lambda",
        ast.List: "a list",
        ast.Dict: "a mapping",
        ast.Tuple: "a tuple",
        ast.JoinedStr: "an f-string",
        ast.NamedExpr: "assignment (:=)",
    }.get(type(node), type(node).__name__)
