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


def feed_ics(rows: list[tuple[uuid.UUID, datetime.datetime, datetime.datetime]]) -> bytes:
    """Return an iCalendar document with one neutral event per (id, start, end)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    stamp = datetime.datetime.now(tz=datetime.UTC)
    for pk, starts_at, ends_at in rows:
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
