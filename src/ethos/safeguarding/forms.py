"""Forms of the safeguarding pages: they parse; the services decide."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from ethos.accounts.forms import ConfirmPassphraseForm

from .models import RECORD_KINDS, AtRisk, Consent, CourtOrder, Disclosure, MandatoryReport

DATE = {"type": "date"}
DATETIME = {"type": "datetime-local"}
KIND_CHOICES = list(RECORD_KINDS.items())


class PassphraseField(forms.CharField):
    """The coach's passphrase, asked again before records leave (checked by the service)."""

    def __init__(self, **kwargs):
        base = ConfirmPassphraseForm.base_fields["passphrase"]
        super().__init__(
            max_length=base.max_length,
            strip=False,
            label="Your passphrase, to confirm it is you",
            widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            **kwargs,
        )


def _aware(value: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class ReportTaskForm(forms.Form):
    at_risk = forms.ChoiceField(label="Who is at risk", choices=AtRisk.choices, widget=forms.RadioSelect)
    details = forms.CharField(
        label="Who they are and what was disclosed",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In plain words, as the client told you. Kept encrypted; it goes only to the agency.",
    )
    learned_at = forms.DateTimeField(
        label="When you learned of it", widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M")
    )

    def clean_learned_at(self):
        return _aware(self.cleaned_data["learned_at"])


class ReportForm(forms.Form):
    agency = forms.CharField(label="The agency you reported to", max_length=300)
    how = forms.ChoiceField(
        label="How you reported", choices=MandatoryReport.How.choices, widget=forms.RadioSelect
    )
    reported_at = forms.DateTimeField(
        label="When you reported", widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M")
    )
    reference = forms.CharField(label="The agency's reference number", max_length=200)
    told_client = forms.CharField(
        label="What you told the client about the report",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Or why you did not tell them (when telling them would put someone at more risk).",
    )
    passphrase = PassphraseField()

    def clean_reported_at(self):
        return _aware(self.cleaned_data["reported_at"])


class DismissForm(forms.Form):
    reason = forms.CharField(
        label="Why these words are not a disclosure of abuse",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the client was describing a film, or abuse that ended long ago "
        "and puts no one at risk now.",
    )


class ConsentForm(forms.Form):
    recipient = forms.CharField(label="Who may receive the records", max_length=300)
    purpose = forms.CharField(label="What for", max_length=1000)
    record_kinds = forms.MultipleChoiceField(
        label="Which records", choices=KIND_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    valid_from = forms.DateField(label="From", widget=forms.DateInput(attrs=DATE))
    valid_until = forms.DateField(label="Until", widget=forms.DateInput(attrs=DATE))
    how_given = forms.ChoiceField(
        label="How the client gave it",
        # A portal signature is recorded only from the client's own signature (ethos.portal).
        choices=[
            (value, label) for value, label in Consent.HowGiven.choices if value != Consent.HowGiven.PORTAL
        ],
        widget=forms.RadioSelect,
    )
    document = forms.FileField(
        label="The signed consent (PDF, JPEG or PNG)",
        required=False,
        help_text="Kept encrypted, like the notes.",
    )
    signed_name = forms.CharField(
        label="The name the client typed",
        max_length=300,
        required=False,
        help_text="Only for a typed-name signature.",
    )
    signed_on = forms.DateField(label="Signed on", widget=forms.DateInput(attrs=DATE))


class RevokeForm(forms.Form):
    note = forms.CharField(
        label="How the client withdrew it (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CourtOrderForm(forms.Form):
    kind = forms.ChoiceField(label="What it is", choices=CourtOrder.Kind.choices, widget=forms.RadioSelect)
    court = forms.CharField(label="Court", max_length=300)
    case_reference = forms.CharField(label="Case reference", max_length=200)
    issued_on = forms.DateField(label="Date of the order", widget=forms.DateInput(attrs=DATE))
    recipient = forms.CharField(label="Who it says the records go to", max_length=300)
    record_kinds = forms.MultipleChoiceField(
        label="Which records it names", choices=KIND_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    asks_for = forms.CharField(
        label="What it asks for, as worded", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    may_tell_client = forms.ChoiceField(
        label="May you tell the client?",
        choices=[("yes", "Yes, the order does not forbid it"), ("no", "No, the order forbids telling them")],
        widget=forms.RadioSelect,
    )
    document = forms.FileField(label="A copy of the order (PDF, JPEG or PNG)")


class DisclosureForm(forms.Form):
    basis = forms.ChoiceField(
        label="The basis",
        choices=[
            ("", "No consent or order on file"),
            (Disclosure.Basis.CONSENT, Disclosure.Basis.CONSENT.label),
            (Disclosure.Basis.SUBPOENA, Disclosure.Basis.SUBPOENA.label),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    consent = forms.ChoiceField(label="Which consent", required=False)
    order = forms.ChoiceField(label="Which subpoena or court order", required=False)
    recipient = forms.CharField(label="Who receives the records", max_length=300)
    record_kinds = forms.MultipleChoiceField(
        label="Which records", choices=KIND_CHOICES[:-1], widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(label="What for", max_length=1000)
    passphrase = PassphraseField()

    def __init__(self, *args, consents=(), orders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.consents = {str(c.pk): c for c in consents}
        self.orders = {str(o.pk): o for o in orders}
        self.fields["consent"].choices = [("", "None")] + [
            (
                pk,
                f"To {c.recipient}, {c.valid_from:%d %b %Y} to {c.valid_until:%d %b %Y}"
                + (" (revoked)" if c.is_revoked else ""),
            )
            for pk, c in self.consents.items()
        ]
        self.fields["order"].choices = [("", "None")] + [
            (pk, f"{o.kind_label} of {o.issued_on:%d %b %Y}, {o.court}, case {o.case_reference}")
            for pk, o in self.orders.items()
        ]

    def chosen_consent(self):
        return self.consents.get(self.cleaned_data.get("consent") or "")

    def chosen_order(self):
        return self.orders.get(self.cleaned_data.get("order") or "")


class EmergencyForm(forms.Form):
    recipient = forms.CharField(
        label="Who you gave the information to", max_length=300, initial="Emergency services"
    )
    what = forms.CharField(
        label="What you told them", max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    life_at_risk = forms.BooleanField(label="Someone's life was at risk, and this was needed to protect it")
    passphrase = PassphraseField()


class AnnotationForm(forms.Form):
    text = forms.CharField(
        label="Add a dated note", max_length=3000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(forms.Form):
    what_happened = forms.CharField(
        label="What happened, and why sharing was needed",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    client_told = forms.CharField(
        label="What you told the client afterwards", max_length=3000, widget=forms.Textarea(attrs={"rows": 2})
    )
