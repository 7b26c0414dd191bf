"""Read a coach's clients: access helpers (404 for anyone else's) and what the pages show."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from ethos.standards.record_types import RecordType
from ethos.standards.selectors import open_items_for

from .models import Client, Goal, SafetyCheck


def get_client_for_coach(coach, pk) -> Client:
    """Return the coach's client with this id; another coach's client does not exist (404)."""
    client = Client.objects.select_related("data_key").filter(coach=coach, pk=pk).first()
    if client is None:
        raise Http404("No such client.")
    return client


def get_goal_for_coach(coach, client: Client, pk) -> Goal:
    goal = Goal.objects.select_related("data_key").filter(coach=coach, client=client, pk=pk).first()
    if goal is None:
        raise Http404("No such goal.")
    return goal


# The client list's filter for declined people whose open items still wait for a record (a referral).
OWED = "owed"
OWED_LABEL = "Declined, referral owed"


def clients_for(coach, *, status: str = "", query: str = "") -> list[Client]:
    """The coach's clients, newest first, filtered by status and by a name search.

    The default list leaves out declined people unless something is still owed to them: their
    open items (a referral after an S1, S2 or S9 decline) keep them in sight, marked `owed`.
    Names are encrypted, so the search runs here, on decrypted names, not in the database: a
    practice has hundreds of clients, not millions.
    """
    owed = {i.subject_id for i in open_items_for(coach) if i.subject_type == "client"}
    # prefetch, not a join: one query for all the keys, and rows as light as plain ones.
    clients = Client.objects.filter(coach=coach).prefetch_related("data_key").order_by("-created_at")
    declined = Q(status=Client.Status.DECLINED)
    if status == OWED:
        clients = clients.filter(declined, pk__in=owed)
    elif status:
        clients = clients.filter(status=status)
    else:
        clients = clients.exclude(declined & ~Q(pk__in=owed))
    found = list(clients)
    for client in found:
        client.owed = client.status == Client.Status.DECLINED and str(client.pk) in owed
    needle = query.strip().casefold()
    if needle:
        found = [
            c for c in found if needle in c.name.casefold() or needle in (c.preferred_name or "").casefold()
        ]
    return found


def get_safety_check_for_coach(coach, client: Client, pk) -> SafetyCheck:
    """Return the coach's safety check of this client; anyone else's is a 404."""
    check = SafetyCheck.objects.select_related("data_key").filter(coach=coach, client=client, pk=pk).first()
    if check is None:
        raise Http404("No such safety check.")
    return check


def safety_checks_due(*, coach) -> list[Client]:
    """Return the coach's people with an open S2 item that a safety check answers, oldest first."""
    items = open_items_for(coach)
    ids = [
        i.subject_id
        for i in items
        if i.subject_type == "client" and RecordType.SAFETY_FOLLOW_UP in i.record_type_list
    ]
    return list(
        Client.objects.filter(coach=coach, pk__in=ids).prefetch_related("data_key").order_by("created_at")
    )
