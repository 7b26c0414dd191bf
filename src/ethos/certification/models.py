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
