"""The form a planning lead fills in to write a Governing Body paper."""

from crispy_forms.helper import FormHelper
from django import forms

from submissions.models import Paper

IMPLICATION_CHOICES = [("yes", "Yes"), ("no", "No"), ("na", "N/A")]
EVIDENCED = ("[x]", "✓", "[✓]")


class PaperForm(forms.ModelForm):
    objectives_text = forms.CharField(
        label="Strategic objectives",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One objective per line. Start a line with [x] for each objective this report "
        "provides evidence for.",
    )
    narrative = forms.CharField(
        label="Report",
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="The body of the paper. Start a line with # to begin a numbered section, "
        "for example: # Background",
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
            "meeting_date": forms.DateInput(attrs={"type": "date"}),
            "action_required": forms.RadioSelect,
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "key_risks": forms.Textarea(attrs={"rows": 3}),
            "executive_summary": forms.Textarea(attrs={"rows": 4}),
            "recommendation": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"held_in_public": "Held in public", "agenda_item": "Agenda item number"}
        help_texts = {"action_detail": "For example: note the context for the planning round."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, question in Paper.IMPLICATIONS:
            self.fields[f"implication_{key}"] = forms.ChoiceField(
                label=question,
                choices=IMPLICATION_CHOICES,
                initial=self.instance.implications.get(key, "na"),
                widget=forms.RadioSelect,
            )
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
        sections = []
        for line in (cleaned.get("narrative") or "").splitlines():
            if line.startswith("#"):
                sections.append({"heading": line.lstrip("#").strip(), "text": ""})
            elif line.strip() or sections:
                if not sections:
                    sections.append({"heading": "Report", "text": ""})
                sections[-1]["text"] += line + "\n"
        cleaned["sections"] = [{**s, "text": s["text"].strip()} for s in sections]
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
