"""How figures are shown: thousands separators, and decimals by unit, as the seed papers show them."""

from decimal import ROUND_HALF_UP, Decimal

PLACES = {"%": 1, "WTE": 2}


def format_value(value, unit, *, exact=False):
    """'159,895', '-4,227', '2.5'. `exact` keeps every decimal typed (for input cells)."""
    if value is None:
        return ""
    value = Decimal(value)
    if exact:
        text = f"{value.normalize():,f}" if value != value.to_integral_value() else f"{value:,.0f}"
        return text
    places = PLACES.get(unit, 0)
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # never "-0"
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
