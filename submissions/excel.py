"""Excel round trip: a return as a workbook laid out like its template, and a completed workbook
read back into a preview of its changes; and a system plan as a workbook.

Every workbook we write carries hidden codes: a very hidden `_meta` sheet names the round,
template, organisation and stage, column A of each sheet holds the line codes and a hidden row
the column codes, so reading a workbook back never depends on row positions alone. Totals and
derived columns are live Excel formulas in locked cells; the cells people type in are unlocked and
carry numeric data validation. Workbooks read back are checked before openpyxl opens them: size,
zip expansion, macros; openpyxl parses XML through defusedxml, which refuses entity declarations.
"""

import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .calculation import TemplateGrid
from .checks import Message, check_typed_derived, parse_cell
from .formatting import format_value, neutralise
from .selectors import answers, typed_values

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


def _excel_formula(formula, ref):
    """Our formula as an Excel formula, with `ref(name)` giving each name's cell reference."""
    import ast

    def walk(node):
        if isinstance(node, ast.Constant):
            return repr(node.value)
        if isinstance(node, ast.Name | ast.Attribute):
            return ref(ast.unparse(node))
        if isinstance(node, ast.UnaryOp):
            return f"-{walk(node.operand)}" if isinstance(node.op, ast.USub) else walk(node.operand)
        if isinstance(node, ast.BinOp):
            op = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(node.op)]
            return f"({walk(node.left)}{op}{walk(node.right)})"
        if isinstance(node, ast.Call):
            return f"{node.func.id.upper()}({','.join(walk(a) for a in node.args)})"
        raise ValueError(f"Cannot write {ast.unparse(node)} as an Excel formula")

    expression = walk(formula._tree)
    return f'=IFERROR({expression},"")' if "/" in expression else f"={expression}"


