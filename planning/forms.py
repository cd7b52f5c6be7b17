"""Forms for planning pages. Forms validate shape; services apply the rules."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from django import forms

from .models import Membership, Milestone
from .models.rounds import milestone_date_errors

# Django's own message repeats what was posted ("Select a valid choice. <all of it> is not one of
# the available choices"): a 100 kB value would come back whole.
INVALID_CHOICE = "Select one of the options shown."


class _Bounded:
    """A widget that shows again at most its maxlength (or `limit`) of what was typed: a refused
    120 kB title, date or 2 MB paper section is not sent back whole. Paper forms use these too."""

    limit = None

    def format_value(self, value):
        value = super().format_value(value)
        limit = self.attrs.get("maxlength") or self.limit
        return value[: int(limit)] if isinstance(value, str) and limit else value


class BoundedTextInput(_Bounded, forms.TextInput):
    pass


class BoundedTextarea(_Bounded, forms.Textarea):
    pass


class BoundedDateInput(_Bounded, forms.DateInput):
    limit = 10  # 2019-12-31; the browser's date field sends no more


class LocalMilestoneForm(forms.ModelForm):
    """A system's own milestone. The system and round come from the URL, not from this form."""

    class Meta:
        model = Milestone
        fields = ["title", "date", "end_date", "date_note", "kind", "level", "stage"]
        widgets = {
            "title": BoundedTextInput,
            "date_note": BoundedTextInput,
            "date": BoundedDateInput(attrs={"type": "date"}),
            "end_date": BoundedDateInput(attrs={"type": "date"}),
            "kind": forms.RadioSelect,
            "level": forms.RadioSelect,
            "stage": forms.RadioSelect,
        }
        labels = {
            "date": "Date",
            "end_date": "End date",
            "date_note": "How the date is stated",
            "level": "Applies to",
        }
        error_messages = {
            "title": {"required": "Enter the milestone's title"},
            "date": {"required": "Enter the date", "invalid": "Enter a real date"},
            "end_date": {"invalid": "Enter a real end date"},
            "kind": {"required": "Choose what kind of milestone this is"},
            "level": {"required": "Choose whom the milestone applies to"},
        }
        help_texts = {
            "title": "For example, Draft ICS operational plan to OFRG.",
            "end_date": "Only for a period, such as a fortnight of comments.",
            "date_note": "Only when the date is not exact, for example By or w/c.",
        }

    def __init__(self, *args, round=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = round  # when given, its dates must be near the round's (Round.milestone_dates)
        self.fields["kind"].choices = Milestone.Kind.choices
        self.fields["stage"].choices = [("", "Not a submission")] + list(Milestone.Stage.choices)
        for field in self.fields.values():
            if "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = INVALID_CHOICE
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.show_error_summary = False  # the page puts it above the heading

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("stage") and cleaned.get("kind") != Milestone.Kind.SUBMISSION:
            self.add_error("stage", "Only a submission deadline has a draft or final stage.")
        start, end = cleaned.get("date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be on or after the date.")
        if self.round is not None:
            for field, message in milestone_date_errors(self.round, start, end).items():
                if field not in self.errors:
                    self.add_error(field, message)
        return cleaned


class ShareField(forms.DecimalField):
    """A membership share typed as a decimal (0.5) or a fraction (1/3), kept to 12 places."""

    def to_python(self, value):
        text = (value or "").strip() if isinstance(value, str) else value
        if isinstance(text, str) and "/" in text:
            top, _, bottom = text.partition("/")
            try:
                fraction = Decimal(top.strip()) / Decimal(bottom.strip())
            except (InvalidOperation, ZeroDivisionError):
                raise forms.ValidationError("Enter a share such as 0.5 or 1/3.") from None
            return fraction.quantize(Decimal(1).scaleb(-12), rounding=ROUND_HALF_UP)
        return super().to_python(value)


class MembershipForm(forms.ModelForm):
    share = ShareField(
        max_digits=13,
        decimal_places=12,
        help_text="0.5, or a fraction such as 1/3.",
    )

    class Meta:
        model = Membership
        fields = ["organisation", "system", "role", "share", "first_year", "last_year"]
