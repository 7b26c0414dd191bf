"""The client page reads a client's money in two queries: the balance row and the timeline's times.

The balance row carries the sums, the practice's currency and the newest agreement's columns; the
timeline's payments and late cancellations are one statement. Each is held to what the ORM reads.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethos import memo
from ethos.clients.pages import HISTORY_READ, TIMELINE_READ, _sections
from ethos.money import contributions, selectors, services
from ethos.money.models import Agreement, Charge, Payment
from ethos.practice.models import PracticeProfile
from tests.coaching.conftest import active_client

from .conftest import PAYLOAD, agree, booked, cancel, pay

pytestmark = pytest.mark.django_db


def _orm_times(client, limit: int) -> tuple[list, list]:
    """The newest payments and late cancellations as the ORM read them before they were one statement."""
    payments = list(
        Payment.objects.filter(client=client)
        .order_by("-created_at", "-id")
        .values_list("created_at", "kind")[:limit]
    )
    charges = list(
        Charge.objects.filter(client=client, kind=Charge.Kind.LATE_CANCEL)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)[:limit]
    )
    return payments, charges


@pytest.fixture
def busy(coach, robin, settings_on_time):
    """More payments (of every kind) and late cancellations than the history's first page shows."""
    agree(coach, robin, fee="40.00", hours=48, percent=50)
    for number in range(14):
        cancel(coach, booked(coach, robin, in_hours=2 + number), by="client")
    services.charges_bring_up_to_date(coach=coach, client=robin)
    kinds = [kind for kind, _ in Payment.Kind.choices]
    for number in range(30):
        pay(coach, robin, amount=f"{number}.05", kind=kinds[number % len(kinds)], reference=PAYLOAD)
    return robin


@pytest.mark.parametrize("limit", [1, TIMELINE_READ, HISTORY_READ, 40])
def test_it_reads_the_newest_times_as_the_orm_does(busy, limit):
    payments, charges = contributions._newest_money_times(busy, limit)
    assert (payments, charges) == _orm_times(busy, limit)
    assert len(payments) == min(limit, 30) and len(charges) == min(limit, 14)
    assert all(when.tzinfo is not None for when, _ in payments)


def test_it_reads_no_times_of_another_client(coach, busy):
    other = active_client(coach, name="Sam Okafor")
    assert contributions._newest_money_times(other, TIMELINE_READ) == ([], [])
    assert contributions.money_entries(other) == []


def test_it_reads_the_newest_agreement_as_the_orm_does(coach, robin):
    agree(coach, robin, fee="50.00", terms="Older terms")
    agree(coach, robin, fee="65.50", hours=24, percent=100, terms=PAYLOAD)
    newest = Agreement.objects.filter(client=robin).order_by("-created_at").first()
    agreement = selectors.balance_of(robin).agreement
    assert agreement.terms == PAYLOAD
    assert [getattr(agreement, f.attname) for f in Agreement._meta.concrete_fields] == [
        getattr(newest, f.attname) for f in Agreement._meta.concrete_fields
    ]
    assert agreement.late_fee == newest.late_fee == Decimal("65.50")
    assert agreement._state.adding is False and agreement._state.db == "default"


def test_the_balance_row_reads_the_currency_of_the_practice(coach, robin):
    PracticeProfile.objects.filter(coach=coach).update(currency="JPY")
    assert selectors.balance_of(robin).currency == "JPY" == selectors.currency_of(coach)
    context = _sections["money"].context(robin)
    assert context["currency"] == "JPY"


def test_a_coach_without_a_practice_profile_gets_one_with_the_default_currency(coach, robin):
    PracticeProfile.objects.filter(coach=coach).delete()
    assert selectors.balance_of(robin).currency is None
    context = _sections["money"].context(robin)
    assert context["currency"] == PracticeProfile._meta.get_field("currency").default
    assert PracticeProfile.objects.filter(coach=coach).exists()


def test_the_client_page_reads_money_in_two_queries(coach, coach_client, busy):
    address = reverse("clients:detail", args=[busy.pk])
    coach_client.get(address)
    with CaptureQueriesContext(connection) as captured:
        page = coach_client.get(address)
    assert page.status_code == 200
    money = [
        q["sql"]
        for q in captured
        if ("money_" in q["sql"] or "practice_practiceprofile" in q["sql"])
        and not q["sql"].startswith("SELECT 0 WHERE EXISTS")
    ]
    assert len(money) == 2
    html = page.content.decode()
    assert "Payment recorded (" in html
    assert PAYLOAD not in html  # references are not on the client page


def test_the_timeline_and_section_are_read_once_a_page(busy):
    with memo.scope():
        _sections["money"].context(busy)
        with CaptureQueriesContext(connection) as captured:
            contributions.money_entries(busy)
    # The agreement came with the section's balance: only the times are read.
    assert len(captured.captured_queries) == 1


def test_another_coach_gets_no_page_of_the_client(busy, other_client):
    assert other_client.get(reverse("clients:detail", args=[busy.pk])).status_code == 404


def test_times_keep_their_order_across_a_day_boundary(coach, robin, settings_on_time):
    agree(coach, robin, fee="40.00", hours=48, percent=50)
    for number in range(3):
        pay(coach, robin, amount=f"{number + 1}.00")
    Payment.objects.filter(client=robin).update(created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    payments, _ = contributions._newest_money_times(robin, TIMELINE_READ)
    assert payments == _orm_times(robin, TIMELINE_READ)[0]
