"""Money on the client page and the ledger page: the same words and sums, read for less (issue 18)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Case, Count, F, Q, Value, When
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethos import memo
from ethos.clients.pages import TIMELINE_SHOWN, TimelineEntry
from ethos.money import contributions, lines, selectors, services
from ethos.money.models import Charge, Payment

from .conftest import agree, booked, cancel, held, pay

pytestmark = pytest.mark.django_db


def _reads(captured, table: str) -> list[str]:
    """The queries that read the table's rows (not the one question about which kinds there are)."""
    return [
        q["sql"]
        for q in captured
        if re.search(rf'FROM "?{table}"?\b', q["sql"]) and not q["sql"].startswith("SELECT 0 WHERE EXISTS")
    ]


@pytest.fixture
def history(coach, robin, settings_on_time):
    """Fees, payments (one refund), a late cancellation and charges, some invoiced."""
    agree(coach, robin, fee="33.33", hours=48, percent=50)
    for days_ago in (9, 8, 7):
        held(coach, robin, days_ago=days_ago)
    cancel(coach, booked(coach, robin, in_hours=2), by="client")
    services.charges_bring_up_to_date(coach=coach, client=robin)
    services.invoice_issue(coach=coach, client=robin)
    pay(coach, robin, amount="0.10")
    pay(coach, robin, amount="0.20", method="cash", reference="Envelope")
    pay(coach, robin, amount="33.33", kind="refund")
    held(coach, robin, days_ago=6)  # charged after the invoice: not invoiced yet
    services.charges_bring_up_to_date(coach=coach, client=robin)
    return robin


def test_the_balance_is_the_orm_sum_of_every_charge_and_payment(history):
    # The sums as the ledger read them through the ORM before they were one prepared query.
    charged = Charge.objects.filter(client=history).aggregate(
        t=selectors._sum("amount"), open=Count("pk", filter=Q(invoice__isnull=True))
    )
    paid = Payment.objects.filter(client=history).aggregate(
        t=selectors._sum(selectors._PAID),
        refunds=selectors._sum(Case(When(kind="refund", then=F("amount")), default=Value(Decimal("0")))),
    )
    balance = selectors.balance_of(history)
    assert balance.charged == charged["t"] and balance.uninvoiced == charged["open"]
    assert balance.paid == paid["t"] == Decimal("-33.03")
    assert balance.refunds == paid["refunds"] == Decimal("33.33")
    # Read back in cents: the ORM's sum carries SQLite's float digits (149.980000000000).
    assert [str(balance.charged), str(balance.paid)] == ["149.98", "-33.03"]


def test_a_client_without_money_records_owes_nothing_in_one_query(coach, robin):
    # The sums are read with the practice's currency, which the page reads for every client: one
    # query whether or not the client has money records (it was the currency's query alone).
    with CaptureQueriesContext(connection) as captured:
        balance = selectors.balance_of(robin)
    assert (balance.charged, balance.paid, balance.refunds, balance.uninvoiced) == (0, 0, 0, 0)
    assert balance.agreement is None and balance.next_charge is None
    assert balance.currency == selectors.currency_of(coach)
    # (Besides the one question about which kinds of record the client has, and their next session.)
    money_reads = {*_reads(captured, "money_[a-z]+"), *_reads(captured, "practice_practiceprofile")}
    assert len(money_reads) == 1


def _timeline_from_the_ledger(client) -> list[TimelineEntry]:
    """The money timeline as it was written from the ledger's lines before issue 18."""
    ledger = selectors.ledger_of(client)
    entries = [
        TimelineEntry(p.created_at, "money", f"Payment recorded ({p.get_kind_display().lower()})")
        for p in ledger.payments
    ]
    entries += [
        TimelineEntry(c.created_at, "money", "Late cancellation charged under the agreement")
        for c in ledger.charges
        if c.kind == Charge.Kind.LATE_CANCEL
    ]
    entries.append(TimelineEntry(ledger.agreement.created_at, "money", "Fee agreement made"))
    return sorted(entries, key=lambda e: e.when, reverse=True)[:TIMELINE_SHOWN]


