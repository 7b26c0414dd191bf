"""People and records the case tests share: staff, a certified coach and a complaint about them."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.contrib.auth import get_user_model

from ethos.certification.cases import services
from ethos.certification.services import certification_register

_numbers = itertools.count(1)
TODAY = datetime.date(2026, 3, 2)


def make_staff(name: str | None = None):
    User = get_user_model()
    number = next(_numbers)
    return User.objects.create_user(
        f"staff{number}@association.test",
        "x",
        name=name or f"Staff {number}",
        role=User.Role.ASSOCIATION_STAFF,
    )


@pytest.fixture
def staff(db):
    return make_staff("Morgan Case-Officer")


@pytest.fixture
def panel(db):
    return [make_staff(f"Panel {n}") for n in range(1, 4)]


@pytest.fixture
def certification(staff, coach):
    return certification_register(
        staff=staff,
        number=f"TRC-9{next(_numbers):05d}",
        public_name="Alex Rivera",
        issued_on=datetime.date(2024, 1, 1),
        renews_on=datetime.date(2027, 1, 1),
        coach=coach,
    )


def submit(**overrides):
    arguments = {
        "name": "Jamie Complainant",
        "email": "jamie@example.net",
        "phone": "",
        "coach_named": "Alex Rivera",
        "account": "My coach lent me money and then asked for it back with interest.",
        "events_on": datetime.date(2026, 1, 10),
        "clauses": ["P9"],
        "today": TODAY,
    } | overrides
    return services.complaint_submit(**arguments)


@pytest.fixture
def complaint(db):
    return submit()


@pytest.fixture
def case(staff, complaint, certification):
    return services.case_open(
        staff=staff,
        complaint=complaint,
        certification=certification,
        clauses=["P9"],
        summary="It is alleged that you lent a client money and charged interest on it.",
        today=TODAY,
    )


def to_hearing(case, staff, coach):
    """Take an open case through the coach's response, review and investigation to the hearing."""
    services.case_respond(coach=coach, case=case, text="I did not lend anything.")
    for stage in ("preliminary_review", "investigation", "hearing"):
        services.case_advance(staff=staff, case=case, to=stage, today=TODAY)
    case.refresh_from_db()
    return case


def decide(case, staff, panel, votes, today=TODAY):
    services.panel_appoint(staff=staff, case=case, members=panel)
    for member, vote in zip(panel, votes, strict=True):
        services.vote_record(staff=member, case=case, outcome=vote)
    return services.case_decide(staff=staff, case=case, today=today)
