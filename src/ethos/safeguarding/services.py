"""The disclosure gate (C1) and the records it rests on: consents, court orders, reviews, annotations.

Every piece of client information that leaves the coach goes through `disclosure_request` at
`disclosure.request`: it names the client, the recipient, the kinds of record, the purpose and a
basis (a consent, a court order, a mandatory report or an emergency). The coach confirms their
passphrase first; then the engine blocks a request with no basis or one its basis does not cover
(the recipient, the records or the date). A disclosure that goes ahead is written once, with the
bundle that left (a PDF carrying the recipient, the date, the basis and the activity log's
checkpoint on every page), and is never changed: only annotated.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ethos.accounts.services import Reauth, reauthenticate
from ethos.audit.actions import Action
from ethos.audit.selectors import chain_head
from ethos.audit.services import audit_append
from ethos.clients.models import Client
from ethos.standards.engine import Subject
from ethos.standards.facts import DisclosureBasis, Facts
from ethos.standards.points import Point
from ethos.standards.record_types import RecordType
from ethos.standards.services import action, enforce, open_items_resolve_for

from . import bundles
from .models import (
    RECORD_KINDS,
    Consent,
    CourtOrder,
    Disclosure,
    DisclosureAnnotation,
    EmergencyReview,
    ReportTask,
)
from .selectors import accounting_for, accounting_since

NOT_YOUR_CLIENT = "This client belongs to another practice."
PASSPHRASE_NEEDED = "Type your passphrase to confirm it is you sharing these records."
RECIPIENT_NEEDED = "Say who receives the records."
PURPOSE_NEEDED = "Say what the records are for."
KINDS_NEEDED = "Choose at least one kind of record."
KINDS_UNKNOWN = "Choose kinds of record from the list."
BASIS_UNKNOWN = "Choose the basis: a consent, a court order, a mandatory report or an emergency."
CONSENT_NOT_THIS_CLIENTS = "Choose one of this client's consents."
ORDER_NOT_THIS_CLIENTS = "Choose one of this client's court orders."
TASK_NOT_THIS_CLIENTS = "A mandatory report names one of this client's report tasks."
LIFE_AT_RISK_NEEDED = "An emergency disclosure is only for when someone's life is at risk."
SIGNED_NAME_NEEDED = "Type the name the client signed with."
DOCUMENT_NEEDED = "Upload the signed consent, or record a typed-name signature for now."
DOCUMENT_TOO_BIG = "This file is larger than {mb} MB. Upload a smaller copy (a scan at lower resolution)."
DOCUMENT_TYPE = "Upload a PDF, JPEG or PNG file."
DATES_BACKWARDS = "A consent ends on or after the day it starts."
SIGNED_IN_FUTURE = "The signature date cannot be in the future."
HOW_GIVEN_UNKNOWN = "Say how the client gave the consent."
ALREADY_REVOKED = "This consent was already revoked."
COURT_NEEDED = "Name the court."
CASE_NEEDED = "Give the case reference."
ASKS_NEEDED = "Write what the order asks for, as it is worded."
ORDER_KIND_UNKNOWN = "Say whether it is a subpoena or a court order."
ORDER_COPY_NEEDED = "Upload a copy of the order."
ISSUED_IN_FUTURE = "The order's date cannot be in the future."
ANNOTATION_NEEDED = "Write the note to add."
REVIEW_NOT_EMERGENCY = "Only an emergency disclosure is reviewed this way."
REVIEW_DONE = "This emergency disclosure was already reviewed."
REVIEW_NEEDED = "Write what happened and why sharing was needed."
CLIENT_TOLD_NEEDED = "Write what you told the client, or why you have not yet."

# An emergency or a mandatory report passes on only who the client is and what is happening.
NARROW_KINDS = frozenset({"identity", "concern"})
# Uploaded copies: what a scanner or a phone makes, recognised by their first bytes.
DOCUMENT_TYPES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


def _text(value) -> str:
    return (value or "").strip()


def same_recipient(one: str, other: str) -> bool:
    """Say whether two recipients are the same, ignoring case and spacing (never a guess beyond)."""
    return " ".join((one or "").casefold().split()) == " ".join((other or "").casefold().split())


def _kinds(kinds: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(kinds or ()))
    if not chosen:
        raise ValidationError({"record_kinds": [KINDS_NEEDED]})
    if any(kind not in RECORD_KINDS for kind in chosen):
        raise ValidationError({"record_kinds": [KINDS_UNKNOWN]})
    return chosen


def _own_client(coach, client: Client) -> None:
    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)


def confirm_passphrase(*, coach, passphrase: str) -> None:
    """Ask the coach's passphrase again (lockout and audit as at sign-in); outside any transaction."""
    if not passphrase:
        raise ValidationError({"passphrase": [PASSPHRASE_NEEDED]})
    try:
        reauthenticate(user=coach, passphrase=passphrase, purpose=Reauth.DISCLOSURE)
    except ValidationError as wrong:
        raise ValidationError({"passphrase": wrong.messages}) from None


