"""Workbooks read back: a completed return workbook checked and compared with the saved return,
giving a preview of every change and every problem with its sheet and cell. Nothing is saved here.

Files are checked before openpyxl opens them: size, zip expansion, macros; openpyxl parses XML
through defusedxml, which refuses entity declarations. The hidden codes that `writing` puts in
(the `_meta` sheet, line codes in column A, column codes in a hidden row) say where each cell
belongs, so reading never depends on row positions alone.

A number is read as the planner sees it, in the cell's unit: a % cell Excel shows as a percentage
(its number format has a %) holds a fraction, so 0.025 reads as 2.5; one shown as a plain number
(a workbook downloaded before % cells were percentages, or pasted over) reads as it is. Excel
keeps 15 significant digits and writes a figure as the nearest binary fraction, so a number is
read at 15 significant digits: 103.49999999999999 is the 103.5 typed, while a fifth decimal
someone typed (103.12345) is still refused by `parse_cell`.
"""

import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from openpyxl import load_workbook

from planning.formulas import round_half_up
from submissions.formatting import FORMULA_START, format_value
from submissions.models.returns import ANSWER_MAX_LENGTH
from submissions.returns.evaluation import (
    LIMIT,
    MAX_DECIMAL_PLACES,
    Message,
    check_typed_derived,
    parse_cell,
)

from .writing import (
    CODE_ROW,
    FIRST_COLUMN,
    FIRST_ROW,
    META_SHEET,
    PERCENT,
    formula_of,
    refers_elsewhere,
)

EXCEL_DIGITS = 15  # significant digits Excel keeps of a number
# What a number format shows literally, not as a placeholder: "text", \x, _x (a space as wide as
# x), *x (x repeated) and [Red] or [>=100]; a % anywhere else shows the number times 100.
_LITERAL_IN_FORMAT = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]')


class WorkbookRejected(ValueError):
    """The file cannot be read as this return's workbook; the message says why."""


@dataclass
class UploadPreview:
    # {"ref", "line", "column", "old", "new"}, with "conflict" or "kept" and "by" for a cell
    # someone else changed after the workbook was downloaded
    changes: list = field(default_factory=list)
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


def read_workbook(ret, name, data, *, grid, saved, saved_answers, changed_since=None):
    """Compare a completed workbook with the return, whose typed values are `saved` and narrative
    answers `saved_answers`; nothing is saved here.

    `changed_since(version)` gives the cells others changed after the return version the workbook
    was downloaded at (its stamp): {(line, column): {"was": Decimal|None, "by": name}}. A cell the
    workbook still holds as it was downloaded is left as they saved it (listed as kept); one the
    workbook changes too is listed as a conflict, so nobody's later edit is silently undone."""
    check_file(name, data)
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=False)
    except Exception as error:
        if _caused_by_defusedxml(error):
            raise WorkbookRejected(
                "The workbook contains XML entity declarations, which are not allowed."
            ) from None
        raise WorkbookRejected("The file could not be read as an Excel workbook.") from None
    stamp = _check_meta(ret, workbook)
    since = changed_since(stamp) if changed_since and stamp is not None else {}
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
                unit = column.unit or line.unit
                if grid.is_input(line, column):
                    text = cell_text(cell, unit)
                    value, error = parse_cell(
                        text, allow_negative=line.allow_negative or column.allow_negative, label=""
                    )
                    if error:
                        preview.errors.append(
                            Message("error", f"{_quote(ref)}: {_reason(error, text)}", *key)
                        )
                        continue
                    change = {
                        "ref": ref,
                        "line": line.label,
                        "column": column.label,
                        "old": format_value(saved.get(key), "", exact=True),
                        "new": format_value(value, "", exact=True),
                    }
                    later = since.get(key)
                    if later is not None and value == later["was"]:
                        # Untouched in the workbook, changed by someone since: keep their value.
                        if value != saved.get(key):
                            preview.changes.append({**change, "kept": True, "by": later["by"]})
                        continue
                    preview.raw_cells[key] = text
                    if value != saved.get(key):
                        conflict = {"conflict": True, "by": later["by"]} if later else {}
                        preview.changes.append({**change, **conflict})
                elif _typed_over_a_formula(grid, s, line, column, raw):
                    # Only checked against what it is made from, never kept: a figure pasted over
                    # a formula holds all its decimals, so it is read to the most a cell keeps.
                    text = cell_text(cell, unit, places=MAX_DECIMAL_PLACES)
                    value, error = parse_cell(text, label="")
                    if error:
                        preview.errors.append(
                            Message("error", f"{_quote(ref)}: {_reason(error, text)}", *key)
                        )
                    else:
                        typed_derived[key] = value
    if typed_derived:
        parsed = {k: parse_cell(v)[0] for k, v in preview.raw_cells.items()}
        computed = grid.compute({k: v for k, v in parsed.items() if v is not None})
        for message in check_typed_derived(grid, typed_derived, computed):
            preview.errors.append(message)
    _read_answers(workbook, grid, preview, saved_answers, since)
    return preview


