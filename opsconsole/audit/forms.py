from __future__ import annotations

from django import forms


class SignOffForm(forms.Form):
    up_to = forms.IntegerField(min_value=1, label="Up to event")
    note = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="what you checked, or the ticket",
    )
