"""Workbooks we write: a return laid out like its template, and a system plan.

Every workbook we write carries hidden codes: a very hidden `_meta` sheet names the round,
template, organisation and stage, column A of each sheet holds the line codes and a hidden row
the column codes, so reading a workbook back never depends on row positions alone. Totals and
derived columns are live Excel formulas in locked cells; the cells people type in are unlocked and
carry numeric data validation. Workbooks read back are checked before openpyxl opens them: size,
zip expansion, macros; openpyxl parses XML through defusedxml, which refuses entity declarations.
"""

import ast
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from submissions.formatting import neutralise
from submissions.returns.evaluation import LARGEST

META_SHEET = "_meta"
HEADER_ROW = 4
CODE_ROW = 5  # hidden: column codes
FIRST_ROW = 6
FIRST_COLUMN = 3  # A: hidden line code, B: label
NUMBER_FORMATS = {"%": "0.0", "WTE": "#,##0.00", "count": "#,##0", "£000": "#,##0;(#,##0)"}
BOLD = Font(bold=True)
TOTAL_FILL = PatternFill("solid", fgColor="E8EDEE")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="005EB8")


def _sheet_title(text, used, fallback="Sheet"):
    """A sheet name Excel accepts (no []:*?/\\, 31 characters) and not yet in `used`."""
    title = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or fallback
    while title in used:
        title = title[:28] + f"_{len(used)}"
    used.add(title)
    return title


def _excel_formula(formula, ref, *, is_computed=lambda name: False, total=False):
    """Our formula as an Excel formula, with `ref(name)` giving each name's cell reference, and the
    blanks of the template language (planning/templates_data/README.md) kept, so the workbook shows
    what the app shows:

    - a derived column (`total=False`) gives "" when any cell it is made from outside sum() is
      blank (no forecast, no variance and no variance %); sum(...) is Excel's SUM, which counts a
      blank as 0: =IF(OR(ISBLANK(C6),ISBLANK(D6)),"",(C6-D6)) ;
    - a total line (`total=True`) gives "" when every part is blank, and otherwise counts a blank
      part as 0 (N() reads "" as 0): =IF(AND(ISBLANK(C6),ISBLANK(C7)),"",(N(C6)+N(C7))) ;
    - a division by zero gives "" (IFERROR), never #DIV/0! or 100%.

    `is_computed(name)` says whether a name's cell holds a formula itself, which may give "": that
    cell is tested with ref="" (ISBLANK is false for a formula's "")."""

    def walk(node):
        if isinstance(node, ast.Constant):
            return repr(node.value)
        if isinstance(node, ast.Name | ast.Attribute):
            reference = ref(ast.unparse(node))
            return f"N({reference})" if total else reference
        if isinstance(node, ast.UnaryOp):
            return f"-{walk(node.operand)}" if isinstance(node.op, ast.USub) else walk(node.operand)
        if isinstance(node, ast.BinOp):
            op = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(node.op)]
            return f"({walk(node.left)}{op}{walk(node.right)})"
        if isinstance(node, ast.Call):
            return f"{node.func.id.upper()}({','.join(walk(a) for a in node.args)})"
        raise ValueError(f"Cannot write {ast.unparse(node)} as an Excel formula")

    def blank(name):
        return f'{ref(name)}=""' if is_computed(name) else f"ISBLANK({ref(name)})"

    expression = walk(formula._tree)
    if "/" in expression:
        expression = f'IFERROR({expression},"")'
    tested = [blank(name) for name in (formula.names if total else formula.required_names)]
    if not tested:
        return f"={expression}"
    condition = tested[0] if len(tested) == 1 else f"{'AND' if total else 'OR'}({','.join(tested)})"
    return f'=IF({condition},"",{expression})'


