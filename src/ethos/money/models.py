"""Agreements, prepaid packages, the ledger, invoices and receipts (P2, P9, P12).

Amounts are plain `DecimalField`s in the practice's currency: the balances and the monthly summary
are sums the database computes, and an amount on its own names no one. Everything that says who
or what (the client's name as printed, references, descriptions, terms in words) is encrypted
under the client's data key. There is no field for a minimum length or frequency of coaching, nor
for an expiry of prepaid sessions, anywhere in this app (P12): such a term cannot be stored.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ethos.standards.facts import Transaction
from ethos.vault.fields import EncryptedTextField
from ethos.vault.models import VaultModel

MONEY = {"max_digits": 12, "decimal_places": 2}


class Agreement(VaultModel):
    """The fee per session and the cancellation terms agreed with a client; the client may stop at any time.

    A new agreement replaces the previous one; every version is kept.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="money_agreements")
    fee = models.DecimalField(**MONEY)
    # A client's cancellation less than this many hours before the session is a late cancellation;
    # 0 means there is no late-cancellation charge at all.
    late_cancel_hours = models.PositiveSmallIntegerField(default=0)
    # The share of the fee a late cancellation costs, in per cent.
    late_cancel_percent = models.PositiveSmallIntegerField(default=0)
    # Anything else about cancelling, in the coach's words, as agreed with the client.
    terms = EncryptedTextField(null=True)
    agreed_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["client", "created_at"], name="money_agreement_client")]
        constraints = [
            models.CheckConstraint(condition=Q(fee__gte=0), name="money_agreement_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(late_cancel_percent__lte=100), name="money_agreement_late_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"agreement {self.pk}"

    @property
    def late_fee(self) -> Decimal:
        return (self.fee * self.late_cancel_percent / 100).quantize(Decimal("0.01"))


class Package(VaultModel):
    """Sessions paid for in advance: they never expire, and unused ones are refunded pro rata (P12)."""

    class Status(models.TextChoices):
        OPEN = "open", "In use"
        CLOSED = "closed", "Closed, unused sessions refunded"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="money_packages")
    sessions = models.PositiveSmallIntegerField()
    price = models.DecimalField(**MONEY)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    bought_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "status"], name="money_package_client")]
        constraints = [
            models.CheckConstraint(condition=Q(sessions__gt=0), name="money_package_has_sessions"),
            models.CheckConstraint(condition=Q(price__gte=0), name="money_package_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"package {self.pk}"


class Charge(VaultModel):
    """One line the client owes (or is owed): a session's fee, a late cancellation, a package, a refund.

    A session has at most one line. A session the coach cancelled, started late or cut short has a
    line of nothing, saying why (P2), so the client sees it was not charged.
    """

    class Kind(models.TextChoices):
        SESSION = "session", "Session"
        LATE_CANCEL = "late_cancel", "Late cancellation"
        NO_FEE = "no_fee", "No fee"
        FROM_PACKAGE = "from_package", "Session from a prepaid package"
        PACKAGE = "package", "Prepaid package"
        REFUND_DUE = "refund_due", "Refund of unused prepaid sessions"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="money_charges")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    session = models.OneToOneField(
        "coaching.Session", on_delete=models.PROTECT, null=True, blank=True, related_name="charge"
    )
    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )
    invoice = models.ForeignKey(
        "money.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )
    # What the line says, for the client: "Session on 3 May 2026", "Late cancellation: ..."
    description = EncryptedTextField()
    charged_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["client", "charged_on"], name="money_charge_client"),
            models.Index(fields=["coach", "charged_on"], name="money_charge_coach"),
            # The compliance report's counts of charges by kind, from the index alone.
            models.Index(fields=["coach", "kind"], name="money_charge_kinds"),
            # Every client's balance on the money page: the charges summed from the index alone.
            models.Index(fields=["coach", "client", "amount"], name="money_charge_balances"),
        ]
        constraints = [
            # Only a refund owed to the client is negative; a line of no fee is exactly nothing.
            models.CheckConstraint(
                condition=Q(kind="refund_due", amount__lte=0) | (~Q(kind="refund_due") & Q(amount__gte=0)),
                name="money_charge_sign",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["no_fee", "from_package"]) | Q(amount=0),
                name="money_charge_no_fee_is_zero",
            ),
        ]

    def __str__(self) -> str:
        return f"charge {self.pk}"


