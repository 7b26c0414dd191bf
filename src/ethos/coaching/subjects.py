"""Tell the standards engine how to name a session's open items and where their records are made."""

from __future__ import annotations

import uuid

from django.utils import timezone

from ethos.links import link
from ethos.prepared import prepared
from ethos.standards.record_types import RecordType
from ethos.standards.subjects import resolving_page, subject_describer, uuids

from .models import Session, SessionNote

# The describers look records up by id alone and keep the coach's: with the coach in the query too,
# SQLite read every one of the coach's notes or sessions through the coach's index (30 ms at 20,000
# notes on the dashboard) instead of looking up the few ids.


@subject_describer("session")
def describe_sessions(coach, ids) -> dict[str, tuple[str, str]]:
    """Name a session by its client and day: one query for the sessions, their clients and keys."""
    sessions = Session.objects.filter(pk__in=uuids(ids)).select_related("client", "client__data_key")
    return {
        str(s.pk): (
            f"Session with {s.client.display_name} on {timezone.localtime(s.starts_at):%d %b %Y}",
            link("coaching:detail", [s.pk]),
        )
        for s in sessions
        if s.coach_id == coach.pk
    }


@prepared
def _named_notes(ids: list[uuid.UUID]):
    return SessionNote.objects.filter(pk__in=ids).select_related("session", "client", "client__data_key")


@subject_describer("sessionnote")
def describe_notes(coach, ids) -> dict[str, tuple[str, str]]:
    """Name a note by its session's client and day: one query for the notes, sessions, clients and keys.

    Its SQL is built once per number of notes (ethos.prepared), as the dashboard names them all.
    """
    rows = _named_notes(uuids(ids))
    return {
        str(n.pk): (
            f"Note of the session with {n.client.display_name} "
            f"on {timezone.localtime(n.session.starts_at):%d %b %Y}",
            link("coaching:note", [n.session_id]),
        )
        for n in rows
        if n.coach_id == coach.pk
    }


@resolving_page(RecordType.SAFETY_PLAN)
def safety_plan_page(item) -> str | None:
    """The session's own page, where the grounding and safety plan is recorded (P6)."""
    if item.subject_type != "session":
        return None
    return link("coaching:detail", [item.subject_id])


@resolving_page(RecordType.INFLUENCE_FOLLOWUP)
def follow_up_page(item) -> str | None:
    """The session that could not go ahead: its page links to the client's next session (S3)."""
    if item.subject_type != "session":
        return None
    return link("coaching:detail", [item.subject_id])
