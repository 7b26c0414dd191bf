"""Forms of the boundary pages (P7, P8): they read and check input; the services in boundaries write."""

from __future__ import annotations

from django import forms

from .models import BoundaryReview, ContactLog, RelationshipDeclaration


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AgreementForm(forms.Form):
    contact_between = forms.CharField(
        label="How and when contact happens outside sessions",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: “Messages only to arrange or move a session, answered within a working day.”",
    )
    out_of_bounds = forms.CharField(
        label="What is out of bounds",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: friendship, social media, meeting outside sessions, money beyond fees.",
    )
    signed_name = forms.CharField(
        label="The client's full name, typed by them",
        max_length=200,
        help_text="An interim signature: the client types their name to agree. "
        "A signed copy can be kept too.",
    )
    signed_on = forms.DateField(label="Date signed", widget=date_input())


class ContactForm(forms.Form):
    happened_on = forms.DateField(label="Date of the contact", widget=date_input())
    started_by = forms.ChoiceField(
        label="Who started it", choices=ContactLog.StartedBy.choices, widget=forms.RadioSelect
    )
    channel = forms.ChoiceField(label="How", choices=[("", "Choose how"), *ContactLog.Channel.choices])
    about = forms.ChoiceField(
        label="What it was about", choices=ContactLog.About.choices, widget=forms.RadioSelect
    )
    summary = forms.CharField(
        label="In a few words", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ContactReviewForm(forms.Form):
    what_happened = forms.CharField(
        label="What happened, and what you did", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(
        label="What you did about it", choices=BoundaryReview.Outcome.choices, widget=forms.RadioSelect
    )


class DeclarationForm(forms.Form):
    kind = forms.ChoiceField(
        label="What there is between you and the client",
        choices=RelationshipDeclaration.Kind.choices,
        widget=forms.RadioSelect,
    )
    what = forms.CharField(
        label="What happened, in a few words", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