def return_workbook(ret, grid, values, saved_answers):
    """The return as an .xlsx laid out like its template, its typed `values` and narrative
    answers filled in."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for s in grid.grid_sections:
        sheet = workbook.create_sheet(_sheet_title(s.section.title, used, s.code))
        _grid_sheet(sheet, ret, grid, s, values)
    if grid.narrative_sections:
        _narrative_sheet(workbook.create_sheet("Narrative"), ret, grid, saved_answers)
    meta = workbook.create_sheet(META_SHEET)
    for row in (
        ("round", ret.template.round.financial_year),
        ("template", ret.template.code),
        ("template_version", ret.template.version),
        ("organisation", ret.organisation.ods_code),
        ("stage", ret.stage),
        ("return_version", ret.version),
    ):
        meta.append(row)
    meta.sheet_state = "veryHidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _grid_sheet(sheet, ret, grid, s, values):
    sheet["B1"] = neutralise(
        f"{ret.organisation.name}: {ret.template.name} ({ret.get_stage_display().lower()})"
    )
    sheet["B1"].font = Font(bold=True, size=14)
    sheet["B2"] = f"{ret.template.round.name}. Type in the white cells; grey cells are calculated."
    sheet.cell(row=HEADER_ROW, column=2, value="Line").font = BOLD
    rows = {line.code: FIRST_ROW + i for i, line in enumerate(s.lines)}
    columns = {c.code: FIRST_COLUMN + i for i, c in enumerate(s.columns)}
    lines = {line.code: line for line in s.lines}
    by_code = {c.code: c for c in s.columns}
    sheet.cell(row=CODE_ROW, column=1, value="code")
    for column in s.columns:
        index = columns[column.code]
        header = sheet.cell(row=HEADER_ROW, column=index, value=neutralise(column.label))
        header.font = Font(bold=True, color="FFFFFF")
        header.fill = HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row=CODE_ROW, column=index, value=column.code)
        sheet.column_dimensions[get_column_letter(index)].width = 16
    sheet.row_dimensions[CODE_ROW].hidden = True
    sheet.row_dimensions[HEADER_ROW].height = 45
    sheet.column_dimensions["A"].hidden = True
    sheet.column_dimensions["B"].width = 48
    validations = {}
    for line in s.lines:
        row = rows[line.code]
        sheet.cell(row=row, column=1, value=line.code)
        label = sheet.cell(row=row, column=2, value=neutralise(line.label))
        if line.formula:
            label.font = BOLD
        for column in s.columns:
            cell = sheet.cell(row=row, column=columns[column.code])
            unit = column.unit or line.unit
            cell.number_format = NUMBER_FORMATS.get(unit, "General")
            if grid.is_input(line, column):
                value = values.get((line.code, column.code))
                cell.value = float(value) if value is not None else None
                cell.protection = Protection(locked=False)
                cell.fill = INPUT_FILL
                negative = line.allow_negative or column.allow_negative
                key = "signed" if negative else "positive"
                if key not in validations:
                    validations[key] = DataValidation(
                        type="decimal",
                        operator="between",
                        formula1=f"-{LARGEST}" if negative else "0",
                        formula2=str(LARGEST),
                        showErrorMessage=True,
                        errorTitle="Not a number",
                        error="Enter a number" + ("" if negative else " of 0 or more") + ".",
                    )
                    sheet.add_data_validation(validations[key])
                validations[key].add(cell)
            else:
                cell.fill = TOTAL_FILL
                cell.font = BOLD if line.formula else Font()
                if column.formula:
                    formula = grid.column_formulas[(s.code, column.code)]
                    cell.value = _excel_formula(
                        formula,
                        lambda name, row=row: f"{get_column_letter(columns[name])}{row}",
                        is_computed=lambda name, line=line: not grid.is_input(line, by_code[name]),
                    )
                else:
                    formula = grid.line_formulas[line.code]
                    letter = get_column_letter(columns[column.code])
                    cell.value = _excel_formula(
                        formula,
                        lambda name, letter=letter: f"{letter}{rows[name]}",
                        is_computed=lambda name, column=column: (
                            not grid.is_input(lines[name], column)
                        ),
                        total=True,
                    )
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=FIRST_COLUMN)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _narrative_sheet(sheet, ret, grid, saved):
    sheet["B1"] = "Narrative"
    sheet["B1"].font = Font(bold=True, size=14)
    sheet.cell(row=HEADER_ROW, column=2, value="Question").font = BOLD
    sheet.cell(row=HEADER_ROW, column=3, value="Answer").font = BOLD
    sheet.cell(row=CODE_ROW, column=3, value="answer")
    sheet.row_dimensions[CODE_ROW].hidden = True
    sheet.column_dimensions["A"].hidden = True
    sheet.column_dimensions["B"].width = 48
    sheet.column_dimensions["C"].width = 90
    row = FIRST_ROW
    for s in grid.narrative_sections:
        for line in s.lines:
            sheet.cell(row=row, column=1, value=line.code)
            sheet.cell(row=row, column=2, value=neutralise(line.label)).alignment = Alignment(
                wrap_text=True
            )
            answer = sheet.cell(row=row, column=3, value=neutralise(saved.get(line.code)))
            answer.alignment = Alignment(wrap_text=True, vertical="top")
            answer.protection = Protection(locked=False)
            row += 1
    sheet.protection.sheet = True


# System plan export ------------------------------------------------------------------------------


def plan_workbook(plan, figures, contributions):
    """A system plan: a summary sheet of system totals and one sheet per partner's contribution."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    summary.append(
        [
            neutralise(
                f"{plan.system.name}: {plan.template.name} ({plan.stage}), {plan.template.round.name}"
            )
        ]
    )
    summary.append([f"Version {plan.version}", "Approved" if plan.approved_at else "Not approved"])
    summary.append([])
    _plan_rows(summary, figures.grid, figures.values)
    used = {"Summary"}
    for item in plan.included:
        sheet = workbook.create_sheet(_sheet_title(item["name"], used, item["ods_code"]))
        sheet.append(
            [
                neutralise(item["name"]),
                f"share {float(item['share']):.0%}",
                f"return version {item['return_version']}",
            ]
        )
        sheet.append([])
        _plan_rows(sheet, figures.grid, contributions.get(item["organisation_id"], {}))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plan_rows(sheet, grid, values):
    for s in grid.grid_sections:
        sheet.append([neutralise(s.section.title)] + [neutralise(c.label) for c in s.columns])
        for line in s.lines:
            row = [neutralise(line.label)]
            for column in s.columns:
                value = values.get((line.code, column.code))
                row.append(float(value) if value is not None else None)
            sheet.append(row)
        sheet.append([])
