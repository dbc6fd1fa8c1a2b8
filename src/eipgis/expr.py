"""The ``where`` language: feature filters parsed into an allowlisted tree, never run as Python.

A ``where`` text such as ``landuse == 'DPT' and floors >= 5`` is parsed with :func:`ast.parse`
(the parser only: nothing is compiled or executed) and every node is checked against a short
allowlist; anything else is an :class:`ExprError` naming the expression and the column where the
refused part starts. The checked tree is evaluated on a frame's columns with numpy, one operation
per node over all features at once, and gives one true/false per feature.

Grammar (see "The where language" in the README)::

    expr     := expr 'or' expr | expr 'and' expr | 'not' expr | '(' expr ')'
              | value (op value)+           comparisons, chained as in a < b < c
              | value ['not'] 'in' '[' literal, ... ']'
              | value 'is' ['not'] null | isnull(value) | notnull(value)
              | value '.isna()' | value '.notna()'
              | column                      a true/false column
              | true | false
    op       := '==' | '!=' | '<' | '<=' | '>' | '>='
    value    := column | literal | value ('+' | '-' | '*' | '/' | '%') value | '-' value
              | '(' value ')'
    column   := identifier | `any text in backticks`
    literal  := 'text' | "text" | number | true | false | null   (also True, False, None)

A comparison with a missing value (null) is neither true nor false, as in SQL and QGIS: neither
``tenant == 'A'`` nor ``tenant != 'A'`` nor ``not (tenant == 'A')`` selects a feature without a
tenant; ``x == null`` and ``x != null`` are null tests. Comparing text with a number is an error.
"""

from __future__ import annotations

import ast
import math
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "ExprError", "Where", "parse_where", "select"]

#: The longest ``where`` text accepted (characters).
MAX_LENGTH = 2_000
#: The deepest nesting of operations and parentheses accepted.
MAX_DEPTH = 40

_FIX = (
    "write columns, quoted values and comparisons joined by and/or/not, e.g. "
    "\"landuse == 'DPT' and floors >= 5\" (see 'The where language' in the README)"
)
_BOOL_FIX = "write a comparison such as \"landuse == 'DPT'\""

_CMP = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%"}
_NAMED = {
    "True": True,
    "true": True,
    "False": False,
    "false": False,
    "None": None,
    "null": None,
}
_NULL_FUNCS = {"isnull": True, "isna": True, "notnull": False, "notna": False}
_NULL_METHODS = {"isna": True, "isnull": True, "notna": False, "notnull": False}

# What a refused node is, in the planner's words.
_REFUSED = {
    ast.Call: "calls are not part of the where language; the only functions are isnull(x) "
    "and notnull(x)",
    ast.Attribute: "attribute access is not part of the where language; the only ones are "
    "x.isna() and x.notna()",
    ast.Subscript: "subscripts ([...] after a value) are not part of the where language",
    ast.Lambda: "lambdas are not part of the where language",
    ast.ListComp: "comprehensions are not part of the where language",
    ast.SetComp: "comprehensions are not part of the where language",
    ast.DictComp: "comprehensions are not part of the where language",
    ast.GeneratorExp: "comprehensions are not part of the where language",
    ast.JoinedStr: "f-strings are not part of the where language; write a plain 'text'",
    ast.FormattedValue: "f-strings are not part of the where language; write a plain 'text'",
    ast.NamedExpr: "assignments (:=) are not part of the where language",
    ast.Starred: "starred values (*x) are not part of the where language",
    ast.IfExp: "'x if c else y' is not part of the where language",
    ast.Dict: "dictionaries are not part of the where language",
    ast.Set: "sets are not part of the where language; write a list [...] after 'in'",
    ast.List: "a list is allowed only after 'in' or 'not in'",
    ast.Tuple: "a list is allowed only after 'in' or 'not in'",
    ast.Await: "await is not part of the where language",
    ast.Yield: "yield is not part of the where language",
    ast.YieldFrom: "yield is not part of the where language",
    ast.Slice: "slices are not part of the where language",
}


