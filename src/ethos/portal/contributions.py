"""What the portal adds to the client page: the client's account, shares and answers waiting."""

from __future__ import annotations

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ethos.clients.goals import goals_for_client
from ethos.clients.models import Ending, Goal
from ethos.clients.pages import client_records, client_section, day, records_kept
from ethos.prepared import prepared

from .models import ClientAccount, Reply, Share, Upload
from .selectors import client_page_account, uploads_for_client
from .services import uploads_for_coach

# How many of the newest things shared the section lists.
SHARES_SHOWN = 20
_SHARE_KINDS = {kind: escape(label) for kind, label in Share.Kind.choices}
# One line of the "Shared" list, as the section's template wrote it for each share: a client in
# the portal for long has a full list, so the lines are written here, every value escaped.
_SHARE_LINE = "<li>{}, version {}, {}: {}</li>"


@client_records("portal_account")
def portal_account_rows(client_id):
    return ClientAccount.objects.filter(client_id=client_id)


@client_records("portal_upload")
def portal_upload_rows(client_id):
    return Upload.objects.filter(account__client_id=client_id)


@client_section("portal", title="Portal", template="portal/_client_section.html", order=85)
def portal_section(client):
    # Most clients have no portal account: the page's one presence query says so, at no cost here.
    if "portal_account" not in records_kept(client):
        return {"account": None}
    accounts = client_page_account(client.coach_id, client)
    if not accounts:
        return {"account": None}
    account = accounts[0]
    found = {
        "account": account,
        "shares": _share_lines(_shares_of(account)),
        "replies": _replies_waiting(account),
    }
    # The goals section has read every goal of the client already (oldest first): no second read.
    found["awaiting"] = [g for g in goals_for_client(client) if g.status == Goal.Status.AWAITING]
    # The names of the files the client sent are sealed to the coach: opened here, vault open.
    if "portal_upload" in records_kept(client):
        found["uploads"] = uploads_for_coach(coach_id=client.coach_id, uploads=uploads_for_client(client))
    # The letter about an ending or a pause can be shared in the portal as well as printed.
    if "ending" in records_kept(client):
        found["endings"] = list(Ending.objects.filter(client=client).order_by("-created_at", "id"))
    return found


def _share_lines(rows: list[tuple]) -> SafeString:
    """The "Shared" list's items: what, which version, when shared, and answered, replaced or waiting."""
    days: dict = {}  # things are often shared and answered on the same day: each day written once

    def on(when) -> str:
        local = timezone.localtime(when).date()
        if local not in days:
            days[local] = escape(day(local))
        return days[local]

    lines = []
    for kind, version, shared_at, answered_at, withdrawn_at in rows:
        if answered_at is not None:
            state = f"answered {on(answered_at)}"
        elif withdrawn_at is not None:
            state = "replaced"
        else:
            state = "waiting"
        kind_label = _SHARE_KINDS.get(kind) or escape(kind)
        lines.append(_SHARE_LINE.format(kind_label, int(version), on(shared_at), state))
    return mark_safe("\n".join(lines))  # noqa: S308  # nosec B308 B703 - every value is escaped


# Read on every client page of a client in the portal (with the account, selectors.client_page_account):
# their SQL is built once per process, the shares and answers as plain columns and a count (the
# sealed boxes stay in the database).
@prepared
def _shares_of(account: ClientAccount):
    # Rows as the ORM makes them: times through the backend's converters.
    return (
        Share.objects.filter(account=account)
        .order_by("-shared_at")
        .values_list("kind", "version", "shared_at", "answered_at", "withdrawn_at")[:SHARES_SHOWN]
    )


@prepared
def _replies_waiting(account: ClientAccount) -> int:
    return Reply.objects.filter(account=account, handled_at__isnull=True).count()
