"""Read a coach's sessions: access helpers (404 for anyone else's), the agenda, the week, the feed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from html import escape
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from ethos.clients.models import Client
from ethos.links import link_for
from ethos.memo import once
from ethos.prepared import prepared

from .models import CalendarFeed, FollowUp, Session, SessionNote

# Rows on one page of the agenda: only these are decrypted.
PAGE_SIZE = 25
# The calendar feed covers this window: enough for a phone's calendar, bounded whatever the diary.
FEED_PAST = datetime.timedelta(days=30)
FEED_AHEAD = datetime.timedelta(days=366)


def get_session_for_coach(coach, pk) -> Session:
    """Return the coach's session with this id, its client and their key; anyone else's is a 404."""
    session = (
        Session.objects.select_related("data_key", "client", "client__data_key")
        .filter(coach=coach, pk=pk)
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    return session


def get_session_page_for_coach(coach, pk) -> Session:
    """The session for its own page: as `get_session_for_coach`, with what the page says of its note.

    The page shows only whether a note exists and when it was signed, so those come along as
    two subqueries instead of loading the note with its encrypted text.
    """
    notes = SessionNote.objects.filter(session=OuterRef("pk"))
    session = (
        Session.objects.select_related("data_key", "client", "client__data_key")
        .annotate(has_note=Exists(notes), note_signed_at=Subquery(notes.values("signed_at")[:1]))
        .filter(coach=coach, pk=pk)
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    return session


@dataclass(frozen=True)
class NoteState:
    """What the session page says of its note: that it exists, and when it was signed (if it was)."""

    signed_at: datetime.datetime | None


def note_state(session: Session) -> NoteState | None:
    """Return the session's note state, or None while no note has been written.

    A note is written only for a session that started (notes._saveable), so a session that never
    started has none and is not asked; a session read by `get_session_page_for_coach` carries the
    answer; any other is asked in one small query.
    """
    if session.started_at is None:
        return None
    if "has_note" in session.__dict__:
        return NoteState(signed_at=session.note_signed_at) if session.has_note else None
    found = SessionNote.objects.filter(session=session).values_list("signed_at", flat=True)[:1]
    return NoteState(signed_at=found[0]) if found else None


def get_follow_up_for_coach(coach, session: Session, pk) -> FollowUp:
    follow_up = (
        FollowUp.objects.select_related("data_key").filter(coach=coach, client=session.client, pk=pk).first()
    )
    if follow_up is None:
        raise Http404("No such follow-up.")
    return follow_up


def _with_clients(sessions: QuerySet) -> QuerySet:
    return sessions.select_related("client", "client__data_key")


def agenda(coach, *, page: str | int | None = None) -> Page:
    """One page of the coach's sessions from today on, soonest first, cancelled ones left out."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    sessions = _with_clients(
        Session.objects.for_coach(coach).live().filter(starts_at__gte=today).order_by("starts_at", "pk")
    )
    return Paginator(sessions, PAGE_SIZE).get_page(page)


# One row of the agenda's table, laid out as the template's rows were.
_AGENDA_ROW = (
    "<tr>\n"
    '      <td><a href="{url}">{when}</a> <span class="muted">({minutes} min)</span></td>\n'
    "      <td>{name}</td>\n"
    "      <td>{modality}</td>\n"
    '      <td><span class="badge badge--{status}">{status_name}</span>{no_fee}</td>\n'
    "    </tr>"
)


def agenda_rows(page: Page) -> list[SafeString]:
    """The table rows of one page of the agenda, written in Python rather than by a dozen template nodes each.

    Every value is escaped as the template escaped it (html.escape, as django.utils.html.escape),
    the client's name above all; each client's name is decrypted once however many rows they have.
    """
    address = _session_address()
    names: dict = {}
    rows = []
    for session in page.object_list:
        name = names.get(session.client_id)
        if name is None:
            name = names[session.client_id] = session.client.display_name
        rows.append(
            mark_safe(  # noqa: S308  # nosec B308 B703 - every value is escaped
                _AGENDA_ROW.format(
                    url=escape(address(session.pk)),
                    when=escape(date_filter(session.local_start, "D j M, H:i")),
                    minutes=escape(str(session.duration_minutes)),
                    name=escape(name),
                    modality=escape(_MODALITIES.get(session.modality, session.modality)),
                    status=escape(session.status),
                    status_name=escape(_STATUS_NAMES.get(session.status, session.status)),
                    no_fee=' <span class="badge">No fee</span>' if session.no_fee else "",
                )
            )
        )
    return rows


