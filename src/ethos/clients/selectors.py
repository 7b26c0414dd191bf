"""Read a coach's clients: access helpers (404 for anyone else's) and what the pages show."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import Http404

from .models import Client, Goal


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


def clients_for(coach, *, status: str = "", query: str = "") -> list[Client]:
    """The coach's clients, newest first, filtered by status and by a name search.

    Names are encrypted, so the search runs here, on decrypted names, not in the database: a
    practice has hundreds of clients, not millions.
    """
    # prefetch, not a join: one query for all the keys, and rows as light as plain ones.
    clients = Client.objects.filter(coach=coach).prefetch_related("data_key").order_by("-created_at")
    clients = clients.filter(status=status) if status else clients.exclude(status=Client.Status.DECLINED)
    found = list(clients)
    needle = query.strip().casefold()
    if needle:
        found = [
            c for c in found if needle in c.name.casefold() or needle in (c.preferred_name or "").casefold()
        ]
    return found


@dataclass(frozen=True)
class TimelineItem:
    when: datetime.datetime
    kind: str
    text: str


def timeline(client: Client) -> list[TimelineItem]:
    """What happened with a client, newest first: intake, goals, progress, referrals, endings."""
    items: list[TimelineItem] = []
    intake = getattr(client, "intake", None)
    if intake is not None:
        outcome = "accepted" if intake.outcome == intake.Outcome.ACCEPTED else "declined"
        items.append(TimelineItem(intake.submitted_at, "intake", f"Intake {outcome}"))
        if intake.crisis_protocol_shown_at:
            items.append(
                TimelineItem(intake.crisis_protocol_shown_at, "crisis", "Crisis protocol shown (S2)")
            )
    for goal in client.goals.select_related("data_key").all():
        items.append(TimelineItem(goal.created_at, "goal", f"Goal written: “{goal.words}”"))
        if goal.confirmed_at:
            items.append(
                TimelineItem(goal.confirmed_at, "goal", f"Goal confirmed by the client: “{goal.words}”")
            )
    for referral in client.referrals.select_related("data_key", "resource").all():
        items.append(TimelineItem(referral.made_at, "referral", f"Referred to {referral.resource.name}"))
    for plan in client.supervision_plans.select_related("data_key").all():
        items.append(
            TimelineItem(plan.created_at, "supervision", f"Supervision planned for {plan.concern_area}")
        )
    for version in client.contact_versions.all():
        items.append(TimelineItem(version.replaced_at, "contact", "Contact details changed"))
    for ending in client.endings.select_related("data_key").all():
        items.append(TimelineItem(ending.created_at, "ending", f"{ending.get_kind_display()} recorded"))
    return sorted(items, key=lambda item: item.when, reverse=True)
