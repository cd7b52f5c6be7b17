"""Forms for planning pages. Forms validate shape; services apply the rules."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms

from .models import Membership, Milestone, Organisation
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


class DayMonthYearWidget(forms.MultiWidget):
    """The NHS.UK date input: day, month and year typed in three short boxes. Rendered by
    templates/planning/_date_input_field.html (each part shows back at most its own length)."""

    def __init__(self, attrs=None):
        parts = [
            BoundedTextInput(attrs={"inputmode": "numeric", "maxlength": length, "size": length})
            for length in (2, 2, 4)
        ]
        super().__init__(parts, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else id_  # the error summary jumps to the day


class DayMonthYearField(forms.Field):
    """A date typed as day, month and year. Each message names the field (its label) and says what
    is wrong: a part missing, not a number, a year not of four figures, or no such day."""

    widget = DayMonthYearWidget
    PARTS = ("day", "month", "year")

    def __init__(self, *, error_name=None, **kwargs):
        # How messages name the date ("Meeting date must include a month"); by default "The "
        # and the label in lower case ("The new last day must include a month").
        self.error_name = error_name
        super().__init__(**kwargs)

    def to_python(self, value):
        parts = [str(part or "").strip() for part in value] if isinstance(value, list) else []
        if len(parts) != 3 or not any(parts):
            return None
        name = self.error_name or (
            f"The {self.label[:1].lower()}{self.label[1:]}" if self.label else "The date"
        )
        missing = [part for part, typed in zip(self.PARTS, parts, strict=True) if not typed]
        if missing:
            raise forms.ValidationError(f"{name} must include a {' and a '.join(missing)}")
        if not all(typed.isascii() and typed.isdigit() for typed in parts):
            raise forms.ValidationError(f"{name} must be a real date, in numbers")
        if len(parts[2]) != 4:
            raise forms.ValidationError(f"{name}'s year must have 4 numbers, for example 2019")
        day, month, year = (int(typed) for typed in parts)
        try:
            return datetime.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(f"{name} must be a real date") from None


class ExtensionForm(forms.Form):
    """An ICS lead's extension of one deadline for one member organisation. The choices come from
    the system and round in the URL; the service checks the dates against the deadline."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        to_field_name="ods_code",
        label="Organisation",
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation to give more time"},
    )
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(),
        label="Submission deadline",
        empty_label="Choose a deadline",
        error_messages={"required": "Choose the deadline to extend"},
    )
    until = DayMonthYearField(
        label="New last day",
        help_text="For example, 12 12 2019. It must be after the deadline's last day.",
        error_messages={"required": "Enter the new last day"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=BoundedTextarea(attrs={"rows": 3, "maxlength": 1000}),
        help_text="The organisation's planning lead sees this beside the new date.",
        error_messages={
            "required": "Enter the reason for the extension",
            "max_length": "Keep the reason to 1,000 characters or fewer",
        },
    )

    def __init__(self, *args, organisations, milestones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["milestone"].queryset = milestones
        self.fields["milestone"].label_from_instance = _deadline_label
        for field in self.fields.values():
            if "invalid_choice" in field.error_messages:
                field.error_messages["invalid_choice"] = INVALID_CHOICE
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.show_error_summary = False  # the page puts it above the heading
        self.helper.layout = Layout(
            "organisation",
            "milestone",
            Field("until", template="planning/_date_input_field.html"),
            "reason",
        )


def _deadline_label(milestone):
    where = f", {milestone.system.code}" if milestone.system_id else ""
    stage = f" ({milestone.get_stage_display().lower()}{where})" if milestone.stage else ""
    if not stage and where:
        stage = f" ({milestone.system.code})"
    return f"{milestone.last_day.day} {milestone.last_day:%B %Y}: {milestone.title}{stage}"
