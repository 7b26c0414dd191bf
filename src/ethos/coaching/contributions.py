"""What coaching puts on other pages: the client page and timeline (registry), the coach's day."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from ethos.clients.models import Client
from ethos.clients.pages import (
    TIMELINE_SHOWN,
    TimelineEntry,
    client_records,
    client_section,
    newest_rows,
    records_kept,
    timeline_source,
    written,
)
from ethos.links import link, link_for
from ethos.prepared import prepared
from ethos.web import escape

from .models import FollowUp, Session
from .selectors import UPCOMING_SHOWN, open_follow_ups_of, upcoming_of


@client_records("follow_up")
def follow_up_rows(client_id):
    return FollowUp.objects.filter(client_id=client_id)


@prepared
def _session_counts(client: Client, now: datetime.datetime) -> dict[str, int]:
    # Prepared: three filtered counts cost more to build through the ORM than to run.
    return Session.objects.filter(client=client).aggregate(
        held=Count("pk", filter=Q(status=Session.Status.CLOSED)),
        cancelled=Count("pk", filter=Q(status=Session.Status.CANCELLED)),
        upcoming=Count("pk", filter=Q(status=Session.Status.SCHEDULED, ends_at__gte=now)),
    )


# The section as coaching/_client_sessions.html wrote it; every value is escaped, and
# tests/coaching/test_client_page_sessions.py renders the old template and compares.
_SECTION = (
    '<section class="panel" aria-labelledby="sessions-heading">\n'
    '  <h2 id="sessions-heading">{title}</h2>\n'
    "  {follow_ups}\n"
    "  {upcoming}\n"
    '  <p class="muted">{held} held, {cancelled} cancelled.</p>\n'
    "  {schedule}\n"
    "</section>\n"
)
_FOLLOW_UPS = (
    '\n  <div class="notice">\n'
    "    <p><strong>On the next session's agenda:</strong></p>\n"
    "    <ul>{}</ul>\n"
    "  </div>\n  "
)
_FOLLOW_UP = "<li>{}: {}</li>"
_UPCOMING = "\n  <ul>\n    {rows}\n  </ul>\n  {more}\n  "
_UPCOMING_ROW = '\n    <li><a href="{url}">{when}</a>, {modality}{no_fee}</li>\n    '
_NO_FEE = ' <span class="badge">No fee</span>'
_MORE = '<p class="muted">And {} more in <a href="{}">the agenda</a>.</p>'
_NONE_UPCOMING = "\n  <p>No session scheduled.</p>\n  "
_SCHEDULE = '<p><a class="button button--secondary" href="{}?client={}">Schedule a session</a></p>'
_MODALITIES = dict(Session.Modality.choices)


def sessions_html(
    *,
    client: Client,
    section,
    upcoming: list,
    more_upcoming: int,
    held: int,
    cancelled: int,
    follow_ups: list,
    can_schedule: bool,
    csrf_token=None,  # the section has no form
) -> SafeString:
    """The sessions section of the client page, as its template wrote it, every value escaped."""
    follow_up_list = ""
    if follow_ups:
        follow_up_list = _FOLLOW_UPS.format(
            "".join(
                _FOLLOW_UP.format(escape(item.get_kind_display()), escape(item.text)) for item in follow_ups
            )
        )
    if upcoming:
        address = link_for("coaching:detail")
        rows = "".join(
            _UPCOMING_ROW.format(
                url=escape(address(session.pk)),
                when=escape(written(session.local_start, "D j M Y, H:i")),
                modality=escape(_MODALITIES.get(session.modality, session.modality).lower()),
                no_fee=_NO_FEE if session.no_fee else "",
            )
            for session in upcoming
        )
        more = _MORE.format(escape(more_upcoming), escape(link("coaching:list", []))) if more_upcoming else ""
        upcoming_list = _UPCOMING.format(rows=rows, more=more)
    else:
        upcoming_list = _NONE_UPCOMING
    html = _SECTION.format(
        title=escape(section.title),
        follow_ups=follow_up_list,
        upcoming=upcoming_list,
        held=escape(held),
        cancelled=escape(cancelled),
        schedule=_SCHEDULE.format(escape(link("coaching:schedule", [])), escape(client.pk))
        if can_schedule
        else "",
    )
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 - every value is escaped


@client_section("sessions", title="Sessions", render=sessions_html, order=40)
def sessions_section(client: Client) -> dict | None:
    """Upcoming sessions, counts of the past ones and open follow-ups, in three queries however many."""
    upcoming = upcoming_of(client)
    counts = _session_counts(client, upcoming.now)
    follow_ups = open_follow_ups_of(client) if "follow_up" in records_kept(client) else []
    if not any(counts.values()) and client.status != Client.Status.ACTIVE:
        return None
    return {
        "upcoming": upcoming.sessions,
        "more_upcoming": max(0, counts["upcoming"] - UPCOMING_SHOWN),
        "held": counts["held"],
        "cancelled": counts["cancelled"],
        "follow_ups": follow_ups,
        "can_schedule": client.status == Client.Status.ACTIVE,
    }


_NO_FEE_REASONS = dict(Session.NoFee.choices)


@timeline_source
def session_entries(client: Client, limit: int = TIMELINE_SHOWN) -> list[TimelineEntry]:
    """The client's newest `limit` session events (held, cancelled, stopped at the checks)."""
    entries = []
    rows = _newest_session_events(client, limit)
    for status, closed_at, cancelled_at, cancelled_by, no_fee, starts_at, no_fee_reason in rows[:limit]:
        if status == Session.Status.CLOSED:
            entries.append(TimelineEntry(closed_at, "session", "Session held"))
        elif status == Session.Status.CANCELLED:
            by = "you" if cancelled_by == Session.CancelledBy.COACH else "the client"
            fee = ", without charge" if no_fee else ""
            entries.append(TimelineEntry(cancelled_at, "session", f"Session cancelled by {by}{fee}"))
        else:
            entries.append(
                TimelineEntry(
                    starts_at,
                    "session",
                    f"Session could not start: {_NO_FEE_REASONS.get(no_fee_reason, no_fee_reason)}",
                )
            )
    return entries


