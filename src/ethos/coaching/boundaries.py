"""Boundary workflows (P7, P8): the agreement, the contact log, boundary reviews, declarations.

Contact that is not about coaching opens a boundary review (P7) on the contact. A declared
romantic or sexual relationship, or attraction, ends coaching (P8): the declaration opens two
items on the client, the ending (through the ending workflow, with a vetted coaching referral)
and a supervision entry, and from then on `session.start` refuses every session with the client.
Reviews opened by a note's P7/P8/P9 finding are the same `BoundaryReview` records, listed together.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.clients.models import Client
from ethos.clients.pages import client_records, records_kept
from ethos.memo import once
from ethos.standards.engine import Subject
from ethos.standards.facts import Facts, Relationship
from ethos.standards.models import OpenItem
from ethos.standards.points import Point
from ethos.standards.record_types import RecordType
from ethos.standards.services import action, enforce, open_items_resolve_for

from .boundary_models import PORTAL_SIGNED, TYPED_NAME_INTERIM
from .models import BoundaryAgreement, BoundaryReview, ContactLog, RelationshipDeclaration

TEXT_MAX = 5000
NOT_YOURS = "This client belongs to another practice."
NOT_OPEN = "Boundaries are recorded for a client whose coaching is active or paused."
AGREEMENT_NEEDED = "Write how and when contact happens outside sessions."
OUT_OF_BOUNDS_NEEDED = "Write what is out of bounds."
SIGNATURE_NEEDED = "The client types their full name to sign the agreement."
IN_FUTURE = "This date is in the future. Enter the day it happened."
CHOICE_NEEDED = "Choose one of the options."
SUMMARY_NEEDED = "Write what the contact was about, in a few words."
WHAT_NEEDED = "Write what happened, in a few words."
NO_REVIEW_OWED = "This contact has no boundary review waiting."
ALREADY_DECLARED = "A relationship of this kind is already declared for this client."

OPEN_STATUSES = (Client.Status.ACTIVE, Client.Status.PAUSED)


def _text(value: str | None) -> str:
    return (value or "").strip()[:TEXT_MAX]


def _own(coach, client: Client) -> None:
    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOURS)


def _past(day: datetime.date, name: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({name: [IN_FUTURE]})


# -- Reads --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Boundaries:
    """Everything about a client's boundaries, read in five queries however long the history."""

    agreement: BoundaryAgreement | None
    contacts: list[ContactLog]
    reviews: list[BoundaryReview]
    declarations: list[RelationshipDeclaration]
    waiting: set[str]

    @property
    def ends_coaching(self) -> RelationshipDeclaration | None:
        return next((d for d in self.declarations if d.ends_coaching), None)


@client_records("boundary_agreement")
def agreement_rows(client_id):
    return BoundaryAgreement.objects.filter(client_id=client_id)


@client_records("contact_log")
def contact_rows(client_id):
    return ContactLog.objects.filter(client_id=client_id)


@client_records("boundary_review")
def review_rows(client_id):
    return BoundaryReview.objects.filter(Q(note__client_id=client_id) | Q(contact__client_id=client_id))


@client_records("relationship_declaration")
def declaration_rows(client_id):
    return RelationshipDeclaration.objects.filter(client_id=client_id)


@once
def boundaries_of(client: Client) -> Boundaries:
    """Read only the kinds the client has; each row's key is the client's, unwrapped once a request."""
    kept = records_kept(client)
    agreement = (
        BoundaryAgreement.objects.filter(client=client).order_by("-created_at").first()
        if "boundary_agreement" in kept
        else None
    )
    contacts = (
        list(ContactLog.objects.filter(client=client).order_by("-happened_on", "-logged_at"))
        if "contact_log" in kept
        else []
    )
    # Reviews from contacts and from the client's notes: one kind of record, one list.
    reviews = (
        list(
            BoundaryReview.objects.filter(coach_id=client.coach_id)
            .filter(Q(note__client=client) | Q(contact__client=client))
            .select_related("note")
            .order_by("-recorded_at")
        )
        if "boundary_review" in kept
        else []
    )
    declarations = (
        list(RelationshipDeclaration.objects.filter(client=client).order_by("declared_at"))
        if "relationship_declaration" in kept
        else []
    )
    # Most clients have no logged contact, and so nothing waiting for a review: no query to build.
    waiting = (
        set(
            OpenItem.objects.for_coach(client.coach_id)
            .open()
            .filter(subject_type="contactlog", subject_id__in=[str(c.pk) for c in contacts])
            .values_list("subject_id", flat=True)
        )
        if contacts
        else set()
    )
    return Boundaries(agreement, contacts, reviews, declarations, waiting)