# -- documents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """An uploaded file, read and checked: its bytes, its name as the coach's computer gave it, its type."""

    content: bytes
    name: str
    content_type: str


def upload_read(file) -> Upload | None:
    """Read an uploaded file once, refusing one too big or of a type Ethos does not keep."""
    if file is None:
        return None
    limit = settings.ETHOS_MAX_BODY_BYTES
    if file.size > limit:
        raise ValidationError({"document": [DOCUMENT_TOO_BIG.format(mb=settings.ETHOS_MAX_BODY_MB)]})
    content = file.read()
    content_type = next((kind for magic, kind in DOCUMENT_TYPES.items() if content.startswith(magic)), None)
    if content_type is None:
        raise ValidationError({"document": [DOCUMENT_TYPE]})
    return Upload(content=content, name=(file.name or "document")[:200], content_type=content_type)


# -- consents -------------------------------------------------------------------------------


def consent_record(
    *,
    coach,
    client: Client,
    recipient: str,
    purpose: str,
    record_kinds: Iterable[str],
    valid_from: datetime.date,
    valid_until: datetime.date,
    how_given: str,
    signed_on: datetime.date,
    signed_name: str = "",
    document: Upload | None = None,
) -> Consent:
    """Record a client's written consent: a signed document uploaded, or a typed name as an interim step."""
    _own_client(coach, client)
    errors: dict[str, list[str]] = {}
    if not _text(recipient):
        errors["recipient"] = [RECIPIENT_NEEDED]
    if not _text(purpose):
        errors["purpose"] = [PURPOSE_NEEDED]
    if how_given not in Consent.HowGiven.values:
        errors["how_given"] = [HOW_GIVEN_UNKNOWN]
    elif how_given == Consent.HowGiven.DOCUMENT and document is None:
        errors["document"] = [DOCUMENT_NEEDED]
    elif how_given in (Consent.HowGiven.TYPED, Consent.HowGiven.PORTAL) and not _text(signed_name):
        errors["signed_name"] = [SIGNED_NAME_NEEDED]
    if valid_until < valid_from:
        errors["valid_until"] = [DATES_BACKWARDS]
    if signed_on > timezone.localdate():
        errors["signed_on"] = [SIGNED_IN_FUTURE]
    try:
        kinds = _kinds(record_kinds)
    except ValidationError as error:
        errors |= error.message_dict
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        coach=coach,
        client=client,
        data_key_id=client.data_key_id,
        recipient=_text(recipient),
        purpose=_text(purpose),
        record_kinds=kinds,
        valid_from=valid_from,
        valid_until=valid_until,
        how_given=how_given,
        signed_on=signed_on,
        signed_name=_text(signed_name) or None,
        document=document.content if document else None,
        document_name=document.name if document else None,
        document_type=document.content_type if document else "",
    )
    with action():
        # Both ways are in writing; the typed name is labelled an interim step wherever it shows.
        enforce(
            coach=coach,
            point=Point.CONSENT_RECORD,
            facts=Facts(consent_in_writing=True),
            subject=Subject(type="consent", id=str(consent.pk), exists=False),
        )
        consent.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.SAFEGUARDING_CONSENT_RECORDED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["C1"],
            details={"consent": str(consent.pk), "how_given": how_given, "kinds": len(kinds)},
        )
    return consent


