"""The ledger takes only coaching money (P9); invoices and receipts are numbered and printed (P9)."""

from __future__ import annotations

import io
import os
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.money import documents, selectors, services
from ethos.money.models import Charge, Gift, Invoice, Payment
from ethos.practice.services import profile_update
from ethos.standards import rules
from ethos.standards.engine import ActionStopped
from ethos.standards.models import Tally
from tests.coaching.conftest import active_client

from .conftest import agree, held, pay

pytestmark = pytest.mark.django_db

NOT_COACHING = ["loan", "sale", "investment", "gift", "paid_work", "barter", "other"]


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    # pypdf puts a NUL before each glyph of a CJK collection's subset; the glyphs map to the right
    # characters (the document's ToUnicode map), so the NULs are dropped before comparing.
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\x00", "")


# -- P9 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", NOT_COACHING)
def test_p9_a_loan_sale_investment_gift_paid_work_or_barter_is_refused_at_payment_record(coach, robin, kind):
    with pytest.raises(ActionStopped) as stopped:
        pay(coach, robin, kind=kind, amount="0.50")
    assert [(f.clause, f.message) for f in stopped.value.verdict.findings if f.stops] == [
        ("P9", rules.P9_NOT_COACHING)
    ]
    assert not Payment.objects.exists() and not Invoice.objects.exists()
    assert Tally.objects.get(coach=coach, clause="P9", point="payment.record").blocked == 1
    finding = AuditEvent.objects.get(coach=coach, action=Action.STANDARDS_FINDING)
    assert "P9" in finding.clauses


@pytest.mark.parametrize("kind", ["coaching_fee", "package", "refund"])
def test_p9_coaching_money_is_recorded(coach, robin, kind):
    payment = pay(coach, robin, kind=kind, amount="60", method="card", reference="BANK-REF 7")
    payment.refresh_from_db()
    assert payment.amount == Decimal("60.00") and payment.reference == "BANK-REF 7"
    assert Invoice.objects.filter(receipt_for=payment).exists() == (kind != "refund")


def test_p9_a_gift_can_only_be_declined_or_returned(coach, robin):
    gift = services.gift_record(
        coach=coach, client=robin, offered_on=timezone.localdate(), what="A scarf", outcome="declined"
    )
    assert gift.outcome == Gift.Outcome.DECLINED
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.gift_record(
            coach=coach, client=robin, offered_on=timezone.localdate(), what="Cake", outcome="kept"
        )
    assert Gift.objects.count() == 1


# -- the ledger and the summary -----------------------------------------------------------------------


def test_balances_income_and_refunds_add_up_in_decimal(coach, robin, settings):
    settings.ETHOS_LATE_START_MINUTES = 30
    settings.ETHOS_CUT_SHORT_MINUTES = 120
    agree(coach, robin, fee="0.10")
    for days in (3, 2, 1):
        held(coach, robin, days_ago=days)
    services.charges_bring_up_to_date(coach=coach, client=robin)
    pay(coach, robin, amount="0.20")
    ledger = selectors.ledger_of(robin)
    assert ledger.charged == Decimal("0.30") and ledger.balance == Decimal("0.10")
    pay(coach, robin, amount="0.05", kind="refund")
    summary = selectors.summary(coach)
    [month] = summary.months
    assert (month.income, month.refunds, month.net) == (Decimal("0.20"), Decimal("0.05"), Decimal("0.15"))
    assert [(o.client, o.balance) for o in summary.owed_to_you] == [(robin, Decimal("0.15"))]


def test_the_money_summary_keeps_its_sums_until_the_ledger_changes(coach, robin, settings):
    settings.ETHOS_LATE_START_MINUTES = 30
    settings.ETHOS_CUT_SHORT_MINUTES = 120
    agree(coach, robin, fee="40")
    held(coach, robin)
    services.charges_bring_up_to_date(coach=coach, client=robin)

    def owed() -> list:
        return [(o.client, o.balance) for o in selectors.summary(coach).owed_to_you]

    assert owed() == [(robin, Decimal("40.00"))]
    with CaptureQueriesContext(connection) as kept:
        assert owed() == [(robin, Decimal("40.00"))]
    # Kept: the sums over every charge and payment are not run again while nothing was written.
    assert not any("GROUP BY" in q["sql"] for q in kept.captured_queries)
    pay(coach, robin, amount="40")
    assert owed() == []
    # A write outside any service (a bulk update) counts as well: the triggers see every write.
    Payment.objects.filter(coach=coach).update(amount=Decimal("25"))
    assert owed() == [(robin, Decimal("15.00"))]
    [month] = selectors.summary(coach).months
    assert month.income == Decimal("25.00")


