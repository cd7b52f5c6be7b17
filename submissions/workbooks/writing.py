"""Workbooks we write: a return laid out like its template, and a system plan.

Every workbook we write carries hidden codes: a very hidden `_meta` sheet names the round,
template, organisation and stage, column A of each sheet holds the line codes and a hidden row
the column codes, so reading a workbook back never depends on row positions alone. Totals and
derived columns are live Excel formulas in locked cells; the cells people type in are unlocked and
carry numeric data validation. Workbooks read back are checked before openpyxl opens them: size,
zip expansion, macros; openpyxl parses XML through defusedxml, which refuses entity declarations.

Each cell is written in its unit (its column's, else its line's): £000 and counts as whole numbers
with thousands separators, WTE with two decimals, and a % cell as an Excel percentage, which Excel
holds as a fraction (2.5% is 0.025): so a percentage is written divided by 100, a formula reads a
% cell it refers to times 100, and a formula giving a % divides its result by 100.
"""

import ast
import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.datavalidation import DataValidation

from submissions.formatting import neutralise
from submissions.queries.presenters import workbook_comment
from submissions.returns.evaluation import LARGEST, is_measure

META_SHEET = "_meta"
HEADER_ROW = 4
CODE_ROW = 5  # hidden: column codes
FIRST_ROW = 6
FIRST_COLUMN = 3  # A: hidden line code, B: label
PERCENT = "%"
NUMBER_FORMATS = {"%": "0.0%", "WTE": "#,##0.00", "count": "#,##0", "£000": "#,##0;(#,##0)"}
ROUNDING_NOTE = (
    "Figures are shown rounded to their unit (£000 and counts to whole numbers, WTE to 2 decimal "
    "places, percentages to 1), but each cell holds its figure unrounded: a partner's share (a "
    "third, say) gives figures with many decimals, so the figures shown may not add up exactly to "
    "the totals shown."
)
WORKED_OUT_ELSEWHERE = (
    "Worked out by the planning service from another of this organisation's returns: it is not "
    "recalculated in this workbook."
)
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


def excel_number(value, unit):
    """A figure as a cell holds it: a float, a percentage as Excel's fraction (2.5% is 0.025)."""
    if value is None:
        return None
    value = Decimal(value)
    return float(value.scaleb(-2) if unit == PERCENT else value)


class NotAnExcelFormula(ValueError):
    """A formula this workbook cannot compute: it refers to another template's return, or to a
    cell the workbook does not hold."""


def refers_elsewhere(formula):
    """Whether a formula needs another template's figures (`qipp:total.gross`)."""
    return any(":" in name for name in formula.names)


def _name(node):
    """A name of a formula as `Formula.names` spells it: `planning.formulas` reads `qipp:x.y` as
    the Python name `qipp__x.y` (codes never hold two underscores running)."""
    return ast.unparse(node).replace("__", ":", 1)


def _is_hundred(node):
    return isinstance(node, ast.Constant) and node.value == 100