def get_contact_for_coach(coach, client: Client, pk) -> ContactLog:
    contact = ContactLog.objects.filter(coach=coach, client=client, pk=pk).select_related("data_key").first()
    if contact is None:
        raise Http404("No such contact.")
    return contact


def declared_relationship(client_id) -> Relationship | None:
    """The relationship that ends coaching with this client (P8), if one was declared."""
    kind = RelationshipDeclaration.objects.ending_coaching(client_id)
    return Relationship(kind) if kind else None


# -- Writes -------------------------------------------------------------------------------------


def boundary_agreement_sign(
    *,
    coach,
    client: Client,
    contact_between: str,
    out_of_bounds: str,
    signed_name: str,
    signed_on: datetime.date,
    signature_kind: str = TYPED_NAME_INTERIM,
) -> BoundaryAgreement:
    """Record the boundary agreement the client signed by typing their name (P7): an interim signature,
    or (`PORTAL_SIGNED`) one the client signed themselves in their portal."""
    if signature_kind not in (TYPED_NAME_INTERIM, PORTAL_SIGNED):
        raise ValueError(f"Unknown signature kind {signature_kind!r}.")
    _own(coach, client)
    errors = {}
    if not _text(contact_between):
        errors["contact_between"] = [AGREEMENT_NEEDED]
    if not _text(out_of_bounds):
        errors["out_of_bounds"] = [OUT_OF_BOUNDS_NEEDED]
    if not _text(signed_name):
        errors["signed_name"] = [SIGNATURE_NEEDED]
    if errors:
        raise ValidationError(errors)
    _past(signed_on, "signed_on")
    with transaction.atomic():
        if Client.objects.filter(pk=client.pk, status__in=OPEN_STATUSES).count() == 0:
            raise ValidationError(NOT_OPEN)
        agreement = BoundaryAgreement(
            coach=coach,
            client=client,
            data_key_id=client.data_key_id,
            contact_between=_text(contact_between),
            out_of_bounds=_text(out_of_bounds),
            signed_name=_text(signed_name)[:200],
            signed_on=signed_on,
            signature_kind=signature_kind,
        )
        agreement.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.BOUNDARY_AGREEMENT_SIGNED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["P7"],
            details={"agreement": str(agreement.pk), "signature": agreement.signature_kind},
        )
    return agreement


def contact_log(
    *,
    coach,
    client: Client,
    happened_on: datetime.date,
    started_by: str,
    channel: str,
    about: str,
    summary: str,
) -> ContactLog:
    """Log contact outside a session (P7); contact not about coaching opens a boundary review."""
    _own(coach, client)
    errors = {}
    for name, value, choices in (
        ("started_by", started_by, ContactLog.StartedBy),
        ("channel", channel, ContactLog.Channel),
        ("about", about, ContactLog.About),
    ):
        if value not in choices.values:
            errors[name] = [CHOICE_NEEDED]
    if not _text(summary):
        errors["summary"] = [SUMMARY_NEEDED]
    if errors:
        raise ValidationError(errors)
    _past(happened_on, "happened_on")
    contact = ContactLog(
        coach=coach,
        client=client,
        data_key_id=client.data_key_id,
        happened_on=happened_on,
        started_by=started_by,
        channel=channel,
        about=about,
        summary=_text(summary),
    )
    with action():
        contact.save(force_insert=True)
        enforce(
            coach=coach,
            point=Point.CONTACT_LOG,
            facts=Facts(contact_outside_coaching=not contact.about_coaching),
            subject=Subject.of(contact),
        )
        audit_append(
            coach=coach,
            action=Action.BOUNDARY_CONTACT_LOGGED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["P7"],
            details={
                "contact": str(contact.pk),
                "started_by": started_by,
                "channel": channel,
                "about": about,
            },
        )
    return contact


