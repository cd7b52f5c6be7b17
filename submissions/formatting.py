"""How figures are shown: thousands separators, and decimals by unit, as the seed papers show them.

The rounding is the template language's (planning/templates_data/README.md, "Rounding"): half up at
the unit's precision, % 1 place, WTE 2, £000 and counts whole; planning/formulas.py has it once, for
these figures, for the rules' comparisons and as the model static/js/grid.js follows.
"""

from decimal import Decimal

from planning.formulas import PLACES, places_of, round_half_up

__all__ = ["PLACES", "format_bracketed", "format_value", "neutralise"]


def format_value(value, unit, *, exact=False):
    """'159,895', '-4,227', '2.5'. `exact` keeps every decimal typed (for input cells)."""
    if value is None:
        return ""
    value = Decimal(value)
    if exact:
        text = f"{value.normalize():,f}" if value != value.to_integral_value() else f"{value:,.0f}"
        return text
    places = places_of(unit)
    rounded = round_half_up(value, places)  # never "-0"
    return f"{rounded:,.{places}f}"


def format_bracketed(value, unit):
    """Accountancy style for papers: negatives in brackets, '(1,123)'."""
    if value is None:
        return ""
    text = format_value(abs(Decimal(value)), unit)
    return f"({text})" if Decimal(value) < 0 else text


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that would start a formula in a spreadsheet (=, +, -, @) gets a leading ' so it stays
    text: the defence against formula injection for every CSV and XLSX export. Numbers, including
    negative ones written as text, are left alone."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value
