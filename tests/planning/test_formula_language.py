"""The formula language of templates and rules at its edges: unary minus, `and` / `or` / `not`
with blanks, each comparison at equality and on either side, Python's precedence, and what is
refused. Each case is small enough to check by hand; planning/formulas.py is the subject."""

from decimal import Decimal

import pytest

from planning.formulas import Formula, FormulaError


def evaluate(source, places=None, **values):
    """`source` evaluated with the named values (numbers, or None for a blank cell)."""
    cells = {name: None if value is None else Decimal(str(value)) for name, value in values.items()}
    return Formula(source).evaluate(cells.get, places=places)


# Unary minus -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, expected",
    [
        ("-x", Decimal(-7)),
        ("- - x", Decimal(7)),
        ("-(-x)", Decimal(7)),
        ("--x", Decimal(7)),
        ("+x", Decimal(7)),
        ("-+x", Decimal(-7)),
        ("-(a + b)", Decimal(-5)),  # not -a + b = -1
        ("-a + b", Decimal(1)),
        ("a - -b", Decimal(5)),
        ("a--b", Decimal(5)),
        ("-a * b", Decimal(-6)),
        ("-a * -b", Decimal(6)),
        ("a * -b", Decimal(-6)),
        ("-a / b", Decimal("-0.6666666666666666666666666667")),
        ("abs(-x)", Decimal(7)),
        ("max(-a, -b)", Decimal(-2)),
        ("min(-a, -b)", Decimal(-3)),
        ("sum(-a, -b)", Decimal(-5)),
        ("-x - -x", Decimal(0)),
    ],
)
def test_unary_minus_negates_what_follows_it(source, expected):
    assert evaluate(source, x=7, a=2, b=3) == expected


def test_unary_minus_of_a_negative_figure_is_positive():
    assert evaluate("-x", x=-250) == Decimal(250)
    assert evaluate("-(a - b)", a=1, b=4) == Decimal(3)


def test_unary_minus_of_a_blank_is_blank_and_inside_sum_counts_as_nothing():
    assert evaluate("-x", x=None) is None
    assert evaluate("- - x", x=None) is None
    assert evaluate("-(a + b)", a=1, b=None) is None
    assert evaluate("sum(-a, b)", a=None, b=4) == Decimal(4)


def test_unary_minus_binds_tighter_than_a_comparison():
    assert evaluate("-x < 0", x=1) is True
    assert evaluate("-x < 0", x=-1) is False
    assert evaluate("-x >= -y", x=2, y=3) is True  # -2 >= -3
    assert evaluate("-(x - y) > 0", x=2, y=3) is True


# and, or, not ------------------------------------------------------------------------------------

TRUTH = [(True, True), (True, False), (False, True), (False, False)]


@pytest.mark.parametrize("p, q", TRUTH)
def test_and_holds_only_when_both_sides_hold(p, q):
    # a > 0 is p, b > 0 is q.
    assert evaluate("a > 0 and b > 0", a=1 if p else -1, b=1 if q else -1) is (p and q)


@pytest.mark.parametrize("p, q", TRUTH)
def test_or_holds_when_either_side_holds(p, q):
    assert evaluate("a > 0 or b > 0", a=1 if p else -1, b=1 if q else -1) is (p or q)


@pytest.mark.parametrize("p", [True, False])
def test_not_turns_a_comparison_round(p):
    assert evaluate("not a > 0", a=1 if p else -1) is (not p)
    assert evaluate("not not a > 0", a=1 if p else -1) is p


def test_not_of_a_figure_holds_only_for_zero():
    assert evaluate("not x", x=0) is True
    assert evaluate("not x", x="0.00") is True
    assert evaluate("not x", x=5) is False
    assert evaluate("not x", x=-5) is False


@pytest.mark.parametrize(
    "source",
    [
        "a > 0 and b > 0",
        "b > 0 and a > 0",
        "a > 0 or b > 0",
        "b > 0 or a > 0",
        "a < 0 and b > 0",  # false whatever b is, still blank: the rule is not applied
        "a > 0 or b > 0 or c > 0",
        "not b > 0",
        "not b",
        "a > 0 and not b",
    ],
)
def test_a_blank_anywhere_in_and_or_not_leaves_the_rule_unapplied(source):
    """A blank never counts as true or as false: the rule waits until every figure is there (so it
    cannot fire, or be satisfied, on a half-filled return). static/js/grid.js does the same."""
    assert evaluate(source, a=1, b=None, c=1) is None


def test_three_way_and_and_or_look_at_every_part():
    assert evaluate("a > 0 and b > 0 and c > 0", a=1, b=1, c=1) is True
    assert evaluate("a > 0 and b > 0 and c > 0", a=1, b=1, c=-1) is False
    assert evaluate("a > 0 and b > 0 and c > 0", a=-1, b=1, c=1) is False
    assert evaluate("a > 0 or b > 0 or c > 0", a=-1, b=-1, c=1) is True
    assert evaluate("a > 0 or b > 0 or c > 0", a=-1, b=-1, c=-1) is False


def test_and_or_give_true_or_false_not_one_of_their_figures():
    assert evaluate("a and b", a=2, b=3) is True
    assert evaluate("a or b", a=0, b=3) is True
    assert evaluate("a and b", a=0, b=3) is False


