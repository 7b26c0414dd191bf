"""Every change to the registry: one function each, written and logged in one transaction."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.clients.endings import practice_closure_open

from . import credentials
from .log import association_append
from .models import Certification, IssuedCredential, StatusList

RENEWAL_BEFORE_ISSUE = "The renewal date must come after the date of issue."
NUMBER_TAKEN = "Certificate number {number} is already in the registry."
NOT_REINSTATABLE = "A revoked certification cannot be reinstated: register a new certification instead."
CANNOT_ISSUE = "Only an active certification can be issued as a certificate; this one is {status}."
STATUS_UNCHANGED = "The certification is already {status}."
REASON_NEEDED = "Say why the standing changes: it is kept in the association's log."


@transaction.atomic
def certification_register(
    *, staff, number: str, public_name: str, issued_on: datetime.date, renews_on: datetime.date, coach=None
) -> Certification:
    """Add a certified coach to the registry (optionally linked to their practice account)."""
    if renews_on <= issued_on:
        raise ValidationError(RENEWAL_BEFORE_ISSUE)
    if Certification.objects.filter(number=number).exists():
        raise ValidationError(NUMBER_TAKEN.format(number=number))
    certification = Certification.objects.create(
        number=number, public_name=public_name, issued_on=issued_on, renews_on=renews_on, coach=coach
    )
    association_append(
        staff=staff,
        action=Action.CERTIFICATION_REGISTERED,
        target_type="certification",
        target_id=certification.pk,
        clauses=["E1"],
        details={"number": number},
    )
    # Its places in the status lists, so a suspension or revocation flips a bit from day one.
    credentials.status_entries_assign(certification)
    return certification


@transaction.atomic
def certification_set_status(
    *, staff, certification: Certification, status: str, reason: str
) -> Certification:
    """Change a certification's standing (suspend, revoke, reinstate, lapse) and log why."""
    status = Certification.Status(status)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(REASON_NEEDED)
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    if certification.status == status:
        raise ValidationError(STATUS_UNCHANGED.format(status=status.label.lower()))
    before = certification.status
    if before == Certification.Status.REVOKED:
        raise ValidationError(NOT_REINSTATABLE)
    certification.status = status
    certification.status_changed_at = timezone.now()
    certification.save(update_fields=["status", "status_changed_at"])
    association_append(
        staff=staff,
        action=Action.CERTIFICATION_STATUS_CHANGED,
        target_type="certification",
        target_id=certification.pk,
        clauses=["E1"],
        details={"number": certification.number, "from": before, "to": status.value},
    )
    # The status lists follow the standing: suspension set on suspend and cleared on reinstate;
    # revocation set on revoke and never cleared (a revoked certificate stays revoked).
    if status is Certification.Status.SUSPENDED:
        credentials.status_bit_set(certification, StatusList.Purpose.SUSPENSION, True)
    elif before == Certification.Status.SUSPENDED:
        credentials.status_bit_set(certification, StatusList.Purpose.SUSPENSION, False)
    if status is Certification.Status.REVOKED:
        credentials.status_bit_set(certification, StatusList.Purpose.REVOCATION, True)
    if status is Certification.Status.REVOKED and certification.coach_id is not None:
        # P11: a revoked coach must not abandon their clients. Staff hold no vault key, so
        # this opens the closing of the practice for the coach to complete, client by client.
        practice_closure_open(coach=certification.coach, reason=reason)
    return certification


CONDITIONS_UNCHANGED = "The conditions are already as written."


@transaction.atomic
def certification_set_conditions(
    *, staff, certification: Certification, conditions: str, reason: str
) -> Certification:
    """Set the conditions a certification is held under (education, supervision...) and log why."""
    conditions, reason = (conditions or "").strip(), (reason or "").strip()
    if not reason:
        raise ValidationError(REASON_NEEDED)
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    if certification.conditions == conditions:
        raise ValidationError(CONDITIONS_UNCHANGED)
    certification.conditions = conditions
    certification.save(update_fields=["conditions"])
    association_append(
        staff=staff,
        action=Action.CERTIFICATION_CONDITIONS_CHANGED,
        target_type="certification",
        target_id=certification.pk,
        clauses=["E1"],
        details={"number": certification.number, "conditions": bool(conditions)},
    )
    return certification


@transaction.atomic
def credential_issue(*, staff, certification: Certification) -> IssuedCredential:
    """Issue (or issue again) a certification's signed verifiable certificate, and log it."""
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    if certification.status != Certification.Status.ACTIVE:
        raise ValidationError(CANNOT_ISSUE.format(status=certification.get_status_display().lower()))
    issued = credentials.credential_sign(certification, now=timezone.now())
    association_append(
        staff=staff,
        action=Action.CREDENTIAL_ISSUED,
        target_type="certification",
        target_id=certification.pk,
        clauses=["E1"],
        details={"number": certification.number, "credential": issued.pk},
    )
    return issued


@transaction.atomic
def credential_download(*, person, certification: Certification) -> IssuedCredential | None:
    """Return the latest certificate for download by staff or its own coach, and log who took it."""
    issued = certification.credentials.first()
    if issued is not None:
        by_staff = person.role == person.Role.ASSOCIATION_STAFF
        association_append(
            staff=person if by_staff else None,
            action=Action.CREDENTIAL_DOWNLOADED,
            target_type="certification",
            target_id=certification.pk,
            details={"number": certification.number, "by": "staff" if by_staff else "coach"},
        )
    return issued


EMAIL_TAKEN = "An account with this email already exists."


@transaction.atomic
def staff_add(*, email: str, name: str, passphrase: str):
    """Create an association staff account, and log it in the association's log."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(EMAIL_TAKEN)
    staff = User.objects.create_user(email, passphrase, name=name, role=User.Role.ASSOCIATION_STAFF)
    association_append(
        staff=None, action=Action.STAFF_ADDED, target_type="staff", target_id=staff.pk, details={}
    )
    return staff