class ExprError(InputError):
    """A ``where`` text is not in the where language, or cannot be evaluated on a layer.

    ``problem`` and ``fix`` are the two halves of the message, so that a caller can put the
    file and key in front (``scenario.yaml: operations[2].where: <problem>. Fix: <fix>.``).
    """

    def __init__(self, problem: str, fix: str = _FIX) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}. Fix: {fix}.")


# --- the checked tree -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    at: int  # 1-based character column in the text


@dataclass(frozen=True)
class _Column(_Node):
    name: str


@dataclass(frozen=True)
class _Literal(_Node):
    value: str | float | bool | None


@dataclass(frozen=True)
class _Arith(_Node):
    op: str
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Neg(_Node):
    operand: _Node


@dataclass(frozen=True)
class _Compare(_Node):
    op: str
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _In(_Node):
    operand: _Node
    items: tuple[str | float | bool, ...]
    negate: bool


@dataclass(frozen=True)
class _NullTest(_Node):
    operand: _Node
    is_null: bool


@dataclass(frozen=True)
class _Bool(_Node):
    op: str  # "and" | "or"
    parts: tuple[_Node, ...]


@dataclass(frozen=True)
class _Not(_Node):
    operand: _Node


_VALUE_NODES = (_Column, _Literal, _Arith, _Neg)
_TEST_NODES = (_Compare, _In, _NullTest, _Bool, _Not)


# --- reading the text -------------------------------------------------------------------------


def _scan(text: str) -> tuple[str, dict[int, str]]:
    """Replace each `backticked name` by a string literal of the same length.

    Returns the text for :func:`ast.parse` and the 0-based character offsets of the replaced
    names. Also refuses, with their position, the characters that only ever mean code here
    (``@``, ``;``) and a lone ``=``.
    """
    out: list[str] = []
    backticks: dict[int, str] = {}
    quote: str | None = None
    quote_at = 0
    opened: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if quote is not None:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = None
            i += 1
            continue
        if ch in "'\"":
            quote, quote_at = ch, i
        elif ch in "([{":
            opened.append(i)
        elif ch in ")]}":
            if not opened:
                raise ExprError(
                    f"{_shown(text)} cannot be read at column {i + 1} (the {ch!r} closes nothing)",
                    "remove it, or add the opening bracket",
                )
            opened.pop()
        elif ch == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise ExprError(
                    f"{_shown(text)}: the backtick at column {i + 1} is never closed",
                    "close the column name with a second backtick, e.g. `ten cong ty` == 'A'",
                )
            name = text[i + 1 : end]
            if not name.strip():
                raise ExprError(
                    f"{_shown(text)}: empty column name in backticks at column {i + 1}",
                    "write the column name between the backticks",
                )
            q = "'" if "'" not in name else '"'
            if q in name or "\\" in name or "\n" in name:
                raise ExprError(
                    f"{_shown(text)}: the column name in backticks at column {i + 1} contains quotes "
                    "of both kinds, a backslash or a line break",
                    "rename the column in the layer",
                )
            backticks[i] = name
            out.append(q + name + q)
            i = end + 1
            continue
        elif ch == "@":
            raise ExprError(
                f"{_shown(text)} is not allowed at column {i + 1} ('@' names Python variables, "
                "which are not part of the where language)"
            )
        elif ch == "#":
            raise ExprError(
                f"{_shown(text)} is not allowed at column {i + 1} (comments are not part of the "
                "where language)",
                "remove the # and what follows it, or put the note in the operation's note:",
            )
        elif ch == ";":
            raise ExprError(f"{_shown(text)} is not allowed at column {i + 1} (';' separates code)")
        elif ch == "=":
            prev = text[i - 1] if i else ""
            nxt = text[i + 1] if i + 1 < n else ""
            if prev not in "=!<>:" and nxt != "=":
                raise ExprError(
                    f"{_shown(text)}: a single '=' at column {i + 1} assigns a value instead of "
                    "comparing",
                    "use == (two equals signs) to compare, e.g. \"tenant == 'VTM'\"",
                )
        out.append(ch)
        i += 1
    if quote is not None:
        raise ExprError(
            f"{_shown(text)} cannot be read at column {quote_at + 1} (the quote is never closed)",
            f"close the text with a second {quote}",
        )
    if opened:
        raise ExprError(
            f"{_shown(text)} cannot be read at column {opened[-1] + 1} "
            f"(the {text[opened[-1]]!r} is never closed)",
            "add the closing bracket",
        )
    return "".join(out), backticks


