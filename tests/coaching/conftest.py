"""Coaching test helpers: clients through intake, sessions through the product's own services."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ethos.coaching import services
from ethos.coaching.models import Session
from tests.clients.conftest import intake

# A name that must never leave Ethos through the calendar feed.
CANARY = "Quillon Marrowby"
PAYLOAD = "<script>alert('x')</script> Robert'); DROP TABLE coaching_session;--"


def active_client(coach, *, name: str = CANARY):
    return intake(coach, name=name).client


def schedule(
    coach,
    client,
    *,
    starts_at: datetime.datetime | None = None,
    minutes: int = 60,
    modality: str = Session.Modality.VIDEO,
    place: str = "",
) -> Session:
    """Schedule a session through the service; by default it began five minutes ago, so it can start."""
    return services.session_schedule(
        coach=coach,
        client=client,
        starts_at=starts_at or timezone.now() - datetime.timedelta(minutes=5),
        duration_minutes=minutes,
        modality=modality,
        place=place,
    )


def tomorrow_at(hour: int, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def start(coach, session, *, fit: bool = True, presentation: str = "steady") -> Session:
    return services.session_start(coach=coach, session=session, coach_fit=fit, presentation=presentation)


REFLECTED = services.Reflection(safety_offered=True, choice_offered=True, collaboration_offered=True)


@pytest.fixture
def robin(coach, vault):
    return active_client(coach)


@pytest.fixture
def session(coach, robin):
    return schedule(coach, robin)
