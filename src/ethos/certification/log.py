"""The association's own audit log: the same Merkle log design as a practice's, under one owner.

The audit log is kept per account. The association's events (registry changes, complaints,
case stages, votes, decisions) go to the log of one account that stands for the association
and can never sign in; `actor` names the member of staff who acted.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from ethos.audit.actions import Action
from ethos.audit.services import audit_append

ASSOCIATION_EMAIL = "association@ethos.invalid"
ASSOCIATION_NAME = "The association"


def association_account():
    """Return the account whose log is the association's, creating it on first use."""
    User = get_user_model()
    account, created = User.objects.get_or_create(
        email=ASSOCIATION_EMAIL,
        defaults={"name": ASSOCIATION_NAME, "role": User.Role.ASSOCIATION_STAFF, "is_active": False},
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return account


def association_append(
    *, staff, action: Action, target_type: str = "", target_id: str = "", clauses=(), details=None
):
    """Append one event to the association's log, naming the member of staff who acted."""
    actor = f"staff:{staff.pk}"[:20] if staff is not None else "association"
    return audit_append(
        coach=association_account(),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        clauses=clauses,
        details=details or {},
        actor=actor,
    )
