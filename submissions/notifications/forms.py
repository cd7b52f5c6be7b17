"""The form of a person's email preference: each notification at once, or a daily digest."""

from crispy_forms.helper import FormHelper
from django import forms

from submissions.models import NotificationPreference


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label="How do you want to get emails about your notifications?",
        choices=NotificationPreference.Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how you want to get emails",
            "invalid_choice": "Choose one of the options",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.show_error_summary = False  # the page puts it above the heading