# -- invoices and receipts -----------------------------------------------------------------------


def test_invoices_take_every_line_not_yet_invoiced_and_number_in_order(coach, robin, settings):
    settings.ETHOS_LATE_START_MINUTES = 30
    settings.ETHOS_CUT_SHORT_MINUTES = 120
    agree(coach, robin, fee="80")
    held(coach, robin)
    services.charges_bring_up_to_date(coach=coach, client=robin)
    first = services.invoice_issue(coach=coach, client=robin)
    assert (first.number, first.label, first.total) == (1, "INV-000001", Decimal("80.00"))
    assert not Charge.objects.filter(invoice__isnull=True).exists()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.invoice_issue(coach=coach, client=robin)
    receipt = pay(coach, robin, amount="80", invoice=first).receipt
    assert receipt.label == "REC-000001"


def test_each_coach_has_their_own_numbers(coach, robin, other_coach):
    from ethos.vault.context import unlocked
    from tests.conftest import open_vault

    pay(coach, robin)
    with unlocked(open_vault(other_coach)):
        sam = active_client(other_coach, name="Sam Other")
        assert pay(other_coach, sam).receipt.number == 1
    assert pay(coach, robin).receipt.number == 2


NAMES = ["محمد العلي", "王小明", "अनन्या शर्मा", "김민준", "Zoë Łukasz", "Дмитрий"]


def harbour_practice(coach) -> None:
    """Give the coach the practice details a printed document shows (a receipt, an invoice)."""
    profile_update(
        coach=coach,
        country="",
        region="",
        age_of_majority=18,
        crisis_line="",
        emergency_number="",
        practice_name="Harbour Coaching",
        phone="0100 000 000",
        email="hello@example.org",
        currency="GBP",
    )


def needs_fallback_face(name: str) -> None:
    """Arabic, CJK and Devanagari print from Debian's Noto faces (.ci/run installs them)."""
    from ethos import pdf

    faces = [
        face
        for face, ranges in pdf.FALLBACK_FACES
        for char in name
        for low, high in ranges
        if low <= ord(char) <= high
    ]
    missing = sorted({face for face in faces if pdf._fallback_file(face) is None})
    if missing:
        message = (
            f"Debian's Noto faces are not installed ({', '.join(missing)}): "
            "apt-get install fonts-noto-core fonts-noto-cjk"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must print every script.")
        pytest.skip(message)


@pytest.mark.parametrize("name", NAMES)
def test_the_clients_name_prints_in_its_own_script(coach, vault, name):
    needs_fallback_face(name)
    client = active_client(coach, name=name)
    harbour_practice(coach)
    receipt = pay(coach, client, amount="1234.50").receipt
    text = pdf_text(documents.document_pdf(coach=coach, document=receipt))
    for word in name.split():
        assert word in text, (word, text)
    assert "Harbour Coaching" in text and "REC-000001" in text and "£1,234.50" in text
    assert "\ufffd" not in text


def test_the_name_on_a_document_is_encrypted_at_rest(coach, robin):
    receipt = pay(coach, robin).receipt
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_name FROM money_invoice WHERE number = %s", [receipt.number])
        [stored] = cursor.fetchone()
    assert b"Robin" not in bytes(stored)


def test_an_invoice_lists_its_lines_and_a_no_fee_line_says_why(coach, robin):
    from ethos.coaching.models import Session

    from .conftest import booked, cancel

    agree(coach, robin, fee="80")
    cancel(coach, booked(coach, robin, in_hours=3), by=Session.CancelledBy.COACH)
    services.charges_bring_up_to_date(coach=coach, client=robin)
    invoice = services.invoice_issue(coach=coach, client=robin)
    text = pdf_text(documents.document_pdf(coach=coach, document=invoice))
    assert "INV-000001" in text and "Robin Ash" in text and "no fee" in text and "(P2)" in text


def test_c1_a_printed_invoice_or_receipt_is_counted_as_the_clients_own_copy_not_a_disclosure(
    coach, coach_client, robin
):
    receipt = pay(coach, robin).receipt
    services.document_printed(coach=coach, document=receipt)
    page = coach_client.get(reverse("standards:compliance")).content.decode()
    assert "1 invoice or receipt printed for a client" in page
    assert "0 disclosures through the disclosure gate" in page
