"""The sign-in forms, with the username's length checked before anything looks it up.

Django's AuthenticationForm sets the username field's max_length after the field is built, so it
adds no validator: a 300-character username reached `authenticate()` and django-axes failed to
store it (a 500). Here it is refused as a form error, like a wrong password.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm


class _BoundedUsername:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        # Refused like a wrong password, and not shown back whole.
        if self.is_bound:
            value = self.data.get("username", "")
            if isinstance(value, str) and len(value) > field.max_length:
                self.data = self.data.copy()
                self.data["username"] = value[: field.max_length]
                self._oversized_username = True

    def clean_username(self):
        if getattr(self, "_oversized_username", False):
            raise self.get_invalid_login_error()
        return self.cleaned_data["username"]


class SignInForm(_BoundedUsername, AuthenticationForm):
    pass


class AdminSignInForm(_BoundedUsername, AdminAuthenticationForm):
    pass