def _excel_formula(
    formula,
    ref,
    *,
    is_computed=lambda name: False,
    total=False,
    percent=lambda name: False,
    as_percent=False,
):
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
    cell is tested with ref="" (ISBLANK is false for a formula's "").

    Percentages: `percent(name)` says whether a name's cell is a % cell, which Excel holds as a
    fraction, so the formula reads it times 100, as the app does; `as_percent` says the formula's
    own cell is one, so its result is divided by 100 (a formula ending `* 100`, as variance % and
    growth % do, drops that instead): =IFERROR(((C6-D6)/C6),"") shows 2.5% where the app shows 2.5.

    Raises NotAnExcelFormula for a formula that refers to another template (`qipp:total.gross`),
    which a workbook of one return cannot compute; `ref` may raise it for a name it cannot place."""
    if refers_elsewhere(formula):
        raise NotAnExcelFormula(f"{formula.source} refers to another template")

    def walk(node):
        if isinstance(node, ast.Constant):
            return repr(node.value)
        if isinstance(node, ast.Name | ast.Attribute):
            name = _name(node)
            reference = ref(name)
            if total:
                reference = f"N({reference})"
            return f"({reference}*100)" if percent(name) else reference
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

    tree, scaled = formula._tree, False
    if as_percent and isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Mult):
        if _is_hundred(tree.right):
            tree, scaled = tree.left, True
        elif _is_hundred(tree.left):
            tree, scaled = tree.right, True
    expression = walk(tree)
    divides = "/" in expression
    if as_percent and not scaled:
        expression = f"({expression}/100)"
    if divides:
        expression = f'IFERROR({expression},"")'
    tested = [blank(name) for name in (formula.names if total else formula.required_names)]
    if not tested:
        return f"={expression}"
    condition = tested[0] if len(tested) == 1 else f"{'AND' if total else 'OR'}({','.join(tested)})"
    return f'=IF({condition},"",{expression})'


def return_workbook(ret, grid, values, saved_answers, computed=None, queries=None):
    """The return as an .xlsx laid out like its template, its typed `values` and narrative
    answers filled in. `computed` is every cell as the app works it out (`values` computed when
    not given): a formula the workbook cannot compute (one using another template's return) is
    written as the app's figure, locked, with a note saying so. Each query on the return's
    figures is a comment holding its thread, on its cell (on the line's label for a whole line);
    `queries` are `queries.selectors.threads_of(ret)` (the caller reads them)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    sheets = [
        (workbook.create_sheet(_sheet_title(s.section.title, used, s.code)), s)
        for s in grid.grid_sections
    ]
    layout = _layout(sheets)
    if computed is None:
        computed = grid.compute(values)
    for sheet, s in sheets:
        _grid_sheet(sheet, ret, grid, s, values, computed, layout)
    _query_comments(workbook, layout, queries or ())
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
    for sheet in workbook.worksheets:
        _print_setup(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class _Place:
    """Where a cell of the return is in the workbook, and what it is."""

    sheet: str
    coordinate: str
    line: object
    column: object

    @property
    def unit(self):
        return self.column.unit or self.line.unit


def _layout(sheets):
    """{(line, column): _Place} for every cell of every grid section."""
    places = {}
    for sheet, s in sheets:
        for i, line in enumerate(s.lines):
            for j, column in enumerate(s.columns):
                coordinate = f"{get_column_letter(FIRST_COLUMN + j)}{FIRST_ROW + i}"
                places[(line.code, column.code)] = _Place(sheet.title, coordinate, line, column)
    return places


def _referrer(grid, layout, sheet, line, column):
    """The names of the formula of the cell (`line`, `column`) as places: in a column formula a
    plain name is a column of the same line, in a line formula a line in the same column, and
    `line.column` is that cell wherever it is in the workbook."""

    def place(name):
        if "." in name:
            key = tuple(name.split(".", 1))
        elif column.formula:
            key = (line.code, name)
        else:
            key = (name, column.code)
        found = layout.get(key)
        if found is None:
            raise NotAnExcelFormula(f"{name} is not a cell of this workbook")
        return found

    def ref(name):
        found = place(name)
        if found.sheet == sheet.title:
            return found.coordinate
        return "'{}'!{}".format(found.sheet.replace("'", "''"), found.coordinate)

    return {
        "ref": ref,
        "is_computed": lambda name: not grid.is_input(place(name).line, place(name).column),
        "percent": lambda name: place(name).unit == PERCENT,
    }


def _grid_sheet(sheet, ret, grid, s, values, computed, layout):
    sheet["B1"] = neutralise(
        f"{ret.organisation.name}: {ret.template.name} ({ret.get_stage_display().lower()})"
    )
    sheet["B1"].font = Font(bold=True, size=14)
    guidance = f"{ret.template.round.name}. Type in the white cells; grey cells are calculated."
    units = {column.unit or line.unit for line in s.lines for column in s.columns}
    if "£000" in units:
        guidance += " Money is in £000."
    if PERCENT in units:
        guidance += " Percentages are Excel percentages: type 2.5% for two and a half per cent."
    sheet["B2"] = guidance
    sheet.cell(row=HEADER_ROW, column=2, value="Line").font = BOLD
    columns = {c.code: FIRST_COLUMN + i for i, c in enumerate(s.columns)}
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
    for i, line in enumerate(s.lines):
        row = FIRST_ROW + i
        sheet.cell(row=row, column=1, value=line.code)
        label = sheet.cell(row=row, column=2, value=neutralise(line.label))
        if line.formula:
            label.font = BOLD
        for column in s.columns:
            cell = sheet.cell(row=row, column=columns[column.code])
            unit = column.unit or line.unit
            cell.number_format = NUMBER_FORMATS.get(unit, "General")
            key = (line.code, column.code)
            if grid.is_input(line, column):
                cell.value = excel_number(values.get(key), unit)
                cell.protection = Protection(locked=False)
                cell.fill = INPUT_FILL
                negative = line.allow_negative or column.allow_negative
                kind = (negative, unit == PERCENT)
                if kind not in validations:
                    validations[kind] = _validation(negative, percent=unit == PERCENT)
                    sheet.add_data_validation(validations[kind])
                validations[kind].add(cell)
                continue
            cell.fill = TOTAL_FILL
            cell.font = BOLD if line.formula else Font()
            try:
                cell.value = _formula_of_cell(grid, layout, sheet, s, line, column)
            except NotAnExcelFormula:
                cell.value = excel_number(computed.get(key), unit)
                cell.comment = Comment(WORKED_OUT_ELSEWHERE, "Planning service")
    sheet.freeze_panes = sheet.cell(row=FIRST_ROW, column=FIRST_COLUMN)
    # On paper the column headings and the line names are on every page, like the frozen panes.
    sheet.print_title_rows = f"{HEADER_ROW}:{CODE_ROW}"
    sheet.print_title_cols = "A:B"
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


QUERY_COMMENT_LENGTH = 30_000
"""Excel holds at most 32,767 characters in a comment; a longer thread is cut, saying so."""


def _query_comments(workbook, layout, queries):
    """Each query's thread as a comment on its cell, or on the label of its line for a query on
    the whole line; a cell with more than one (or with a note already) gets them all."""
    labels = {}
    for place in layout.values():
        _, row = coordinate_from_string(place.coordinate)
        labels.setdefault(place.line.code, (place.sheet, f"B{row}"))
    for query in queries:
        if query.column_id:
            place = layout.get((query.line.code, query.column.code))
            where = place and (place.sheet, place.coordinate)
        else:
            where = labels.get(query.line.code)
        if where is None:
            continue  # a line no longer in the template's grid
        cell = workbook[where[0]][where[1]]
        text = workbook_comment(query)
        if cell.comment is not None:
            text = f"{cell.comment.text}\n\n{text}"
        if len(text) > QUERY_COMMENT_LENGTH:
            text = text[: QUERY_COMMENT_LENGTH - 40] + "\n(cut: read the rest on the query's page)"
        comment = Comment(text, "Planning service")
        comment.width, comment.height = 400, 240
        cell.comment = comment


def formula_of(grid, section, line, column):
    """The formula that works out a computed cell: its column's, else its line's; None if none."""
    if column.formula:
        return grid.column_formulas.get((section.code, column.code))
    return grid.line_formulas.get(line.code)


def _formula_of_cell(grid, layout, sheet, s, line, column):
    """The Excel formula of a computed cell; NotAnExcelFormula when the workbook cannot hold one."""
    formula = formula_of(grid, s, line, column)
    if formula is None:
        raise NotAnExcelFormula(f"{line.code}.{column.code} has no formula")
    return _excel_formula(
        formula,
        # A line's total counts a blank part as 0; a measure (a rate, or a formula naming cells)
        # is blank when a part is blank, as a derived column is.
        total=not column.formula and not is_measure(formula),
        as_percent=(column.unit or line.unit) == PERCENT,
        **_referrer(grid, layout, sheet, line, column),
    )


def _validation(negative, *, percent):
    """Excel's check on a typed cell: the app's limits, a percentage's as Excel holds it."""
    largest = LARGEST.scaleb(-2) if percent else LARGEST
    return DataValidation(
        type="decimal",
        operator="between",
        formula1=f"-{largest}" if negative else "0",
        formula2=str(largest),
        showErrorMessage=True,
        errorTitle="Not a number",
        error="Enter a number" + ("" if negative else " of 0 or more") + ".",
    )


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
    sheet.print_title_rows = f"{HEADER_ROW}:{CODE_ROW}"
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
    """A system plan: a summary sheet of system totals and one sheet per partner's contribution,
    each cell in its unit (percentages as Excel percentages), with a note that figures are shown
    rounded but held unrounded."""
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
    _note(summary, ROUNDING_NOTE)
    _plan_print_titles(summary, figures.grid)
    _plan_rows(summary, figures.grid, figures.values)
    used = {"Summary"}
    control = getattr(figures, "control_total", None)
    if control:
        _control_total_sheet(workbook.create_sheet(_sheet_title("Control total", used)), control)
    for item in plan.included:
        sheet = workbook.create_sheet(_sheet_title(item["name"], used, item["ods_code"]))
        sheet.append(
            [
                neutralise(item["name"]),
                f"share {float(item['share']):.0%}",
                f"return version {item['return_version']}",
            ]
        )
        _note(sheet, ROUNDING_NOTE)
        _plan_print_titles(sheet, figures.grid)
        _plan_rows(sheet, figures.grid, contributions.get(item["organisation_id"], {}))
    for sheet in workbook.worksheets:
        _print_setup(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _control_total_sheet(sheet, control):
    """The system control total of a finance plan (`plans.selectors.system_control_total`):
    each partner's control total and share-weighted figure, and the split, commissioners plus
    providers; a part nobody has sent is blank, not 0."""
    money = NUMBER_FORMATS["£000"]
    sheet.append(["System control total (£000)"])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    _note(
        sheet,
        "Each partner's control total weighted by its share of the system; the system control "
        "total is the commissioners' part plus the providers' part. " + ROUNDING_NOTE,
    )
    sheet.append([])
    sheet.append(["Partner", "ODS code", "Role", "Share", "Control total", "Share-weighted"])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    sheet.print_title_rows = f"{sheet.max_row}:{sheet.max_row}"
    sheet.print_title_cols = "A:A"
    for partner in control["partners"]:
        organisation = partner["organisation"]
        sheet.append(
            [
                neutralise(organisation.name),
                neutralise(organisation.ods_code),
                partner["role"],
                float(partner["share"]),  # a fraction, which Excel shows as a percentage
                excel_number(partner["control_total"], "£000"),
                excel_number(partner["weighted"], "£000"),
            ]
        )
        row = sheet.max_row
        sheet.cell(row=row, column=4).number_format = "0%"
        sheet.cell(row=row, column=5).number_format = money
        sheet.cell(row=row, column=6).number_format = money
    sheet.append([])
    for label, key in (
        ("Commissioners, share-weighted", "commissioners"),
        ("Providers, share-weighted", "providers"),
        ("System control total", "total"),
    ):
        sheet.append([label, excel_number(control[key], "£000")])
        sheet.cell(row=sheet.max_row, column=2).number_format = money
    sheet.cell(row=sheet.max_row, column=1).font = BOLD
    missing = [p["organisation"].name for p in control.get("missing", [])]
    if missing:
        sheet.append([])
        sheet.append([neutralise("No submitted control total from: " + ", ".join(missing))])
    sheet.column_dimensions["A"].width = 40


def _print_setup(sheet):
    """Printed as planners print a sheet: A4 landscape, fitted to one page wide and as many pages
    long as it needs (its print titles, set where it is laid out, repeat on each page)."""
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _plan_print_titles(sheet, grid):
    """The line names (column A) on every printed page, and the column headings when the plan
    has one section (they are the next row); with several, each section has its own headings,
    so the sheet's first row (what it is) is repeated instead."""
    sheet.print_title_cols = "A:A"
    row = sheet.max_row + 1 if len(grid.grid_sections) == 1 else 1
    sheet.print_title_rows = f"{row}:{row}"


def _note(sheet, text):
    sheet.append([text])
    sheet.cell(row=sheet.max_row, column=1).font = Font(italic=True)


def _plan_rows(sheet, grid, values):
    for s in grid.grid_sections:
        sheet.append([neutralise(s.section.title)] + [neutralise(c.label) for c in s.columns])
        for line in s.lines:
            units = [column.unit or line.unit for column in s.columns]
            sheet.append(
                [neutralise(line.label)]
                + [
                    excel_number(values.get((line.code, column.code)), unit)
                    for column, unit in zip(s.columns, units, strict=True)
                ]
            )
            for index, unit in enumerate(units, start=2):
                sheet.cell(row=sheet.max_row, column=index).number_format = NUMBER_FORMATS.get(
                    unit, "General"
                )
        sheet.append([])