def consent_revoke(*, coach, consent: Consent, note: str = "") -> Consent:
    """Record that the client withdrew a consent: from now on it covers nothing."""
    if consent.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    with transaction.atomic():
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.is_revoked:
            raise ValidationError(ALREADY_REVOKED)
        consent.revoked_at = timezone.now()
        consent.revocation_note = _text(note) or None
        consent.save(update_fields=["revoked_at", "revocation_note"])
        audit_append(
            coach=coach,
            action=Action.SAFEGUARDING_CONSENT_REVOKED,
            target_type="client",
            target_id=str(consent.client_id),
            clauses=["C1"],
            details={"consent": str(consent.pk)},
        )
    return consent


# -- court orders ---------------------------------------------------------------------------


def court_order_record(
    *,
    coach,
    client: Client,
    kind: str,
    court: str,
    case_reference: str,
    issued_on: datetime.date,
    recipient: str,
    record_kinds: Iterable[str],
    asks_for: str,
    may_tell_client: bool,
    document: Upload | None,
) -> CourtOrder:
    """Record a subpoena or court order with a copy; it is a basis only for what it names."""
    _own_client(coach, client)
    errors: dict[str, list[str]] = {}
    checks = (
        ("kind", kind in CourtOrder.Kind.values, ORDER_KIND_UNKNOWN),
        ("court", bool(_text(court)), COURT_NEEDED),
        ("case_reference", bool(_text(case_reference)), CASE_NEEDED),
        ("recipient", bool(_text(recipient)), RECIPIENT_NEEDED),
        ("asks_for", bool(_text(asks_for)), ASKS_NEEDED),
        ("document", document is not None, ORDER_COPY_NEEDED),
        ("issued_on", issued_on <= timezone.localdate(), ISSUED_IN_FUTURE),
    )
    for name, ok, message in checks:
        if not ok:
            errors[name] = [message]
    try:
        kinds = _kinds(record_kinds)
    except ValidationError as error:
        errors |= error.message_dict
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = CourtOrder(
            coach=coach,
            client=client,
            data_key_id=client.data_key_id,
            kind=kind,
            court=_text(court),
            case_reference=_text(case_reference),
            issued_on=issued_on,
            recipient=_text(recipient),
            record_kinds=kinds,
            asks_for=_text(asks_for),
            may_tell_client=may_tell_client,
            document=document.content,
            document_name=document.name,
            document_type=document.content_type,
        )
        order.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.SAFEGUARDING_COURT_ORDER_RECORDED,
            target_type="client",
            target_id=str(client.pk),
            clauses=["C1"],
            details={"order": str(order.pk), "kind": kind, "kinds": len(kinds)},
        )
    return order


# -- the gate ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What a disclosure asks to send: to whom, which kinds of record, why, and on what basis."""

    client: Client
    recipient: str
    record_kinds: tuple[str, ...]
    purpose: str
    basis: str
    what: str = ""
    consent: Consent | None = None
    order: CourtOrder | None = None
    task: ReportTask | None = None
    life_at_risk: bool = False


def _checked(request: Request) -> Request:
    """Refuse a request that is not complete; a basis that does not cover it is the engine's to stop."""
    errors: dict[str, list[str]] = {}
    if not _text(request.recipient):
        errors["recipient"] = [RECIPIENT_NEEDED]
    if not _text(request.purpose):
        errors["purpose"] = [PURPOSE_NEEDED]
    if request.basis and request.basis not in Disclosure.Basis.values:
        errors["basis"] = [BASIS_UNKNOWN]
    client_id = request.client.pk
    for field, record, message in (
        ("consent", request.consent, CONSENT_NOT_THIS_CLIENTS),
        ("order", request.order, ORDER_NOT_THIS_CLIENTS),
        ("task", request.task, TASK_NOT_THIS_CLIENTS),
    ):
        if record is not None and record.client_id != client_id:
            errors[field] = [message]
    if request.basis == Disclosure.Basis.EMERGENCY and not request.life_at_risk:
        errors["life_at_risk"] = [LIFE_AT_RISK_NEEDED]
    try:
        kinds = _kinds(request.record_kinds)
    except ValidationError as error:
        errors |= error.message_dict
    if errors:
        raise ValidationError(errors)
    return Request(**{**request.__dict__, "record_kinds": tuple(kinds)})


