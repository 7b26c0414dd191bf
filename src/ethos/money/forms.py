"""Forms of the money pages: they read and check input; the services write.

None of them has a field for a minimum number of sessions, a minimum period, a frequency or an
expiry (P12): a posted `minimum_sessions`, `term` or `commitment` is simply not read.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from ethos.standards.facts import Transaction

from .models import Gift, Payment
from .services import AMOUNT_MAX, AMOUNT_NEEDED, HOURS_RANGE, PERCENT_RANGE, SESSIONS_RANGE

DATE_IN_FUTURE = "This date is in the future. Enter the day it happened."

# What the coach may say money was for: coaching, and (to be refused under P9, never written)
# everything else. Offering them makes the refusal visible instead of leaving it unsaid.
PAYMENT_KINDS = [
    *Payment.Kind.choices,
    (Transaction.LOAN.value, "A loan, either way"),
    (Transaction.SALE.value, "Buying or selling something"),
    (Transaction.INVESTMENT.value, "An investment"),
    (Transaction.GIFT.value, "A gift (record a gift you declined or returned on its own page)"),
    (Transaction.PAID_WORK.value, "Paid work, for me or by me"),
    (Transaction.BARTER.value, "An exchange of goods or services (barter)"),
]


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def amount_field(label: str, *, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_value=AMOUNT_MAX,
        max_digits=12,
        decimal_places=2,
        help_text=help_text,
        error_messages={"invalid": AMOUNT_NEEDED, "required": AMOUNT_NEEDED},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class PastDateField(forms.DateField):
    def __init__(self, **kwargs) -> None:
        super().__init__(widget=date_input(), **kwargs)

    def validate(self, value) -> None:
        super().validate(value)
        if value and value > timezone.localdate():
            raise forms.ValidationError(DATE_IN_FUTURE)


class AgreementForm(forms.Form):
    fee = amount_field("Fee per session")
    late_cancel_hours = forms.IntegerField(
        label="A cancellation by the client is late when it comes less than this many hours before",
        min_value=0,
        max_value=336,
        initial=0,
        help_text="0 means a client's cancellation never costs anything.",
        error_messages={"min_value": HOURS_RANGE, "max_value": HOURS_RANGE},
    )
    late_cancel_percent = forms.IntegerField(
        label="A late cancellation costs this share of the fee (per cent)",
        min_value=0,
        max_value=100,
        initial=0,
        error_messages={"min_value": PERCENT_RANGE, "max_value": PERCENT_RANGE},
    )
    terms = forms.CharField(
        label="Anything else about cancelling, as you agreed it",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    agreed_on = PastDateField(label="Date agreed")


class PackageForm(forms.Form):
    sessions = forms.IntegerField(
        label="Number of sessions paid for in advance",
        min_value=1,
        max_value=100,
        error_messages={"min_value": SESSIONS_RANGE, "max_value": SESSIONS_RANGE},
    )
    price = amount_field("Price of the package")
    bought_on = PastDateField(label="Date paid for")


class PaymentForm(forms.Form):
    kind = forms.ChoiceField(label="What the money is for", choices=PAYMENT_KINDS, widget=forms.RadioSelect)
    amount = amount_field("Amount")
    method = forms.ChoiceField(label="How it was paid", choices=[("", "Choose how"), *Payment.Method.choices])
    paid_on = PastDateField(label="Date paid")
    reference = forms.CharField(
        label="Reference",
        max_length=200,
        required=False,
        help_text="A bank reference or receipt number, if there is one.",
    )
    invoice = forms.ChoiceField(label="For invoice", required=False)

    def __init__(self, *args, invoices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [
            ("", "No particular invoice"),
            *((str(i.pk), i.label) for i in invoices),
        ]


class GiftForm(forms.Form):
    offered_on = PastDateField(label="Date offered")
    what = forms.CharField(
        label="What the gift was", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(label="What you did", choices=Gift.Outcome.choices, widget=forms.RadioSelect)
