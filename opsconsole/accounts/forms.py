from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {  # noqa: RUF012 - Django's own class attribute
        **AuthenticationForm.error_messages,
        "invalid_login": "Unknown user name or wrong password.",
        "inactive": "This account is deactivated.",
    }
