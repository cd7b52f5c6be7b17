"""The evaluation of a return: its totals, derived columns and checks, from the typed values alone.

Nothing here reads or writes the database. A `TemplateGrid` is the shape of a template (its
sections, columns and lines, loaded by `selectors.grid_for_template`); `grid.compute(typed,
other_values)` takes the typed cells ``{(line_code, column_code): Decimal}`` (and, for measures
that read another template of the same return set, that template's computed values) and gives
every cell, typed and computed;
`evaluate(grid, typed, other_values)` adds the checks: errors block submission, warnings need an
explanation. Every message names the cell it belongs to, so pages can put it next to that cell.
The browser (static/js/grid.js) follows the same arithmetic so totals update as people type, but
this module's result is the one that is saved, checked, aggregated and printed.

Cell-level errors (not a number, NaN/Infinity, out of range, negative where not allowed) come from
`parse_cell`; arithmetic errors for typed totals and derived cells (uploads) from
`check_typed_derived`; the business rules live in each template's data file and are evaluated by
`check_rules`.

Blanks and rounding follow the template language (planning/templates_data/README.md): a total line
counts a blank part as 0 unless every part is blank; a derived column is blank when any cell it is
made from is blank (except inside ``sum(...)``) or when it divides by zero; a rule compares both
sides rounded half up to the precision of the unit of the cell it is attached to.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from planning.formulas import Formula, places_of, round_half_up


@dataclass
class GridSection:
    section: object  # planning.models.Section
    columns: list = field(default_factory=list)
    lines: list = field(default_factory=list)

    @property
    def code(self):
        return self.section.code


@dataclass
class TemplateGrid:
    template: object
    sections: list
    line_formulas: dict  # line code -> Formula
    column_formulas: dict  # (section code, column code) -> Formula

    @classmethod
    def build(cls, template, sections, columns, lines):
        """The grid of `template` from its sections, columns and lines, each in display order."""
        by_pk = {s.pk: GridSection(s) for s in sections}
        for column in columns:
            by_pk[column.section_id].columns.append(column)
        for line in lines:
            by_pk[line.section_id].lines.append(line)
        grid_sections = list(by_pk.values())
        line_formulas = {
            line.code: Formula(line.formula)
            for s in grid_sections
            for line in s.lines
            if line.formula
        }
        column_formulas = {
            (s.code, column.code): Formula(column.formula)
            for s in grid_sections
            for column in s.columns
            if column.formula
        }
        return cls(template, grid_sections, line_formulas, column_formulas)

    @property
    def grid_sections(self):
        return [s for s in self.sections if not s.section.is_narrative]

    @property
    def narrative_sections(self):
        return [s for s in self.sections if s.section.is_narrative]

    def input_cells(self):
        """(line, column) pairs a person types: not a derived column, and not a total line
        unless the column is one that totals do not add up (a rate)."""
        for s in self.grid_sections:
            for line in s.lines:
                for column in s.columns:
                    if self.is_input(line, column):
                        yield line, column

    def is_input(self, line, column):
        return not column.formula and not (line.formula and column.sums_lines)

    def lines_by_code(self):
        return {line.code: line for s in self.sections for line in s.lines}

    def columns_by_key(self):
        return {(s.code, c.code): c for s in self.sections for c in s.columns}

    def section_of_line(self):
        return {line.code: s for s in self.sections for line in s.lines}

    def unit_of(self, line_code, column_code):
        """A cell's unit: its column's if the column has one (a %), else its line's (£000)."""
        section = self.section_of_line()[line_code]
        column = next(c for c in section.columns if c.code == column_code)
        line = next(line for line in section.lines if line.code == line_code)
        return column.unit or line.unit

    def compute(self, typed, other_values=None):
        """Every cell's value: typed cells as given, totals, measures and derived columns computed.

        `other_values` maps another template's code to its computed values ``{(line, column):
        Decimal | None}``, for a line or column whose formula refers to a cell of another template
        of the same round (``qipp:total.gross``); a cell it does not give is blank.

        A total line counts a blank part as 0 when at least one of its parts has a value; when none
        has, the total is blank (None): a total of a partly filled section still means something.
        A line whose formula names a cell (``total_income.budget``, ``qipp:total.gross``) or
        divides (a rate) is a measure (`is_measure`): like a derived column it is blank when any
        cell it needs is blank, since a blank is not 0 (no QIPP plan is not 0% of allocation).
        A derived column (variance, growth %) is blank when any cell it is made from is blank: a
        blank forecast is not a forecast of 0; only parts the formula adds up with ``sum(...)`` (a
        bridge column left empty) count as 0. Division by zero (or by a blank) gives blank.
        """
        cells = _Cells(self, typed, other_values or {})
        return {
            (line.code, column.code): cells.value(line.code, column.code)
            for s in self.grid_sections
            for line in s.lines
            for column in s.columns
        }


