"""The kinds of record that resolve an open item, named once for the code.

`[record_types]` in catalog.toml gives each its label for the coach; this enum gives the code
its names. The two must list the same names: `check_record_types` runs at start-up.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured

from .catalog import catalog

RECORD_TYPES_DIFFER = (
    "RecordType and [record_types] in catalog.toml must name the same record types; "
    "only in the enum: {code}; only in the catalog: {catalog}."
)


class RecordType(StrEnum):
    """A record that can resolve an open item (an open item lists the ones that do)."""

    REFERRAL = "referral"
    CRISIS_REFERRAL = "crisis_referral"
    SAFETY_REFERRAL = "safety_referral"
    YOUTH_REFERRAL = "youth_referral"
    COMPETENCE_REFERRAL = "competence_referral"
    COACHING_REFERRAL = "coaching_referral"
    RELEASE_EXPLANATION = "release_explanation"
    CLIENT_RELEASE = "client_release"
    SUPERVISION_ENTRY = "supervision_entry"
    SCOPE_REVIEW = "scope_review"
    SAFETY_PLAN = "safety_plan"
    RESCHEDULE = "reschedule"
    INFLUENCE_FOLLOWUP = "influence_followup"
    GOAL_CONFIRMATION = "goal_confirmation"
    MANDATORY_REPORT = "mandatory_report"
    FLAG_DISMISSAL = "flag_dismissal"
    SAFETY_FOLLOW_UP = "safety_follow_up"
    REFERRAL_OFFER = "referral_offer"
    BOUNDARY_REVIEW = "boundary_review"


def check_record_types() -> None:
    """Refuse to start when the enum and the catalog's [record_types] disagree."""
    code, listed = {t.value for t in RecordType}, set(catalog().record_types)
    if code != listed:
        raise ImproperlyConfigured(
            RECORD_TYPES_DIFFER.format(
                code=sorted(code - listed) or "none", catalog=sorted(listed - code) or "none"
            )
        )