def test_the_timeline_tells_what_the_ledger_lines_told(history):
    entries = contributions.money_entries(history)
    assert entries == _timeline_from_the_ledger(history)
    texts = {entry.text for entry in entries}
    assert "Payment recorded (a refund i paid back to the client)" in texts
    assert "Late cancellation charged under the agreement" in texts
    assert all(entry.when.tzinfo is not None for entry in entries)


def test_the_client_page_shows_the_balance_without_reading_the_ledger_lines(coach, coach_client, history):
    with CaptureQueriesContext(connection) as captured:
        page = coach_client.get(reverse("clients:detail", args=[history.pk])).content.decode()
    assert "Fee agreement made" in page and "Late cancellation charged under the agreement" in page
    assert "Payment recorded (a coaching fee)" in page
    # No invoice, and no charge or payment as a whole row (their sealed descriptions): only sums
    # and the two columns the timeline tells.
    assert not _reads(captured, "money_invoice")
    assert not [sql for sql in captured if '"description"' in sql["sql"] or '"reference"' in sql["sql"]]
    assert len(_reads(captured, "accounts_user")) == 1  # the signed-in coach, read once


def test_the_client_page_costs_the_same_queries_for_one_and_for_many_payments(coach, coach_client, robin):
    agree(coach, robin, fee="10")
    held(coach, robin)
    pay(coach, robin, amount="10")
    services.charges_bring_up_to_date(coach=coach, client=robin)
    url = reverse("clients:detail", args=[robin.pk])
    coach_client.get(url)  # the first request of a session reads a few things once

    def cost() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert coach_client.get(url).status_code == 200
        return len(captured)

    one = cost()
    for days_ago in range(2, 6):
        held(coach, robin, days_ago=days_ago)
        pay(coach, robin, amount="10", reference=f"Transfer {days_ago}")
    services.charges_bring_up_to_date(coach=coach, client=robin)
    assert cost() == one


def test_the_ledger_lines_say_what_the_template_filters_said(coach, coach_client, history):
    page = coach_client.get(reverse("money:ledger", args=[history.pk])).content.decode()
    with memo.scope():
        ledger = selectors.ledger_of(history)
    currency = selectors.currency_of(coach)
    written = lines.ledger_lines(history, ledger, currency)
    receipt = next(p.receipt for p in ledger.payments if p.reference == "Envelope")
    url = reverse("money:document_pdf", args=[history.pk, receipt.pk])
    assert lines.document_link(history)(receipt.pk) == url
    assert f'<a href="{url}">{receipt.label}</a>' in page
    cash = next(line for line in written.payments if line.reference == "Envelope")
    assert (cash.kind, cash.method, cash.amount) == ("A coaching fee", "Cash", "€0.20")
    assert f"<td>{cash.day}</td><td>A coaching fee</td><td>Cash</td><td>Envelope</td><td>€0.20</td>" in page
    invoiced = [line for line in written.charges if line.invoice_url]
    assert invoiced and all(line.invoice_label.startswith("INV-") for line in invoiced)
    assert "<td>Not yet</td>" in page  # the session held after the invoice


def test_a_document_label_is_the_invoices_own(coach, history):
    from ethos.money.models import Invoice

    documents = list(Invoice.objects.filter(client=history))
    assert {d.series for d in documents} == {"invoice", "receipt"}
    assert all(lines.document_label(d.series, d.number) == d.label for d in documents)


def test_the_ledger_page_costs_no_query_per_line(coach, coach_client, history):
    url = reverse("money:ledger", args=[history.pk])
    coach_client.get(url)
    with CaptureQueriesContext(connection) as captured:
        coach_client.get(url)
    # Each kind of line is one read, its invoice's or receipt's number joined to it (no read of
    # its own); the other read of charges and payments is the one prepared query of their sums.
    assert len(_reads(captured, "money_invoice")) == 1  # the list of invoices
    assert len(_reads(captured, "money_charge")) == 2 and len(_reads(captured, "money_payment")) == 2