def covers(request: Request, *, day: datetime.date) -> bool:
    """Say whether the basis covers the recipient, the records and the day: never more than it says."""
    kinds = set(request.record_kinds)
    if request.basis == Disclosure.Basis.CONSENT:
        consent = request.consent
        return (
            consent is not None
            and consent.in_force(day)
            and same_recipient(consent.recipient, request.recipient)
            and kinds <= set(consent.record_kinds)
        )
    if request.basis == Disclosure.Basis.SUBPOENA:
        order = request.order
        return (
            order is not None
            and order.issued_on <= day
            and same_recipient(order.recipient, request.recipient)
            and kinds <= set(order.record_kinds)
        )
    if request.basis == Disclosure.Basis.MANDATORY_REPORT:
        return request.task is not None and kinds <= NARROW_KINDS
    if request.basis == Disclosure.Basis.EMERGENCY:
        return request.life_at_risk and kinds <= NARROW_KINDS
    return False


def _basis_fact(request: Request) -> DisclosureBasis:
    named = {
        Disclosure.Basis.CONSENT: request.consent,
        Disclosure.Basis.SUBPOENA: request.order,
        Disclosure.Basis.MANDATORY_REPORT: request.task,
    }
    if not request.basis or (request.basis in named and named[request.basis] is None):
        return DisclosureBasis.NONE
    return DisclosureBasis(request.basis)


def disclose(*, coach, request: Request) -> Disclosure:
    """The gate itself, inside the caller's `action()`: ask the engine, write the disclosure and its bundle.

    Callers confirm the coach's passphrase first (`confirm_passphrase`), outside the transaction, so
    that a wrong one counts toward the lockout even when the disclosure goes no further.
    """
    _own_client(coach, request.client)
    request = _checked(request)
    now = timezone.now()
    disclosure = Disclosure(
        coach=coach,
        client=request.client,
        data_key_id=request.client.data_key_id,
        basis=request.basis,
        consent=request.consent if request.basis == Disclosure.Basis.CONSENT else None,
        order=request.order if request.basis == Disclosure.Basis.SUBPOENA else None,
        task=request.task if request.basis == Disclosure.Basis.MANDATORY_REPORT else None,
        recipient=_text(request.recipient),
        record_kinds=list(request.record_kinds),
        purpose=_text(request.purpose),
        what=_text(request.what),
        disclosed_at=now,
    )
    enforce(
        coach=coach,
        point=Point.DISCLOSURE_REQUEST,
        facts=Facts(
            disclosure_basis=_basis_fact(request),
            basis_covers_request=covers(request, day=timezone.localdate(now)),
        ),
        subject=Subject(type="disclosure", id=str(disclosure.pk), exists=False),
    )
    audit_append(
        coach=coach,
        action=Action.SAFEGUARDING_DISCLOSED,
        target_type="client",
        target_id=str(request.client.pk),
        clauses=["C1", "C3"] if request.basis == Disclosure.Basis.MANDATORY_REPORT else ["C1"],
        details={
            "disclosure": str(disclosure.pk),
            "basis": request.basis,
            "kinds": len(request.record_kinds),
        },
    )
    head = chain_head(coach)
    disclosure.checkpoint = f"{head.size} events, root {head.root_hex}"
    disclosure.bundle = bundles.disclosure_bundle(disclosure, task=request.task)
    disclosure.save()
    return disclosure


def disclosure_request(*, coach, passphrase: str, request: Request) -> Disclosure:
    """Disclose a client's records to a recipient on a basis that covers them, or be stopped (C1)."""
    _own_client(coach, request.client)
    _checked(request)
    confirm_passphrase(coach=coach, passphrase=passphrase)
    with action():
        return disclose(coach=coach, request=request)


