"""The registry's answer to the practice side: the standing of a coach's certification (E1)."""

from __future__ import annotations

from ethos.standards.facts import Standing

from .models import Certification


def standing_of(coach) -> Standing | None:
    """Return the standing of the certification linked to `coach`, or None when none is linked."""
    if coach is None or getattr(coach, "pk", None) is None:
        return None
    status = Certification.objects.filter(coach_id=coach.pk).values_list("status", flat=True).first()
    return Standing(status) if status else None
