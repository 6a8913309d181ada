"""Formulas of derived indicators, parsed and evaluated without ``eval``.

A formula is arithmetic over other indicators' codes, written with "_" for "-" so it reads as
Python: ``dc_annual_kwh * dc_power_price / dc_capacity_p / 12``. Only numbers, names, + - * /
and parentheses are accepted (an ``ast`` whitelist); anything else — calls, attributes,
subscripts, powers, comparisons — is refused with a message naming what is not allowed.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from indicators.exceptions import IngestionError

MAX_LENGTH = 400

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


class FormulaError(IngestionError):
    """The formula cannot be parsed, uses something not allowed, or cannot be evaluated."""

    code = "formula_error"


def code_to_name(code: str) -> str:
    """The name an indicator code has inside formulas ("dc-power-price" -> "dc_power_price")."""
    return code.replace("-", "_")


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its text, its tree and the names (input indicators) it uses."""

    text: str
    tree: ast.Expression
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, float]) -> float:
        """The formula's value for ``values`` (name -> number); raises ``FormulaError``."""
        try:
            result = _eval(self.tree.body, values)
        except ZeroDivisionError:
            raise FormulaError(_("Division by zero in “%(f)s”.") % {"f": self.text}) from None
        if not math.isfinite(result):
            raise FormulaError(_("“%(f)s” gives no finite number.") % {"f": self.text})
        return result


def parse_formula(text: str) -> Formula:
    """Parse ``text``; raises ``FormulaError`` saying what is wrong and what is allowed."""
    text = text.strip()
    if not text:
        raise FormulaError(_("The formula is empty."))
    if len(text) > MAX_LENGTH:
        raise FormulaError(_("The formula is longer than %(n)s characters.") % {"n": MAX_LENGTH})
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(
            _("The formula “%(f)s” is not valid arithmetic (column %(col)s).")
            % {"f": text, "col": exc.offset or 0}
        ) from None
    names: set[str] = set()
    for node in ast.walk(tree.body):
        _check_node(node, text)
        if isinstance(node, ast.Name):
            names.add(node.id)
    if not names:
        raise FormulaError(_("The formula “%(f)s” uses no indicator.") % {"f": text})
    return Formula(text, tree, frozenset(names))


def _check_node(node: ast.AST, text: str) -> None:
    allowed = (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, *_BINARY, *_UNARY)
    if isinstance(node, ast.Constant) and (
        isinstance(node.value, bool) or not isinstance(node.value, int | float)
    ):
        raise FormulaError(
            _("Only numbers may appear as constants in “%(f)s”; found %(v)r.")
            % {"f": text, "v": node.value}
        )
    if not isinstance(node, allowed):
        raise FormulaError(
            _(
                "“%(f)s” uses %(what)s, which formulas may not. Use indicator codes (with _ "
                "for -), numbers, + - * / and parentheses."
            )
            % {"f": text, "what": type(node).__name__}
        )


def _eval(node: ast.expr, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        return float(values[node.id])
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_eval(node.operand, values))
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    raise FormulaError(_("Unsupported expression."))  # unreachable after parse_formula
