"""Tell the standards engine how to name a client's open items and where their records are made."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from ethos.links import link
from ethos.prepared import prepared
from ethos.standards.record_types import RecordType
from ethos.standards.subjects import resolving_page, subject_describer, uuids

from .models import Client, Goal, SafetyCheck

# The records a referral makes (referrals.models.RECORD_TYPES_BY_KIND); each opens the referral page.
REFERRAL_RECORDS = (
    RecordType.REFERRAL,
    RecordType.CRISIS_REFERRAL,
    RecordType.SAFETY_REFERRAL,
    RecordType.YOUTH_REFERRAL,
    RecordType.COMPETENCE_REFERRAL,
    RecordType.COACHING_REFERRAL,
)
PRACTICE_LABEL = "Your practice"


def _with(url: str, **params: str) -> str:
    return f"{url}?{urlencode({k: v for k, v in params.items() if v})}"


@prepared
def _named_clients(coach, ids: list[uuid.UUID]):
    return (
        Client.objects.filter(coach=coach, pk__in=ids)
        .select_related("data_key")
        .only("name", "preferred_name", "data_key")  # what display_name reads, and the key that opens it
    )


@subject_describer("client")
def describe_clients(coach, ids) -> dict[str, tuple[str, str]]:
    """Name the coach's clients (decrypted here, for this coach only): one query for the rows and keys.

    Its SQL is built once per number of clients (ethos.prepared): the dashboard names every client
    with an open item, and building that query through the ORM cost more than running it.
    """
    clients = _named_clients(coach, uuids(ids))
    return {str(c.pk): (c.display_name, link("clients:detail", [c.pk])) for c in clients}


@subject_describer("goal")
def describe_goals(coach, ids) -> dict[str, tuple[str, str]]:
    """Name a goal by its client: one query for the goals, one for their clients' keys."""
    goals = (
        Goal.objects.filter(coach=coach, pk__in=uuids(ids))
        .select_related("client")
        .prefetch_related("client__data_key")
    )
    return {
        str(g.pk): (
            f"A goal of {g.client.display_name}",
            link("clients:goal_detail", [g.client_id, g.pk]),
        )
        for g in goals
    }


@subject_describer("practice")
def describe_practice(coach, ids) -> dict[str, tuple[str, str]]:
    """The practice itself: closing it is done client by client on the closure page."""
    return {subject_id: (PRACTICE_LABEL, link("clients:closure", [])) for subject_id in ids}


def _client_id(item) -> str | None:
    return item.subject_id if item.subject_type == "client" else None


@resolving_page(*REFERRAL_RECORDS)
def referral_page(item) -> str | None:
    """The referral form for the item's client, with a service of the fitting kind chosen."""
    if item.subject_type == "practice":
        return link("clients:closure", [])
    client_id = _client_id(item)
    if client_id is None:
        return None
    records = [r for r in item.record_type_list if r in REFERRAL_RECORDS]
    # The narrowest record the item asks for picks the service; a plain referral fits any kind.
    record = next((r for r in records if r != RecordType.REFERRAL), records[0] if records else "")
    url = link("clients:refer", [client_id])
    return _with(url, item=str(item.pk), record=record)


@resolving_page(RecordType.SAFETY_FOLLOW_UP)
def safety_page(item) -> str | None:
    """The follow-up of the client's last check still waiting for one, or else a new safety check."""
    client_id = _client_id(item)
    if client_id is None:
        return None
    waiting = (
        SafetyCheck.objects.filter(coach=item.coach_id, client_id=client_id, followed_up_on__isnull=True)
        .order_by("-checked_on")
        .values_list("pk", flat=True)
        .first()
    )
    if waiting is not None:
        url = link("clients:safety_follow_up", [client_id, waiting])
    else:
        url = link("clients:safety_check", [client_id])
    return _with(url, item=str(item.pk))


@resolving_page(RecordType.GOAL_CONFIRMATION)
def goal_confirmation_page(item) -> str | None:
    if item.subject_type != "goal" or not uuids([item.subject_id]):
        return None
    goals = Goal.objects.filter(coach=item.coach_id, pk=item.subject_id)
    client_id = goals.values_list("client_id", flat=True).first()
    if client_id is None:
        return None
    # The goal's page says how the client confirms it: in their own portal (P5).
    return _with(link("clients:goal_detail", [client_id, item.subject_id]), item=str(item.pk))


@resolving_page(RecordType.RELEASE_EXPLANATION, RecordType.CLIENT_RELEASE, RecordType.REFERRAL_OFFER)
def ending_page(item) -> str | None:
    """Ending coaching with the client, or closing the practice client by client (P11)."""
    if item.subject_type == "practice":
        return link("clients:closure", [])
    client_id = _client_id(item)
    return _with(link("clients:end", [client_id]), item=str(item.pk)) if client_id else None
