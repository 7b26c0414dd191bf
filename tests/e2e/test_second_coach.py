"""Two coaches on one installation, each in their own browser context: the second sees nothing of the
first's client, not by its address, not in a list, not in a search (convention 3: another coach's
object is a 404)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from ethos.audit.models import AuditEvent
from ethos.clients import endings
from ethos.clients.models import Ending
from ethos.coaching import notes
from ethos.coaching import services as coaching
from ethos.money import services as money
from ethos.portal import services as portal
from ethos.vault.context import unlocked
from tests.clients.conftest import intake, vetted_resource
from tests.coaching.conftest import REFLECTED, schedule, start
from tests.conftest import make_coach, open_vault
from tests.portal.conftest import join

from .test_accessibility import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]

NAME = "Robin Ashcombe"
# A word only the first coach's note holds, for the note search.
NOTE_WORD = "lighthouse"


def first_coachs_practice():
    """A client with a signed note, an invoice, a portal account that sent a file, and a paused ending."""
    coach = make_coach(name="Alex Rivera")
    with unlocked(open_vault(coach)):
        client = intake(coach, name=NAME).client
        session = start(coach, schedule(coach, client))
        coaching.session_close(coach=coach, session=session, leaving="settled", reflection=REFLECTED)
        saved = notes.note_save(
            coach=coach, session=session, sections={"focus": f"The {NOTE_WORD} walk at dusk"}, version=0
        )
        notes.note_sign(coach=coach, note=saved.note, version=saved.note.version)
        money.agreement_make(
            coach=coach,
            client=client,
            fee=Decimal("80"),
            late_cancel_hours=0,
            late_cancel_percent=0,
            agreed_on=timezone.localdate(),
        )
        money.charges_bring_up_to_date(coach=coach, client=client)
        invoice = money.invoice_issue(coach=coach, client=client)
    account = join(coach, email="robin@example.org", client=client)
    upload = portal.upload_send(account=account, file=SimpleUploadedFile("form.pdf", b"%PDF-1.4\n%%EOF\n"))
    with unlocked(open_vault(coach)):
        ending = endings.client_release(
            coach=coach,
            client=client,
            kind=Ending.Kind.PAUSE,
            initiated_by=Ending.InitiatedBy.COACH,
            explanation="A break for my health.",
            explained_on=timezone.localdate(),
            explained_how="in_session",
            referral_resources=[vetted_resource(coach)],
        )
    pages = {
        "client page": reverse("clients:detail", args=[client.pk]),
        "session": reverse("coaching:detail", args=[session.pk]),
        "note": reverse("coaching:note", args=[session.pk]),
        "note, writing": reverse("coaching:note_edit", args=[session.pk]),
        "fees and payments": reverse("money:ledger", args=[client.pk]),
        "invoice": reverse("money:document_pdf", args=[client.pk, invoice.pk]),
        "file the client sent": reverse("portal_coach:upload_download", args=[upload.pk]),
        "portal messages": reverse("portal_coach:messages", args=[account.pk]),
        "ending letter": reverse("clients:ending_letter", args=[client.pk, ending.pk]),
        "ending form": reverse("clients:end", args=[client.pk]),
    }
    return coach, client, pages


def test_a_second_coach_in_a_second_context_sees_nothing_of_the_first_coachs_client(live_server, browser):
    coach, client, pages = first_coachs_practice()
    other = make_coach(name="Bo Other")
    with unlocked(open_vault(other)):
        intake(other, name="Dee Own")  # the second coach's own client, so their lists are not empty
    lists = {
        "client list": reverse("clients:list"),
        "client search": reverse("clients:list") + "?q=Robin",
        "client search, paused": reverse("clients:list") + "?status=paused&q=Ashcombe",
        "note search": reverse("coaching:note_search") + f"?q={NOTE_WORD}",
        "sessions": reverse("coaching:list"),
        "money": reverse("money:home"),
        "invoices and receipts": reverse("money:documents"),
        "portal (coach)": reverse("portal_coach:home"),
        "dashboard": reverse("home"),
    }
    first = browser.new_context()
    second = browser.new_context()
    try:
        # The first coach, in their own context, sees the client: the addresses are real.
        mine = first.new_page()
        sign_in(mine, live_server, coach.email)
        for name, path in pages.items():
            if path.endswith(".pdf") or "/files/" in path:
                response = mine.request.get(live_server.url + path)
            else:
                response = mine.goto(live_server.url + path)
            assert response.status == 200, name
        mine.goto(live_server.url + lists["note search"])
        expect(mine.locator("main")).to_contain_text(NAME)

        # The second coach, signed in at the same time in a second context, gets 404 on every one.
        page = second.new_page()
        sign_in(page, live_server, other.email)
        for name, path in pages.items():
            if path.endswith(".pdf") or "/files/" in path:
                response = page.request.get(live_server.url + path)
                assert response.status == 404, name
                assert NAME.encode() not in response.body(), name
                continue
            response = page.goto(live_server.url + path)
            assert response.status == 404, name
            assert "Robin" not in page.content(), name
        for name, path in lists.items():
            response = page.goto(live_server.url + path)
            assert response.status == 200, name
            content = page.content()
            # A search shows its own query back in its box; any other trace of the name is a leak.
            for word in NAME.split():
                assert word not in content or word in path, name
        page.goto(live_server.url + lists["client list"])
        expect(page.locator("main")).to_contain_text("Dee Own")
    finally:
        first.close()
        second.close()
    # Nothing the second coach did was recorded against the first coach's client.
    assert not AuditEvent.objects.filter(coach=other, target_id=str(client.pk)).exists()
    assert AuditEvent.objects.filter(coach=coach, target_id=str(client.pk)).exists()
