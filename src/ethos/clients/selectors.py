"""Read a coach's clients: access helpers (404 for anyone else's) and what the pages show."""

from __future__ import annotations

import uuid

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404

from ethos.prepared import prepared
from ethos.standards.models import OpenItem
from ethos.standards.record_types import RecordType
from ethos.standards.selectors import open_items_for
from ethos.vault.context import vault_or_none

from . import search
from .models import Client, Goal, SafetyCheck


def get_client_for_coach(coach, pk) -> Client:
    """Return the coach's client with this id; another coach's client does not exist (404)."""
    if not isinstance(pk, uuid.UUID):
        try:
            pk = uuid.UUID(str(pk))
        except ValueError:
            raise Http404("No such client.") from None
    found = _client_of(coach, pk)
    if not found:
        raise Http404("No such client.")
    client = found[0]
    # The client's coach is the coach who asked, whose row the caller already has: sections that
    # read `client.coach` (the practice's currency, for one) would otherwise read it again.
    client.coach = coach
    # Every record of a client is sealed under the client's one data key, read here with the
    # client: give it to the vault, so that the first of the client's records opened (a goal, a
    # charge) does not make the vault read the same key again.
    # (A key destroyed at the end of its retention is left alone: reading a record says so.)
    vault, key = vault_or_none(), client.data_key
    if vault is not None and key is not None and key.wrapped is not None and key.coach_id == vault.coach_id:
        vault.field_key(key.pk, row=key)
    return client


@prepared
def _client_of(coach, pk: uuid.UUID):
    # Every page about a client starts here: the SQL is built once per process (ethos.prepared).
    # The intake comes along: the client page and most forms read it (one to one, no extra rows).
    return Client.objects.select_related("data_key", "intake").filter(coach=coach, pk=pk)[:1]


def get_goal_for_coach(coach, client: Client, pk) -> Goal:
    goal = Goal.objects.select_related("data_key").filter(coach=coach, client=client, pk=pk).first()
    if goal is None:
        raise Http404("No such goal.")
    return goal


# The client list's filter for declined people whose open items still wait for a record (a referral).
OWED = "owed"
OWED_LABEL = "Declined, referral owed"
# Rows on one page of the client list: only these are decrypted.
PAGE_SIZE = 25


def _owed_ids(coach) -> set[uuid.UUID]:
    """The ids of the coach's clients with an open item, from one light query."""
    items = OpenItem.objects.for_coach(coach).open().filter(subject_type="client")
    subject_ids = items.order_by().values_list("subject_id", flat=True)
    owed = set()
    for subject_id in subject_ids:
        try:
            owed.add(uuid.UUID(subject_id))
        except ValueError:
            continue
    return owed


def clients_for(coach, *, status: str = "", query: str = "", owed: set[uuid.UUID] | None = None) -> QuerySet:
    """The coach's clients, newest first, filtered by status and by a name search, all in SQL.

    The default list leaves out declined people unless something is still owed to them: their
    open items (a referral after an S1, S2 or S9 decline) keep them in sight, marked `owed`.
    Names are encrypted, so the search reads the blind index (ethos.clients.search): each query
    word must be the start of a word of the name or the preferred name. Nothing is decrypted
    here; the rows decrypt their names when a page shows them.
    """
    owed = _owed_ids(coach) if owed is None else owed
    clients = Client.objects.filter(coach=coach).select_related("data_key").order_by("-created_at", "-id")
    declined = Q(status=Client.Status.DECLINED)
    if status == OWED:
        clients = clients.filter(declined, pk__in=owed)
    elif status:
        clients = clients.filter(status=status)
    else:
        clients = clients.exclude(declined & ~Q(pk__in=owed))
    if query.strip():
        tokens = search.query_tokens(search.search_key_for(coach), query)
        clients = search.matching(clients, coach=coach, tokens=tokens)
    return clients


def client_page(coach, *, status: str = "", query: str = "", page: str | int | None = None) -> Page:
    """Return one page of `clients_for`, counted and sliced in SQL, each row marked `owed` or not.

    A page number that is not a number gives the first page; one past the end, the last.
    """
    owed = _owed_ids(coach)
    found = Paginator(clients_for(coach, status=status, query=query, owed=owed), PAGE_SIZE).get_page(page)
    for client in found:
        client.owed = client.status == Client.Status.DECLINED and client.pk in owed
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
