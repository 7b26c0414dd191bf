"""Forms of the association's pages: verification, a registry entry, a change of standing."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from .models import Certification

NO_SUCH_COACH = "No coach account uses this email address."


class VerifyForm(forms.Form):
    q = forms.CharField(
        label="Certificate number or certificate",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Type a certificate number such as TRC-000123, or paste the whole certificate.",
    )


class RegisterForm(forms.Form):
    number = forms.CharField(label="Certificate number", max_length=20)
    public_name = forms.CharField(label="Public name", max_length=200, help_text="Shown on the public page.")
    issued_on = forms.DateField(label="Issued on", widget=forms.DateInput(attrs={"type": "date"}))
    renews_on = forms.DateField(label="Renews on", widget=forms.DateInput(attrs={"type": "date"}))
    coach_email = forms.EmailField(
        label="Coach's Ethos account (optional)",
        required=False,
        help_text="Links the practice side, so a suspension or revocation reaches it (E1).",
    )

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().upper()

    def clean_coach_email(self):
        email = self.cleaned_data["coach_email"].strip()
        if not email:
            return None
        User = get_user_model()
        coach = User.objects.filter(email__iexact=email, role=User.Role.COACH).first()
        if coach is None:
            raise forms.ValidationError(NO_SUCH_COACH)
        return coach


class ConditionsForm(forms.Form):
    conditions = forms.CharField(
        label="Conditions",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the coach must do to keep the certification (courses, supervision). Empty: none.",
    )
    reason = forms.CharField(label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class StandingForm(forms.Form):
    status = forms.ChoiceField(label="New standing", choices=Certification.Status.choices)
    reason = forms.CharField(label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