# Comparisons: each operator below, at and above the other side ----------------------------------

COMPARISONS = [
    # operator, holds when left < right, left == right, left > right
    ("<", True, False, False),
    ("<=", True, True, False),
    (">", False, False, True),
    (">=", False, True, True),
    ("==", False, True, False),
    ("!=", True, False, True),
]


@pytest.mark.parametrize("op, below, equal, above", COMPARISONS)
def test_each_comparison_at_equality_and_either_side(op, below, equal, above):
    source = f"a {op} b"
    assert evaluate(source, a="99.99", b=100) is below
    assert evaluate(source, a=100, b=100) is equal
    assert evaluate(source, a="100.01", b=100) is above


@pytest.mark.parametrize("op, below, equal, above", COMPARISONS)
def test_each_comparison_of_negative_figures(op, below, equal, above):
    source = f"a {op} b"
    assert evaluate(source, a=-101, b=-100) is below
    assert evaluate(source, a=-100, b=-100) is equal
    assert evaluate(source, a=-99, b=-100) is above


@pytest.mark.parametrize("op", [op for op, *_ in COMPARISONS])
def test_a_comparison_with_a_blank_side_is_blank(op):
    assert evaluate(f"a {op} b", a=None, b=1) is None
    assert evaluate(f"a {op} b", a=1, b=None) is None


@pytest.mark.parametrize("op, below, equal, above", COMPARISONS)
def test_each_comparison_rounds_both_sides_when_given_places(op, below, equal, above):
    # At 1 place 4.96 and 5.04 are both 5.0: equal. Exactly, they are below and above.
    assert evaluate(f"a {op} b", places=1, a="4.96", b="5.04") is equal
    assert evaluate(f"a {op} b", a="4.96", b="5.04") is below
    assert evaluate(f"a {op} b", places=1, a="4.94", b="5") is below
    assert evaluate(f"a {op} b", places=1, a="5.05", b="5") is above


def test_a_chained_comparison_holds_only_when_every_link_holds():
    assert evaluate("0 <= a <= 100", a=0) is True
    assert evaluate("0 <= a <= 100", a=100) is True
    assert evaluate("0 <= a <= 100", a="100.5") is False
    assert evaluate("0 <= a <= 100", a=-1) is False
    assert evaluate("a < b < c", a=1, b=3, c=2) is False  # a < b holds, b < c does not
    assert evaluate("a < b < c", a=1, b=2, c=None) is None


# Precedence, as Python's: or < and < not < comparisons < + - < * / < unary minus -----------------


@pytest.mark.parametrize(
    "a, b, c, d, expected",
    [
        (1, 2, 2, 0, True),  # 3 > 2 and not 0
        (1, 2, 2, 5, False),  # not 5 is false
        (1, 1, 2, 0, False),  # 2 > 2 is false
        (0, 3, 2, 0, True),
    ],
)
def test_sum_then_comparison_then_not_then_and(a, b, c, d, expected):
    assert evaluate("a + b > c and not d", a=a, b=b, c=c, d=d) is expected


def test_and_binds_tighter_than_or():
    # a > 0 or (b > 0 and c > 0): true because a > 0, although c > 0 is false.
    assert evaluate("a > 0 or b > 0 and c > 0", a=1, b=1, c=-1) is True
    # (a > 0 or b > 0) and c > 0 would be false here; brackets say so.
    assert evaluate("(a > 0 or b > 0) and c > 0", a=1, b=1, c=-1) is False
    assert evaluate("a > 0 and b > 0 or c > 0", a=-1, b=1, c=1) is True


def test_not_applies_to_the_whole_comparison_and_not_to_the_left_figure():
    # not (a == b); read as (not a) == b, 2 and 3 would give False == 3, false.
    assert evaluate("not a == b", a=2, b=3) is True
    assert evaluate("not a == b", a=3, b=3) is False


def test_multiplication_before_addition_and_brackets_first():
    assert evaluate("a + b * c", a=1, b=2, c=3) == 7
    assert evaluate("(a + b) * c", a=1, b=2, c=3) == 9
    assert evaluate("a - b - c", a=10, b=3, c=2) == 5  # left to right, not 10 - (3 - 2)
    assert evaluate("a / b / c", a=12, b=3, c=2) == 2
    assert evaluate("a + b * c >= 0.04 * d", a=1, b=1, c=3, d=100) is True  # 4 >= 4


# What the language refuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "a ** 2",
        "a // 2",
        "a % 2",
        "a & b",
        "a | b",
        "a ^ b",
        "~a",
        "a << 1",
        "a is b",
        "a is not b",
        "a in b",
        "a not in b",
        "True",
        "a > 0 and False",
        "None",
        "max(a, key=b)",
        "sum(*a)",
        "round(a)",
        "a.b()",
        "a[0]",
        "lambda: 1",
        "(a := 1)",
        "x.y.z",
        "1j",
        "f'{a}'",
    ],
)
def test_anything_beyond_the_language_is_refused_when_the_template_is_read(source):
    with pytest.raises(FormulaError):
        Formula(source)


def test_a_reference_to_another_template_is_named_as_written_by_required_names():
    formula = Formula("qipp:total.gross / total_income.budget * 100")

    assert formula.required_names == formula.names == ["qipp:total.gross", "total_income.budget"]
