"""The referral directory: resources and the coach's vetting of each (P10)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from ethos.standards.record_types import RecordType
from ethos.vault.fields import EncryptedTextField, VaultQuerySet
from ethos.vault.models import VaultModel


def latest_review(vetted_on: datetime.date) -> datetime.date:
    """Return the latest review date P10 allows for a vetting: twelve months after it."""
    try:
        return vetted_on.replace(year=vetted_on.year + 1)
    except ValueError:  # 29 February: a year later is 28 February
        return vetted_on.replace(year=vetted_on.year + 1, day=28)


class VettingQuerySet(VaultQuerySet):
    def current(self, *, on: datetime.date | None = None):
        """Return the vettings that back a referral on `on` (today by default): made, and not yet due.

        Nothing has to run for a vetting to lapse: the day after its review date it drops out of
        this set by itself.
        """
        on = on or timezone.localdate()
        return self.filter(vetted_on__lte=on, review_by__gte=on)


class ResourceQuerySet(VaultQuerySet):
    def for_coach(self, coach):
        return self.filter(coach=coach)

    def active(self):
        return self.filter(is_active=True)

    def currently_vetted(self, *, on: datetime.date | None = None):
        """Return the resources a referral may go to on `on` (P10): in use, with a current vetting.

        The one definition of "currently vetted": referrals (the P10 check), endings (P11) and the
        directory pages all ask this, so a resource taken out of use, or whose vetting lapsed,
        satisfies none of them.
        """
        return self.active().filter(_vetted_on(on))

    def with_vetting(self, *, on: datetime.date | None = None):
        """Annotate the latest review and vetting dates, and whether a vetting is current on `on`.

        One query for any number of rows; `vetted_now` is the same test `currently_vetted` makes,
        leaving aside whether the resource is in use.
        """
        return self.annotate(
            vetted_until=Max("vettings__review_by"),
            last_vetted_on=Max("vettings__vetted_on"),
            vetted_now=_vetted_on(on),
        )


def _vetted_on(on: datetime.date | None) -> Exists:
    return Exists(VettingRecord.objects.current(on=on).filter(resource=OuterRef("pk")))


class Resource(VaultModel):
    """A service the coach may refer clients to, with its own public contact details."""

    class Kind(models.TextChoices):
        # Which open items a referral to each kind can answer: RECORD_TYPES_BY_KIND, below.
        COACHING = "coaching", "Coaching provider"
        THERAPIST = "therapist", "Therapist or counsellor"
        MENTAL_HEALTH = "mental_health", "Mental-health service"
        PRESCRIBER = "prescriber", "Psychiatrist or prescriber"
        CRISIS_LINE = "crisis_line", "Crisis line"
        ADDICTION = "addiction", "Addiction service"
        MEDICAL = "medical", "Doctor or medical service"
        SELF_HARM = "self_harm", "Self-harm service"
        YOUTH = "youth", "Service for young people"
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

    @property
    def record_types(self) -> tuple[str, ...]:
        """Return the record types (catalog [record_types]) a referral to this resource satisfies."""
        return RECORD_TYPES_BY_KIND[self.kind]


# The record types a referral can satisfy, by the kind of service it goes to: the one table that
# decides which open items a referral answers, so a legal service never closes a crisis item.
# S2: crisis or mental-health service; S1: addiction, medical or self-harm service; S9: a
# service for young people; S5: a service that works with the concern; P11: another coach.
_R = RecordType

_K = Resource.Kind
RECORD_TYPES_BY_KIND: dict[str, tuple[str, ...]] = {
    _K.COACHING: (_R.REFERRAL, _R.COACHING_REFERRAL, _R.COMPETENCE_REFERRAL),
    _K.THERAPIST: (_R.REFERRAL, _R.CRISIS_REFERRAL, _R.COMPETENCE_REFERRAL),
    _K.MENTAL_HEALTH: (_R.REFERRAL, _R.CRISIS_REFERRAL, _R.COMPETENCE_REFERRAL),
    _K.PRESCRIBER: (_R.REFERRAL, _R.CRISIS_REFERRAL, _R.SAFETY_REFERRAL),
    _K.CRISIS_LINE: (_R.REFERRAL, _R.CRISIS_REFERRAL),
    _K.ADDICTION: (_R.REFERRAL, _R.SAFETY_REFERRAL),
    _K.MEDICAL: (_R.REFERRAL, _R.SAFETY_REFERRAL),
    _K.SELF_HARM: (_R.REFERRAL, _R.SAFETY_REFERRAL),
    _K.YOUTH: (_R.REFERRAL, _R.YOUTH_REFERRAL),
    _K.DOMESTIC_VIOLENCE: (_R.REFERRAL, _R.COMPETENCE_REFERRAL),
    _K.LEGAL: (_R.REFERRAL,),
    _K.OTHER: (_R.REFERRAL,),
}


# What each clause's record type is for, in the coach's words (for the pages that explain the table).
FIT = (
    ("S2", _R.CRISIS_REFERRAL, "someone in crisis"),
    ("S1", _R.SAFETY_REFERRAL, "physical safety at risk"),
    ("S9", _R.YOUTH_REFERRAL, "someone under the age of majority"),
    ("S5", _R.COMPETENCE_REFERRAL, "a concern outside your competence"),
    ("P11", _R.COACHING_REFERRAL, "ending coaching"),
)


def kinds_for(record_type: str) -> tuple[str, ...]:
    """Return the kinds of service whose referrals satisfy `record_type`, in the order of Kind."""
    return tuple(kind for kind in Resource.Kind.values if record_type in RECORD_TYPES_BY_KIND[kind])


class VettingRecord(VaultModel):
    """One time the coach checked a resource themselves: when, how, what they learnt, when to look again.

    P10 asks for the coach's own check, so the record is always the coach's: `vetted_by` keeps
    their name as it was that day, and `method` says how they checked (there is no "other").
    """

    class Method(models.TextChoices):
        VISITED = "visited", "Visited"
        SPOKE = "spoke", "Called or spoke with them"
        MET = "met", "Met someone who works there"
        LICENCE = "licence", "Checked their licence or registration"
        USED = "used", "Used their service"

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="vettings")
    # The coach's own name, set by the service: a vetting is never recorded on someone else's word.
    vetted_by = models.CharField(max_length=150)
    vetted_on = models.DateField()
    method = models.CharField(max_length=10, choices=Method.choices)
    # What the coach learnt may mention clients: encrypted.
    learnt = EncryptedTextField(blank=True)
    # At most twelve months after `vetted_on` (latest_review); the day after it, the vetting lapses.
    review_by = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = VettingQuerySet.as_manager()

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
