"""Write the referral directory, and the P10 guard other apps call before recording a referral.

Each write validates, saves and appends its audit event in one transaction. Audit details
hold kinds, dates and field names only: never notes, never what was learnt.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.standards.engine import Subject, Verdict
from ethos.standards.facts import Facts, Vetting
from ethos.standards.points import Point
from ethos.standards.services import enforce
from ethos.vault.models import DataKey
from ethos.vault.services import data_key_create

from .models import Resource, VettingRecord, latest_review

DIRECTORY_PURPOSE = "directory"
NOT_YOUR_RESOURCE = "This resource belongs to another practice's directory."
VETTED_IN_FUTURE = "The vetting date is in the future. Record a vetting once it has happened."
REVIEW_BEFORE_VETTING = "The review date cannot be before the vetting date."
REVIEW_TOO_LATE = (
    "The review date can be at most twelve months after the vetting date: "
    "P10 asks you to check a service again at least once a year."
)
ALREADY_INACTIVE = "This resource is already taken out of use."
ALREADY_ACTIVE = "This resource is already in use."

RESOURCE_FIELDS = ("name", "kind", "phone", "email", "website", "address", "jurisdiction", "notes")


def directory_key(coach) -> DataKey:
    """Return the coach's one "directory" data key, making it on first use (vault must be unlocked)."""
    key = (
        DataKey.objects.filter(coach=coach, purpose=DIRECTORY_PURPOSE, wrapped__isnull=False)
        .order_by("created_at", "id")
        .first()
    )
    # Two first writes at once may each make a key; that is harmless, since every row names the
    # key it was encrypted with, and later writes settle on the oldest.
    return key or data_key_create(coach=coach, purpose=DIRECTORY_PURPOSE)


def _own(coach, resource: Resource) -> None:
    if resource.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_RESOURCE)


def resource_create(
    *,
    coach,
    name: str,
    kind: str,
    phone: str = "",
    email: str = "",
    website: str = "",
    address: str = "",
    jurisdiction: str = "",
    notes: str = "",
) -> Resource:
    """Add a service to the directory; it cannot be referred to until it is vetted (P10)."""
    with transaction.atomic():
        resource = Resource(
            coach=coach,
            data_key=directory_key(coach),
            name=name.strip(),
            kind=kind,
            phone=phone.strip(),
            email=email.strip(),
            website=website.strip(),
            address=address.strip(),
            jurisdiction=jurisdiction.strip(),
            notes=notes,
        )
        resource.full_clean()
        resource.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.REFERRALS_RESOURCE_ADDED,
            target_type="resource",
            target_id=str(resource.pk),
            clauses=["P10"],
            details={"kind": resource.kind},
        )
    return resource


def resource_update(
    *,
    coach,
    resource: Resource,
    name: str,
    kind: str,
    phone: str,
    email: str,
    website: str,
    address: str,
    jurisdiction: str,
    notes: str,
) -> Resource:
    """Change a resource's details or notes; audit the names of the fields that changed."""
    _own(coach, resource)
    new = {
        "name": name.strip(),
        "kind": kind,
        "phone": phone.strip(),
        "email": email.strip(),
        "website": website.strip(),
        "address": address.strip(),
        "jurisdiction": jurisdiction.strip(),
        "notes": notes,
    }
    with transaction.atomic():
        resource = Resource.objects.select_for_update().select_related("data_key").get(pk=resource.pk)
        changed = [name for name in RESOURCE_FIELDS if getattr(resource, name) != new[name]]
        for field, value in new.items():
            setattr(resource, field, value)
        resource.updated_at = timezone.now()
        resource.full_clean()
        resource.save()
        audit_append(
            coach=coach,
            action=Action.REFERRALS_RESOURCE_UPDATED,
            target_type="resource",
            target_id=str(resource.pk),
            clauses=["P10"],
            details={"changed": changed, "kind": resource.kind},
        )
    return resource