def contact_review(*, coach, contact: ContactLog, what_happened: str, outcome: str) -> BoundaryReview:
    """Record the boundary review a contact not about coaching opened (P7), and resolve its item."""
    if contact.coach_id != coach.pk:
        raise PermissionError(NOT_YOURS)
    if not _text(what_happened):
        raise ValidationError({"what_happened": [WHAT_NEEDED]})
    if outcome not in BoundaryReview.Outcome.values:
        raise ValidationError({"outcome": [CHOICE_NEEDED]})
    subject = Subject.of(contact)
    with transaction.atomic():
        waiting = (
            OpenItem.objects.for_coach(coach).open().filter(subject_type=subject.type, subject_id=subject.id)
        )
        if not waiting.exists():
            raise ValidationError(NO_REVIEW_OWED)
        review = BoundaryReview(
            coach=coach,
            contact=contact,
            data_key_id=contact.data_key_id,
            clause="P7",
            what_happened=_text(what_happened),
            outcome=outcome,
        )
        review.save()
        audit_append(
            coach=coach,
            action=Action.BOUNDARY_REVIEWED,
            target_type="client",
            target_id=str(contact.client_id),
            clauses=["P7"],
            details={"contact": str(contact.pk), "outcome": outcome},
        )
        open_items_resolve_for(
            coach=coach, subject=subject, record_type=RecordType.BOUNDARY_REVIEW, record_id=str(review.pk)
        )
    return review


def relationship_declare(*, coach, client: Client, kind: str, what: str) -> RelationshipDeclaration:
    """Declare a relationship with a client other than coaching (P7, P8).

    A romantic or sexual relationship, or attraction, opens on the client the ending of coaching
    (with a vetted coaching referral) and a supervision entry; from now on no session starts.
    """
    _own(coach, client)
    if kind not in RelationshipDeclaration.Kind.values:
        raise ValidationError({"kind": [CHOICE_NEEDED]})
    if not _text(what):
        raise ValidationError({"what": [WHAT_NEEDED]})
    declaration = RelationshipDeclaration(
        coach=coach, client=client, data_key_id=client.data_key_id, kind=kind, what=_text(what)
    )
    with action():
        if RelationshipDeclaration.objects.filter(client=client, kind=kind).exists():
            raise ValidationError(ALREADY_DECLARED)
        declaration.save(force_insert=True)
        # The items sit on the client: the ending workflow and the supervision log answer them there.
        enforce(
            coach=coach,
            point=Point.RELATIONSHIP_DECLARE,
            facts=Facts(relationship=Relationship(kind)),
            subject=Subject.of(client),
        )
        audit_append(
            coach=coach,
            action=Action.BOUNDARY_RELATIONSHIP_DECLARED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["P8"] if declaration.ends_coaching else ["P7"],
            details={"declaration": str(declaration.pk), "kind": kind},
        )
    return declaration


def ending_item(coach, client: Client) -> OpenItem | None:
    """The open P8 item that asks for the ending of coaching with this client, if any."""
    items = (
        OpenItem.objects.for_coach(coach)
        .open()
        .filter(clause="P8", subject_type="client", subject_id=str(client.pk))
    )
    return next((i for i in items if RecordType.CLIENT_RELEASE in i.record_type_list), None)


def supervision_item(coach, client: Client) -> OpenItem | None:
    items = (
        OpenItem.objects.for_coach(coach)
        .open()
        .filter(clause="P8", subject_type="client", subject_id=str(client.pk))
    )
    return next((i for i in items if RecordType.SUPERVISION_ENTRY in i.record_type_list), None)