class WeekEntry(NamedTuple):
    """One session as the week shows it, its words made once in Python rather than per template tag."""

    url: str
    starts: str
    ends: str
    name: str
    status: str
    modality: str
    # The status in words when it is not simply scheduled ("held", "under way"); empty otherwise.
    status_label: str

    @property
    def html(self) -> SafeString:
        """The entry's list item, written here once rather than by a dozen template nodes per row.

        The same text as format_html would make: each value escaped as django.utils.html.escape
        does (html.escape), the name above all, which is the client's own words.
        """
        more = f", {escape(self.status_label)}" if self.status_label else ""
        return mark_safe(  # noqa: S308  # nosec B308 B703 - every value is escaped
            f'<li><a class="week__session week__session--{escape(self.status)}" href="{escape(self.url)}">'
            f'<span class="week__time">{escape(self.starts)}\u2013{escape(self.ends)}</span> '
            f'{escape(self.name)} <span class="muted">{escape(self.modality)}{more}</span></a></li>'
        )


@dataclass(frozen=True)
class Day:
    date: datetime.date
    entries: list[WeekEntry]

    @property
    def is_today(self) -> bool:
        return self.date == timezone.localdate()


def week_start(day: datetime.date) -> datetime.date:
    """Return the Monday of the week `day` falls in."""
    return day - datetime.timedelta(days=day.weekday())