class _Reader:
    """Turns a Python expression tree into the checked tree, refusing what is not allowed."""

    def __init__(self, text: str, backticks: dict[int, str]) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.backticks = backticks
        self.line_starts = [0]
        for line in self.lines[:-1]:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)

    def offset(self, node: ast.AST) -> int:
        """0-based character offset of a node in the whole text (ast counts UTF-8 bytes)."""
        lineno = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0) - (1 if lineno == 1 else 0)  # the added "("
        line = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        chars = len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        return self.line_starts[min(lineno, len(self.line_starts)) - 1] + chars

    def refuse(self, node: ast.AST, why: str, fix: str = _FIX) -> ExprError:
        return ExprError(
            f"{_shown(self.text)} is not allowed at column {self.offset(node) + 1} ({why})", fix
        )

    # tests give true/false per feature
    def test(self, node: ast.AST, depth: int) -> _Node:
        self._deep(node, depth)
        at = self.offset(node) + 1
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return _Bool(at, op, tuple(self.test(v, depth + 1) for v in node.values))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return _Not(at, self.test(node.operand, depth + 1))
        if isinstance(node, ast.Compare):
            return self.compare(node, depth)
        if isinstance(node, ast.Call):
            return self.null_call(node, depth)
        node_value = self.value(node, depth)
        if isinstance(node_value, _Column):
            return node_value  # a true/false column, checked on the layer
        if isinstance(node_value, _Literal) and isinstance(node_value.value, bool):
            return node_value
        raise self.refuse(node, "it gives a value, not true/false for each feature", _BOOL_FIX)

    def _deep(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise self.refuse(
                node,
                f"nested more than {MAX_DEPTH} levels deep",
                "split the expression, or select by parcel ids instead",
            )

    def null_call(self, node: ast.Call, depth: int) -> _Node:
        at = self.offset(node) + 1
        func = node.func
        if isinstance(func, ast.Name) and func.id in _NULL_FUNCS:
            if len(node.args) != 1 or node.keywords:
                raise self.refuse(node, f"{func.id}() takes one value, e.g. {func.id}(tenant)")
            return _NullTest(at, self.value(node.args[0], depth + 1), _NULL_FUNCS[func.id])
        if isinstance(func, ast.Attribute) and func.attr in _NULL_METHODS:
            if node.args or node.keywords:
                raise self.refuse(node, f".{func.attr}() takes nothing between its brackets")
            return _NullTest(at, self.value(func.value, depth + 1), _NULL_METHODS[func.attr])
        raise self.refuse(node, _REFUSED[ast.Call])

    def compare(self, node: ast.Compare, depth: int) -> _Node:
        at = self.offset(node) + 1
        operands = [node.left, *node.comparators]
        parts: list[_Node] = []
        for k, op in enumerate(node.ops):
            left_ast, right_ast = operands[k], operands[k + 1]
            if isinstance(op, ast.In | ast.NotIn):
                parts.append(
                    _In(
                        at,
                        self.value(left_ast, depth + 1),
                        self.items(right_ast),
                        isinstance(op, ast.NotIn),
                    )
                )
                continue
            left = self.value(left_ast, depth + 1)
            right = self.value(right_ast, depth + 1)
            left_null = isinstance(left, _Literal) and left.value is None
            right_null = isinstance(right, _Literal) and right.value is None
            if isinstance(op, ast.Is | ast.IsNot):
                if not right_null or left_null:
                    raise self.refuse(
                        right_ast,
                        "'is' only tests for null, as in 'tenant is null'",
                        "use == to compare values",
                    )
                parts.append(_NullTest(at, left, isinstance(op, ast.Is)))
                continue
            sign = _CMP[type(op)]
            if left_null or right_null:
                if sign not in ("==", "!=") or (left_null and right_null):
                    raise self.refuse(
                        left_ast if left_null else right_ast,
                        f"null can only be tested with == or != against a column, not {sign}",
                        "write 'x is null' or 'x is not null'",
                    )
                parts.append(_NullTest(at, right if left_null else left, sign == "=="))
                continue
            parts.append(_Compare(at, sign, left, right))
        return parts[0] if len(parts) == 1 else _Bool(at, "and", tuple(parts))

    def items(self, node: ast.AST) -> tuple[str | float | bool, ...]:
        if not isinstance(node, ast.List | ast.Tuple):
            raise self.refuse(
                node,
                "'in' needs a list of values in brackets",
                "write e.g. landuse in ['CN', 'KHO']",
            )
        values: list[str | float | bool] = []
        for item in node.elts:
            lit = self.value(item, MAX_DEPTH - 2)
            if not isinstance(lit, _Literal):
                raise self.refuse(
                    item,
                    "the list after 'in' may hold only quoted text, numbers and true/false",
                    "write e.g. landuse in ['CN', 'KHO']",
                )
            if lit.value is None:
                raise self.refuse(
                    item, "null cannot be in the list after 'in'", "add 'or x is null' instead"
                )
            values.append(lit.value)
        return tuple(values)

    # values: columns, literals and arithmetic
    def value(self, node: ast.AST, depth: int) -> _Node:
        self._deep(node, depth)
        at = self.offset(node) + 1
        if isinstance(node, ast.Name):
            name = node.id
            if name in _NAMED:
                return _Literal(at, _NAMED[name])
            if name.startswith("__"):
                raise self.refuse(
                    node,
                    "names starting with __ are not part of the where language",
                    "write a column name of the layer",
                )
            return _Column(at, name)
        if isinstance(node, ast.Constant):
            raw = node.value
            if isinstance(raw, str):
                quoted = self.backticks.get(self.offset(node))
                return _Column(at, quoted) if quoted is not None else _Literal(at, raw)
            if isinstance(raw, bool) or raw is None:
                return _Literal(at, raw)
            if isinstance(raw, int | float):
                try:
                    number = float(raw)
                except OverflowError:
                    raise self.refuse(node, "the number is too large") from None
                if not math.isfinite(number):
                    raise self.refuse(node, "the number is too large")
                return _Literal(at, number)
            raise self.refuse(
                node, f"{type(raw).__name__} values are not part of the where language"
            )
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.value(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(operand, _Literal) and isinstance(operand.value, float):
                return _Literal(at, -operand.value)
            return _Neg(at, operand)
        if isinstance(node, ast.BinOp):
            sign = _ARITH.get(type(node.op))
            if sign is None:
                raise self.refuse(
                    node,
                    "only + - * / % are allowed between numbers",
                    "write the calculation with + - * / %",
                )
            return _Arith(
                at, sign, self.value(node.left, depth + 1), self.value(node.right, depth + 1)
            )
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name)
            and node.func.id in _NULL_FUNCS
            or isinstance(node.func, ast.Attribute)
            and node.func.attr in _NULL_METHODS
        ):
            raise self.refuse(node, _REFUSED[ast.Call])
        if isinstance(node, ast.Compare | ast.BoolOp | ast.Call) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        ):
            raise self.refuse(
                node,
                "a true/false test is used as a value",
                "join tests with and/or, e.g. \"landuse == 'CN' and tenant == 'A'\"",
            )
        if isinstance(node, ast.UnaryOp):
            raise self.refuse(node, "only - (minus) may stand before a number")
        why = _REFUSED.get(type(node), f"{type(node).__name__} is not part of the where language")
        raise self.refuse(node, why)


