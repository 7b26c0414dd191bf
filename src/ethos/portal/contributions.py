"""What the portal adds to the client page: the client's account, shares and answers waiting."""

from __future__ import annotations

from dataclasses import dataclass

from ethos.clients.goals import goals_for_client
from ethos.clients.models import Ending, Goal
from ethos.clients.pages import client_records, client_section, day, records_kept

from .models import ClientAccount, Upload
from .selectors import portal_for_client, uploads_for_client
from .services import uploads_for_coach


@dataclass(frozen=True)
class SharedLine:
    """One thing shared in the portal as the section lists it, its days written once, here."""

    kind_label: str
    version: int
    shared: str
    answered: str
    withdrawn: bool


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
    found = portal_for_client(client)
    if found.get("account") is not None:
        found["shares"] = [
            SharedLine(
                kind_label=share.kind_label,
                version=share.version,
                shared=day(share.shared_at),
                answered=day(share.answered_at),
                withdrawn=share.withdrawn_at is not None,
            )
            for share in found["shares"]
        ]
        # The goals section has read every goal of the client already (oldest first): no second read.
        found["awaiting"] = [g for g in goals_for_client(client) if g.status == Goal.Status.AWAITING]
        # The names of the files the client sent are sealed to the coach: opened here, vault open.
        if "portal_upload" in records_kept(client):
            found["uploads"] = uploads_for_coach(coach_id=client.coach_id, uploads=uploads_for_client(client))
        # The letter about an ending or a pause can be shared in the portal as well as printed.
        if "ending" in records_kept(client):
            found["endings"] = list(Ending.objects.filter(client=client).order_by("-created_at", "id"))
    return found