def cell_text(cell, unit, *, places=None):
    """What a cell holds, as the text `parse_cell` reads: a number at Excel's 15 significant
    digits (its binary noise gone), a % cell shown as a percentage times 100, text as it is; a
    number rounded half up to `places` decimals when given."""
    raw = cell.value
    if raw is None:
        return ""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return str(getattr(raw, "text", raw))  # an array formula's text, not its object
    if isinstance(raw, float) and not math.isfinite(raw):
        return str(raw)  # 'inf', 'nan': refused by parse_cell
    value = Decimal(f"{raw:.{EXCEL_DIGITS}g}") if isinstance(raw, float) else Decimal(raw)
    if unit == PERCENT and is_percent_format(cell.number_format):
        value = value.scaleb(2)
    if places is not None and value.copy_abs() < LIMIT:
        value = round_half_up(value, places)
    return f"{value.normalize():f}"


def is_percent_format(number_format):
    """Whether Excel shows a number in `number_format` as a percentage, times 100 ('0.0%',
    '0.00%', '0%'); a % in quotes or escaped ('0.0"%"') is only a sign."""
    return "%" in _LITERAL_IN_FORMAT.sub("", number_format or "")


def _typed_over_a_formula(grid, section, line, column, raw):
    """Whether a computed cell holds a figure where the download put a formula: one to check
    against what it is made from. A cell the download wrote as the app's figure (its formula
    needs another return) is not the planner's, and is not read."""
    if raw is None or (isinstance(raw, str) and raw.startswith("=")):
        return False
    formula = formula_of(grid, section, line, column)
    return formula is None or not refers_elsewhere(formula)


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


def _read_answers(workbook, grid, preview, saved, since):
    """Narrative answers, as the cells: one the workbook holds as downloaded but a colleague has
    changed since is kept as they saved it; one the workbook changes too is a conflict."""
    if "Narrative" not in workbook.sheetnames or not grid.narrative_sections:
        return
    sheet = workbook["Narrative"]
    questions = {line.code: line for s in grid.narrative_sections for line in s.lines}
    for r in range(FIRST_ROW, sheet.max_row + 1):
        code = sheet.cell(row=r, column=1).value
        if code not in questions:
            continue
        text = _unquoted(sheet.cell(row=r, column=3).value)
        if len(text) > ANSWER_MAX_LENGTH:
            preview.errors.append(
                Message(
                    "error",
                    f"Narrative!C{r}: {questions[code].label}: the answer can be at most "
                    f"{ANSWER_MAX_LENGTH:,} characters (it has {len(text):,})",
                    code,
                    field=f"answer-{code}",
                )
            )
            continue
        change = {
            "ref": f"Narrative!C{r}",
            "line": questions[code].label,
            "column": "Answer",
            "old": saved.get(code, ""),
            "new": text,
        }
        later = since.get((code, None))
        if later is not None and text == later["was"]:
            if text != saved.get(code, ""):
                preview.changes.append({**change, "kept": True, "by": later["by"]})
            continue
        preview.raw_answers[code] = text
        if text != saved.get(code, ""):
            conflict = {"conflict": True, "by": later["by"]} if later else {}
            preview.changes.append({**change, **conflict})


def _unquoted(value):
    """An answer as the planner wrote it: the download writes one starting like a formula (=, +,
    -, @) with a leading ' so that Excel keeps it as text (`formatting.neutralise`); that ' is ours,
    not theirs."""
    text = "" if value is None else str(value).strip()
    if text.startswith("'") and text[1:2] in FORMULA_START:
        return text[1:]
    return text


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
            f"is for another template ({meta.get('template')}), not the {ret.template.name}",
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
    stamp = meta.get("return_version")
    return stamp if isinstance(stamp, int) else None