@dataclass(frozen=True)
class Where:
    """A checked ``where`` expression; :meth:`mask` evaluates it on a frame's columns."""

    text: str
    _tree: _Node

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names the expression reads, in order of appearance."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, _Column):
                if node.name not in found:
                    found.append(node.name)
            elif isinstance(node, _Node):
                for value in vars(node).values():
                    for part in value if isinstance(value, tuple) else (value,):
                        walk(part)

        walk(self._tree)
        return tuple(found)

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """One bool per row of ``frame`` (a numpy array); a missing value never selects a row.

        Raises
        ------
        ExprError
            When a column is unknown, text is compared with a number, arithmetic meets text, or
            a bare column is not true/false.
        """
        import numpy as np

        evaluator = _Evaluator(self.text, frame)
        true, _false = evaluator.test(self._tree)
        return np.asarray(true, dtype=bool)


def parse_where(text: str) -> Where:
    """Check a ``where`` text and return it ready to evaluate; nothing in it is ever run.

    Raises
    ------
    ExprError
        Naming the expression, the column (1-based character position) of the refused part and
        why, e.g. ``"__import__('os')" is not allowed at column 1 (calls are not part of the
        where language; ...)``.

    Examples
    --------
    >>> parse_where("landuse in ['CN', 'KHO'] and tenant is not null").columns
    ('landuse', 'tenant')
    """
    if not isinstance(text, str):
        raise ExprError(f"{repr(text)[:100]} is not text", _BOOL_FIX)
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"the expression is {len(text):,} characters long (at most {MAX_LENGTH:,})",
            "select by parcel ids, or split the operation in two",
        )
    if not text.strip():
        raise ExprError("the expression is empty", _BOOL_FIX)
    if "\x00" in text:
        raise ExprError(
            f"{_shown(text)} is not allowed at column {text.index(chr(0)) + 1} (a NUL character)"
        )
    source, backticks = _scan(text)
    try:
        # In brackets, so that leading spaces and line breaks (YAML block text) are fine
        tree = ast.parse("(" + source + "\n)", mode="eval")
    except SyntaxError as exc:
        lines = text.split("\n")
        lineno = exc.lineno or 1
        offset = (exc.offset or 0) - (1 if lineno == 1 else 0)
        if lineno > len(lines):  # at the closing bracket added above: the text ends too soon
            lineno, offset = len(lines), len(lines[-1]) + 1
        line = f"line {lineno}, " if lineno > 1 else ""
        at = f" at {line}column {max(offset, 1)}" if exc.offset else ""
        raise ExprError(f"{_shown(text)} cannot be read{at} ({exc.msg})") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError(
            f"{_shown(text)} cannot be read (nested too deeply or too large)",
            "split the expression, or select by parcel ids instead",
        ) from None
    reader = _Reader(text, backticks)
    return Where(text, reader.test(tree.body, 0))


