"""Forms of the query pages: the figure and the question when raising one, and a message in its
thread. Forms validate shape; the services apply the rules."""

from crispy_forms.helper import FormHelper
from django import forms

from planning.forms import INVALID_CHOICE, BoundedTextarea

from .services import QUERY_TEXT_MAX_LENGTH

TOO_LONG = f"A message can be at most {QUERY_TEXT_MAX_LENGTH:,} characters."


def _helper():
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.show_error_summary = False  # the page's own, above its heading
    return helper


class RaiseQueryForm(forms.Form):
    """Which figure (a cell, or a whole line) of the return the query is about, and the question."""

    cell = forms.ChoiceField(
        label="Which figure is the query about?",
        help_text="A cell, or a whole line.",
        error_messages={"required": "Choose the figure the query is about"},
    )
    text = forms.CharField(
        label="Your question",
        help_text="The planning lead sees this and answers it. Do not paste the figures of other "
        "organisations.",
        max_length=QUERY_TEXT_MAX_LENGTH,
        widget=BoundedTextarea(attrs={"rows": 5}),
        error_messages={"required": "Enter your question", "max_length": TOO_LONG},
    )

    def __init__(self, *args, choices, **kwargs):
        """`choices`: the return's figures, grouped by section (`presenters.cell_choices`)."""
        super().__init__(*args, **kwargs)
        self.fields["cell"].choices = [("", "Choose a figure"), *choices]
        self.fields["cell"].error_messages["invalid_choice"] = INVALID_CHOICE
        self.helper = _helper()

    def figure(self):
        """(line code, column code or None) of the chosen figure."""
        line, _, column = self.cleaned_data["cell"].partition(":")
        return line, column or None


class MessageForm(forms.Form):
    """A message in a query's thread: an answer, a follow-up, or a closing note."""

    text = forms.CharField(
        label="Your message",
        max_length=QUERY_TEXT_MAX_LENGTH,
        required=False,  # required for an answer or a follow-up, not to resolve: the view says
        widget=BoundedTextarea(attrs={"rows": 4}),
        error_messages={"max_length": TOO_LONG},
    )

    def __init__(self, *args, label=None, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["text"].label = label
        if help_text:
            self.fields["text"].help_text = help_text
        self.helper = _helper()
