"""Reads of the registry: the public verification answer, the staff lists, access helpers."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent

from .credentials import credential_verify
from .log import association_account
from .models import Certification, VerificationRequest
from .public import PublicRecord, public_records

VALID, SUSPENDED, REVOKED, LAPSED, UNKNOWN, INVALID = (
    "valid",
    "suspended",
    "revoked",
    "lapsed",
    "unknown",
    "invalid",
)
ANSWERS = {
    VALID: "Certified and in good standing.",
    SUSPENDED: "This certification is suspended.",
    REVOKED: "This certification has been revoked.",
    LAPSED: "This certification has lapsed.",
    UNKNOWN: "There is no certification with this number in the registry.",
    INVALID: "This certificate cannot be trusted.",
}
# The public verification page: at most this many look-ups a minute from one address.
VERIFY_PER_MINUTE = 30


@dataclass(frozen=True)
class Verification:
    """The public answer about one certificate: nothing beyond name, number, standing and dates."""

    standing: str
    number: str = ""
    public_name: str = ""
    issued_on: datetime.date | None = None
    renews_on: datetime.date | None = None
    problem: str = ""
    records: list[PublicRecord] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        return ANSWERS[self.standing]

    def as_dict(self) -> dict:
        return {
            "standing": self.standing,
            "answer": self.sentence,
            "problem": self.problem or None,
            "certificate_number": self.number or None,
            "public_name": self.public_name or None,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "renews_on": self.renews_on.isoformat() if self.renews_on else None,
            "published": [
                {"date": r.date.isoformat(), "title": r.title, "text": r.text, "clauses": list(r.clauses)}
                for r in self.records
            ],
        }


def _standing(certification: Certification, today: datetime.date) -> str:
    if certification.status == Certification.Status.ACTIVE:
        return LAPSED if certification.renews_on < today else VALID
    return certification.status


def _answer(certification: Certification, standing: str) -> Verification:
    return Verification(
        standing=standing,
        number=certification.number,
        public_name=certification.public_name,
        issued_on=certification.issued_on,
        renews_on=certification.renews_on,
        records=public_records(certification),
    )


def verify_number(number: str) -> Verification:
    """Answer for a certificate number, from the registry."""
    number = (number or "").strip().upper()
    certification = Certification.objects.filter(number=number).first() if number else None
    if certification is None:
        return Verification(standing=UNKNOWN, number=number[:20])
    return _answer(certification, _standing(certification, timezone.localdate()))


def verify_credential(token: str) -> Verification:
    """Answer for a pasted certificate: its signature and dates, then its status bits."""
    check = credential_verify(token)
    if not check.ok:
        return Verification(standing=INVALID, problem=check.problem)
    certification = Certification.objects.filter(number=check.number).first()
    if certification is None:
        return Verification(standing=UNKNOWN, number=check.number[:20])
    if check.statuses.get("revocation"):
        return _answer(certification, REVOKED)
    if check.statuses.get("suspension"):
        return _answer(certification, SUSPENDED)
    return _answer(certification, _standing(certification, timezone.localdate()))


def verify(text: str) -> Verification:
    """Answer for what was typed or pasted: a certificate (three dot-separated parts) or a number."""
    text = (text or "").strip()
    return verify_credential(text) if text.count(".") == 2 else verify_number(text)


def _address_key(address: str | None) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), (address or "").encode(), hashlib.sha256).hexdigest()


def verification_allowed(address: str | None) -> bool:
    """Count one look-up from `address`; False once it made VERIFY_PER_MINUTE in the last minute."""
    key, now = _address_key(address), timezone.now()
    since = now - datetime.timedelta(minutes=1)
    VerificationRequest.objects.filter(at__lt=since).delete()
    if VerificationRequest.objects.filter(address=key, at__gte=since).count() >= VERIFY_PER_MINUTE:
        return False
    VerificationRequest.objects.create(address=key, at=now)
    return True


# -- staff --------------------------------------------------------------------------------


def registry_search(query: str = ""):
    """Certifications matching a number or public name (never anything about clients)."""
    found = Certification.objects.all()
    query = (query or "").strip()
    if query:
        found = found.filter(Q(number__icontains=query) | Q(public_name__icontains=query))
    return found.order_by("number")


def get_certification(pk) -> Certification:
    try:
        return Certification.objects.select_related("coach").get(pk=pk)
    except (Certification.DoesNotExist, ValueError) as missing:
        raise Http404("No such certification.") from missing


def log_entries_for(certification: Certification) -> list[tuple[AuditEvent, str]]:
    """The association's log entries about one certification, oldest first, with their labels."""
    events = AuditEvent.objects.filter(
        coach=association_account(), target_type="certification", target_id=str(certification.pk)
    ).order_by("seq")
    known = {action.value: action.label for action in Action}
    return [(event, known.get(event.action, event.action)) for event in events]


def certification_of_coach(coach) -> Certification | None:
    return Certification.objects.filter(coach_id=coach.pk).first()
