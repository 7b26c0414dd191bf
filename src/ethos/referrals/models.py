"""The referral directory: resources and the coach's vetting of each (P10)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Max, Q
from django.utils import timezone

from ethos.vault.fields import EncryptedTextField, VaultQuerySet
from ethos.vault.models import VaultModel

VETTING_PERIOD = datetime.timedelta(days=365)


class ResourceQuerySet(VaultQuerySet):
    def for_coach(self, coach):
        return self.filter(coach=coach)

    def active(self):
        return self.filter(is_active=True)

    def with_vetting(self):
        """Annotate the latest review date and vetting date: one query for any number of rows."""
        return self.annotate(
            vetted_until=Max("vettings__review_by"), last_vetted_on=Max("vettings__vetted_on")
        )


class Resource(VaultModel):
    """A service the coach may refer clients to, with its own public contact details."""

    class Kind(models.TextChoices):
        COACHING = "coaching", "Coaching provider"
        THERAPIST = "therapist", "Therapist or counsellor"
        PRESCRIBER = "prescriber", "Psychiatrist or prescriber"
        CRISIS_LINE = "crisis_line", "Crisis line"
        ADDICTION = "addiction", "Addiction service"
        DOMESTIC_VIOLENCE = "domestic_violence", "Domestic-violence service"
        LEGAL = "legal", "Legal service"
        OTHER = "other", "Other"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(max_length=300, blank=True)
    address = models.TextField(max_length=500, blank=True)
    jurisdiction = models.CharField(max_length=100, blank=True)
    # The coach's own notes may mention clients: encrypted.
    notes = EncryptedTextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["coach", "kind"], name="referrals_resource_coach_kind")]

    def __str__(self) -> str:
        return self.name


class VettingRecord(VaultModel):
    """One time the coach checked a resource: who, when, how, what they learnt, when to look again."""

    class Method(models.TextChoices):
        SPOKE = "spoke", "Spoke with them"
        VISITED = "visited", "Visited"
        LICENCE = "licence", "Verified their licence or registration"
        USED = "used", "Used their service"
        OTHER = "other", "Other"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="vettings")
    vetted_by = models.CharField(max_length=150)
    vetted_on = models.DateField()
    method = models.CharField(max_length=10, choices=Method.choices)
    # What the coach learnt may mention clients: encrypted.
    learnt = EncryptedTextField(blank=True)
    review_by = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-vetted_on", "-created_at"]
        indexes = [models.Index(fields=["resource", "review_by"], name="referrals_vetting_review")]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_by__gte=models.F("vetted_on")), name="referrals_vetting_review_after"
            ),
        ]

    def __str__(self) -> str:
        return f"vetting of {self.resource_id} on {self.vetted_on}"
