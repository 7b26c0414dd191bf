"""Money in a browser: a fee agreed, a prepaid package, sessions held, an invoice, and when coaching
ends the unused prepaid sessions refunded pro rata, shown on the ledger and recorded (P2, P9, P12)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ethos.clients.models import Client
from ethos.money.models import Charge, Invoice, Package, Payment
from ethos.money.views import AGREEMENT_SAVED, INVOICE_SAVED, PACKAGE_SAVED
from ethos.vault.context import unlocked
from tests.clients.conftest import vetted_resource
from tests.coaching.conftest import active_client
from tests.conftest import make_coach, open_vault
from tests.money.conftest import held, pay

from .test_accessibility import problems, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]


def test_p12_a_package_sessions_an_invoice_and_the_refund_when_coaching_ends(live_server, browser, settings):
    # A session booked five minutes ago and started now is not a late start by the coach.
    settings.ETHOS_LATE_START_MINUTES = 30
    settings.ETHOS_CUT_SHORT_MINUTES = 120
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        robin = active_client(coach, name="Robin Ash")
        vetted_resource(coach)  # an ending refers the client on (P11)
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    found = []
    try:
        sign_in(page, live_server, coach.email)
        page.goto(live_server.url + reverse("money:ledger", args=[robin.pk]))

        # The fee, then four sessions paid for in advance.
        page.get_by_role("link", name="Agree a fee").click()
        page.get_by_label("Fee per session").fill("80")
        page.get_by_role("button", name="Keep the agreement").click()
        expect(page.get_by_text(AGREEMENT_SAVED)).to_be_visible()
        page.get_by_role("link", name="Record a prepaid package").click()
        page.get_by_label("Number of sessions paid for in advance").fill("4")
        page.get_by_label("Price of the package").fill("300")
        found += problems(page, "prepaid package form")
        page.get_by_role("button", name="Record the package").click()
        expect(page.get_by_text(PACKAGE_SAVED)).to_be_visible()
        expect(page.locator("main")).to_contain_text("4 sessions for")
        with unlocked(open_vault(coach)):
            pay(coach, robin, amount="300.00", kind="package")  # paid by bank transfer
            held(coach, robin, days_ago=2)
            held(coach, robin, days_ago=1)

        # The two sessions held come out of the package; everything goes on one invoice.
        page.reload()
        page.get_by_role("button", name="Bring charges up to date from sessions").click()
        expect(page.locator("main")).to_contain_text("from your prepaid package")
        page.get_by_role("button", name="not yet invoiced").click()
        invoice = Invoice.objects.get(client=robin, series=Invoice.Series.INVOICE)
        expect(page.get_by_text(INVOICE_SAVED.format(label=invoice.label))).to_be_visible()
        expect(page.get_by_role("link", name=invoice.label).first).to_be_visible()
        pdf = page.request.get(
            live_server.url + page.get_by_role("link", name=invoice.label).first.get_attribute("href")
        )
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
        found += problems(page, "ledger with an invoice")

        # Coaching ends: the two unused sessions are owed back without anyone asking.
        page.goto(live_server.url + reverse("clients:detail", args=[robin.pk]))
        page.get_by_role("link", name="End or pause coaching").click()
        page.get_by_label("I am ending or pausing it").check()
        page.get_by_label("End coaching").check()
        page.get_by_label("the explanation you gave the client").fill("Our work has reached its goals.")
        page.get_by_label("the day you explained it").fill(str(Package.objects.get().bought_on))
        page.get_by_label("how you explained it").select_option("in_session")
        page.get_by_label("Harbour Coaching").check()
        page.get_by_role("button", name="Record the ending").click()
        expect(page.get_by_text("Coaching with Robin Ash has ended")).to_be_visible()
        page.get_by_role("link", name="Fees and payments of Robin Ash").click()
        expect(page.locator("main")).to_contain_text("Refund of 2 unused prepaid sessions of 4, pro rata")
        expect(page.locator("main")).to_contain_text("you owe the client this")
        found += problems(page, "ledger with the refund due")

        # The coach pays it back and records that.
        page.get_by_role("link", name="Record a payment").click()
        page.get_by_label("A refund I paid back to the client").check()
        page.get_by_label("Amount").fill("150")
        page.get_by_label("How it was paid").select_option("bank")
        page.get_by_role("button", name="Record the payment").click()
        expect(page.locator("main")).to_contain_text("Nothing owed either way")
        found += problems(page, "ledger settled")
    finally:
        context.close()
    with unlocked(open_vault(coach)):
        robin.refresh_from_db()
        assert robin.status == Client.Status.ENDED
        package = Package.objects.get(client=robin)
        assert package.status == Package.Status.CLOSED
        kinds = sorted(Charge.objects.filter(client=robin).values_list("kind", "amount"))
        assert kinds == sorted(
            [
                (Charge.Kind.PACKAGE, Decimal("300.00")),
                (Charge.Kind.FROM_PACKAGE, Decimal("0.00")),
                (Charge.Kind.FROM_PACKAGE, Decimal("0.00")),
                (Charge.Kind.REFUND_DUE, Decimal("-150.00")),
            ]
        )
        assert Charge.objects.filter(invoice=invoice).count() == 3
        refund = Payment.objects.get(client=robin, kind=Payment.Kind.REFUND)
        assert refund.amount == Decimal("150.00")
    assert not found, "\n".join(found)
