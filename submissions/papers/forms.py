"""The form a planning lead fills in to write a Governing Body paper."""

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError

from planning.forms import (
    INVALID_CHOICE,
    BoundedDateInput,
    BoundedTextarea,
    BoundedTextInput,
)
from submissions.models import Paper
from submissions.models.papers import (
    OBJECTIVE_MAX_LENGTH,
    PAPER_TEXT_MAX_LENGTH,
    REPORT_MAX_LENGTH,
    SECTION_TEXT_MAX_LENGTH,
    validate_objectives,
    validate_sections,
)

IMPLICATION_CHOICES = [("yes", "Yes"), ("no", "No"), ("na", "N/A")]
EVIDENCED = ("[x]", "✓", "[✓]")
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


class PaperForm(forms.ModelForm):
    objectives_text = forms.CharField(
        label="Strategic objectives",
        required=False,
        max_length=PAPER_TEXT_MAX_LENGTH,
        widget=BoundedTextarea(attrs={"rows": 5}),
        help_text="One objective per line, each at most "
        f"{OBJECTIVE_MAX_LENGTH:,} characters. Start a line with [x] for each objective this "
        "report provides evidence for.",
    )
    narrative = forms.CharField(
        label="Report",
        required=False,
        max_length=REPORT_MAX_LENGTH,
        widget=BoundedTextarea(attrs={"rows": 12}),
        help_text="The body of the paper. Start a line with # to begin a numbered section, "
        f"for example: # Background. Each section can be at most {SECTION_TEXT_MAX_LENGTH:,} "
        "characters.",
    )
    blocks = forms.MultipleChoiceField(
        label="Figures to include from the plan data",
        choices=Paper.Block.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Generated from the latest figures each time the paper is rendered.",
    )

    class Meta:
        model = Paper
        fields = list(Paper.TEXT_FIELDS)
        widgets = {
            "meeting_date": BoundedDateInput(attrs={"type": "date"}),
            "action_required": forms.RadioSelect,
            "purpose": BoundedTextarea(attrs={"rows": 3}),
            "key_risks": BoundedTextarea(attrs={"rows": 3}),
            "executive_summary": BoundedTextarea(attrs={"rows": 4}),
            "recommendation": BoundedTextarea(attrs={"rows": 3}),
            **dict.fromkeys(_ONE_LINE, BoundedTextInput),
        }
        labels = {"held_in_public": "Held in public", "agenda_item": "Agenda item number"}
        help_texts = {"action_detail": "For example: note the context for the planning round."}
        error_messages = {
            field: {"max_length": f"This can be at most {PAPER_TEXT_MAX_LENGTH:,} characters."}
            for field in ("purpose", "key_risks", "executive_summary", "recommendation")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, question in Paper.IMPLICATIONS:
            self.fields[f"implication_{key}"] = forms.ChoiceField(
                label=question,
                choices=IMPLICATION_CHOICES,
                initial=self.instance.implications.get(key, "na"),
                widget=forms.RadioSelect,
            )
        for field in self.fields.values():
            if "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = INVALID_CHOICE
        if self.instance.pk:
            self.fields["blocks"].initial = self.instance.blocks
            self.fields["objectives_text"].initial = "\n".join(
                ("[x] " if o.get("evidenced") else "") + o["text"] for o in self.instance.objectives
            )
            self.fields["narrative"].initial = "\n\n".join(
                f"# {s['heading']}\n{s['text']}" for s in self.instance.sections
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.show_error_summary = False

    def clean(self):
        cleaned = super().clean()
        objectives = []
        for line in (cleaned.get("objectives_text") or "").splitlines():
            text = line.strip()
            evidenced = text.startswith(EVIDENCED)
            for mark in EVIDENCED:
                text = text.removeprefix(mark).strip()
            if text:
                objectives.append({"text": text, "evidenced": evidenced})
        cleaned["objectives"] = objectives
        _check(self, "objectives_text", validate_objectives, objectives)
        sections = []
        for line in (cleaned.get("narrative") or "").splitlines():
            if line.startswith("#"):
                sections.append({"heading": line.lstrip("#").strip(), "text": ""})
            elif line.strip() or sections:
                if not sections:
                    sections.append({"heading": "Report", "text": ""})
                sections[-1]["text"] += line + "\n"
        cleaned["sections"] = [{**s, "text": s["text"].strip()} for s in sections]
        _check(self, "narrative", validate_sections, cleaned["sections"])
        cleaned["implications"] = {
            key: cleaned.get(f"implication_{key}", "na") for key, _ in Paper.IMPLICATIONS
        }
        return cleaned

    def apply(self, paper):
        """Copy the parsed fields that are not plain model fields onto the paper."""
        paper.objectives = self.cleaned_data["objectives"]
        paper.sections = self.cleaned_data["sections"]
        paper.implications = self.cleaned_data["implications"]
        paper.blocks = self.cleaned_data["blocks"]
        return paper


def _check(form, field, validator, value):
    """Run a model validator of a parsed field, its message next to the field it was typed in."""
    if field in form.errors:
        return
    try:
        validator(value)
    except ValidationError as error:
        form.add_error(field, error)
