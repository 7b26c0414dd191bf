"""Money test helpers: clients through intake, sessions through coaching, money through its services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from ethos.coaching import services as coaching
from ethos.coaching.models import Session
from ethos.money import services
from tests.coaching.conftest import REFLECTED, active_client, schedule, start

PAYLOAD = "<script>alert('x')</script> Robert'); DROP TABLE money_payment;--"


def agree(coach, client, *, fee="80.00", hours=0, percent=0, terms="", **extra):
    return services.agreement_make(
        coach=coach,
        client=client,
        fee=Decimal(fee),
        late_cancel_hours=hours,
        late_cancel_percent=percent,
        terms=terms,
        agreed_on=timezone.localdate(),
        **extra,
    )


def held(coach, client, *, days_ago: int = 1) -> Session:
    """A session that was started and closed, booked on time: its fee is owed."""
    session = schedule(coach, client)
    start(coach, session)
    coaching.session_close(coach=coach, session=session, leaving="settled", reflection=REFLECTED)
    # Sessions can only be booked from a few minutes ago; move this one back so the next fits.
    back = datetime.timedelta(days=days_ago)
    Session.objects.filter(pk=session.pk).update(
        starts_at=F("starts_at") - back,
        ends_at=F("ends_at") - back,
        started_at=F("started_at") - back,
        closed_at=F("closed_at") - back,
    )
    session.refresh_from_db()
    return session


def booked(coach, client, *, in_hours: float) -> Session:
    return schedule(coach, client, starts_at=timezone.now() + datetime.timedelta(hours=in_hours))


def cancel(coach, session, *, by: str) -> Session:
    coaching.session_cancel(coach=coach, session=session, cancelled_by=by, reason="Something came up")
    session.refresh_from_db()
    return session


def pay(coach, client, *, amount="80.00", kind="coaching_fee", method="bank", reference="", invoice=None):
    return services.payment_record(
        coach=coach,
        client=client,
        kind=kind,
        amount=Decimal(amount),
        method=method,
        paid_on=timezone.localdate(),
        reference=reference,
        invoice=invoice,
    )


@pytest.fixture
def robin(coach, vault):
    return active_client(coach, name="Robin Ash")


@pytest.fixture
def settings_on_time(settings):
    # A session booked five minutes ago and started now is not a late start by the coach.
    settings.ETHOS_LATE_START_MINUTES = 30
    settings.ETHOS_CUT_SHORT_MINUTES = 120
    return settings