def disclosure_annotate(*, coach, disclosure: Disclosure, text: str) -> DisclosureAnnotation:
    """Add a dated note to a disclosure; the disclosure itself never changes."""
    if disclosure.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    if not _text(text):
        raise ValidationError({"text": [ANNOTATION_NEEDED]})
    with transaction.atomic():
        annotation = DisclosureAnnotation(
            coach=coach, disclosure=disclosure, data_key_id=disclosure.data_key_id, text=_text(text)
        )
        annotation.save()
        audit_append(
            coach=coach,
            action=Action.SAFEGUARDING_DISCLOSURE_ANNOTATED,
            target_type="client",
            target_id=str(disclosure.client_id),
            clauses=["C1"],
            details={"disclosure": str(disclosure.pk)},
        )
    return annotation


def emergency_disclose(
    *, coach, passphrase: str, client: Client, recipient: str, what: str, record_kinds: Iterable[str]
) -> Disclosure:
    """Record what was given to emergency services when a life was at risk; a review is owed after."""
    request = Request(
        client=client,
        recipient=recipient,
        record_kinds=tuple(record_kinds),
        purpose="Emergency: someone's life was at risk",
        basis=Disclosure.Basis.EMERGENCY,
        what=what,
        life_at_risk=True,
    )
    return disclosure_request(coach=coach, passphrase=passphrase, request=request)


def emergency_review(
    *, coach, disclosure: Disclosure, what_happened: str, client_told: str
) -> EmergencyReview:
    """Review an emergency disclosure afterwards; it resolves the item the disclosure opened."""
    if disclosure.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    if disclosure.basis != Disclosure.Basis.EMERGENCY:
        raise ValidationError(REVIEW_NOT_EMERGENCY)
    errors = {}
    if not _text(what_happened):
        errors["what_happened"] = [REVIEW_NEEDED]
    if not _text(client_told):
        errors["client_told"] = [CLIENT_TOLD_NEEDED]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if EmergencyReview.objects.filter(disclosure=disclosure).exists():
            raise ValidationError(REVIEW_DONE)
        review = EmergencyReview(
            id=uuid.uuid4(),
            coach=coach,
            disclosure=disclosure,
            data_key_id=disclosure.data_key_id,
            what_happened=_text(what_happened),
            client_told=_text(client_told),
        )
        review.save()
        audit_append(
            coach=coach,
            action=Action.SAFEGUARDING_EMERGENCY_REVIEWED,
            target_type="client",
            target_id=str(disclosure.client_id),
            clauses=["C1"],
            details={"disclosure": str(disclosure.pk)},
        )
        open_items_resolve_for(
            coach=coach,
            subject=Subject(type="disclosure", id=str(disclosure.pk)),
            record_type=RecordType.EMERGENCY_REVIEW,
            record_id=str(review.pk),
        )
    return review


def copy_downloaded(*, coach, client_id, what: str) -> None:
    """Audit that the coach downloaded their own copy of a kept document (an upload, a bundle)."""
    audit_append(
        coach=coach,
        action=Action.SAFEGUARDING_COPY_DOWNLOADED,
        target_type="client",
        target_id=str(client_id),
        clauses=["C2"],
        details={"what": what},
    )


def accounting_print(*, coach, client: Client) -> bytes:
    """Return the client's accounting of disclosures as a PDF for them to keep, and audit it."""
    _own_client(coach, client)
    entries = accounting_for(client)
    audit_append(
        coach=coach,
        action=Action.SAFEGUARDING_ACCOUNTING_PRINTED,
        target_type="client",
        target_id=str(client.pk),
        clauses=["C1"],
        details={"disclosures": len(entries)},
    )
    head = chain_head(coach)
    return bundles.accounting_pdf(
        client=client,
        entries=entries,
        since=timezone.localdate(accounting_since()),
        checkpoint=f"{head.size} events, root {head.root_hex}",
        coach_name=coach.name,
    )
