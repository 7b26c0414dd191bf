"""What coaching puts on the client page and timeline, through the clients registry."""

from __future__ import annotations

from django.utils import timezone

from ethos.clients.models import Client
from ethos.clients.pages import TimelineEntry, client_section, timeline_source

from .models import Session
from .selectors import open_follow_ups_of, sessions_of

# How many upcoming sessions the client page lists; the agenda has the rest.
UPCOMING_SHOWN = 5


@client_section("sessions", title="Sessions", template="coaching/_client_sessions.html", order=40)
def sessions_section(client: Client) -> dict | None:
    """Upcoming sessions, counts of the past ones and open follow-ups: two queries for any number."""
    sessions = sessions_of(client)
    follow_ups = open_follow_ups_of(client)
    if not sessions and client.status != Client.Status.ACTIVE:
        return None
    now = timezone.now()
    upcoming = [s for s in reversed(sessions) if s.status == Session.Status.SCHEDULED and s.ends_at >= now]
    return {
        "upcoming": upcoming[:UPCOMING_SHOWN],
        "more_upcoming": max(0, len(upcoming) - UPCOMING_SHOWN),
        "held": sum(1 for s in sessions if s.status == Session.Status.CLOSED),
        "cancelled": sum(1 for s in sessions if s.status == Session.Status.CANCELLED),
        "follow_ups": follow_ups,
        "can_schedule": client.status == Client.Status.ACTIVE,
    }


@timeline_source
def session_entries(client: Client) -> list[TimelineEntry]:
    entries = []
    for session in sessions_of(client):
        if session.status == Session.Status.CLOSED:
            entries.append(TimelineEntry(session.closed_at, "session", "Session held"))
        elif session.status == Session.Status.CANCELLED:
            by = "you" if session.cancelled_by == Session.CancelledBy.COACH else "the client"
            fee = ", without charge" if session.no_fee else ""
            entries.append(TimelineEntry(session.cancelled_at, "session", f"Session cancelled by {by}{fee}"))
        elif session.no_fee_reason in (Session.NoFee.COACH_UNFIT, Session.NoFee.CLIENT_UNDER_INFLUENCE):
            entries.append(
                TimelineEntry(
                    session.starts_at,
                    "session",
                    f"Session could not start: {session.get_no_fee_reason_display()}",
                )
            )
    return entries
