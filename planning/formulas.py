"""A tiny, safe arithmetic language for template formulas and check rules.

Formulas are written in the template data files, e.g. ``fot + trend + transformation`` for a column,
``gp_referrals + other_referrals`` for a total line, or ``contingency.budget >= 0.005 *
total_income.budget`` for a rule. They are parsed once with Python's ``ast`` module and only
numbers, names (``a``, ``a.b``, ``template:a.b``), + - * /, unary minus, comparisons, ``and`` /
``or`` / ``not`` and the functions ``abs``, ``min``, ``max`` and ``sum`` are allowed: nothing is
ever ``eval``-ed. Arithmetic is Decimal; a missing (blank) operand or a division by zero gives None,
except inside ``sum(...)``, which adds its arguments counting a blank as 0 (as Excel's SUM does).

Figures are shown, and rules compare them, at the precision of their unit: ``places_of(unit)`` decimal
places ("%" 1, "WTE" 2, every other unit, £000 and counts, whole numbers), rounded half up (a half
goes away from zero: 2.25 -> 2.3, -2.25 -> -2.3) by ``round_half_up``. ``evaluate(lookup,
places=n)`` rounds both sides of every comparison so before comparing; see
planning/templates_data/README.md.
"""

import ast
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation

PLACES = {"%": 1, "WTE": 2}

FUNCTIONS = {
    "abs": lambda x: abs(x),
    "min": lambda *xs: min(xs),
    "max": lambda *xs: max(xs),
    "sum": lambda *xs: sum(xs, Decimal(0)),
}
# Functions whose blank arguments count as 0 rather than making the result blank.
BLANK_AS_ZERO = {"sum"}


def places_of(unit):
    """Decimal places a figure of `unit` is shown and compared at: % 1, WTE 2, others (£000, count) 0."""
    return PLACES.get(unit, 0)


def round_half_up(value, places):
    """`value` (a Decimal) rounded to `places` decimals, a half away from zero; None stays None."""
    if value is None:
        return None
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded  # never -0


class FormulaError(ValueError):
    """A formula that cannot be parsed or uses something not allowed."""


def _reference(node):
    """`a`, `a.b` or (written `t__a.b` after preprocessing) a reference to another template."""
    if isinstance(node, ast.Name):
        return node.id.replace("__", ":", 1) if "__" in node.id else node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{_reference(node.value)}.{node.attr}"
    raise FormulaError("Only names such as line.column can be referred to.")


class Formula:
    """A parsed formula: `names` lists what it refers to; `evaluate(lookup)` computes it."""

    def __init__(self, source):
        self.source = source.strip()
        try:
            self._tree = ast.parse(self.source.replace(":", "__"), mode="eval").body
        except SyntaxError as error:
            raise FormulaError(f"Cannot read formula {source!r}: {error.msg}") from None
        self.names = []
        self._check(self._tree)

    def __repr__(self):
        return f"Formula({self.source!r})"

    def _check(self, node):
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float) or isinstance(node.value, bool):
                raise FormulaError(f"Only numbers are allowed in {self.source!r}.")
        elif isinstance(node, ast.Name | ast.Attribute):
            name = _reference(node)
            if name not in self.names:
                self.names.append(name)
        elif isinstance(node, ast.BinOp) and isinstance(
            node.op, ast.Add | ast.Sub | ast.Mult | ast.Div
        ):
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
            self._check(node.operand)
        elif isinstance(node, ast.Compare) and all(
            isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE | ast.Eq | ast.NotEq)
            for op in node.ops
        ):
            self._check(node.left)
            for comparator in node.comparators:
                self._check(comparator)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self._check(value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS
            and not node.keywords
        ):
            for arg in node.args:
                self._check(arg)
        else:
            raise FormulaError(f"{ast.unparse(node)!r} is not allowed in {self.source!r}.")

    @property
    def required_names(self):
        """The names this formula cannot do without: those outside sum(...), where a blank makes
        the result blank (inside sum() a blank counts as 0)."""
        names = []

        def walk(node):
            if isinstance(node, ast.Call) and node.func.id in BLANK_AS_ZERO:
                return
            if isinstance(node, ast.Name | ast.Attribute):
                name = _reference(node)
                if name not in names:
                    names.append(name)
                return
            for child in ast.iter_child_nodes(node):
                walk(child)

        walk(self._tree)
        return names

    def evaluate(self, lookup, *, places=None):
        """Compute with `lookup(name)` giving a Decimal or None. None if anything needed is missing.

        With `places`, both sides of every comparison are rounded half up to that many decimals
        before they are compared, so a rule reads figures as they are shown (0.5% of 600,050 is
        3,000.25, which is 3,000 in £000: a contingency of 3,000 passes)."""
        try:
            return self._eval(self._tree, lookup, places)
        except (DivisionByZero, InvalidOperation, ZeroDivisionError):
            return None

    def _eval(self, node, lookup, places=None):
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name | ast.Attribute):
            return lookup(_reference(node))
        if isinstance(node, ast.UnaryOp):
            value = self._eval(node.operand, lookup, places)
            if value is None:
                return None
            if isinstance(node.op, ast.Not):
                return not value
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            left, right = (
                self._eval(node.left, lookup, places),
                self._eval(node.right, lookup, places),
            )
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if right == 0:
                return None
            return left / right
        if isinstance(node, ast.Compare):
            left = self._side(node.left, lookup, places)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = self._side(comparator, lookup, places)
                if left is None or right is None:
                    return None
                if not _compare(op, left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.BoolOp):
            values = [self._eval(value, lookup, places) for value in node.values]
            if any(value is None for value in values):
                return None
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.Call):
            args = [self._eval(arg, lookup, places) for arg in node.args]
            if node.func.id in BLANK_AS_ZERO:
                args = [arg for arg in args if arg is not None]
            elif any(arg is None for arg in args):
                return None
            return FUNCTIONS[node.func.id](*args)
        raise FormulaError(f"Cannot evaluate {ast.unparse(node)!r}.")  # pragma: no cover

    def _side(self, node, lookup, places):
        """One side of a comparison: rounded half up to `places` when given."""
        value = self._eval(node, lookup, places)
        if places is None or not isinstance(value, Decimal):
            return value
        return round_half_up(value, places)


def _compare(op, left, right):
    if isinstance(op, ast.Lt):
        return left < right
    if isinstance(op, ast.LtE):
        return left <= right
    if isinstance(op, ast.Gt):
        return left > right
    if isinstance(op, ast.GtE):
        return left >= right
    if isinstance(op, ast.Eq):
        return left == right
    return left != right
