"""The coach's private calendar feed: times and a neutral title only, never a client's name.

Calendars sync to third parties (phone makers, mail providers), so an event says no more than
"Coaching session" and a short reference the coach can look up in Ethos.
"""

from __future__ import annotations

import datetime
import uuid

import icalendar

EVENT_TITLE = "Coaching session"
PRODUCT_ID = "-//Ethos//Coaching sessions//EN"
CALENDAR_NAME = "Ethos sessions"


def _moment(value: datetime.datetime | str) -> datetime.datetime:
    """A stored time as an aware datetime: columns read raw come back as UTC text (SQLite)."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def _event(row: tuple) -> tuple[uuid.UUID, datetime.datetime, datetime.datetime]:
    pk, starts_at, ends_at = row
    return (pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk)), _moment(starts_at), _moment(ends_at))


def feed_ics(rows: list[tuple]) -> bytes:
    """Return an iCalendar document with one neutral event per (id, start, end).

    A row holds Python values, or the raw values of the database (`selectors.feed_sessions`).
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    stamp = datetime.datetime.now(tz=datetime.UTC)
    for pk, starts_at, ends_at in map(_event, rows):
        event = icalendar.Event()
        event.add("uid", f"{pk}@ethos")
        event.add("dtstamp", stamp)
        event.add("dtstart", starts_at)
        event.add("dtend", ends_at)
        event.add("summary", EVENT_TITLE)
        event.add("description", f"Ref {pk.hex[:8].upper()}")
        event.add("class", "PRIVATE")
        calendar.add_component(event)
    return calendar.to_ical()
