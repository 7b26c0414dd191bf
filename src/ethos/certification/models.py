"""The association's registry of certified coaches (E1).

Nothing here holds client data: staff have no vault key, and no model of this app points at a
client record. A registry entry may be linked to the coach's account on the practice side, which
is how a revocation or suspension reaches the practice (E1 at `intake.submit` and
`session.start`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Certification(models.Model):
    """One coach's certification: its public number, standing, dates and conditions."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        REVOKED = "revoked", "Revoked"
        LAPSED = "lapsed", "Lapsed"

    number = models.CharField(max_length=20, unique=True)
    # The only personal data the public verification page shows.
    public_name = models.CharField(max_length=200)
    coach = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certification",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    issued_on = models.DateField()
    renews_on = models.DateField()
    conditions = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.public_name} ({self.status})"

    @property
    def may_practise(self) -> bool:
        """True while the coach may take new clients and start sessions (E1)."""
        return self.status == self.Status.ACTIVE


class StatusList(models.Model):
    """One Bitstring Status List (v1.0) of the association: a bit per credential for one purpose.

    The credentials carry a random index into the list of each purpose, so the list reveals
    nothing about who holds which bit. The bits are public (served signed), never personal data.
    """

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", "Revocation"
        SUSPENSION = "suspension", "Suspension"

    # At least 131,072 bits (16 KiB), the spec's minimum, so that one credential hides among many.
    SIZE_BITS = 131_072

    purpose = models.CharField(max_length=12, choices=Purpose.choices, unique=True)
    bits = models.BinaryField()
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"status list ({self.purpose})"


class StatusEntry(models.Model):
    """A certification's place in one status list: a random index, never reused."""

    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="status_entries")
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="entries")
    index = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status_list", "index"], name="status_entry_unique_index"),
            models.UniqueConstraint(
                fields=["status_list", "certification"], name="status_entry_one_per_list"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certification_id} at {self.status_list_id}[{self.index}]"


class IssuedCredential(models.Model):
    """A verifiable certificate as issued: the signed JWT, kept so the coach can download it again."""

    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="credentials")
    token = models.TextField()
    issued_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"credential of {self.certification_id} issued {self.issued_at:%Y-%m-%d}"


class VerificationRequest(models.Model):
    """One use of the public verification page from an address (a keyed hash), for the rate limit."""

    address = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["address", "at"], name="verification_address_at")]

    def __str__(self) -> str:
        return f"verification from {self.address[:8]}"


class WitnessedCheckpoint(models.Model):
    """A checkpoint of a practice's audit log that the association checked and cosigned.

    Each one extends the one before (an RFC 9162 consistency proof checked on receipt), so the
    latest is what the association will hold the practice's log to at its next report. It holds
    a size, a root hash and signatures, never anything about a client.
    """

    # A witness knows a log by its origin (C2SP tlog-witness); the account link is a convenience
    # and goes when the account does, while the association keeps what it witnessed.
    origin = models.CharField(max_length=200)
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    size = models.PositiveBigIntegerField()
    root = models.BinaryField(max_length=32)
    checkpoint = models.TextField()
    cosignature = models.TextField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-size", "-id"]
        indexes = [models.Index(fields=["origin", "-size"], name="cert_witnessed_origin_size")]

    def __str__(self) -> str:
        return f"{self.origin} witnessed at {self.size}"
