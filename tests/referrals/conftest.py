"""Factories for the directory tests: each test states only the data it depends on."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ethos.referrals import services
from ethos.referrals.models import Resource, VettingRecord


def make_resource(*, coach, name: str = "Harbour Counselling", kind: str = Resource.Kind.THERAPIST, **extra):
    """Add a resource (the coach's vault must be unlocked)."""
    return services.resource_create(coach=coach, name=name, kind=kind, **extra)


def vet(*, coach, resource, days_ago: int = 0, **extra) -> VettingRecord:
    vetted_on = timezone.localdate() - datetime.timedelta(days=days_ago)
    extra.setdefault("method", VettingRecord.Method.SPOKE)
    return services.vetting_record(coach=coach, resource=resource, vetted_on=vetted_on, **extra)
