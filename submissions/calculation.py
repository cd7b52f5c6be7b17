"""The shape of a template as a grid, and the computation of its totals and derived columns.

`TemplateGrid.for_template` loads a template's sections, columns and lines in three queries;
`grid.compute(typed)` takes the typed cells ``{(line_code, column_code): Decimal}`` and returns every
cell, typed and computed. The browser (static/js/grid.js) follows the same rules so totals update as
people type, but the server's result is the one that is saved and checked.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from planning.formulas import Formula
from planning.models import Column, Line, Section


@dataclass
class GridSection:
    section: Section
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
    def for_template(cls, template):
        sections = {
            s.pk: GridSection(s)
            for s in Section.objects.filter(template=template).order_by("order")
        }
        for column in Column.objects.filter(section__template=template).order_by("order"):
            sections[column.section_id].columns.append(column)
        for line in Line.objects.filter(template=template).order_by("order"):
            sections[line.section_id].lines.append(line)
        grid_sections = list(sections.values())
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

    def compute(self, typed):
        """Every cell's value: typed cells as given, totals and derived columns computed.

        A blank counts as 0 when at least one of the cells a formula refers to has a value; when
        none has, the result is blank (None). Division by zero gives blank.
        """
        values = {}
        for s in self.grid_sections:
            typed_columns = [c for c in s.columns if not c.formula]
            derived_columns = [c for c in s.columns if c.formula]
            for column in typed_columns:
                memo = {}
                for line in s.lines:
                    values[(line.code, column.code)] = self._line_value(
                        line.code, column.code, typed, memo, column.sums_lines
                    )
            for line in s.lines:
                memo = {}
                for column in derived_columns:
                    values[(line.code, column.code)] = self._column_value(
                        s.code, line.code, column.code, values, memo
                    )
        return values

    def _line_value(self, line_code, column_code, typed, memo, sums_lines=True):
        if line_code in memo:
            return memo[line_code]
        formula = self.line_formulas.get(line_code) if sums_lines else None
        if formula is None:
            result = typed.get((line_code, column_code))
        else:
            parts = {
                name: self._line_value(name, column_code, typed, memo) for name in formula.names
            }
            result = _evaluate_blank_as_zero(formula, parts)
        memo[line_code] = result
        return result

    def _column_value(self, section_code, line_code, column_code, values, memo):
        if column_code in memo:
            return memo[column_code]
        formula = self.column_formulas.get((section_code, column_code))
        if formula is None:
            result = values.get((line_code, column_code))
        else:
            parts = {
                name: self._column_value(section_code, line_code, name, values, memo)
                for name in formula.names
            }
            result = _evaluate_blank_as_zero(formula, parts)
        memo[column_code] = result
        return result


def _evaluate_blank_as_zero(formula, parts):
    if all(value is None for value in parts.values()):
        return None
    zero = Decimal(0)
    return formula.evaluate(lambda name: zero if parts[name] is None else parts[name])