def _session_event_rows(client: Client):
    # Only when and how each session went is told: plain columns, no session built and nothing sealed.
    return (
        Session.objects.filter(client=client)
        .filter(
            Q(status__in=(Session.Status.CLOSED, Session.Status.CANCELLED))
            | Q(no_fee_reason__in=(Session.NoFee.COACH_UNFIT, Session.NoFee.CLIENT_UNDER_INFLUENCE))
        )
        .order_by("-starts_at")
        .values_list(
            "status", "closed_at", "cancelled_at", "cancelled_by", "no_fee", "starts_at", "no_fee_reason"
        )
    )


# Only when and how each session went is read, by SQL built once per process (`newest_rows`).
_newest_session_events = newest_rows(_session_event_rows)


# -- The coach's day on the dashboard (read by ethos.views) -------------------------------------

# How many open follow-ups the dashboard lists; the client pages have every one.
FOLLOW_UPS_SHOWN = 10
# A note still unsigned this long after its session is a warning on the coach's day (C2).
SIGN_WITHIN = datetime.timedelta(hours=48)
UNSIGNED_SHOWN = 10


@dataclass(frozen=True)
class CoachDay:
    """Today's live sessions and the follow-ups still waiting, for the dashboard."""

    sessions: list[Session]
    follow_ups: list[FollowUp]
    more_follow_ups: bool
    unsigned: list[Session]
    more_unsigned: bool


def unsigned_after(coach, *, now: datetime.datetime | None = None, cutoff: datetime.datetime | None = None):
    """Held sessions whose note is missing or unsigned 48 hours after the session ended (C2).

    `cutoff` is `now` less those 48 hours, when the caller worked it out (a prepared query's argument).
    """
    cutoff = cutoff or (now or timezone.now()) - SIGN_WITHIN
    return (
        Session.objects.for_coach(coach)
        .filter(note_owed=True)
        .filter(Q(closed_at__lt=cutoff) | Q(closed_at=None, ends_at__lt=cutoff))
    )


@prepared
def _day_sessions(coach, start: datetime.datetime, end: datetime.datetime):
    return (
        Session.objects.for_coach(coach)
        .live()
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("client", "client__data_key")
        .order_by("starts_at", "pk")
    )


@prepared
def _day_follow_ups(coach):
    return (
        FollowUp.objects.filter(coach=coach, resolved_at=None)
        .select_related("data_key", "client", "client__data_key")
        .order_by("created_at")[: FOLLOW_UPS_SHOWN + 1]
    )


@prepared
def _day_unsigned(coach, cutoff: datetime.datetime):
    return (
        unsigned_after(coach, cutoff=cutoff)
        .select_related("client", "client__data_key")
        .order_by("starts_at", "pk")[: UNSIGNED_SHOWN + 1]
    )


def coach_day(coach, *, day: datetime.date | None = None) -> CoachDay:
    """Read the coach's day in three queries, clients and their keys with the rows, however full.

    Their SQL is built once per process (ethos.prepared): building these three joins through the
    ORM cost the dashboard more than running them.
    """
    day = day or timezone.localdate()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
    follow_ups = _day_follow_ups(coach)
    unsigned = _day_unsigned(coach, timezone.now() - SIGN_WITHIN)
    return CoachDay(
        sessions=_day_sessions(coach, start, start + datetime.timedelta(days=1)),
        follow_ups=follow_ups[:FOLLOW_UPS_SHOWN],
        more_follow_ups=len(follow_ups) > FOLLOW_UPS_SHOWN,
        unsigned=unsigned[:UNSIGNED_SHOWN],
        more_unsigned=len(unsigned) > UNSIGNED_SHOWN,
    )
