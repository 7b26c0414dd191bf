"""Money pages: what the coach sees and what was stored; nobody else gets anything (404)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ethos.money import services
from ethos.money.forms import DATE_IN_FUTURE
from ethos.money.models import Agreement, Charge, Gift, Invoice, Package, Payment
from ethos.money.services import AMOUNT_NEEDED
from ethos.standards import rules
from ethos.standards.selectors import compliance_report

from .conftest import PAYLOAD, agree, booked, held, pay

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def client_pages(client_pk, package_pk, document_pk) -> list[str]:
    return [
        reverse("money:ledger", args=[client_pk]),
        reverse("money:agreement", args=[client_pk]),
        reverse("money:package_new", args=[client_pk]),
        reverse("money:package_close", args=[client_pk, package_pk]),
        reverse("money:charges", args=[client_pk]),
        reverse("money:payment_new", args=[client_pk]),
        reverse("money:gift_new", args=[client_pk]),
        reverse("money:invoice_new", args=[client_pk]),
        reverse("money:document_pdf", args=[client_pk, document_pk]),
    ]


@pytest.fixture
def filled(coach, robin):
    agree(coach, robin, fee="80")
    package = services.package_sell(
        coach=coach, client=robin, sessions=2, price=Decimal("150"), bought_on=TODAY()
    )
    receipt = pay(coach, robin).receipt
    return package, receipt


def test_it_answers_404_to_another_coach_on_every_money_page(coach, robin, filled, other_client):
    package, receipt = filled
    for url in client_pages(robin.pk, package.pk, receipt.pk):
        for method in (other_client.get, other_client.post):
            assert method(url).status_code in (404, 405), url
    home = other_client.get(reverse("money:home")).content.decode()
    documents = other_client.get(reverse("money:documents")).content.decode()
    assert "Robin" not in home and "Robin" not in documents and "REC-000001" not in documents
    assert Payment.objects.count() == 1 and Package.objects.get().status == Package.Status.OPEN


def test_it_answers_404_for_a_package_or_document_of_another_client(coach, robin, filled, coach_client):
    from tests.coaching.conftest import active_client

    other = active_client(coach, name="Sam Other")
    package, receipt = filled
    assert coach_client.get(reverse("money:package_close", args=[other.pk, package.pk])).status_code == 404
    assert coach_client.get(reverse("money:document_pdf", args=[other.pk, receipt.pk])).status_code == 404


def test_the_client_page_shows_the_balance_and_the_next_charge(coach, robin, coach_client):
    agree(coach, robin, fee="80", hours=24, percent=50)
    booked(coach, robin, in_hours=48)
    services.package_sell  # noqa: B018 - the next charge comes from the agreement here
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "Fees (P2, P9, P12)" in page
    assert "€80.00 for the session on" in page and "costs €40.00" in page
    assert "Nothing owed either way" in page


def test_the_agreement_form_cannot_express_a_minimum(coach, robin, coach_client):
    url = reverse("money:agreement", args=[robin.pk])
    page = coach_client.get(url).content.decode()
    for word in ("minimum_sessions", 'name="term"', "commitment", "expires"):
        assert word not in page
    response = coach_client.post(
        url,
        {
            "fee": "80",
            "late_cancel_hours": "0",
            "late_cancel_percent": "0",
            "agreed_on": TODAY().isoformat(),
            "minimum_sessions": "12",
            "term": "6 months",
            "commitment": "weekly",
            "minimum": "10 sessions",
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.fee == Decimal("80.00")
    assert {f.name for f in Agreement._meta.get_fields()}.isdisjoint(
        {"minimum_sessions", "term", "commitment"}
    )


def test_p9_a_loan_posted_to_the_payment_form_shows_the_clause_and_writes_nothing(coach, robin, coach_client):
    response = coach_client.post(
        reverse("money:payment_new", args=[robin.pk]),
        {"kind": "loan", "amount": "500", "method": "bank", "paid_on": TODAY().isoformat()},
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "P9" in page and rules.P9_NOT_COACHING in page
    assert not Payment.objects.exists()


def test_bad_input_is_a_400_with_a_clear_message_and_nothing_changed(coach, robin, coach_client):
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
    cases = [
        (
            "money:agreement",
            {
                "fee": "eighty",
                "late_cancel_hours": "0",
                "late_cancel_percent": "0",
                "agreed_on": TODAY().isoformat(),
            },
            AMOUNT_NEEDED,
        ),
        (
            "money:agreement",
            {"fee": "80", "late_cancel_hours": "x", "late_cancel_percent": "500", "agreed_on": "31/02/2020"},
            "Enter a share between 0 and 100 per cent.",
        ),
        (
            "money:package_new",
            {"sessions": "0", "price": "-5", "bought_on": TODAY().isoformat()},
            "A package holds between 1 and 100 sessions.",
        ),
        (
            "money:payment_new",
            {"kind": "coaching_fee", "amount": "1e999", "method": "bank", "paid_on": tomorrow},
            DATE_IN_FUTURE,
        ),
        ("money:payment_new", {"kind": "nonsense", "amount": "", "method": "pigeons"}, AMOUNT_NEEDED),
        (
            "money:gift_new",
            {"offered_on": TODAY().isoformat(), "what": "", "outcome": "kept"},
            "This field is required.",
        ),
    ]
    for name, data, message in cases:
        response = coach_client.post(reverse(name, args=[robin.pk]), data)
        assert response.status_code == 400, (name, data)
        assert message in response.content.decode(), (name, message)
    assert not (
        Agreement.objects.exists()
        or Package.objects.exists()
        or Payment.objects.exists()
        or Gift.objects.exists()
    )


def test_script_and_sql_survive_every_text_field(coach, robin, coach_client):
    day = TODAY().isoformat()
    coach_client.post(
        reverse("money:agreement", args=[robin.pk]),
        {
            "fee": "80",
            "late_cancel_hours": "24",
            "late_cancel_percent": "50",
            "terms": PAYLOAD,
            "agreed_on": day,
        },
    )
    coach_client.post(
        reverse("money:payment_new", args=[robin.pk]),
        {
            "kind": "coaching_fee",
            "amount": "80",
            "method": "bank",
            "paid_on": day,
            "reference": PAYLOAD[:200],
        },
    )
    coach_client.post(
        reverse("money:gift_new", args=[robin.pk]),
        {"offered_on": day, "what": PAYLOAD, "outcome": "returned"},
    )
    assert Agreement.objects.get().terms == PAYLOAD
    assert Payment.objects.get().reference == PAYLOAD[:200]
    assert Gift.objects.get().what == PAYLOAD
    page = coach_client.get(reverse("money:ledger", args=[robin.pk])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_the_whole_flow_through_the_pages(coach, robin, coach_client, settings):
    settings.ETHOS_LATE_START_MINUTES = 30
    settings.ETHOS_CUT_SHORT_MINUTES = 120
    from .conftest import held

    day = TODAY().isoformat()
    ledger = reverse("money:ledger", args=[robin.pk])
    assert (
        coach_client.post(
            reverse("money:agreement", args=[robin.pk]),
            {"fee": "80", "late_cancel_hours": "0", "late_cancel_percent": "0", "agreed_on": day},
        ).status_code
        == 302
    )
    held(coach, robin)
    assert coach_client.post(reverse("money:charges", args=[robin.pk])).status_code == 302
    assert coach_client.post(reverse("money:invoice_new", args=[robin.pk])).status_code == 302
    invoice = Invoice.objects.get(series="invoice")
    response = coach_client.post(
        reverse("money:payment_new", args=[robin.pk]),
        {
            "kind": "coaching_fee",
            "amount": "80.00",
            "method": "card",
            "paid_on": day,
            "invoice": str(invoice.pk),
        },
    )
    assert response.status_code == 302
    page = coach_client.get(ledger).content.decode()
    assert "INV-000001" in page and "REC-000001" in page and "Nothing owed either way" in page
    pdf = coach_client.get(reverse("money:document_pdf", args=[robin.pk, invoice.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    package = services.package_sell(
        coach=coach, client=robin, sessions=4, price=Decimal("300"), bought_on=TODAY()
    )
    pay(coach, robin, kind="package", amount="300")
    close = reverse("money:package_close", args=[robin.pk, package.pk])
    assert "€300.00" in coach_client.get(close).content.decode()
    assert coach_client.post(close).status_code == 302
    assert Charge.objects.get(kind=Charge.Kind.REFUND_DUE).amount == Decimal("-300.00")
    home = coach_client.get(reverse("money:home")).content.decode()
    assert "€380.00" in home and "Refunds you owe" in home and "\u2212€300.00" in home


def test_the_compliance_report_counts_money_for_p2_p9_and_p12_and_names_no_client(coach, robin):
    from ethos.coaching.models import Session

    from .conftest import cancel

    agree(coach, robin, fee="80")
    cancel(coach, booked(coach, robin, in_hours=5), by=Session.CancelledBy.COACH)
    services.charges_bring_up_to_date(coach=coach, client=robin)
    pay(coach, robin)
    with pytest.raises(Exception):  # noqa: B017 - ActionStopped; the refusal is what is counted
        pay(coach, robin, kind="investment")
    services.gift_record(coach=coach, client=robin, offered_on=TODAY(), what="Flowers", outcome="returned")
    services.package_sell(coach=coach, client=robin, sessions=2, price=Decimal("100"), bought_on=TODAY())
    report = compliance_report(coach=coach)
    text = {
        row.clause.id: " ".join(e.text for e in row.evidence)
        for row in report.rows
        if row.clause.id in ("P2", "P9", "P12")
    }
    assert (
        "1 session the coach cancelled, started late or cut short on the ledger at no fee; 0 charged"
        in text["P2"]
    )
    assert "1 payment on the ledger" in text["P9"] and "1 dealing other than coaching" in text["P9"]
    assert "1 gift offered by clients: 0 declined, 1 returned" in text["P9"]
    assert "1 client with a fee agreement" in text["P12"] and "1 prepaid package" in text["P12"]
    assert "Robin" not in " ".join(text.values())


@pytest.mark.parametrize("page", ["money:home", "money:documents", "money:ledger"])
def test_the_money_lists_read_in_the_same_number_of_queries_at_1_and_at_500_invoices(
    coach, robin, coach_client, page
):
    def cost() -> int:
        url = reverse(page, args=[robin.pk]) if page == "money:ledger" else reverse(page)
        with CaptureQueriesContext(connection) as captured:
            assert coach_client.get(url).status_code == 200
        return len(captured)

    agree(coach, robin, fee="10")
    held(coach, robin)  # one charge and one payment: every kind of row the ledger reads is there
    pay(coach, robin, amount="10")
    services.charges_bring_up_to_date(coach=coach, client=robin)

    def cost_after_a_payment() -> int:
        # A write to the ledger's payments (any write counts): the money page's kept sums are
        # computed afresh on the next view.
        Payment.objects.filter(coach=coach).update(amount=F("amount"))
        return cost()

    cost()  # the first request of a session reads a few things once
    fresh, one = cost_after_a_payment(), cost()
    _many_documents(coach, robin, 500)
    assert (cost_after_a_payment(), cost()) == (fresh, one)


def _many_documents(coach, client, count: int) -> None:
    """Add `count` receipts and invoices with their lines in bulk (the services are tested above)."""
    from ethos.money.models import Counter

    today = TODAY()
    payments = [
        Payment(
            coach=coach,
            client=client,
            data_key_id=client.data_key_id,
            kind="coaching_fee",
            amount=Decimal("10.00"),
            method="cash",
            paid_on=today - datetime.timedelta(days=i % 300),
        )
        for i in range(count)
    ]
    Payment.objects.bulk_create(payments)
    start = Counter.objects.get(coach=coach, series="receipt").last
    documents = [
        Invoice(
            coach=coach,
            client=client,
            data_key_id=client.data_key_id,
            series="receipt",
            number=start + i + 1,
            total=Decimal("10.00"),
            currency="EUR",
            client_name="Robin Ash",
            issued_on=today,
            receipt_for=p,
        )
        for i, p in enumerate(payments)
    ]
    Invoice.objects.bulk_create(documents)
    Charge.objects.bulk_create(
        Charge(
            coach=coach,
            client=client,
            data_key_id=client.data_key_id,
            kind="session",
            amount=Decimal("10.00"),
            description="Session",
            charged_on=today,
        )
        for _ in range(count)
    )


def test_the_practice_profile_sets_the_currency_every_amount_is_written_in(coach, robin, coach_client):
    from ethos.practice.selectors import profile_for

    assert profile_for(coach).currency == "EUR"
    page = coach_client.get(reverse("practice:profile")).content.decode()
    assert 'name="currency"' in page
    data = {"country": "", "region": "", "age_of_majority": "18", "crisis_line": "", "emergency_number": ""}
    assert coach_client.post(reverse("practice:profile"), data | {"currency": "XXX"}).status_code == 200
    assert profile_for(coach).currency == "EUR"
    assert coach_client.post(reverse("practice:profile"), data | {"currency": "CHF"}).status_code == 302
    agree(coach, robin, fee="1250")
    assert "1,250.00 CHF" in coach_client.get(reverse("money:ledger", args=[robin.pk])).content.decode()


# The ledger's rows as its template wrote them before they were written in Python (issue 18).
OLD_ROWS = """<tbody>
    {% for charge in lines.charges %}
    <tr><td>{{ charge.day }}</td><td>{{ charge.description }}</td><td>{{ charge.amount }}</td><td>{% if charge.invoice_url %}<a href="{{ charge.invoice_url }}">{{ charge.invoice_label }}</a>{% else %}Not yet{% endif %}</td></tr>
    {% endfor %}
    </tbody>|<tbody>
    {% for payment in lines.payments %}
    <tr><td>{{ payment.day }}</td><td>{{ payment.kind }}</td><td>{{ payment.method }}</td><td>{{ payment.reference }}</td><td>{{ payment.amount }}</td><td>{% if payment.receipt_url %}<a href="{{ payment.receipt_url }}">{{ payment.receipt_label }}</a>{% endif %}</td></tr>
    {% endfor %}
    </tbody>|<ul>
    {% for invoice in lines.invoices %}<li><a href="{{ invoice.url }}">{{ invoice.label }}</a>, {{ invoice.day }}: {{ invoice.total }}</li>{% endfor %}
  </ul>|<ul>
    {% for gift in lines.gifts %}<li>{{ gift.day }}: {{ gift.what }} ({{ gift.outcome }})</li>{% endfor %}
  </ul>"""  # noqa: E501


def test_the_ledger_writes_each_row_as_its_template_did(coach, robin, coach_client, settings):
    from django.template import Context, Template

    from ethos.money import selectors
    from ethos.money.lines import ledger_lines

    settings.ETHOS_LATE_START_MINUTES = 30
    settings.ETHOS_CUT_SHORT_MINUTES = 120
    agree(coach, robin, fee="80")
    held(coach, robin, days_ago=2)
    services.charges_bring_up_to_date(coach=coach, client=robin)
    invoice = services.invoice_issue(coach=coach, client=robin)
    pay(coach, robin, reference=PAYLOAD[:200], invoice=invoice)
    pay(coach, robin, kind="refund", amount="5", reference="R&D <back>")
    held(coach, robin, days_ago=1)
    services.charges_bring_up_to_date(coach=coach, client=robin)  # a line not yet invoiced
    services.gift_record(coach=coach, client=robin, offered_on=TODAY(), what=PAYLOAD, outcome="returned")

    page = coach_client.get(reverse("money:ledger", args=[robin.pk])).content.decode()

    ledger = selectors.ledger_of(robin)
    lines = ledger_lines(robin, ledger, selectors.currency_of(coach))
    assert len(lines.charges) == 2 and len(lines.payments) == 2 and lines.invoices and lines.gifts
    for old in OLD_ROWS.split("|"):
        assert Template(old).render(Context({"lines": lines})) in page
    assert "Not yet" in page and "INV-000001" in page and "REC-000001" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "R&amp;D &lt;back&gt;" in page


def test_the_documents_pages_keep_the_series_chosen(coach, robin, coach_client, monkeypatch):
    monkeypatch.setattr("ethos.money.selectors.PAGE_SIZE", 1)
    agree(coach, robin, fee="80")
    for _ in range(3):
        pay(coach, robin)
    url = reverse("money:documents")
    receipts = coach_client.get(url, {"series": "receipt", "page": "2"}).content.decode()
    assert '<nav class="pager" aria-label="Pages of documents">' in receipts
    assert "Page 2 of 3" in receipts
    assert 'href="?series=receipt&amp;page=1" rel="prev">Newer<' in receipts
    assert 'href="?series=receipt&amp;page=3" rel="next">Older<' in receipts
    # A series that is not one is not carried into the links.
    every = coach_client.get(url, {"series": "<script>", "page": "1"}).content.decode()
    assert 'href="?page=2" rel="next"' in every and "script&gt;" not in every
