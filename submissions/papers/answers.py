"""What the paper form's check-your-answers page shows: each step's answers, as typed. Beside the
form it summarises (it reads the steps and rows from `forms`), below the views."""

import datetime

from django.utils.datastructures import MultiValueDict
from django.utils.text import Truncator

from submissions.models import Paper

from .forms import IMPLICATION_CHOICES, STEPS, rows_in

SECTION_SHOWN = 300  # characters of each section's text on the page; the PDF has all of it
_LABELS = {
    "body": "Meeting of",
    "agenda_item": "Agenda item number",
    "title": "Report title",
    "author": "Report author",
    "presented_by": "Presented by",
    "responsible_director": "Responsible director",
    "purpose": "Purpose for presenting the report",
    "action_detail": "Action detail",
    "approval_route": "Approval route",
    "further_assurance": "Further assurance",
    "key_risks": "Key risks",
    "executive_summary": "Executive summary",
    "recommendation": "Recommendation",
}


def _meeting_date(values):
    parts = [values.get(f"meeting_date_{i}", "") for i in range(3)]
    try:
        day, month, year = (int(p) for p in parts)
        return f"{datetime.date(year, month, day):%-d %B %Y}"
    except ValueError:
        return " / ".join(p for p in parts if p)


def _answers(name, values):
    """(key, value) rows for one of a step's fields; a value is text or a list of texts."""
    choices = dict(IMPLICATION_CHOICES)
    if name == "meeting_date":
        return [("Meeting date", _meeting_date(values))]
    if name == "held_in_public":
        return [("Held in public", "Yes" if values.get(name) else "No")]
    if name == "action_required":
        action = dict(Paper.Action.choices).get(values.get(name, ""), values.get(name, ""))
        return [("Action required", action)]
    if name.startswith("implication_"):
        question = dict(Paper.IMPLICATIONS)[name.removeprefix("implication_")]
        return [(question, choices.get(values.get(name, ""), ""))]
    if name == "blocks":
        labels = dict(Paper.Block.choices)
        chosen = [labels[b] for b in values.getlist(name) if b in labels]
        return [("Figures", chosen or "None")]
    if name == "objectives":
        objectives = [
            o["text"] + (" (this report provides evidence)" if o["evidenced"] else "")
            for o in rows_in(values, "objective")
            if o["text"].strip()
        ]
        return [("Strategic objectives", objectives or "None")]
    if name == "sections":
        sections = [s for s in rows_in(values, "section") if s["heading"].strip() or s["text"]]
        if not sections:
            return [("Sections", "None")]
        return [
            (
                f"Section {number}",
                f"{s['heading']}\n{Truncator(s['text']).chars(SECTION_SHOWN)}",
            )
            for number, s in enumerate(sections, 1)
        ]
    return [(_LABELS.get(name, name), values.get(name, ""))]


def check_answers(data, problems):
    """Each step's title, answers and whether it has a problem."""
    values = MultiValueDict(data)
    wrong = {problem["step"] for problem in problems}
    return [
        {
            "name": step.name,
            "title": step.title,
            "has_problem": step.name in wrong,
            "rows": [
                {"key": key, "value": value, "is_list": isinstance(value, list)}
                for field in step.fields
                for key, value in _answers(field, values)
            ],
        }
        for step in STEPS
    ]
