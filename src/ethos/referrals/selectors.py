"""Read the referral directory: resources with their vetting state, and the access helper.

"Currently vetted" has one definition, `Resource.objects.currently_vetted(on=...)`: every reader
here (and endings, through it) asks that, never its own comparison of dates.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from ethos.standards.facts import Vetting

from .models import FIT, Resource, VettingRecord, kinds_for, latest_review

__all__ = [
    "crisis_resources",
    "get_resource_for_coach",
    "kinds_for",
    "latest_review",
    "referral_fit",
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
    """Return the coach's resources by name, each with its vetting annotated (one query)."""
    resources = Resource.objects.for_coach(coach).with_vetting()
    if not include_inactive:
        resources = resources.active()
    if kind:
        resources = resources.filter(kind=kind)
    return list(resources.order_by("name", "id"))


def vetting_state(resource: Resource, on: datetime.date | None = None) -> Vetting:
    """Say whether the coach's vetting of `resource` is current on `on` (today by default).

    Current is `currently_vetted`'s own test, leaving aside whether the resource is in use (the
    pages show that apart). The annotation from `resources_for` or `get_resource_for_coach` is
    used for today; any other day, or a bare resource, asks the database.
    """
    today = timezone.localdate()
    if on in (None, today) and hasattr(resource, "vetted_now"):
        vetted_now, vetted_until = resource.vetted_now, resource.vetted_until
    else:
        vetted_now, vetted_until = (
            Resource.objects.filter(pk=resource.pk)
            .with_vetting(on=on or today)
            .values_list("vetted_now", "vetted_until")
            .get()
        )
    if vetted_now:
        return Vetting.CURRENT
    return Vetting.MISSING if vetted_until is None else Vetting.LAPSED


def usable_resources(coach, *, kinds: Iterable[str] | None = None) -> list[Resource]:
    """Return the resources a referral may go to today: in use and currently vetted (P10)."""
    resources = Resource.objects.for_coach(coach).currently_vetted().with_vetting()
    if kinds is not None:
        resources = resources.filter(kind__in=list(kinds))
    return list(resources.order_by("name", "id"))


def crisis_resources(coach) -> list[Resource]:
    """Return the crisis lines in use and currently vetted (for the crisis protocol page)."""
    return usable_resources(coach, kinds=[Resource.Kind.CRISIS_LINE])


def vetting_history(resource: Resource) -> list[VettingRecord]:
    """Return every vetting of the resource, newest first."""
    return list(resource.vettings.select_related("data_key").order_by("-vetted_on", "-created_at"))


def referral_fit() -> list[tuple[str, str, list[str]]]:
    """Return (clause, what for, kind labels) for each clause a referral of the right kind answers."""
    labels = dict(Resource.Kind.choices)
    return [(clause, purpose, [labels[kind] for kind in kinds_for(name)]) for clause, name, purpose in FIT]
