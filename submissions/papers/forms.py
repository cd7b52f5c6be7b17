"""The form a planning lead fills in to write a Governing Body paper, in steps."""

import re
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Field, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict

from planning.forms import (
    INVALID_CHOICE,
    BoundedTextarea,
    BoundedTextInput,
    DayMonthYearField,
    DayMonthYearWidget,
)
from submissions.models import Paper
from submissions.models.papers import (
    OBJECTIVE_MAX_LENGTH,
    PAPER_TEXT_MAX_LENGTH,
    REPORT_MAX_LENGTH,
    SECTION_HEADING_MAX_LENGTH,
    SECTION_TEXT_MAX_LENGTH,
    validate_objectives,
    validate_sections,
)

IMPLICATION_CHOICES = [("yes", "Yes"), ("no", "No"), ("na", "N/A")]
IMPLICATION_FIELDS = tuple(f"implication_{key}" for key, _ in Paper.IMPLICATIONS)
EVIDENCED = ("[x]", "✓", "[✓]")
MAX_OBJECTIVES = 20
MAX_SECTIONS = 25
# Fields whose "too long" message is their own (the rest: "<label> must be N characters or fewer").
_OWN_MAX_LENGTH_MESSAGE = (
    "purpose",
    "key_risks",
    "executive_summary",
    "recommendation",
    "objectives_text",
    "narrative",
)
_ONE_LINE = (
    "body",
    "agenda_item",
    "title",
    "author",
    "presented_by",
    "responsible_director",
    "action_detail",
    "approval_route",
    "further_assurance",
)
# What to type, for each field a paper must have (the NHS service manual: name the field).
REQUIRED = {
    "body": "Enter the meeting the paper is for, for example Governing Body",
    "meeting_date": "Enter the meeting date",
    "agenda_item": "Enter the agenda item number",
    "title": "Enter the report title",
    "author": "Enter the report author",
    "presented_by": "Enter who will present the report",
    "responsible_director": "Enter the responsible director",
    "purpose": "Enter the purpose for presenting the report",
    "action_required": "Select the action required",
    "recommendation": "Enter the recommendation",
}
IMPLICATION_REQUIRED = {
    "financial": "Select yes, no or N/A for financial implications",
    "quality": "Select yes, no or N/A for quality implications",
    "privacy": "Select yes, no or N/A for privacy implications",
    "conflicts": "Select yes, no or N/A for conflicts of interest implications",
    "engagement": "Select yes, no or N/A for public engagement implications",
    "equality": "Select yes, no or N/A for the Equality Impact Assessment",
}


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    fields: tuple  # the form's fields asked on this step ("objectives"/"sections": the rows)


STEPS = (
    Step("meeting", "Meeting", ("body", "meeting_date", "agenda_item", "held_in_public")),
    Step(
        "report",
        "Report details",
        (
            "title",
            "author",
            "presented_by",
            "responsible_director",
            "purpose",
            "action_required",
            "action_detail",
            "approval_route",
            "further_assurance",
        ),
    ),
    Step(
        "objectives",
        "Objectives and implications",
        ("objectives", *IMPLICATION_FIELDS, "key_risks"),
    ),
    Step(
        "sections",
        "Sections and recommendation",
        ("executive_summary", "sections", "recommendation"),
    ),
    Step("figures", "Figures to include", ("blocks",)),
)
STEP_NAMES = tuple(step.name for step in STEPS)
# The one-page form's text boxes, still read when a whole paper is posted at once.
_LEGACY_STEP = {"objectives_text": "objectives", "narrative": "sections"}


def step_of(field):
    """The step that asks for a field (a row field: its kind's step)."""
    kind = field.split("-", 1)[0]
    if kind in ("objective", "section"):
        return f"{kind}s"
    field = _LEGACY_STEP.get(field, field)
    if field in STEP_NAMES:
        return field
    return next((s.name for s in STEPS if field in s.fields), STEP_NAMES[0])


class MeetingDateWidget(DayMonthYearWidget):
    """The NHS date input, which also reads a date posted as one yyyy-mm-dd value (as the one-page
    form's date picker posted it)."""

    def value_from_datadict(self, data, files, name):
        if name in data and not any(f"{name}_{i}" in data for i in range(3)):
            typed = str(data.get(name) or "")[:10]
            parts = typed.split("-")
            return parts[::-1] if len(parts) == 3 else [typed, "", ""]
        return super().value_from_datadict(data, files, name)