def is_measure(formula):
    """A line formula that names a cell (``total_income.budget``, ``qipp:total.gross``) or divides
    (a rate, ``ae_within_4h / ae_attendances * 100``) is a measure, not a total: blank when any
    part it needs is blank (no QIPP plan is not 0% of allocation, no patients seen within 4 hours
    typed is not a rate of 0%). static/js/grid.js `isMeasure` decides the same way."""
    return "/" in formula.source or any(is_cell_name(name) for name in formula.names)


def is_cell_name(name):
    """A name that points at one cell (``line.column`` or ``template:line.column``), not at a line
    or column of the same row or column."""
    return "." in name or ":" in name


class _Cells:
    """The cells of one computation, each computed once, when first needed, in any order: a measure
    at the foot of the template can name a total at its head, or another template's cell."""

    def __init__(self, grid, typed, other_values):
        self.grid = grid
        self.typed = typed
        self.other_values = other_values
        self.memo = {}
        self.section_of = {line.code: s for s in grid.grid_sections for line in s.lines}
        self.columns = {
            (s.code, column.code): column for s in grid.grid_sections for column in s.columns
        }

    def value(self, line_code, column_code):
        key = (line_code, column_code)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = None  # a cycle (refused by the loader) comes out blank, not recursion
        section = self.section_of.get(line_code)
        column = section and self.columns.get((section.code, column_code))
        if column is None:
            return None
        self.memo[key] = result = self._compute(line_code, column)
        return result

    def _compute(self, line_code, column):
        grid = self.grid
        section_code = self.section_of[line_code].code
        column_formula = grid.column_formulas.get((section_code, column.code))
        if column_formula is not None:
            return column_formula.evaluate(
                lambda name: self._name(name, line_code, column.code, in_line=False)
            )
        line_formula = grid.line_formulas.get(line_code) if column.sums_lines else None
        if line_formula is None:
            return self.typed.get((line_code, column.code))
        parts = {
            name: self._name(name, line_code, column.code, in_line=True)
            for name in line_formula.names
        }
        if is_measure(line_formula):
            return line_formula.evaluate(parts.__getitem__)
        return _evaluate_blank_as_zero(line_formula, parts)

    def _name(self, name, line_code, column_code, *, in_line):
        """A name in a formula of cell (line_code, column_code): in a line formula a plain name is
        a line of the same column, in a column formula a column of the same line; ``line.column``
        is that cell; ``template:line.column`` is a cell of another template (``template:line``,
        in a line formula, that template's line in the same column)."""
        if ":" in name:
            template_code, _, rest = name.partition(":")
            line, _, column = rest.partition(".")
            values = self.other_values.get(template_code) or {}
            return values.get((line, column or column_code))
        if "." in name:
            line, _, column = name.partition(".")
            return self.value(line, column)
        if in_line:
            return self.value(name, column_code)
        return self.value(line_code, name)


def _evaluate_blank_as_zero(formula, parts):
    """A total line: blank only when every part is blank, otherwise a blank part counts as 0."""
    if all(value is None for value in parts.values()):
        return None
    zero = Decimal(0)
    return formula.evaluate(lambda name: zero if parts[name] is None else parts[name])


# Checks -------------------------------------------------------------------------------------------

# What a cell holds: at most 11 digits before the point and 4 after, 15 significant digits in all,
# which is what both databases store exactly. SQLite (the embedded default) keeps a decimal as a
# double and Django reads it back to 15 significant digits: 123456789012.3456 would come back as
# 123456789012.3460, and 999999999999.9999 as 1000000000000, which no longer fits the field.
LIMIT = Decimal(10) ** 11
MAX_DECIMAL_PLACES = 4
LARGEST = LIMIT - Decimal(10) ** -MAX_DECIMAL_PLACES  # 99,999,999,999.9999
# ASCII digits only: `\d` would also match '１', '١' and '𝟏', which Decimal reads as 1.
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
EXCERPT_LENGTH = 40


@dataclass(frozen=True)
class Message:
    severity: str  # "error" or "warning"
    text: str
    line: str = ""  # line code
    column: str = ""  # column code
    key: str = ""  # for warnings: what an explanation is filed under
    field: str = ""  # the id of the field it is about, when that is not a cell (an answer)

    @property
    def anchor(self):
        if self.field:
            return self.field
        return f"cell-{self.line}-{self.column}" if self.line and self.column else ""

    @property
    def is_error(self):
        return self.severity == "error"


def excerpt(text, limit=EXCERPT_LENGTH):
    """At most `limit` characters of what someone typed, for quoting it in a message: a message
    about a 5 MB cell quotes its start, not all of it."""
    return text if len(text) <= limit else text[:limit] + "…"


