"""Evaluating checked rule expressions over facts, in three-valued logic.

:data:`UNKNOWN` is the value of anything that depends on a source that could
not answer. Comparisons with it are unknown; ``and``/``or`` follow Kleene's
logic; ordering a missing value (``null``) is unknown too, because "no birth
date" says nothing about age. Every comparison is recorded with its actual
values, and :attr:`Evaluation.missing` notes whether a missing value was read,
so a refusal never rests on absent data.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from govcore.rules.language import (
    Binary,
    Call,
    Conditional,
    ListExpr,
    Literal,
    Logical,
    Node,
    Path,
    Unary,
)


class _Unknown:
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; test `is UNKNOWN`")


UNKNOWN: Any = _Unknown()


@dataclass
class Comparison:
    """One comparison as evaluated: its text, the values compared, the result."""

    text: str
    left: Any
    right: Any
    result: Any


@dataclass
class Evaluation:
    """What one evaluation read and compared."""

    comparisons: list[Comparison] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # path → value read
    unknown_paths: list[str] = field(default_factory=list)
    missing: bool = False  # a null (absent) value was read


class Interpreter:
    """Evaluates nodes; ``resolve(parts)`` reads a root path from the facts.

    :param resolve: returns the value at a top-level path, ``UNKNOWN`` if its
        source could not answer, ``None`` if absent.
    :param today: the district's date of the decision.
    """

    def __init__(self, resolve: Callable[[tuple[str, ...]], Any], today: date):
        self.resolve = resolve
        self.today = today
        self.trace = Evaluation()
        self._elements: list[Mapping[str, Any]] = []

    def run(self, node: Node) -> Any:
        return getattr(self, f"_{type(node).__name__.lower()}")(node)

    def _literal(self, node: Literal) -> Any:
        return node.value

    def _path(self, node: Path) -> Any:
        if node.local:
            # The innermost element that has the field; an outer one in a
            # nested ``where`` (the checker allows both).
            value: Any = next(
                (e for e in reversed(self._elements) if node.parts[0] in e),
                self._elements[-1],
            )
            for part in node.parts:
                value = _get(value, part)
            return convert(value, node.type)
        value = convert(self.resolve(node.parts), node.type)
        self._note(node.text, value)
        return value

    def _note(self, path: str, value: Any) -> None:
        if value is UNKNOWN:
            if path not in self.trace.unknown_paths:
                self.trace.unknown_paths.append(path)
        else:
            self.trace.values[path] = value
            if value is None or value == []:
                self.trace.missing = True

    def _unary(self, node: Unary) -> Any:
        value = self.run(node.operand)
        if value is UNKNOWN:
            return UNKNOWN
        if node.op == "not":
            return None if value is None else not value
        return None if value is None else -value

    def _binary(self, node: Binary) -> Any:
        left, right = self.run(node.left), self.run(node.right)
        result = _OPERATORS[node.op](left, right)
        if node.source:
            self.trace.comparisons.append(Comparison(node.source, left, right, result))
        return result

    def _logical(self, node: Logical) -> Any:
        stop = node.op == "or"  # or stops at true, and stops at false
        unknown = False
        for operand in node.operands:
            value = self.run(operand)
            if value is UNKNOWN or value is None:
                unknown = True
            elif bool(value) is stop:
                return stop
        return UNKNOWN if unknown else not stop

    def _listexpr(self, node: ListExpr) -> Any:
        return [self.run(item) for item in node.items]

    def _conditional(self, node: Conditional) -> Any:
        test = self.run(node.test)
        if test is UNKNOWN or test is None:
            return UNKNOWN
        return self.run(node.then if test else node.otherwise)

    def _call(self, node: Call) -> Any:
        missing = self.trace.missing
        args = [self.run(arg) for arg in node.args]
        if node.name == "exists" and node.where is None:
            # exists() asks about absence: an absent value is its answer, not
            # missing data, so it does not taint a refusal.
            self.trace.missing = missing
        if any(a is UNKNOWN for a in args):
            return UNKNOWN
        if node.where is not None or node.name in ("exists", "count"):
            return self._aggregate(node, args[0])
        if any(a is None for a in args):
            return UNKNOWN  # age(null): the data is missing
        return _FUNCTIONS[node.name](self.today, *args)

    def _aggregate(self, node: Call, items: Any) -> Any:
        if node.where is None:
            if node.name == "exists":
                return items is not None and items != []
            return len(items or [])
        results = []
        for item in items or []:
            self._elements.append(item or {})
            try:
                results.append(self.run(node.where))
            finally:
                self._elements.pop()
        definite = [r for r in results if r is not UNKNOWN and r is not None]
        if node.name in ("exists", "any"):
            if any(definite):
                return True
            return UNKNOWN if len(definite) < len(results) else False
        if node.name == "all":
            if not all(definite):
                return False
            return UNKNOWN if len(definite) < len(results) else True
        if len(definite) < len(results):
            return UNKNOWN
        return sum(1 for r in definite if r)


def _get(value: Any, part: str) -> Any:
    if isinstance(value, list):
        return [_get(v, part) for v in value]
    if isinstance(value, Mapping):
        return value.get(part)
    return None


def convert(value: Any, type_: Any) -> Any:
    """A JSON value as the rules see it, by its declared type."""
    if value is None or value is UNKNOWN:
        return [] if isinstance(type_, tuple) and value is None else value
    if isinstance(type_, tuple):
        return [convert(v, type_[1]) for v in value] if isinstance(value, list) else []
    if type_ == "date" and isinstance(value, str):
        return date.fromisoformat(value[:10])
    if type_ == "datetime" and isinstance(value, str):
        return datetime.fromisoformat(value)
    if (
        type_ == "number"
        and isinstance(value, (int, float, str))
        and not isinstance(value, bool)
    ):
        return Decimal(str(value))
    return value


def _comparable(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def _equal(left: Any, right: Any, negate: bool) -> Any:
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    return (_comparable(left) == _comparable(right)) is not negate


def _order(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    def compare(left: Any, right: Any) -> Any:
        if left is UNKNOWN or right is UNKNOWN or left is None or right is None:
            return UNKNOWN
        return op(_comparable(left), _comparable(right))

    return compare


def _membership(negate: bool) -> Callable[[Any, Any], Any]:
    def member(left: Any, right: Any) -> Any:
        if left is UNKNOWN or right is UNKNOWN or UNKNOWN in right:
            return UNKNOWN
        return (left in right) is not negate

    return member


def _arithmetic(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(left: Any, right: Any) -> Any:
        if left is UNKNOWN or right is UNKNOWN or left is None or right is None:
            return UNKNOWN
        try:
            return op(left, right)
        except ArithmeticError:  # division by zero and the like
            return UNKNOWN

    return apply


def _divide(left: Any, right: Any) -> Any:
    return Decimal(left) / Decimal(right)


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: _equal(a, b, False),
    "!=": lambda a, b: _equal(a, b, True),
    "<": _order(lambda a, b: a < b),
    "<=": _order(lambda a, b: a <= b),
    ">": _order(lambda a, b: a > b),
    ">=": _order(lambda a, b: a >= b),
    "in": _membership(False),
    "not in": _membership(True),
    "+": _arithmetic(lambda a, b: a + b),
    "-": _arithmetic(lambda a, b: a - b),
    "*": _arithmetic(lambda a, b: a * b),
    "/": _arithmetic(_divide),
}


def _years(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "age": lambda today, born: _years(_comparable(born), today),
    "years_since": lambda today, d: _years(_comparable(d), today),
    "months_since": lambda today, d: _months(_comparable(d), today),
    "days_since": lambda today, d: (today - _comparable(d)).days,
    "days_until": lambda today, d: (_comparable(d) - today).days,
    "date": lambda today, text: date.fromisoformat(text),
    "add_days": lambda today, d, n: _comparable(d) + timedelta(days=n),
    "add_months": lambda today, d, n: add_months(_comparable(d), n),
    "add_years": lambda today, d, n: add_months(_comparable(d), 12 * n),
}
