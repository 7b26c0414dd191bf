"""Template tags that explain which referral answers which open item (from the one table)."""

from __future__ import annotations

from django import template

from ethos.practice.selectors import area_label
from ethos.referrals.selectors import referral_fit as fit_rows

register = template.Library()


@register.inclusion_tag("referrals/fit.html")
def referral_fit() -> dict:
    """Render which kinds of service answer which clause's open item."""
    return {"rows": fit_rows()}


@register.filter
def concern_label(concern) -> str:
    """Name an intake concern ({"area": slug, "words": ...}) in the person's words, else the area's."""
    if not isinstance(concern, dict):
        return ""
    return concern.get("words") or area_label(str(concern.get("area", "")))