class Payment(VaultModel):
    """Money that passed between coach and client for coaching: a fee, a package, or a refund paid back (P9).

    Nothing else can be a payment: the service refuses a loan, sale, investment, gift, paid work or
    barter at payment.record before anything is written.
    """

    class Kind(models.TextChoices):
        COACHING_FEE = Transaction.COACHING_FEE.value, "A coaching fee"
        PACKAGE = Transaction.PACKAGE.value, "A prepaid package"
        REFUND = Transaction.REFUND.value, "A refund I paid back to the client"

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank", "Bank transfer"
        CARD = "card", "Card"
        CASH = "cash", "Cash"
        CHEQUE = "cheque", "Cheque"
        ONLINE = "online", "Online payment service"
        OTHER = "other", "Another way"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="money_payments")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=6, choices=Method.choices)
    paid_on = models.DateField()
    reference = EncryptedTextField(null=True)
    invoice = models.ForeignKey(
        "money.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    package = models.ForeignKey(
        Package, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["client", "paid_on"], name="money_payment_client"),
            models.Index(fields=["coach", "paid_on"], name="money_payment_coach"),
        ]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="money_payment_positive")]

    def __str__(self) -> str:
        return f"payment {self.pk}"

    @property
    def signed_amount(self) -> Decimal:
        """What the payment does to the client's balance: a refund paid back adds to it."""
        return -self.amount if self.kind == self.Kind.REFUND else self.amount


class Gift(VaultModel):
    """A gift a client offered, recorded only as declined or returned (P9)."""

    class Outcome(models.TextChoices):
        DECLINED = "declined", "I declined it"
        RETURNED = "returned", "I returned it"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="money_gifts")
    offered_on = models.DateField()
    what = EncryptedTextField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"gift {self.pk}"


class Counter(models.Model):
    """The last number a coach gave in one series (invoices, receipts): locked while the next is taken."""

    class Series(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        RECEIPT = "receipt", "Receipt"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=8, choices=Series.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coach", "series"], name="money_counter_one_per_series")
        ]

    def __str__(self) -> str:
        return f"{self.series} counter of {self.coach_id}"


class Invoice(VaultModel):
    """A numbered invoice (the client's charges not yet invoiced) or receipt (one payment)."""

    Series = Counter.Series
    PREFIX = {Counter.Series.INVOICE: "INV", Counter.Series.RECEIPT: "REC"}

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="money_invoices")
    series = models.CharField(max_length=8, choices=Series.choices)
    number = models.PositiveIntegerField()
    total = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    # The client's name as printed on the document, kept as it was on the day.
    client_name = EncryptedTextField()
    issued_on = models.DateField()
    receipt_for = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="receipt"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["coach", "series", "-number"], name="money_invoice_coach_number")]
        constraints = [
            models.UniqueConstraint(fields=["coach", "series", "number"], name="money_invoice_number_once"),
            models.CheckConstraint(
                condition=Q(series="invoice", receipt_for__isnull=True)
                | Q(series="receipt", receipt_for__isnull=False),
                name="money_invoice_receipt_names_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.number}"

    @property
    def label(self) -> str:
        """The number as printed: INV-000042."""
        return self.label_for(self.series, self.number)

    @classmethod
    def label_for(cls, series: str, number: int) -> str:
        """The number of a document of `series` as printed, for a row read without its Invoice."""
        return f"{cls.PREFIX[series]}-{number:06d}"

    @property
    def is_receipt(self) -> bool:
        return self.series == self.Series.RECEIPT
