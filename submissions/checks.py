"""Checks on a return: errors block submission, warnings need an explanation.

Cell-level errors (not a number, NaN/Infinity, out of range, negative where not allowed) come from
`parse_cell`. Arithmetic errors for typed totals and derived cells (uploads) come from
`check_typed_derived`. The business rules live in each template's data file and are evaluated by
`check_rules`. Every message names the cell it belongs to, so pages can put it next to that cell.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from planning.formulas import Formula

LIMIT = Decimal(10) ** 12
MAX_DECIMAL_PLACES = 4
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Message:
    severity: str  # "error" or "warning"
    text: str
    line: str = ""  # line code
    column: str = ""  # column code
    key: str = ""  # for warnings: what an explanation is filed under

    @property
    def anchor(self):
        return f"cell-{self.line}-{self.column}" if self.line and self.column else ""

    @property
    def is_error(self):
        return self.severity == "error"


def parse_cell(raw, *, allow_negative=True, label="This cell"):
    """Read what a person typed: '1,234', '(1,234)', '£1,234', '2.5%'. Returns (value, error)."""
    text = (raw or "").strip()
    if not text:
        return None, None
    cleaned = text.replace(",", "").replace(" ", "").replace("\u00a0", "").replace("£", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    negative_brackets = cleaned.startswith("(") and cleaned.endswith(")")
    if negative_brackets:
        cleaned = cleaned[1:-1]
    if cleaned.lower().lstrip("+-") in {"nan", "inf", "infinity", "snan"}:
        return None, f"{label} must be a number, not {text!r}"
    if not _NUMBER.match(cleaned):
        return None, f"{label}: {text!r} is not a number"
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None, f"{label}: {text!r} is not a number"
    if negative_brackets:
        value = -value
    if abs(value) >= LIMIT:
        return None, f"{label} must be less than 1,000,000,000,000 (it is {text})"
    if value.as_tuple().exponent < -MAX_DECIMAL_PLACES:
        return None, f"{label} can have at most {MAX_DECIMAL_PLACES} decimal places"
    if value < 0 and not allow_negative:
        return None, f"{label} cannot be negative"
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return value, None


def parse_typed(grid, raw_cells):
    """Parse every typed cell of a return: returns ({(line, column): Decimal}, [Message])."""
    typed, errors = {}, []
    for line, column in grid.input_cells():
        raw = raw_cells.get((line.code, column.code))
        value, error = parse_cell(
            raw,
            allow_negative=line.allow_negative or column.allow_negative,
            label=f"{line.label}, {column.label}",
        )
        if error:
            errors.append(Message("error", error, line.code, column.code))
        elif value is not None:
            typed[(line.code, column.code)] = value
    return typed, errors


def check_computed(grid, values):
    """A total or derived cell that comes out negative where negatives are not allowed."""
    errors = []
    for s in grid.grid_sections:
        for line in s.lines:
            for column in s.columns:
                if grid.is_input(line, column):
                    continue
                value = values.get((line.code, column.code))
                allowed = line.allow_negative or column.allow_negative
                if value is not None and value < 0 and not allowed:
                    errors.append(
                        Message(
                            "error",
                            f"{line.label}, {column.label} comes to {value:,.0f}, which cannot be "
                            "negative: check the cells it is made from",
                            line.code,
                            column.code,
                        )
                    )
    return errors


def check_typed_derived(grid, typed_derived, values, tolerance=Decimal("0.5")):
    """Totals and derived cells someone typed (in an upload) must equal what they are made from."""
    errors = []
    lines = grid.lines_by_code()
    columns = grid.columns_by_key()
    sections = grid.section_of_line()
    for (line_code, column_code), typed in typed_derived.items():
        computed = values.get((line_code, column_code))
        if typed is None or computed is None or abs(typed - computed) <= tolerance:
            continue
        line = lines[line_code]
        column = columns[(sections[line_code].code, column_code)]
        if column.formula:
            text = (
                f"{line.label}: {column.label} is {typed:,} but the columns it is made from "
                f"come to {computed:,}"
            )
        else:
            text = f"{line.label}, {column.label} is {typed:,} but its parts add up to {computed:,}"
        errors.append(Message("error", text, line_code, column_code))
    return errors


def check_rules(grid, values, other_values=None):
    """The template's business rules. `other_values` maps another template's code to its values,
    for rules such as gross QIPP against the finance plan's allocation."""
    other_values = other_values or {}
    messages = []
    for rule in grid.template.rules:
        formula = Formula(rule["require"])
        if rule.get("each_line"):
            section = next(s for s in grid.grid_sections if s.code == rule["section"])
            for line in section.lines:
                ok = formula.evaluate(lambda name, line=line: values.get((line.code, name)))
                if ok is False:
                    messages.append(
                        Message(
                            rule["severity"],
                            f"{line.label}: {rule['message']}",
                            line.code,
                            rule["cell"],
                            key=f"{rule['code']}:{line.code}",
                        )
                    )
        else:
            ok = formula.evaluate(lambda name: _lookup(name, values, other_values))
            if ok is False:
                line, _, column = rule["cell"].partition(".")
                messages.append(
                    Message(rule["severity"], rule["message"], line, column, key=rule["code"])
                )
    return messages


def _lookup(name, values, other_values):
    if ":" in name:
        template_code, _, name = name.partition(":")
        values = other_values.get(template_code, {})
    line, _, column = name.partition(".")
    return values.get((line, column))
