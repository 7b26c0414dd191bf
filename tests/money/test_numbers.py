"""Invoice and receipt numbers run without gaps, however many are made at once (on SQLite and PostgreSQL).

Each number comes from the coach's counter row, locked (select_for_update on PostgreSQL, the
IMMEDIATE write lock on SQLite) in the same transaction as the document and its audit event.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.utils import timezone

from ethos.money import services
from ethos.money.models import Counter, Invoice
from ethos.vault.context import unlocked
from tests.coaching.conftest import active_client
from tests.conftest import at_once, make_coach, open_vault

AT_ONCE = 8


def test_receipts_made_at_once_are_numbered_without_gaps_or_repeats(flushable_db):
    coach = make_coach()
    vault = open_vault(coach)
    with unlocked(vault):
        client = active_client(coach, name="Robin Ash")

    def receipt(i):
        with unlocked(vault):
            payment = services.payment_record(
                coach=coach,
                client=client,
                kind="coaching_fee",
                amount=Decimal("10.00") + i,
                method="cash",
                paid_on=timezone.localdate(),
            )
            return payment.receipt.number

    numbers = at_once(receipt, AT_ONCE)
    assert sorted(numbers) == list(range(1, AT_ONCE + 1)), connection.vendor
    assert Counter.objects.get(coach=coach, series="receipt").last == AT_ONCE
    assert Invoice.objects.filter(coach=coach).count() == AT_ONCE


def test_a_number_taken_by_a_stopped_action_is_given_again(coach, vault):
    import pytest

    from ethos.standards.engine import ActionStopped

    client = active_client(coach, name="Robin Ash")
    services.payment_record(
        coach=coach,
        client=client,
        kind="coaching_fee",
        amount=Decimal("5"),
        method="cash",
        paid_on=timezone.localdate(),
    )
    with pytest.raises(ActionStopped):
        services.payment_record(
            coach=coach,
            client=client,
            kind="loan",
            amount=Decimal("5"),
            method="cash",
            paid_on=timezone.localdate(),
        )
    payment = services.payment_record(
        coach=coach,
        client=client,
        kind="coaching_fee",
        amount=Decimal("5"),
        method="cash",
        paid_on=timezone.localdate(),
    )
    assert payment.receipt.number == 2
