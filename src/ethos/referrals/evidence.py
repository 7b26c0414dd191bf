"""What the referral directory tells the compliance report about P10 (counts only)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from ethos.prepared import prepared
from ethos.standards.evidence import Evidence, count, evidence_provider

from .models import Resource, VettingRecord


@prepared
def _directory_counts(coach, today) -> dict[str, int]:
    vettings = VettingRecord.objects.filter(resource=OuterRef("pk"))
    current = VettingRecord.objects.current(on=today).filter(resource=OuterRef("pk"))
    return (
        Resource.objects.for_coach(coach)
        .active()
        .annotate(is_vetted=Exists(vettings), is_current=Exists(current))
        # The aggregate names differ from the annotation names: reusing one silently counts nothing.
        .aggregate(
            total=Count("id"),
            vetted=Count("id", filter=Q(is_vetted=True)),
            current=Count("id", filter=Q(is_current=True)),
        )
    )


@evidence_provider("P10")
def directory_evidence(coach) -> list[Evidence]:
    totals = _directory_counts(coach, timezone.localdate())
    total, current = totals["total"], totals["current"]
    due, never = totals["vetted"] - current, total - totals["vetted"]
    text = (
        f"{count(total, 'resource')} in your referral directory, {current} vetted and current, "
        f"{due} due for review"
    )
    text += f", {never} never vetted" if never else ""
    return [Evidence(text, attention=bool(due or never) or not current)]