def select(frame: pd.DataFrame, text: str) -> np.ndarray:
    """The rows of ``frame`` that ``text`` selects, as a bool array (see :func:`parse_where`)."""
    return parse_where(text).mask(frame)


# --- evaluation -------------------------------------------------------------------------------


@dataclass
class _Value:
    kind: str  # "number" | "text" | "bool" | "empty" | "mixed" | "other"
    data: Any  # ndarray (per row) or a scalar
    known: Any  # ndarray of bool, or True for a literal
    label: str  # how to name it in a message


_KIND_WORDS = {
    "number": "a number",
    "text": "text",
    "bool": "true/false",
    "mixed": "mixed values",
    "other": "values that are not text, numbers or true/false",
    "empty": "only missing values",
}


class _Evaluator:
    def __init__(self, text: str, frame: pd.DataFrame) -> None:
        self.text = text
        self.frame = frame
        self.n = len(frame)

    def fail(self, node: _Node, problem: str, fix: str) -> ExprError:
        return ExprError(f"{_shown(self.text)}, column {node.at}: {problem}", fix)

    # tests: (true, false) masks; a row in neither is unknown (a missing value took part)
    def test(self, node: _Node) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        if isinstance(node, _Bool):
            parts = [self.test(p) for p in node.parts]
            trues = [p[0] for p in parts]
            falses = [p[1] for p in parts]
            if node.op == "and":
                return np.logical_and.reduce(trues), np.logical_or.reduce(falses)
            return np.logical_or.reduce(trues), np.logical_and.reduce(falses)
        if isinstance(node, _Not):
            true, false = self.test(node.operand)
            return false, true
        if isinstance(node, _NullTest):
            value = self.value(node.operand)
            known = self._rows(value.known)
            return (~known, known) if node.is_null else (known, ~known)
        if isinstance(node, _In):
            return self.isin(node)
        if isinstance(node, _Compare):
            return self.compare(node)
        value = self.value(node)
        if isinstance(node, _Literal):
            flag = bool(value.data)
            return np.full(self.n, flag), np.full(self.n, not flag)
        if value.kind not in ("bool", "empty"):
            raise self.fail(
                node,
                f"{value.label} holds {_KIND_WORDS[value.kind]}, not true/false for each feature",
                _BOOL_FIX,
            )
        known = self._rows(value.known)
        data = np.asarray(value.data, dtype=object)
        true = known & (data == True)  # elementwise
        return true, known & ~true

    def _rows(self, known: Any) -> np.ndarray:
        import numpy as np

        return np.broadcast_to(np.asarray(known, dtype=bool), (self.n,)).copy()

    def isin(self, node: _In) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np
        import pandas as pd

        value = self.value(node.operand)
        kinds = {_literal_kind(v) for v in node.items}
        for kind in kinds:
            self._comparable(node, value, _Value(kind, None, True, "the list"), "in")
        known = self._rows(value.known)
        data = np.broadcast_to(np.asarray(value.data, dtype=object), (self.n,))
        items = [unicodedata.normalize("NFC", v) if isinstance(v, str) else v for v in node.items]
        if value.kind == "text":
            data = pd.Series(data, dtype=object).str.normalize("NFC").to_numpy(dtype=object)
        hit = known & pd.Series(data).isin(items).to_numpy()
        if node.negate:
            return known & ~hit, hit
        return hit, known & ~hit

    def compare(self, node: _Compare) -> tuple[np.ndarray, np.ndarray]:
        import operator

        import numpy as np

        left = self.value(node.left)
        right = self.value(node.right)
        self._comparable(node, left, right, node.op)
        known = self._rows(left.known) & self._rows(right.known)
        fn = {
            "==": operator.eq,
            "!=": operator.ne,
            "<": operator.lt,
            "<=": operator.le,
            ">": operator.gt,
            ">=": operator.ge,
        }[node.op]
        if "number" in (left.kind, right.kind) and "mixed" not in (left.kind, right.kind):
            a, b = _floats(left.data), _floats(right.data)
        else:
            a, b = _objects(left.data, left.known), _objects(right.data, right.known)
        with np.errstate(all="ignore"):
            result = np.broadcast_to(np.asarray(fn(a, b), dtype=bool), (self.n,))
        return known & result, known & ~result

    def _comparable(self, node: _Node, left: _Value, right: _Value, sign: str) -> None:
        kinds = {left.kind, right.kind} - {"empty"}
        if len(kinds) <= 1 and "other" not in kinds:
            if kinds == {"mixed"} and sign not in ("==", "!=", "in"):
                raise self.fail(
                    node,
                    f"{left.label} holds mixed text and numbers, which cannot be ordered with {sign}",
                    "use == or in, or clean the column so that it holds only numbers",
                )
            if kinds == {"bool"} and sign not in ("==", "!=", "in"):
                raise self.fail(
                    node,
                    f"true/false values cannot be ordered with {sign}",
                    "use == true or == false",
                )
            return
        if "mixed" in kinds and sign in ("==", "!=", "in") and "other" not in kinds:
            return
        raise self.fail(
            node,
            f"{left.label} ({_KIND_WORDS[left.kind]}) cannot be compared with {right.label} "
            f"({_KIND_WORDS[right.kind]})",
            "compare text with 'quoted text' and numbers with numbers (quote the number if "
            "the column holds text, e.g. plot_id == '5')",
        )

    def value(self, node: _Node) -> _Value:
        import numpy as np

        if isinstance(node, _Literal):
            v = unicodedata.normalize("NFC", node.value) if isinstance(node.value, str) else node.value
            label = "null" if v is None else repr(v) if isinstance(v, str) else _fmt(v)
            kind = "empty" if v is None else _literal_kind(v)
            return _Value(kind, v, v is not None, label)
        if isinstance(node, _Column):
            return self.column(node)
        if isinstance(node, _Neg):
            operand = self.value(node.operand)
            self._numeric(node, operand, "-")
            return _Value("number", -_floats(operand.data), operand.known, f"-{operand.label}")
        assert isinstance(node, _Arith)
        left = self.value(node.left)
        right = self.value(node.right)
        self._numeric(node, left, node.op)
        self._numeric(node, right, node.op)
        a, b = _floats(left.data), _floats(right.data)
        with np.errstate(all="ignore"):
            if node.op == "+":
                out = a + b
            elif node.op == "-":
                out = a - b
            elif node.op == "*":
                out = a * b
            elif node.op == "/":
                out = a / b
            else:
                out = np.mod(a, b)
        known = np.asarray(left.known, dtype=bool) & np.asarray(right.known, dtype=bool)
        known = known & np.isfinite(out)  # division by zero gives a missing value
        return _Value("number", out, known, f"{left.label} {node.op} {right.label}")

    def _numeric(self, node: _Node, value: _Value, sign: str) -> None:
        if value.kind not in ("number", "empty"):
            raise self.fail(
                node,
                f"{sign} works on numbers only, and {value.label} holds {_KIND_WORDS[value.kind]}",
                "do arithmetic on numeric columns only (e.g. floors * 3.5 > 20)",
            )

    def column(self, node: _Column) -> _Value:
        import numpy as np
        import pandas as pd

        frame = self.frame
        name = node.name
        if name not in frame.columns:
            wanted = unicodedata.normalize("NFKC", name)
            same = [c for c in frame.columns if unicodedata.normalize("NFKC", str(c)) == wanted]
            if not same:
                geometry = getattr(getattr(frame, "geometry", None), "name", None)
                names = [str(c) for c in frame.columns if c != geometry]
                raise self.fail(
                    node,
                    f"no column '{name}' in the layer",
                    "use one of its columns: "
                    + (", ".join(names) or "(it has none)")
                    + " (write `a name` in backticks when it has spaces)",
                )
            name = same[0]
        series = frame[name]
        if isinstance(series, pd.DataFrame):
            raise self.fail(node, f"the layer has two columns named '{name}'", "rename one")
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        label = f"column '{name}'"
        known = ~pd.isna(series).to_numpy(dtype=bool)
        dtype = series.dtype
        if pd.api.types.is_bool_dtype(dtype):
            return _Value("bool", series.to_numpy(dtype=object, na_value=None), known, label)
        if pd.api.types.is_numeric_dtype(dtype):
            data = series.to_numpy(dtype=float, na_value=np.nan)
            return _Value("number", data, known & ~np.isnan(data), label)
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind in ("string", "unicode"):
            # Vietnamese typed on macOS arrives decomposed (NFD): compare in one form (NFC).
            text = series.astype(object).str.normalize("NFC")
            return _Value("text", text.to_numpy(dtype=object), known, label)
        if kind == "empty":
            return _Value("empty", np.full(len(series), None, dtype=object), known, label)
        if kind == "boolean":
            return _Value("bool", series.to_numpy(dtype=object), known, label)
        if kind in ("integer", "floating", "mixed-integer-float", "decimal"):
            data = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            return _Value("number", data, known & ~np.isnan(data), label)
        if kind in ("mixed", "mixed-integer"):
            return _Value("mixed", series.to_numpy(dtype=object), known, label)
        return _Value("other", series.to_numpy(dtype=object), known, label)


def _shown(text: str) -> str:
    """The expression as quoted in a message (the start of a very long one)."""
    return repr(text) if len(text) <= 120 else repr(text[:100]) + f"… ({len(text):,} characters)"


def _literal_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "text"
    return "number"


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _floats(data: Any) -> Any:
    import numpy as np

    if isinstance(data, np.ndarray):
        return data.astype(float, copy=False)
    return float("nan") if data is None else float(data)


def _objects(data: Any, known: Any) -> Any:
    """Values to compare elementwise, missing ones replaced so that no comparison raises."""
    import numpy as np

    if not isinstance(data, np.ndarray):
        return data
    out = data.astype(object, copy=True)
    out[~np.asarray(known, dtype=bool)] = ""
    return out
