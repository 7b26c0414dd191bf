"""What the supervision log may know about a client's situation: a summary without identity (S6).

Registered with `ethos.practice.supervision.situation_source` for the open items about a client, a
session note, a logged contact or a declared relationship. The summary says what kind of concern
it is and how long coaching has run, never who; `identifiers` lists what an entry must not contain.
"""

from __future__ import annotations

import re
import uuid

from django.utils import timezone

from ethos.clients.models import Client, Intake, Referral
from ethos.practice.areas import area_label
from ethos.practice.supervision import Situation, situation_source
from ethos.standards.engine import Subject
from ethos.standards.record_types import RecordType

from .models import ContactLog, SessionNote

SUMMARY = "An adult client, in coaching for {length}{areas}."


def _length(client: Client) -> str:
    months = (timezone.now() - client.created_at).days // 30
    if months < 1:
        return "less than a month"
    return "about a month" if months == 1 else f"about {months} months"


def identifiers_of(client: Client) -> tuple[str, ...]:
    """The client's name parts, contact details and date of birth, as an entry must never hold them."""
    words: set[str] = set()
    for name in (client.name, client.preferred_name or ""):
        words.update(part for part in re.split(r"[\s,]+", name) if part)
        if name.strip():
            words.add(name.strip())
    for details in (client.contact or {}, client.emergency_contact or {}):
        for value in details.values():
            value = str(value or "").strip()
            if not value:
                continue
            words.add(value)
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 6:
                words.add(digits)
            if "@" not in value and not digits:
                words.update(part for part in value.split() if len(part) >= 3)
    born = client.date_of_birth
    words.update({born.isoformat(), f"{born.day:02d}/{born.month:02d}/{born.year}", f"{born:%d %B %Y}"})
    return tuple(sorted(words))


def situation_of(coach, client: Client) -> Situation:
    intake = Intake.objects.filter(client=client).select_related("data_key").first()
    brought = frozenset(c["area"] for c in (intake.concerns if intake else []) if c.get("area"))
    referred = frozenset(
        made.concern_area
        for made in Referral.objects.filter(client=client).select_related("resource", "data_key")
        if made.concern_area and RecordType.COMPETENCE_REFERRAL in made.resource.record_types
    )
    labels = sorted(area_label(area) for area in brought)
    areas = f", who brought concerns about {', '.join(labels)}" if labels else ""
    return Situation(
        summary=SUMMARY.format(length=_length(client), areas=areas),
        identifiers=identifiers_of(client),
        concern_areas=brought,
        referred_areas=referred,
        subject=Subject.of(client),
    )


def _client(coach, model, subject_id):
    try:
        pk = uuid.UUID(str(subject_id))
    except ValueError:
        return None
    if model is Client:
        return Client.objects.filter(coach=coach, pk=pk).select_related("data_key").first()
    client_id = model.objects.filter(coach=coach, pk=pk).values_list("client_id", flat=True).first()
    return Client.objects.filter(coach=coach, pk=client_id).select_related("data_key").first()


def _source(model):
    def source(coach, item) -> Situation | None:
        client = _client(coach, model, item.subject_id)
        return situation_of(coach, client) if client is not None else None

    return source


situation_source("client")(_source(Client))
situation_source("sessionnote")(_source(SessionNote))
situation_source("contactlog")(_source(ContactLog))


__all__ = ["identifiers_of", "situation_of"]
