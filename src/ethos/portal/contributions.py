"""What the portal adds to the client page: the client's account, shares and answers waiting."""

from __future__ import annotations

from ethos.clients.models import Goal
from ethos.clients.pages import client_section

from .selectors import portal_for_client


@client_section("portal", title="Portal", template="portal/_client_section.html", order=85)
def portal_section(client):
    found = portal_for_client(client)
    if found.get("account") is not None:
        awaiting = Goal.objects.filter(coach_id=client.coach_id, client=client, status=Goal.Status.AWAITING)
        found["awaiting"] = list(awaiting.order_by("created_at", "id"))
    return found
