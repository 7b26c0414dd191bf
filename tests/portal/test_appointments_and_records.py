"""Issue 16, parts 5 and 7: the client's coming sessions and their accounting of disclosures (C1),
shared by the coach, sealed to the client, and the documents they were shared."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ethos.coaching import services as coaching
from ethos.coaching.models import Session
from ethos.portal.models import Share
from ethos.vault.context import unlocked
from tests.conftest import open_vault
from tests.safeguarding.conftest import ask, consent, disclose

from .conftest import active_with_account, shared_goal, sign_in

pytestmark = pytest.mark.django_db


def _booked(coach, client, *, days=2, place="Room 2, Quayside House"):
    with unlocked(open_vault(coach)):
        return coaching.session_schedule(
            coach=coach,
            client=client,
            starts_at=timezone.now() + datetime.timedelta(days=days),
            duration_minutes=50,
            modality=Session.Modality.IN_PERSON,
            place=place,
        )


def test_the_coach_shares_the_coming_sessions_and_the_client_reads_them(coach, coach_client):
    client, account = active_with_account(coach)
    browser = sign_in(account)
    assert "has not shared your sessions" in browser.get(reverse("portal:appointments")).content.decode()
    _booked(coach, client)
    response = coach_client.post(reverse("portal_coach:appointments_share", args=[client.pk]))
    assert response.status_code == 302
    page = browser.get(reverse("portal:appointments")).content.decode()
    assert "Room 2, Quayside House" in page and "50 minutes" in page
    assert reverse("portal:end") in page  # P12: never bound to more sessions


def test_c1_the_client_reads_their_accounting_of_disclosures_and_what_was_shared_with_them(
    coach, coach_client
):
    client, account = active_with_account(coach)
    shared_goal(coach, client)
    with unlocked(open_vault(coach)):
        given = consent(coach, client, recipient="Dr Lee, GP")
        disclose(coach, ask(client, basis="consent", consent=given, recipient="Dr Lee, GP"))
    browser = sign_in(account)
    assert "has not shared this list" in browser.get(reverse("portal:records")).content.decode()
    assert coach_client.post(reverse("portal_coach:accounting_share", args=[client.pk])).status_code == 302
    page = browser.get(reverse("portal:records")).content.decode()
    assert "Dr Lee, GP" in page and "Coordinating care" in page and "Dates of sessions held" in page
    assert "A goal to confirm" in page  # the documents shared with them, and what became of each
    assert Share.objects.filter(kind=Share.Kind.ACCOUNTING).count() == 1


def test_a_client_without_an_account_has_nothing_shared(coach, coach_client):
    from tests.clients.conftest import intake

    with unlocked(open_vault(coach)):
        client = intake(coach, name="Jo Lane").client
    response = coach_client.post(reverse("portal_coach:accounting_share", args=[client.pk]), follow=True)
    assert "no portal account yet" in response.content.decode()
    assert Share.objects.count() == 0


def test_a_cancelled_or_moved_session_updates_the_clients_shared_sessions(coach, coach_client):
    client, account = active_with_account(coach)
    kept = _booked(coach, client, place="Room 2, Quayside House")
    dropped = _booked(coach, client, days=4, place="The Old Library")
    coach_client.post(reverse("portal_coach:appointments_share", args=[client.pk]))
    browser = sign_in(account)
    assert "The Old Library" in browser.get(reverse("portal:appointments")).content.decode()

    with unlocked(open_vault(coach)):
        coaching.session_cancel(coach=coach, session=dropped, cancelled_by="coach", reason="I am unwell")
    page = browser.get(reverse("portal:appointments")).content.decode()
    assert "The Old Library" not in page and "Room 2, Quayside House" in page

    with unlocked(open_vault(coach)):
        coaching.session_reschedule(
            coach=coach,
            session=kept,
            starts_at=timezone.now() + datetime.timedelta(days=6),
            duration_minutes=60,
            modality=Session.Modality.IN_PERSON,
            place="Garden Room",
            cancelled_by="client",
            reason="Asked for a later day",
        )
    page = browser.get(reverse("portal:appointments")).content.decode()
    assert "Garden Room" in page and "60 minutes" in page and "Room 2, Quayside House" not in page
    versions = Share.objects.filter(kind=Share.Kind.APPOINTMENTS).order_by("version")
    # One new version per change, the older ones withdrawn: the client sees the newest.
    assert [(s.version, s.withdrawn_at is None) for s in versions] == [(1, False), (2, False), (3, True)]


def test_sessions_never_shared_stay_unshared_when_one_is_cancelled(coach):
    client, _ = active_with_account(coach)
    session = _booked(coach, client)
    with unlocked(open_vault(coach)):
        coaching.session_cancel(coach=coach, session=session, cancelled_by="coach", reason="Unwell")
    assert not Share.objects.exists()
