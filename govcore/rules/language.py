"""The rule language: a small, safe expression language over shared-data fields.

Why our own parser rather than ``rule-engine`` or JSON Logic:

1. **Three-valued logic.** A source that is down must make a condition
   *unknown*, not false (which would refuse) nor true (which would approve).
   Unknown propagates (Kleene logic: ``false and unknown`` is false, ``true and
   unknown`` is unknown), and the decision sends unknown to a person.
2. **Checked against our data dictionary.** Paths such as ``CA.dibao.status``
   are checked against :data:`govcore.datahub.fields.SCHEMA` (nested records and
   lists) with their types, so a misspelt field or a date compared with a
   number is an error with its position when the catalogue is loaded.
   ``rule-engine`` types a mapping's values uniformly and cannot do this.
3. **Reads like the published rule text** (``exists(CA.aged_allowance where
   status in ('ACTIVE','PENDING'))``), so reviewers compare the two easily.
4. **Explains itself.** Every comparison records the actual values, which the
   applicant's explanation and the audit trail show.

There is no ``eval``: text is tokenised, parsed into the node classes below,
type-checked, and interpreted.

Grammar (keywords are case-insensitive)::

    expr    := 'if' expr 'then' expr 'else' expr | or
    or      := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | compare
    compare := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum | 'not'? 'in' sum)?
    sum     := product (('+'|'-') product)*
    product := unary (('*'|'/') unary)*
    unary   := '-' unary | atom
    atom    := number | string | true | false | null | list | call | path | '(' expr ')'
    list    := '[' expr (',' expr)* ']'  |  '(' expr ',' expr (',' expr)* ')'
    call    := name '(' [expr (',' expr)*] ['where' expr] ')'
    path    := name ('.' name)*
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from govcore.errors import ValidationError


class RuleSyntaxError(ValidationError):
    """A rule that does not parse or type-check; ``position`` is 0-based."""

    code = "rule_invalid"

    def __init__(self, message: str, position: int, text: str) -> None:
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        super().__init__(f"第{line}行第{column}列：{message}")
        self.position = position
        self.line = line
        self.column = column
        self.detail = message


# --------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'[^'\n]*'|"[^"\n]*")
  | (?P<op>==|!=|<=|>=|[<>+\-*/().,\[\]])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in", "where", "true", "false", "null",
            "if", "then", "else"}  # fmt: skip


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, op, name, keyword, end
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise RuleSyntaxError(f"无法识别的字符 {text[position]!r}", position, text)
        kind = match.lastgroup or ""
        if kind != "ws":
            word = match.group()
            if kind == "name" and word.lower() in KEYWORDS:
                kind, word = "keyword", word.lower()
            tokens.append(Token(kind, word, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---------------------------------------------------------------------- nodes


@dataclass(eq=False)
class Node:
    position: int
    type: Any = field(default=None, init=False)  # set by the type checker


@dataclass(eq=False)
class Literal(Node):
    value: Any


@dataclass(eq=False)
class Path(Node):
    parts: tuple[str, ...]
    local: bool = field(default=False, init=False)  # an element field in 'where'

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(eq=False)
class Unary(Node):
    op: str
    operand: Node


@dataclass(eq=False)
class Binary(Node):
    op: str
    left: Node
    right: Node
    source: str = ""  # the text of the comparison, for traces


@dataclass(eq=False)
class Logical(Node):
    op: str  # and, or
    operands: list[Node]


@dataclass(eq=False)
class ListExpr(Node):
    items: list[Node]


@dataclass(eq=False)
class Call(Node):
    name: str
    args: list[Node]
    where: Node | None = None


@dataclass(eq=False)
class Conditional(Node):
    test: Node
    then: Node
    otherwise: Node


# --------------------------------------------------------------------- parser


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def error(self, message: str, token: Token | None = None) -> RuleSyntaxError:
        token = token or self.current
        found = token.text or "表达式结束"
        return RuleSyntaxError(
            f"{message}（此处为“{found}”）", token.position, self.text
        )

    def accept(self, kind: str, text: str | None = None) -> Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            self.index += 1
            return token
        return None

    def expect(self, kind: str, text: str, what: str) -> Token:
        token = self.accept(kind, text)
        if token is None:
            raise self.error(f"缺少{what}")
        return token

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise self.error("规则条件为空")
        node = self.expr()
        if self.current.kind != "end":
            raise self.error("多余的内容")
        return node

    def expr(self) -> Node:
        start = self.accept("keyword", "if")
        if start is None:
            return self.disjunction()
        test = self.expr()
        self.expect("keyword", "then", "then")
        then = self.expr()
        self.expect("keyword", "else", "else")
        return Conditional(start.position, test, then, self.expr())

    def disjunction(self) -> Node:
        return self._logical("or", self.conjunction)

    def conjunction(self) -> Node:
        return self._logical("and", self.negation)

    def _logical(self, op: str, operand: Any) -> Node:
        first = operand()
        operands = [first]
        while self.accept("keyword", op):
            operands.append(operand())
        return first if len(operands) == 1 else Logical(first.position, op, operands)

    def negation(self) -> Node:
        token = self.current
        if token.kind == "keyword" and token.text == "not":
            following = self.tokens[self.index + 1]
            if not (following.kind == "keyword" and following.text == "in"):
                self.index += 1
                return Unary(token.position, "not", self.negation())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        start = left.position
        token = self.current
        if token.kind == "op" and token.text in ("==", "!=", "<", "<=", ">", ">="):
            self.index += 1
            right = self.sum()
            return Binary(start, token.text, left, right, self._span(start))
        negate = bool(self.accept("keyword", "not"))
        if self.accept("keyword", "in"):
            right = self.sum()
            op = "not in" if negate else "in"
            return Binary(start, op, left, right, self._span(start))
        if negate:
            raise self.error("not 后应为 in")
        return left

    def _span(self, start: int) -> str:
        end = self.tokens[self.index - 1]
        return self.text[start : end.position + len(end.text)].strip()

    def sum(self) -> Node:
        node = self.product()
        while self.current.kind == "op" and self.current.text in "+-":
            op = self.current.text
            self.index += 1
            node = Binary(node.position, op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.current.kind == "op" and self.current.text in "*/":
            op = self.current.text
            self.index += 1
            node = Binary(node.position, op, node, self.unary())
        return node

    def unary(self) -> Node:
        token = self.accept("op", "-")
        if token:
            return Unary(token.position, "-", self.unary())
        return self.atom()

    def atom(self) -> Node:  # noqa: C901  (one branch per kind of atom)
        token = self.current
        if token.kind == "number":
            self.index += 1
            value = Decimal(token.text) if "." in token.text else int(token.text)
            return Literal(token.position, value)
        if token.kind == "string":
            self.index += 1
            return Literal(token.position, token.text[1:-1])
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self.index += 1
            value = {"true": True, "false": False, "null": None}[token.text]
            return Literal(token.position, value)
        if self.accept("op", "["):
            return ListExpr(token.position, self._items("]"))
        if self.accept("op", "("):
            first = self.expr()
            if self.accept("op", ","):
                return ListExpr(token.position, [first, *self._items(")")])
            self.expect("op", ")", "右括号 )")
            return first
        if token.kind == "name":
            return self.call_or_path()
        raise self.error("此处应为数值、文字、数据项或函数")

    def _items(self, closing: str) -> list[Node]:
        items: list[Node] = []
        if self.accept("op", closing):
            return items
        while True:
            items.append(self.expr())
            if self.accept("op", closing):
                return items
            self.expect("op", ",", f"逗号或 {closing}")

    def call_or_path(self) -> Node:
        name = self.current
        self.index += 1
        if self.accept("op", "("):
            args: list[Node] = []
            where = None
            if not self.accept("op", ")"):
                args.append(self.expr())
                while self.accept("op", ","):
                    args.append(self.expr())
                if self.accept("keyword", "where"):
                    where = self.expr()
                self.expect("op", ")", "右括号 )")
            return Call(name.position, name.text, args, where)
        parts = [name.text]
        while self.accept("op", "."):
            part = self.accept("name")
            if part is None:
                raise self.error("“.”后应为数据项名称")
            parts.append(part.text)
        return Path(name.position, tuple(parts))


def parse(text: str) -> Node:
    """Parse a rule expression into its node tree.

    :raise RuleSyntaxError: with the line and column of the problem.
    """
    if not isinstance(text, str):
        raise RuleSyntaxError("规则条件必须是文字", 0, "")
    return Parser(text).parse()


def iter_nodes(node: Node):  # type: ignore[no-untyped-def]
    """Every node of the tree, depth first."""
    yield node
    children: list[Node] = []
    if isinstance(node, Unary):
        children = [node.operand]
    elif isinstance(node, Binary):
        children = [node.left, node.right]
    elif isinstance(node, Logical):
        children = node.operands
    elif isinstance(node, ListExpr):
        children = node.items
    elif isinstance(node, Call):
        children = [*node.args, *([node.where] if node.where else [])]
    elif isinstance(node, Conditional):
        children = [node.test, node.then, node.otherwise]
    for child in children:
        yield from iter_nodes(child)


def literal_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    return "str"