class ObjectiveRow(forms.Form):
    """One strategic objective, and whether this report gives evidence for it."""

    text = forms.CharField(
        label="Objective",
        required=False,
        max_length=OBJECTIVE_MAX_LENGTH,
        widget=BoundedTextInput,
    )
    evidenced = forms.BooleanField(
        label="This report provides evidence for this objective", required=False
    )

    def __init__(self, *args, number, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number
        self.fields["text"].label = f"Objective {number}"
        self.fields["evidenced"].label = f"This report provides evidence for objective {number}"
        self.fields["text"].error_messages["max_length"] = (
            f"Objective {number} must be {OBJECTIVE_MAX_LENGTH:,} characters or fewer"
        )

    def is_blank(self):
        return not (self["text"].value() or "").strip()


class SectionRow(forms.Form):
    """One numbered section of the report: a heading and its text."""

    heading = forms.CharField(
        required=False, max_length=SECTION_HEADING_MAX_LENGTH, widget=BoundedTextInput
    )
    text = forms.CharField(
        required=False,
        max_length=SECTION_TEXT_MAX_LENGTH,
        strip=False,
        widget=BoundedTextarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, number, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number
        self.fields["heading"].label = f"Section {number} heading"
        self.fields["text"].label = f"Section {number} text"
        self.fields["heading"].error_messages["max_length"] = (
            f"Section {number} heading must be {SECTION_HEADING_MAX_LENGTH:,} characters or fewer"
        )
        self.fields["text"].error_messages["max_length"] = (
            f"A section can be at most {SECTION_TEXT_MAX_LENGTH:,} characters."
        )

    def is_blank(self):
        return not any((self[name].value() or "").strip() for name in ("heading", "text"))

    def clean(self):
        cleaned = super().clean()
        heading, text = (cleaned.get("heading") or "").strip(), (cleaned.get("text") or "").strip()
        if text and not heading and "heading" not in self.errors:
            self.add_error("heading", f"Enter a heading for section {self.number}")
        if heading and not text and "text" not in self.errors:
            self.add_error("text", f"Enter the text of section {self.number}")
        return cleaned


ROW_FOCUS = {"objective": "text", "section": "heading"}  # a new row's first box
ROWS = {
    "objective": (ObjectiveRow, ("text", "evidenced"), MAX_OBJECTIVES),
    "section": (SectionRow, ("heading", "text"), MAX_SECTIONS),
}


def rows_in(data, kind):
    """The rows of one kind posted in `data` ({field: value}), in the order of their numbers."""
    pattern = re.compile(rf"^{kind}-(\d{{1,4}})-")
    numbers = sorted({int(m[1]) for key in data for m in [pattern.match(str(key))] if m})
    _, names, most = ROWS[kind]
    return [
        {name: str(data.get(f"{kind}-{n}-{name}") or "") for name in names} for n in numbers[:most]
    ]


def rows_data(kind, rows):
    """Rows as posted form data, numbered from 0 ({name: [value]}; a ticked box is "on")."""
    data = {}
    for index, row in enumerate(rows[: ROWS[kind][2]]):
        for name, value in row.items():
            if name == "evidenced":
                if value and value not in ("False", "false", "0"):
                    data[f"{kind}-{index}-{name}"] = ["on"]
            else:
                data[f"{kind}-{index}-{name}"] = [value]
    return data


def paper_data(paper):
    """A saved (or new) paper as the form data its steps post ({name: [value]}): a draft's start."""
    data = {
        name: [str(getattr(paper, name) or "")]
        for name in Paper.TEXT_FIELDS
        if name not in ("meeting_date", "held_in_public")
    }
    date = paper.meeting_date
    parts = [date.day, date.month, date.year] if hasattr(date, "year") else ["", "", ""]
    data.update({f"meeting_date_{i}": [str(part)] for i, part in enumerate(parts)})
    if paper.held_in_public:
        data["held_in_public"] = ["on"]
    for key, _ in Paper.IMPLICATIONS:
        data[f"implication_{key}"] = [str((paper.implications or {}).get(key, "na"))]
    data["blocks"] = [str(block) for block in paper.blocks or []]
    objectives = [
        {"text": str(o.get("text", "")), "evidenced": "on" if o.get("evidenced") else ""}
        for o in paper.objectives or []
    ]
    sections = [
        {"heading": str(s.get("heading", "")), "text": str(s.get("text", ""))}
        for s in paper.sections or []
    ]
    data.update(rows_data("objective", objectives))
    data.update(rows_data("section", sections))
    return data


class PaperForm(forms.ModelForm):
    """The whole paper (`step=None`: what "Save paper" checks), or the fields of one step."""

    meeting_date = DayMonthYearField(
        label="Meeting date",
        error_name="Meeting date",
        widget=MeetingDateWidget,
        help_text="For example, 16 1 2020",
        error_messages={"required": REQUIRED["meeting_date"]},
    )
    # The one-page form's text boxes ("[x]" and "#" line prefixes): no step shows them, but a whole
    # paper posted at once may still use them instead of rows.
    objectives_text = forms.CharField(
        label="Strategic objectives",
        required=False,
        max_length=PAPER_TEXT_MAX_LENGTH,
        widget=BoundedTextarea(attrs={"rows": 5}),
    )
    narrative = forms.CharField(
        label="Report",
        required=False,
        max_length=REPORT_MAX_LENGTH,
        widget=BoundedTextarea(attrs={"rows": 12}),
    )
    blocks = forms.MultipleChoiceField(
        label="Figures to include from the plan data",
        choices=Paper.Block.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Generated from the latest figures each time the paper is rendered. "
        "Select all that apply.",
    )

    class Meta:
        model = Paper
        fields = list(Paper.TEXT_FIELDS)
        widgets = {
            "action_required": forms.RadioSelect,
            "purpose": BoundedTextarea(attrs={"rows": 3}),
            "key_risks": BoundedTextarea(attrs={"rows": 3}),
            "executive_summary": BoundedTextarea(attrs={"rows": 4}),
            "recommendation": BoundedTextarea(attrs={"rows": 3}),
            **dict.fromkeys(_ONE_LINE, BoundedTextInput),
        }
        labels = {
            "held_in_public": "Held in public",
            "agenda_item": "Agenda item number",
            "author": "Report author",
        }
        help_texts = {
            "body": "For example, Governing Body.",
            "action_detail": "For example: note the context for the planning round.",
        }
        error_messages = {
            name: {"required": message}
            for name, message in REQUIRED.items()
            if name in Paper.TEXT_FIELDS
        }
        for name in ("purpose", "key_risks", "executive_summary", "recommendation"):
            error_messages.setdefault(name, {})["max_length"] = (
                f"This can be at most {PAPER_TEXT_MAX_LENGTH:,} characters."
            )

    def __init__(self, *args, step=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        for key, question in Paper.IMPLICATIONS:
            self.fields[f"implication_{key}"] = forms.ChoiceField(
                label=question,
                choices=IMPLICATION_CHOICES,
                initial=self.instance.implications.get(key, "na"),
                widget=forms.RadioSelect,
                error_messages={"required": IMPLICATION_REQUIRED[key]},
            )
        for name, field in self.fields.items():
            if "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = INVALID_CHOICE
            if getattr(field, "max_length", None) and name not in _OWN_MAX_LENGTH_MESSAGE:
                field.error_messages["max_length"] = (
                    f"{field.label} must be {field.max_length:,} characters or fewer"
                )
        asked = set(STEPS[STEP_NAMES.index(step)].fields) if step else None
        if asked is not None:
            for name in list(self.fields):
                if name not in asked:
                    del self.fields[name]
        self.posted_rows = {}
        self.objective_rows = self._rows("objective") if self._asks("objectives") else []
        self.section_rows = self._rows("section") if self._asks("sections") else []
        if self.instance.pk and not self.is_bound and "blocks" in self.fields:
            self.fields["blocks"].initial = self.instance.blocks
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.show_error_summary = False
        self.helper.layout = self._layout()

    def _asks(self, step):
        return self.step in (None, step)

    def _rows(self, kind):
        """The row forms of one kind: the posted rows (or, unbound, the draft's/paper's); at least
        one, so there is always a box to type into."""
        row_form = ROWS[kind][0]
        if self.is_bound:
            rows = rows_in(self.data, kind)
            self.posted_rows[kind] = bool(rows)
        else:
            source = self.initial.get(f"{kind}_rows")
            if source is None:
                source = rows_in(MultiValueDict(paper_data(self.instance)), kind)
            rows = source
        rows = rows or [dict.fromkeys(ROWS[kind][1], "")]
        return [
            row_form(
                {f"{kind}-{i}-{k}": v for k, v in row.items()} if self.is_bound else None,
                initial=None if self.is_bound else {**row, "evidenced": bool(row.get("evidenced"))},
                prefix=f"{kind}-{i}",
                number=i + 1,
            )
            for i, row in enumerate(rows)
        ]

    def _layout(self):
        """The step's fields in the step's order; the rows where the step asks for them."""
        names = STEPS[STEP_NAMES.index(self.step)].fields if self.step else tuple(self.fields)
        fields = []
        for name in names:
            if name in ("objectives", "sections"):
                fields.append(HTML(f'{{% include "papers/_{name[:-1]}_rows.html" %}}'))
            elif name == "meeting_date":
                fields.append(Field(name, template="planning/_date_input_field.html"))
            elif name not in ("objectives_text", "narrative"):
                fields.append(name)
        return Layout(*fields)

    def is_valid(self):
        rows = [*self.objective_rows, *self.section_rows]
        return all([super().is_valid(), *(row.is_valid() for row in rows)])

    def clean(self):
        cleaned = super().clean()
        if self._asks("objectives"):
            cleaned["objectives"] = self._objectives(cleaned)
        if self._asks("sections"):
            cleaned["sections"] = self._sections(cleaned)
        if self.step in (None, "objectives"):
            cleaned["implications"] = {
                key: cleaned.get(f"implication_{key}", "na") for key, _ in Paper.IMPLICATIONS
            }
        return cleaned

    def _legacy(self, name, kind):
        """Whether a whole paper posted at once gave this in the one-page form's text box."""
        return self.step is None and not self.posted_rows.get(kind) and name in self.data

    def _objectives(self, cleaned):
        if self._legacy("objectives_text", "objective"):
            objectives = []
            for line in (cleaned.get("objectives_text") or "").splitlines():
                text = line.strip()
                evidenced = text.startswith(EVIDENCED)
                for mark in EVIDENCED:
                    text = text.removeprefix(mark).strip()
                if text:
                    objectives.append({"text": text, "evidenced": evidenced})
            _check(self, "objectives_text", validate_objectives, objectives)
            return objectives
        return [
            {"text": row.cleaned_data["text"].strip(), "evidenced": row.cleaned_data["evidenced"]}
            for row in self.objective_rows
            if not row.is_blank() and row.is_valid()
        ]

    def _sections(self, cleaned):
        if self._legacy("narrative", "section"):
            sections = []
            for line in (cleaned.get("narrative") or "").splitlines():
                if line.startswith("#"):
                    sections.append({"heading": line.lstrip("#").strip(), "text": ""})
                elif line.strip() or sections:
                    if not sections:
                        sections.append({"heading": "Report", "text": ""})
                    sections[-1]["text"] += line + "\n"
            sections = [{**s, "text": s["text"].strip()} for s in sections]
            _check(self, "narrative", validate_sections, sections)
            return sections
        sections = [
            {
                "heading": row.cleaned_data["heading"].strip(),
                "text": row.cleaned_data["text"].strip(),
            }
            for row in self.section_rows
            if not row.is_blank() and row.is_valid()
        ]
        if sum(len(s["text"]) for s in sections) > REPORT_MAX_LENGTH:
            self.section_rows[-1].add_error(
                "text",
                f"The sections can be at most {REPORT_MAX_LENGTH:,} characters in all: "
                "shorten this section or an earlier one",
            )
        return sections

    def problems(self):
        """Every error, in the order of the page: {"field", "id", "message", "step"}."""
        found = []
        for name in self.fields:
            for message in self.errors.get(name, []):
                found.append(_problem(name, self[name], message))
        for row in [*self.objective_rows, *self.section_rows]:
            for name in row.fields:
                for message in row.errors.get(name, []) if row.is_bound else []:
                    found.append(_problem(f"{row.prefix}-{name}", row[name], message))
        for message in self.non_field_errors():
            found.append({"field": "", "id": "", "message": message, "step": STEP_NAMES[0]})
        order = {name: i for i, name in enumerate(STEP_NAMES)}
        return sorted(found, key=lambda p: order.get(p["step"], 0))

    def apply(self, paper):
        """Copy the parsed fields that are not plain model fields onto the paper."""
        paper.objectives = self.cleaned_data["objectives"]
        paper.sections = self.cleaned_data["sections"]
        paper.implications = self.cleaned_data["implications"]
        paper.blocks = self.cleaned_data["blocks"]
        return paper


def _problem(name, bound, message):
    anchor = bound.id_for_label or (bound.subwidgets[0].id_for_label if bound.subwidgets else "")
    return {"field": name, "id": anchor, "message": message, "step": step_of(name)}


def _check(form, field, validator, value):
    """Run a model validator of a parsed field, its message next to the field it was typed in."""
    if field in form.errors:
        return
    try:
        validator(value)
    except ValidationError as error:
        form.add_error(field, error)


# -- The draft: what was typed on each step, kept in the session until "Save paper" ---------------


def _limit(name):
    """At most how many characters of a posted value the draft keeps: one more than the field
    takes, so that a value too long stays refused (and is shown cut to the field's length)."""
    if name.startswith("objective-"):
        return OBJECTIVE_MAX_LENGTH + 1
    if name.startswith("section-"):
        return (
            SECTION_TEXT_MAX_LENGTH if name.endswith("-text") else SECTION_HEADING_MAX_LENGTH
        ) + 1
    if name.startswith("meeting_date_"):
        return 5
    field = Paper._meta.get_field(name) if name in Paper.TEXT_FIELDS else None
    return (getattr(field, "max_length", None) or 100) + 1


def step_names(step):
    """The posted names that belong to a step (the rows' names matched by prefix)."""
    names = []
    for field in STEPS[STEP_NAMES.index(step)].fields:
        if field == "meeting_date":
            names += [f"meeting_date_{i}" for i in range(3)]
        elif field not in ("objectives", "sections"):
            names.append(field)
    return names


def step_data(step, posted, *, add=None, remove=None):
    """What a step's POST puts in the draft ({name: [value]}, each value cut to its limit), with a
    row added (`add`: "objective"/"section") or removed (`remove`: ("objective", index))."""
    data = {}
    for name in step_names(step):
        values = posted.getlist(name) if hasattr(posted, "getlist") else posted.get(name, [])
        if values:
            data[name] = [str(v)[: _limit(name)] for v in values[: len(Paper.Block.values) + 1]]
    for kind in ROWS:
        if f"{kind}s" != step:
            continue
        rows = [
            {k: v[: _limit(f"{kind}-0-{k}")] for k, v in row.items()}
            for row in rows_in(posted, kind)
        ]
        if remove and remove[0] == kind and 0 <= remove[1] < len(rows):
            del rows[remove[1]]
        if add == kind and len(rows) < ROWS[kind][2]:
            rows = (rows or [dict.fromkeys(ROWS[kind][1], "")]) + [dict.fromkeys(ROWS[kind][1], "")]
        data.update(rows_data(kind, rows))
    return data


def draft_update(draft, step, data):
    """The draft with a step's names replaced by what that step posted."""
    names = set(step_names(step))
    kinds = tuple(f"{kind}-" for kind in ROWS if f"{kind}s" == step)
    kept = {
        name: values
        for name, values in draft.items()
        if name not in names and not (kinds and name.startswith(kinds))
    }
    return {**kept, **data}


def step_form(paper, draft, step):
    """A step's form showing the draft (unbound, so no errors until the step is posted)."""
    return PaperForm(instance=paper, step=step, initial=_initial(MultiValueDict(draft)))


def _initial(values):
    initial = {}
    for name in Paper.TEXT_FIELDS:
        if name == "meeting_date":
            initial[name] = [values.get(f"meeting_date_{i}", "") for i in range(3)]
        elif name == "held_in_public":
            initial[name] = bool(values.get(name))
        else:
            initial[name] = values.get(name, "")
    for field in IMPLICATION_FIELDS:
        initial[field] = values.get(field, "na")
    initial["blocks"] = values.getlist("blocks")
    initial["objective_rows"] = rows_in(values, "objective")
    initial["section_rows"] = rows_in(values, "section")
    return initial
