"""Forms of the directory pages: they read and check input; the services write."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from .models import Resource, VettingRecord, latest_review
from .services import REVIEW_BEFORE_VETTING, REVIEW_TOO_LATE, VETTED_IN_FUTURE

ALL_KINDS = ("", "All kinds")
NOT_PERSONALLY = "Only a service you have checked yourself can be vetted (P10)."
KIND_HELP = "The kind decides which open items a referral to it can answer: see the list below the form."


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class KindFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of service", choices=[ALL_KINDS, *Resource.Kind.choices], required=False
    )


class ResourceForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(label="Kind of service", choices=Resource.Kind.choices, help_text=KIND_HELP)
    phone = forms.CharField(label="Phone (optional)", max_length=40, required=False)
    email = forms.EmailField(label="Email (optional)", required=False)
    website = forms.URLField(
        label="Website (optional)", max_length=300, required=False, assume_scheme="https"
    )
    address = forms.CharField(
        label="Address (optional)", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    jurisdiction = forms.CharField(
        label="Where it serves (optional)",
        max_length=100,
        required=False,
        help_text="The country, region or city whose residents it serves.",
    )
    notes = forms.CharField(
        label="Your notes (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Encrypted: only you can read them.",
    )


class VettingForm(forms.Form):
    vetted_on = forms.DateField(label="Date you vetted it", widget=date_input())
    method = forms.ChoiceField(
        label="How you checked it yourself", choices=VettingRecord.Method.choices, widget=forms.RadioSelect
    )
    personally = forms.BooleanField(
        label="I checked this service myself",
        help_text="P10 asks for your own check: not a colleague's word, not a listing in another directory.",
        error_messages={"required": NOT_PERSONALLY},
    )
    learnt = forms.CharField(
        label="What you learnt (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who they help, waiting times, costs, how a referral works. "
        "Encrypted: only you can read it.",
    )
    review_by = forms.DateField(
        label="Review by (optional)",
        required=False,
        widget=date_input(),
        help_text="At most twelve months after the vetting date; twelve months if you leave it empty. "
        "After it, the service shows as due and no referral can go to it until you vet it again.",
    )

    def clean(self) -> dict:
        data = super().clean()
        vetted_on, review_by = data.get("vetted_on"), data.get("review_by")
        if vetted_on and vetted_on > timezone.localdate():
            self.add_error("vetted_on", VETTED_IN_FUTURE)
        elif vetted_on and review_by and review_by < vetted_on:
            self.add_error("review_by", REVIEW_BEFORE_VETTING)
        elif vetted_on and review_by and review_by > latest_review(vetted_on):
            self.add_error("review_by", REVIEW_TOO_LATE)
        return data
