"""Client test helpers: intakes through the real service, vetted resources through the directory."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ethos.clients import services
from ethos.referrals import services as directory
from ethos.referrals.models import Resource, VettingRecord

NO_RISK = {
    "suicidal_thoughts": False,
    "intent_or_plan": False,
    "self_harm": False,
    "substance_uncontrolled": False,
    "current_treatment": False,
}


def years_ago(years: int, *, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return day - datetime.timedelta(days=days)


def intake(
    coach,
    *,
    name="Robin Ash",
    age=30,
    born=None,
    concerns=(),
    decline_reason="",
    reentry_explanation="",
    **screening,
):
    """Submit an intake through the product's own service."""
    data = services.IntakeData(
        name=name,
        date_of_birth=born or years_ago(age),
        contact={"email": "robin@example.org"},
        screening=services.Screening(**{**NO_RISK, **screening}),
        concerns=[{"area": area} for area in concerns],
        wants="To feel safe at work again",
        decline_reason=decline_reason,
        reentry_explanation=reentry_explanation,
    )
    return services.intake_submit(coach=coach, data=data)


def vetted_resource(coach, *, name="Harbour Coaching", kind=Resource.Kind.COACHING, vetted_days_ago=10):
    resource = directory.resource_create(coach=coach, name=name, kind=kind, phone="0100 000 000")
    directory.vetting_record(
        coach=coach,
        resource=resource,
        vetted_on=timezone.localdate() - datetime.timedelta(days=vetted_days_ago),
        method=VettingRecord.Method.SPOKE,
    )
    return resource


@pytest.fixture
def resource(coach, vault):
    return vetted_resource(coach)


def client_confirms(coach, goal):
    """The client confirms a goal themselves, in their portal (P5).

    A test factory for the one way a goal is confirmed: the service the portal calls when the
    client presses "Yes, this is my goal" (tests/portal drives the whole portal journey).
    """
    from ethos.clients import goals

    return goals.goal_confirm_in_portal(coach=coach, goal=goal)