def _in_week(coach, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    return Session.objects.for_coach(coach).live().filter(starts_at__gte=start, starts_at__lt=end)


@prepared
def _week_rows(coach, start: datetime.datetime, end: datetime.datetime):
    # What a row of the week shows, as plain values: no Session is made for a hundred rows.
    return (
        _in_week(coach, start, end)
        .order_by("starts_at")
        .values_list("pk", "client_id", "starts_at", "ends_at", "modality", "status")
    )


@prepared
def _week_clients(coach, start: datetime.datetime, end: datetime.datetime):
    # Each client with a session in the week once, with the key that opens their name.
    return (
        Client.objects.filter(pk__in=_in_week(coach, start, end).values("client_id"))
        .select_related("data_key")
        .only("name", "preferred_name", "data_key")
    )


def week(coach, *, monday: datetime.date) -> list[Day]:
    """The seven days from `monday`, each with its live sessions in order: two queries.

    A full diary week is about a hundred rows: they are read as values, not as Sessions with
    their clients, and each client's name is decrypted once however many sessions they have.
    Both queries are built once per process (ethos.prepared).
    """
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(monday, datetime.time.min, tzinfo=tz)
    end = start + datetime.timedelta(days=7)
    rows = _week_rows(coach, start, end)
    names = {client.pk: client.display_name for client in _week_clients(coach, start, end)} if rows else {}
    days: dict[datetime.date, list[WeekEntry]] = {monday + datetime.timedelta(days=n): [] for n in range(7)}
    address = _session_address()
    for pk, client_id, starts_at, ends_at, modality, status in rows:
        starts = starts_at.astimezone(tz)
        days[starts.date()].append(
            WeekEntry(
                url=address(pk),
                starts=f"{starts:%H:%M}",
                ends=f"{ends_at.astimezone(tz):%H:%M}",
                name=names[client_id],
                status=status,
                modality=_MODALITIES.get(modality, modality),
                status_label=_STATUS_LABELS.get(status, status),
            )
        )
    return [Day(date=date, entries=entries) for date, entries in days.items()]


# The labels of the choices, looked up directly: get_FOO_display() rebuilds a dict on every call.
_MODALITIES = {value: str(label) for value, label in Session.Modality.choices}
_STATUS_NAMES = {value: str(label) for value, label in Session.Status.choices}
# A scheduled session says nothing more; any other says how it went, in lower case ("held").
_STATUS_LABELS = {
    value: "" if value == Session.Status.SCHEDULED else str(label).lower()
    for value, label in Session.Status.choices
}


def _session_address():
    """Return pk -> the session page's address, its shape looked up once per page (`ethos.links`)."""
    return link_for("coaching:detail")


@once
def open_follow_ups_of(client: Client) -> list[FollowUp]:
    """The client's follow-ups still waiting to be talked through, oldest first."""
    return list(FollowUp.objects.filter(client=client, resolved_at=None).order_by("created_at"))


# How many upcoming sessions the client page lists; the agenda has the rest.
UPCOMING_SHOWN = 5


@dataclass(frozen=True)
class Upcoming:
    """The client's first UPCOMING_SHOWN scheduled sessions not over yet, as of `now`."""

    now: datetime.datetime
    sessions: list[Session]


@once
def upcoming_of(client: Client) -> Upcoming:
    """The client's next sessions, read once for the parts of a page (sessions, the next charge)."""
    now = timezone.now()
    return Upcoming(now=now, sessions=_upcoming(client, now))


@prepared
def _upcoming(client: Client, now: datetime.datetime):
    # Read on every client page: the SQL is built once per process (ethos.prepared).
    return Session.objects.filter(client=client, status=Session.Status.SCHEDULED, ends_at__gte=now).order_by(
        "starts_at", "pk"
    )[:UPCOMING_SHOWN]


def next_session_of(client: Client) -> Session | None:
    """The client's next scheduled session: where open follow-ups go on the agenda, what is charged next."""
    upcoming = upcoming_of(client)
    # The sessions not over yet, in order of start, hold the next one to start unless all of those
    # read have started already (and there may be more).
    for session in upcoming.sessions:
        if session.starts_at >= upcoming.now:
            return session
    if len(upcoming.sessions) < UPCOMING_SHOWN:
        return None
    return (
        Session.objects.filter(client=client, status=Session.Status.SCHEDULED, starts_at__gte=upcoming.now)
        .order_by("starts_at", "pk")
        .first()
    )


def feed_for_token(token_hash: str) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(token_hash=token_hash).first()


def feed_exists(coach) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(coach=coach).first()


def feed_sessions(coach) -> list[tuple[str, str, str]]:
    """The (id, start, end) of the coach's live sessions in the feed's window, as text; nothing decrypted.

    The window is FEED_PAST back and FEED_AHEAD on. The columns are read as the database's text,
    not converted: a calendar app polls the feed all day and the document rarely changes, so the
    digest that says whether it did is taken over this text (a thousand rows would otherwise make
    two thousand datetimes and a thousand UUIDs per poll). `calendar.feed_ics` converts the rows
    when, and only when, the document is made again.
    """
    now = timezone.now()
    return list(
        Session.objects.for_coach(coach)
        .live()
        .filter(starts_at__gte=now - FEED_PAST, starts_at__lt=now + FEED_AHEAD)
        .order_by("starts_at", "pk")
        .values_list(*(Cast(column, CharField()) for column in ("pk", "starts_at", "ends_at")))
    )


def active_clients(coach) -> list[Client]:
    """The clients a session can be scheduled with: active ones, keys with the rows."""
    return list(
        Client.objects.filter(coach=coach, status=Client.Status.ACTIVE)
        .select_related("data_key")
        .order_by("created_at")
    )


@dataclass(frozen=True)
class SessionRecord:
    """Everything the session page shows, read in a fixed number of queries."""

    start_checks: list
    close_checks: list
    safety_plans: list
    follow_ups: list[FollowUp]

    @property
    def kept_open(self) -> bool:
        return bool(self.close_checks) and self.close_checks[-1].leaving == "unsafe"


def session_record(session: Session) -> SessionRecord:
    """Read the session's checks and the client's open follow-ups.

    Close checks and safety plans are made only for a started session (services._closable), so
    for one that never started they are not asked for.
    """
    started = session.started_at is not None
    return SessionRecord(
        start_checks=list(session.start_checks.order_by("checked_at")),
        close_checks=list(session.close_checks.order_by("checked_at")) if started else [],
        safety_plans=list(session.safety_plans.order_by("recorded_at")) if started else [],
        follow_ups=list(
            FollowUp.objects.filter(client_id=session.client_id)
            .filter(resolved_at=None)
            .exclude(raised_in=session)
            .order_by("created_at")
        ),
    )
