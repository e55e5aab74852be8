"""Type-checking rule expressions against the data dictionary.

Types are the names used in :data:`govcore.datahub.fields.SCHEMA` (``str``,
``int``, ``number``, ``bool``, ``date``, ``datetime``), ``null``, ``any``,
``("list", T)`` and records (a ``dict`` of field types). Every path is
resolved, every operator and function checked, and the node annotated with
its type, which the interpreter uses to read values (an ISO string read from a
``date`` field becomes a date).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
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
    RuleSyntaxError,
    Unary,
    literal_type,
)

NUMERIC = ("int", "number")
ORDERED = ("int", "number", "date", "datetime")
TYPE_NAMES = {
    "str": "文字", "int": "整数", "number": "数值", "bool": "是/否", "date": "日期",
    "datetime": "日期时间", "null": "空值", "any": "任意",
}  # fmt: skip

#: name → (argument kinds, result type, takes a where clause)
FUNCTIONS: dict[str, tuple[tuple[str, ...], Any, bool]] = {
    "exists": (("any",), "bool", True),
    "count": (("list",), "int", True),
    "all": (("list",), "bool", True),
    "any": (("list",), "bool", True),
    "age": (("date",), "int", False),
    "years_since": (("date",), "int", False),
    "months_since": (("date",), "int", False),
    "days_since": (("date",), "int", False),
    "days_until": (("date",), "int", False),
    "date": (("str",), "date", False),
    "add_days": (("date", "int"), "date", False),
    "add_months": (("date", "int"), "date", False),
    "add_years": (("date", "int"), "date", False),
}


def describe(type_: Any) -> str:
    if isinstance(type_, tuple):
        return f"{describe(type_[1])}列表"
    if isinstance(type_, dict):
        return "记录"
    return TYPE_NAMES.get(type_, str(type_))


def is_list(type_: Any) -> bool:
    return isinstance(type_, tuple) and type_[0] == "list"


def compatible(a: Any, b: Any) -> bool:
    if "any" in (a, b) or "null" in (a, b) or a == b:
        return True
    if a in NUMERIC and b in NUMERIC:
        return True
    if {a, b} <= {"date", "datetime"}:
        return True
    if is_list(a) and is_list(b):
        return compatible(a[1], b[1])
    return False


def unify(a: Any, b: Any) -> Any:
    if a == "null" or a == "any":
        return b
    if b == "null" or b == "any":
        return a
    if a in NUMERIC and b in NUMERIC and a != b:
        return "number"
    return a


@dataclass
class Checker:
    """Checks one expression; ``roots`` maps top-level names to their types."""

    text: str
    roots: Mapping[str, Any]

    def fail(self, node: Node, message: str) -> RuleSyntaxError:
        return RuleSyntaxError(message, node.position, self.text)

    def check(self, node: Node, element: dict[str, Any] | None = None) -> Any:
        method = getattr(self, f"_{type(node).__name__.lower()}")
        node.type = method(node, element)
        return node.type

    def _literal(self, node: Literal, element: Any) -> Any:
        return literal_type(node.value)

    def _path(self, node: Path, element: dict[str, Any] | None) -> Any:
        head, *rest = node.parts
        if element is not None and head in element:
            node.local = True
            current: Any = element[head]
        elif head in self.roots:
            current = self.roots[head]
        else:
            known = "、".join(sorted(self.roots))
            raise self.fail(node, f"未知的数据项“{head}”（可用：{known}）")
        walked = head
        for part in rest:
            inner = current[1] if is_list(current) else current
            if not isinstance(inner, dict) or part not in inner:
                raise self.fail(node, f"数据项 {walked} 下没有“{part}”")
            field_type = inner[part]
            current = ("list", field_type) if is_list(current) else field_type
            walked = f"{walked}.{part}"
        return _normalise(current)

    def _unary(self, node: Unary, element: Any) -> Any:
        operand = self.check(node.operand, element)
        if node.op == "not":
            self._require(node.operand, operand, ("bool",), "not 的对象")
            return "bool"
        self._require(node.operand, operand, NUMERIC, "负号的对象")
        return operand

    def _require(self, node: Node, actual: Any, allowed: tuple[str, ...], what: str):
        if actual not in allowed and actual not in ("any", "null"):
            wanted = "或".join(describe(a) for a in allowed)
            raise self.fail(node, f"{what}应为{wanted}，实际为{describe(actual)}")

    def _binary(self, node: Binary, element: Any) -> Any:
        left = self.check(node.left, element)
        right = self.check(node.right, element)
        if node.op in ("in", "not in"):
            if not is_list(right):
                raise self.fail(node.right, "in 的右边应为列表，如 ['A', 'B']")
            if not compatible(left, right[1]):
                raise self.fail(node, f"不能在{describe(right)}中查找{describe(left)}")
            return "bool"
        if node.op in ("==", "!="):
            if not compatible(left, right):
                raise self.fail(node, f"不能比较{describe(left)}与{describe(right)}")
            return "bool"
        if node.op in ("<", "<=", ">", ">="):
            self._require(node.left, left, ORDERED, "比较的左边")
            self._require(node.right, right, ORDERED, "比较的右边")
            if not compatible(left, right):
                raise self.fail(node, f"不能比较{describe(left)}与{describe(right)}")
            return "bool"
        self._require(node.left, left, NUMERIC, f"“{node.op}”的左边")
        self._require(node.right, right, NUMERIC, f"“{node.op}”的右边")
        if node.op == "/" or "number" in (left, right):
            return "number"
        return "int"

    def _logical(self, node: Logical, element: Any) -> Any:
        for operand in node.operands:
            actual = self.check(operand, element)
            self._require(operand, actual, ("bool",), f"{node.op} 连接的条件")
        return "bool"

    def _listexpr(self, node: ListExpr, element: Any) -> Any:
        item_type: Any = "null"
        for item in node.items:
            actual = self.check(item, element)
            if not compatible(item_type, actual):
                raise self.fail(item, "列表中的值类型不一致")
            item_type = unify(item_type, actual)
        return ("list", item_type)

    def _conditional(self, node: Conditional, element: Any) -> Any:
        self._require(node.test, self.check(node.test, element), ("bool",), "if 条件")
        then = self.check(node.then, element)
        otherwise = self.check(node.otherwise, element)
        if not compatible(then, otherwise):
            raise self.fail(node, "then 与 else 的值类型不一致")
        return unify(then, otherwise)

    def _call(self, node: Call, element: Any) -> Any:
        if node.name not in FUNCTIONS:
            raise self.fail(
                node, f"未知的函数“{node.name}”（可用：{'、'.join(FUNCTIONS)}）"
            )
        kinds, result, takes_where = FUNCTIONS[node.name]
        if len(node.args) != len(kinds):
            raise self.fail(node, f"{node.name} 需要 {len(kinds)} 个参数")
        if node.where is not None and not takes_where:
            raise self.fail(node.where, f"{node.name} 不支持 where")
        if node.name in ("all", "any") and node.where is None:
            raise self.fail(node, f"{node.name} 需要 where 条件")
        types = [self.check(arg, element) for arg in node.args]
        for arg, kind, actual in zip(node.args, kinds, types):
            self._check_argument(node, arg, kind, actual)
        if node.where is not None:
            target = types[0]
            if not (is_list(target) and isinstance(target[1], dict)):
                raise self.fail(node.where, "where 只能用于记录列表")
            merged = {**(element or {}), **target[1]}
            where = self.check(node.where, merged)
            self._require(node.where, where, ("bool",), "where 条件")
        if node.name == "date":
            self._check_date_literal(node)
        return result

    def _check_argument(self, call: Call, arg: Node, kind: str, actual: Any) -> None:
        if kind == "any":
            return
        if kind == "list":
            if not is_list(actual):
                raise self.fail(arg, f"{call.name} 的参数应为列表")
            return
        if kind == "date":
            self._require(arg, actual, ("date", "datetime"), f"{call.name} 的参数")
            return
        self._require(arg, actual, (kind,), f"{call.name} 的参数")

    def _check_date_literal(self, node: Call) -> None:
        arg = node.args[0]
        if not isinstance(arg, Literal):
            raise self.fail(arg, "date() 的参数应为日期文字，如 '2026-01-01'")
        try:
            date.fromisoformat(arg.value)
        except ValueError:
            raise self.fail(arg, f"“{arg.value}”不是有效日期") from None


def _normalise(type_: Any) -> Any:
    """Schema notation to checker types: ``[{...}]`` → ``("list", {...})``."""
    if isinstance(type_, list):
        return ("list", _normalise(type_[0]))
    if isinstance(type_, dict):
        return {k: _normalise(v) for k, v in type_.items()}
    if is_list(type_):
        return ("list", _normalise(type_[1]))
    return type_


def check(text: str, node: Node, roots: Mapping[str, Any]) -> Any:
    """Type-check ``node`` (parsed from ``text``); return its type.

    :raise RuleSyntaxError: with the position of the first problem.
    """
    normalised = {name: _normalise(t) for name, t in roots.items()}
    return Checker(text, normalised).check(node)
