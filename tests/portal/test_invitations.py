"""The invitation email: an absolute link whether or not ETHOS_BASE_URL is set, and no word to the
coach about whether an address already has an Ethos account."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from ethos.accounts.models import User
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.portal import services
from ethos.portal.models import ClientAccount, Invitation
from tests.conftest import make_coach

from .conftest import intake_sent, join, sent_on_commit

pytestmark = pytest.mark.django_db


def _invite(coach_client, email: str, **extra):
    with sent_on_commit():
        return coach_client.post(reverse("portal_coach:home"), {"email": email}, **extra)


def test_the_link_is_built_from_the_request_when_ethos_base_url_is_unset(coach_client, settings):
    settings.ETHOS_BASE_URL = None
    settings.ALLOWED_HOSTS = ["coach.example.net"]
    response = _invite(coach_client, "robin@example.org", HTTP_HOST="coach.example.net:8443")
    assert response.status_code == 302
    body = mail.outbox[-1].body
    assert "http://coach.example.net:8443/portal/join/" in body
    assert "\n/portal/join/" not in body  # never a bare path


def test_the_link_uses_ethos_base_url_when_it_is_set(coach_client, settings):
    settings.ETHOS_BASE_URL = "https://ethos.example.org"
    settings.ALLOWED_HOSTS = ["coach.example.net"]
    _invite(coach_client, "robin@example.org", HTTP_HOST="coach.example.net")
    assert "https://ethos.example.org/portal/join/" in mail.outbox[-1].body
    assert "coach.example.net" not in mail.outbox[-1].body


def test_a_new_link_after_a_lost_passphrase_is_absolute_too(coach, coach_client, settings):
    settings.ETHOS_BASE_URL = None
    account = join(coach, email="robin@example.org")
    with sent_on_commit():
        coach_client.post(reverse("portal_coach:resend", args=[account.pk]))
    assert "http://testserver/portal/join/" in mail.outbox[-1].body


def test_the_service_refuses_to_make_a_link_it_cannot_make_absolute(coach, settings):
    from ethos.vault.context import unlocked
    from tests.conftest import open_vault

    settings.ETHOS_BASE_URL = None
    with unlocked(open_vault(coach)), pytest.raises(ValueError, match="ETHOS_BASE_URL"):
        services.invitation_create(coach=coach, email="robin@example.org")
    assert not Invitation.objects.exists()


def test_inviting_an_address_that_has_an_account_tells_the_coach_nothing(coach, coach_client, settings):
    settings.ETHOS_BASE_URL = None
    holder = make_coach(email="taken@example.org", name="Another Coach")
    new = _invite(coach_client, "newcomer@example.org", follow=True)
    existing = _invite(coach_client, "Taken@Example.org", follow=True)
    # The same answer, the same listing and the same audit event for both.
    assert new.status_code == existing.status_code == 200
    for page in (new, existing):
        assert "The invitation is on its way" in page.content.decode()
    page = existing.content.decode()
    assert "2 invitations not used yet" in page  # the holder's counts like any other
    assert "already" not in page.lower()
    assert Invitation.objects.count() == 2
    assert AuditEvent.objects.filter(action=Action.PORTAL_INVITED).count() == 2
    # The holder is told to sign in; no link that makes an account, no one named in the subject.
    to_holder = next(message for message in mail.outbox if message.to == ["taken@example.org"])
    assert to_holder.subject == services.HOLDER_SUBJECT
    for detail in (coach.name, holder.name, "taken", "Robin"):
        assert detail.lower() not in to_holder.subject.lower()
    assert "http://testserver/accounts/" in to_holder.body or reverse("accounts:sign_in") in to_holder.body
    assert "/portal/join/" not in to_holder.body
    assert coach.name not in to_holder.body
    to_new = next(message for message in mail.outbox if message.to == ["newcomer@example.org"])
    assert to_new.subject == services.INVITE_SUBJECT and "/portal/join/" in to_new.body


def test_the_portal_home_lists_accounts_a_page_at_a_time(coach, coach_client, other_coach):
    from ethos.portal.selectors import ACCOUNTS_PAGE_SIZE

    # The first through the real invitation; the rest as rows (the page only reads them).
    emails = [f"client{number:02}@example.org" for number in range(ACCOUNTS_PAGE_SIZE + 2)]
    first_joined = join(coach, email=emails[0])
    for number, email in enumerate(emails[1:], 1):
        user = User.objects.create(email=email, name="", role=User.Role.CLIENT)
        created = first_joined.created_at + datetime.timedelta(minutes=number)
        ClientAccount.objects.create(user=user, coach=coach, created_at=created)
    join(other_coach, email="someone.else@example.org")
    home = reverse("portal_coach:home")

    first = coach_client.get(home).content.decode()
    shown = [email for email in emails if email in first]
    assert shown == emails[:ACCOUNTS_PAGE_SIZE]  # the oldest first
    assert f"Showing 1\u2013{ACCOUNTS_PAGE_SIZE} of {len(emails)}" in first
    assert 'href="?page=2#accounts-heading" rel="next"' in first
    assert "someone.else@example.org" not in first

    second = coach_client.get(home, {"page": 2}).content.decode()
    assert [email for email in emails if email in second] == emails[ACCOUNTS_PAGE_SIZE:]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A page that is not a number is the first; one past the end is the last.
    assert coach_client.get(home, {"page": "<script>"}).content.decode().count("@example.org</td>") == (
        ACCOUNTS_PAGE_SIZE
    )
    assert [e for e in emails if e in coach_client.get(home, {"page": 99}).content.decode()] == emails[
        ACCOUNTS_PAGE_SIZE:
    ]


def test_a_short_list_of_portal_accounts_has_no_page_links(coach, coach_client):
    join(coach, email="only@example.org")
    page = coach_client.get(reverse("portal_coach:home")).content.decode()
    assert "only@example.org" in page
    assert "Pages of portal accounts" not in page and "Showing" not in page


def test_the_portal_home_lists_waiting_answers_without_reading_their_sealed_boxes(coach, coach_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ethos.portal.models import Reply

    account = join(coach, email="jo@example.org")
    intake_sent(account, name="Jo Lane")
    reply = Reply.objects.get(account=account)
    with CaptureQueriesContext(connection) as captured:
        page = coach_client.get(reverse("portal_coach:home")).content.decode()
    assert reverse("portal_coach:reply", args=[reply.pk]) in page
    assert "jo@example.org" in page
    reads = [q["sql"] for q in captured.captured_queries if 'FROM "portal_reply"' in q["sql"]]
    assert reads and not any('"portal_reply"."box"' in sql or '"portal_reply"."copy"' in sql for sql in reads)