def vetting_record(
    *,
    coach,
    resource: Resource,
    vetted_on: datetime.date,
    method: str,
    learnt: str = "",
    review_by: datetime.date | None = None,
) -> VettingRecord:
    """Record that the coach vetted a resource themselves, and how (P10).

    The vetting is always the coach's own: there is no "vetted by" to fill in. It is current
    until `review_by`, at most twelve months after `vetted_on` (the default), and lapses by
    itself the day after.
    """
    _own(coach, resource)
    if vetted_on > timezone.localdate():
        raise ValidationError(VETTED_IN_FUTURE)
    review_by = review_by or latest_review(vetted_on)
    if review_by < vetted_on:
        raise ValidationError(REVIEW_BEFORE_VETTING)
    if review_by > latest_review(vetted_on):
        raise ValidationError(REVIEW_TOO_LATE)
    with transaction.atomic():
        record = VettingRecord(
            coach=coach,
            resource=resource,
            data_key=directory_key(coach),
            vetted_by=coach.name or coach.email,
            vetted_on=vetted_on,
            method=method,
            learnt=learnt,
            review_by=review_by,
        )
        record.full_clean()
        record.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.REFERRALS_VETTED,
            target_type="resource",
            target_id=str(resource.pk),
            clauses=["P10"],
            details={
                "vetting": str(record.pk),
                "method": record.method,
                "vetted_on": record.vetted_on.isoformat(),
                "review_by": record.review_by.isoformat(),
            },
        )
    return record


def _set_active(*, coach, resource: Resource, active: bool) -> Resource:
    _own(coach, resource)
    with transaction.atomic():
        updated = Resource.objects.filter(pk=resource.pk, coach=coach, is_active=not active).update(
            is_active=active, updated_at=timezone.now()
        )
        if not updated:
            raise ValidationError(ALREADY_ACTIVE if active else ALREADY_INACTIVE)
        audit_append(
            coach=coach,
            action=Action.REFERRALS_RESOURCE_REACTIVATED if active else Action.REFERRALS_RESOURCE_DEACTIVATED,
            target_type="resource",
            target_id=str(resource.pk),
            clauses=["P10"],
            details={"kind": resource.kind},
        )
    resource.is_active = active
    return resource


def resource_deactivate(*, coach, resource: Resource) -> Resource:
    """Take a resource out of use: it stays on record with its vetting, but no referral goes to it."""
    return _set_active(coach=coach, resource=resource, active=False)


def resource_reactivate(*, coach, resource: Resource) -> Resource:
    """Put a resource back in use; referrals still need its vetting to be current."""
    return _set_active(coach=coach, resource=resource, active=True)


def referral_check(*, coach, resource: Resource, subject: Subject) -> Verdict:
    """Ask the standards engine whether a referral to `resource` may be recorded (P10).

    Call it first inside the referral's own `action()`; it raises `ActionStopped` when the
    referral may not be made. The answer is `Resource.objects.currently_vetted()`'s, read from
    the database now (not from the instance the caller holds): a resource taken out of use, or
    whose vetting lapsed, is refused.
    """
    _own(coach, resource)
    row = Resource.objects.filter(pk=resource.pk)
    if row.currently_vetted().exists():
        facts = Facts(referral_vetting=Vetting.CURRENT, referral_in_use=True)
    else:
        # Not usable now: tell the coach why, out of use or not vetted now (or both).
        in_use, vetted_now, until = (
            row.with_vetting().values_list("is_active", "vetted_now", "vetted_until").get()
        )
        if vetted_now and not in_use:
            state = Vetting.CURRENT
        else:
            state = Vetting.MISSING if until is None else Vetting.LAPSED
        facts = Facts(referral_vetting=state, referral_in_use=in_use)
    return enforce(coach=coach, point=Point.REFERRAL_MAKE, facts=facts, subject=subject)
