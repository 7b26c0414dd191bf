"""Read the referral directory: resources with their vetting state, and the access helper."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from ethos.standards.facts import Vetting

from .models import Resource, VettingRecord

__all__ = [
    "crisis_resources",
    "get_resource_for_coach",
    "resources_for",
    "usable_resources",
    "vetting_history",
    "vetting_state",
]


def get_resource_for_coach(coach, pk) -> Resource:
    """Return one of the coach's resources, with its vetting annotated; another coach's is a 404."""
    try:
        return Resource.objects.for_coach(coach).with_vetting().select_related("data_key").get(pk=pk)
    except (Resource.DoesNotExist, ValueError, ValidationError) as error:
        raise Http404("No such resource.") from error


def resources_for(coach, *, kind: str | None = None, include_inactive: bool = False) -> list[Resource]:
    """Return the coach's resources by name, each with `vetted_until` and `last_vetted_on` (one query)."""
    resources = Resource.objects.for_coach(coach).with_vetting()
    if not include_inactive:
        resources = resources.active()
    if kind:
        resources = resources.filter(kind=kind)
    return list(resources.order_by("name", "id"))


def _vetted_until(resource: Resource) -> datetime.date | None:
    if hasattr(resource, "vetted_until"):
        return resource.vetted_until
    return max(resource.vettings.values_list("review_by", flat=True), default=None)


def vetting_state(resource: Resource, on: datetime.date | None = None) -> Vetting:
    """Say whether the coach's vetting of `resource` is current on `on` (today by default).

    Current while some vetting record's review date is on or after the day. The annotation from
    `resources_for` or `get_resource_for_coach` is used when present: vetting records are only
    ever added, so an annotation can only under-state the vetting, never over-state it.
    """
    on = on or timezone.localdate()
    until = _vetted_until(resource)
    if until is None:
        return Vetting.MISSING
    return Vetting.CURRENT if until >= on else Vetting.LAPSED


def usable_resources(coach, *, kinds: Iterable[str] | None = None) -> list[Resource]:
    """Return the active resources whose vetting is current today: the ones a referral may go to."""
    resources = (
        Resource.objects.for_coach(coach)
        .active()
        .with_vetting()
        .filter(vetted_until__gte=timezone.localdate())
    )
    if kinds is not None:
        resources = resources.filter(kind__in=list(kinds))
    return list(resources.order_by("name", "id"))


def crisis_resources(coach) -> list[Resource]:
    """Return the vetted, current crisis lines (for the crisis protocol page)."""
    return usable_resources(coach, kinds=[Resource.Kind.CRISIS_LINE])


def vetting_history(resource: Resource) -> list[VettingRecord]:
    """Return every vetting of the resource, newest first."""
    return list(resource.vettings.select_related("data_key").order_by("-vetted_on", "-created_at"))