def return_workbook(ret):
    """The return as an .xlsx laid out like its template, current values filled in."""
    grid = TemplateGrid.for_template(ret.template)
    values = typed_values(ret)
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for s in grid.grid_sections:
        sheet = workbook.create_sheet(_sheet_title(s.section.title, used, s.code))
        _grid_sheet(sheet, ret, grid, s, values)
    if grid.narrative_sections:
        _narrative_sheet(workbook.create_sheet("Narrative"), ret, grid, answers(ret))
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
                        formula1="-999999999999" if negative else "0",
                        formula2="999999999999",
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
                        formula, lambda name, row=row: f"{get_column_letter(columns[name])}{row}"
                    )
                else:
                    formula = grid.line_formulas[line.code]
                    letter = get_column_letter(columns[column.code])
                    cell.value = _excel_formula(
                        formula, lambda name, letter=letter: f"{letter}{rows[name]}"
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


# Reading a completed workbook ----------------------------------------------------------------------


class WorkbookRejected(ValueError):
    """The file cannot be read as this return's workbook; the message says why."""


@dataclass
class UploadPreview:
    changes: list = field(default_factory=list)  # {"ref", "line", "column", "old", "new", "raw"}
    errors: list = field(default_factory=list)  # Message with text "Sheet!C7: ..."
    raw_cells: dict = field(default_factory=dict)  # what to save: {(line, column): text}
    raw_answers: dict = field(default_factory=dict)


def check_file(name, data):
    """Refuse what is not a safe .xlsx before any XML is parsed."""
    limit = settings.UPLOAD_MAX_BYTES
    lower = (name or "").lower()
    if lower.endswith((".xlsm", ".xlsb", ".xltm")):
        raise WorkbookRejected(
            "Workbooks with macros are not accepted: save it as an Excel Workbook (.xlsx) and "
            "upload that."
        )
    if not lower.endswith(".xlsx"):
        raise WorkbookRejected("Choose an Excel workbook (.xlsx).")
    if len(data) > limit:
        raise WorkbookRejected(f"The file is larger than {limit // (1024 * 1024)} MB.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WorkbookRejected("The file is not an Excel workbook (.xlsx), or it is damaged.")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        expanded = sum(m.file_size for m in members)
        if expanded > settings.UPLOAD_MAX_EXPANDED_BYTES or len(members) > 500:
            raise WorkbookRejected(
                "The workbook expands to far more than a planning return could hold, so it was "
                "not opened."
            )
        for member in members:
            if member.compress_size and member.file_size / member.compress_size > 200:
                raise WorkbookRejected(
                    "The workbook is compressed suspiciously well, so it was not opened."
                )
        names = {m.filename.lower() for m in members}
        if any(n.endswith("vbaproject.bin") for n in names):
            raise WorkbookRejected(
                "The workbook contains macros: save it as an Excel Workbook (.xlsx) without macros."
            )
        if "[content_types].xml" not in names:
            raise WorkbookRejected("The file is not an Excel workbook (.xlsx), or it is damaged.")


def read_workbook(ret, name, data):
    """Compare a completed workbook with the return; nothing is saved here."""
    check_file(name, data)
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=False)
    except Exception as error:
        if _caused_by_defusedxml(error):
            raise WorkbookRejected(
                "The workbook contains XML entity declarations, which are not allowed."
            ) from None
        raise WorkbookRejected("The file could not be read as an Excel workbook.") from None
    _check_meta(ret, workbook)
    grid = TemplateGrid.for_template(ret.template)
    saved = typed_values(ret)
    preview = UploadPreview()
    typed_derived = {}
    by_code = {}
    for sheet in workbook.worksheets:
        if sheet.title == META_SHEET:
            continue
        columns = {
            sheet.cell(row=CODE_ROW, column=c).value: c
            for c in range(FIRST_COLUMN, sheet.max_column + 1)
            if sheet.cell(row=CODE_ROW, column=c).value
        }
        for r in range(FIRST_ROW, sheet.max_row + 1):
            code = sheet.cell(row=r, column=1).value
            if code:
                by_code.setdefault(sheet.title, {})[code] = r
        by_code.setdefault(sheet.title, {})["__columns__"] = columns
    for s in grid.grid_sections:
        sheet_title, rows, columns = _find_section(workbook, by_code, s)
        if sheet_title is None:
            continue
        sheet = workbook[sheet_title]
        for line in s.lines:
            if line.code not in rows:
                continue
            for column in s.columns:
                if column.code not in columns:
                    continue
                cell = sheet.cell(row=rows[line.code], column=columns[column.code])
                ref = f"{sheet_title}!{cell.coordinate}"
                raw = cell.value
                key = (line.code, column.code)
                if grid.is_input(line, column):
                    text = "" if raw is None else str(raw)
                    value, error = parse_cell(
                        text, allow_negative=line.allow_negative or column.allow_negative, label=""
                    )
                    if error:
                        preview.errors.append(
                            Message("error", f"{_quote(ref)}: {_reason(error, text)}", *key)
                        )
                        continue
                    preview.raw_cells[key] = text
                    if value != saved.get(key):
                        preview.changes.append(
                            {
                                "ref": ref,
                                "line": line.label,
                                "column": column.label,
                                "old": format_value(saved.get(key), "", exact=True),
                                "new": format_value(value, "", exact=True),
                            }
                        )
                elif raw is not None and not (isinstance(raw, str) and raw.startswith("=")):
                    value, error = parse_cell(str(raw), label="")
                    if error:
                        preview.errors.append(
                            Message("error", f"{_quote(ref)}: {_reason(error, str(raw))}", *key)
                        )
                    else:
                        typed_derived[key] = value
    if typed_derived:
        parsed = {k: parse_cell(v)[0] for k, v in preview.raw_cells.items()}
        computed = grid.compute({k: v for k, v in parsed.items() if v is not None})
        for message in check_typed_derived(grid, typed_derived, computed):
            preview.errors.append(message)
    _read_answers(ret, workbook, grid, preview)
    return preview


def _caused_by_defusedxml(error):
    """openpyxl wraps the parser's error in its own: look down the chain for defusedxml's."""
    seen = set()
    while error is not None and id(error) not in seen:
        if type(error).__module__.startswith("defusedxml"):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _find_section(workbook, by_code, section):
    """The sheet holding a section: the one whose hidden codes name its lines and columns."""
    wanted = {line.code for line in section.lines}
    for title, codes in by_code.items():
        if wanted & set(codes):
            return title, codes, codes["__columns__"]
    return None, {}, {}


def _read_answers(ret, workbook, grid, preview):
    if "Narrative" not in workbook.sheetnames or not grid.narrative_sections:
        return
    sheet = workbook["Narrative"]
    saved = answers(ret)
    questions = {line.code: line for s in grid.narrative_sections for line in s.lines}
    for r in range(FIRST_ROW, sheet.max_row + 1):
        code = sheet.cell(row=r, column=1).value
        if code not in questions:
            continue
        text = sheet.cell(row=r, column=3).value
        text = "" if text is None else str(text).strip()
        preview.raw_answers[code] = text
        if text != saved.get(code, ""):
            preview.changes.append(
                {
                    "ref": f"Narrative!C{r}",
                    "line": questions[code].label,
                    "column": "Answer",
                    "old": saved.get(code, ""),
                    "new": text,
                }
            )


def _quote(ref):
    sheet, _, cell = ref.rpartition("!")
    return f"'{sheet}'!{cell}" if " " in sheet else ref


def _reason(error, text):
    """parse_cell's message without its label: "'abc' is not a number"."""
    return error.lstrip(": ").removeprefix(" ")


def _check_meta(ret, workbook):
    if META_SHEET not in workbook.sheetnames:
        raise WorkbookRejected(
            "This workbook was not downloaded from this service: download the return's workbook "
            "and fill that in."
        )
    meta = {row[0]: row[1] for row in workbook[META_SHEET].iter_rows(values_only=True) if row[0]}
    expected = {
        "organisation": (
            ret.organisation.ods_code,
            f"is for organisation {meta.get('organisation')}, not {ret.organisation.name} ({ret.organisation.ods_code})",
        ),
        "template": (
            ret.template.code,
            f"is the {meta.get('template')} template, not the {ret.template.name.lower()}",
        ),
        "round": (
            ret.template.round.financial_year,
            f"is for the {meta.get('round')} round, not {ret.template.round.name}",
        ),
        "stage": (ret.stage, f"is for the {meta.get('stage')} stage, not the {ret.stage}"),
    }
    for key, (value, message) in expected.items():
        if str(meta.get(key)) != str(value):
            raise WorkbookRejected(f"This workbook {message}.")


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