def parse_cell(raw, *, allow_negative=True, label="This cell"):
    """Read what a person typed: '1,234', '(1,234)', '£1,234', '2.5%'. Returns (value, error).

    Only the digits 0 to 9 are read (as static/js/grid.js does): '１２３' or '١٢٣' is refused, not
    stored as 123. A number is at most 99,999,999,999.9999 either side of zero, with at most 4
    decimal places, so that it comes back from either database exactly as typed (`LIMIT`); one of
    any other size or exponent ('1e1000000') is refused with a message, never an exception; a
    message quotes at most `EXCERPT_LENGTH` characters of what was typed."""
    text = (raw or "").strip()
    if not text:
        return None, None
    shown = excerpt(text)
    cleaned = text.replace(",", "").replace(" ", "").replace("\u00a0", "").replace("£", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    negative_brackets = cleaned.startswith("(") and cleaned.endswith(")")
    if negative_brackets:
        cleaned = cleaned[1:-1]
    if cleaned.lower().lstrip("+-") in {"nan", "inf", "infinity", "snan"}:
        return None, f"{label} must be a number, not {shown!r}"
    if not cleaned.isascii() and any(ch.isdigit() for ch in cleaned):
        return None, f"{label}: {shown!r} is not a number: type it with the digits 0 to 9"
    if not _NUMBER.match(cleaned):
        return None, f"{label}: {shown!r} is not a number"
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        # An exponent too large for Decimal itself ('1e99999999999999999999') lands here.
        if "e-" in cleaned.lower():
            return None, f"{label} can have at most {MAX_DECIMAL_PLACES} decimal places"
        negative = cleaned.startswith("-") != negative_brackets
        return None, _out_of_range(label, shown, negative, allow_negative)
    if negative_brackets:
        value = value.copy_negate()  # exact: `-value` rounds, and overflows past Emax
    # copy_abs and comparisons are exact and never overflow, whatever the exponent ('1e1000000').
    if value.copy_abs() >= LIMIT:
        return None, _out_of_range(label, shown, value.is_signed(), allow_negative)
    if value.as_tuple().exponent < -MAX_DECIMAL_PLACES:
        return None, f"{label} can have at most {MAX_DECIMAL_PLACES} decimal places"
    if value < 0 and not allow_negative:
        return None, f"{label} cannot be negative"
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return value, None


def _out_of_range(label, shown, negative, allow_negative):
    if negative and not allow_negative:
        return f"{label} cannot be negative"
    if negative:
        return f"{label} is too far below zero: it can be at least -{LARGEST:,} (it is {shown})"
    return f"{label} is too large: it can be at most {LARGEST:,} (it is {shown})"


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
                    places = places_of(column.unit or line.unit)
                    shown = f"{round_half_up(value, places):,.{places}f}"
                    errors.append(
                        Message(
                            "error",
                            f"{line.label}, {column.label} comes to {shown}, which cannot be "
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
    for rules such as gross QIPP against the finance plan's allocation.

    Both sides of each comparison are rounded half up to the precision of the unit of the rule's
    cell (£000: whole, %: 1 place, WTE: 2) before they are compared, as a planner reads them: 0.5% of
    600,050 is 3,000.25, shown as 3,000, so a contingency of 3,000 passes and 2,999 does not. A rule
    that needs a blank cell is not applied."""
    other_values = other_values or {}
    messages = []
    for rule in grid.template.rules:
        formula = Formula(rule["require"])
        if rule.get("each_line"):
            section = next(s for s in grid.grid_sections if s.code == rule["section"])
            column = next(c for c in section.columns if c.code == rule["cell"])
            for line in section.lines:
                ok = formula.evaluate(
                    lambda name, line=line: values.get((line.code, name)),
                    places=places_of(column.unit or line.unit),
                )
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
            line, _, column = rule["cell"].partition(".")
            ok = formula.evaluate(
                lambda name: _lookup(name, values, other_values),
                places=places_of(grid.unit_of(line, column)),
            )
            if ok is False:
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


# The whole evaluation -----------------------------------------------------------------------------


@dataclass
class Evaluation:
    grid: TemplateGrid
    typed: dict
    values: dict
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    other_values: dict = field(default_factory=dict)  # template code -> its computed values
    other_templates: dict = field(default_factory=dict)  # template code -> name, for the page


def evaluate(grid, typed, other_values=None):
    """Every cell of a return and its messages. `other_values` maps another template's code to that
    template's computed values, for rules that look across templates (QIPP against allocation)."""
    values = grid.compute(typed, other_values)
    messages = check_rules(grid, values, other_values)
    return Evaluation(
        grid=grid,
        typed=typed,
        values=values,
        errors=check_computed(grid, values) + [m for m in messages if m.is_error],
        warnings=[m for m in messages if not m.is_error],
        other_values=other_values or {},
    )


def other_template_codes(grid):
    """The codes of the other templates this template refers to (``finance:total_income.budget``),
    in its rules and in its line and column formulas."""
    formulas = [Formula(rule["require"]) for rule in grid.template.rules]
    formulas += [*grid.line_formulas.values(), *grid.column_formulas.values()]
    return {name.partition(":")[0] for formula in formulas for name in formula.names if ":" in name}


def other_template_names(grid):
    """{line code: {template code, ...}} of the lines whose formula uses another template: the
    figures a page says come from another return."""
    return {
        line_code: {name.partition(":")[0] for name in formula.names if ":" in name}
        for line_code, formula in grid.line_formulas.items()
        if any(":" in name for name in formula.names)
    }
