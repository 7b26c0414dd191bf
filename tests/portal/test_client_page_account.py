"""The client page reads a portal client's account with the count of their answers waiting: one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethos.clients.pages import _sections
from ethos.portal import services
from ethos.portal.models import Reply
from ethos.portal.selectors import client_page_account
from ethos.vault.context import unlocked
from tests.conftest import open_vault

from .conftest import active_with_account

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script> Robert'); DROP TABLE portal_reply;--"


def _waiting(account) -> int:
    # The count as it was read on its own.
    return Reply.objects.filter(account=account, handled_at__isnull=True).count()


def test_it_counts_the_answers_waiting_as_a_count_of_its_own_did(coach):
    robin, account = active_with_account(coach)
    sam, other = active_with_account(coach, name="Sam Okafor", email="sam@example.org")
    with unlocked(open_vault(coach)):
        assert client_page_account(coach.pk, robin)[0].replies_waiting is None
        assert _sections["portal"].context(robin)["replies"] == 0 == _waiting(account)
        for _ in range(3):
            services.message_send(account=account, text=HOSTILE)
        services.message_send(account=other, text="From Sam")
        found = client_page_account(coach.pk, robin)
        assert [a.pk for a in found] == [account.pk] and found[0].user.email == account.user.email
        assert found[0].replies_waiting == 3 == _waiting(account)
        assert _sections["portal"].context(robin)["replies"] == 3
        services.messages_read(coach=coach, account=account)
        assert _sections["portal"].context(robin)["replies"] == 0 == _waiting(account)
        assert _sections["portal"].context(sam)["replies"] == 1 == _waiting(other)


def test_another_coach_reads_no_account_of_the_client(coach, other_coach):
    robin, _ = active_with_account(coach)
    assert client_page_account(other_coach.pk, robin) == []


def test_the_section_reads_the_account_and_its_shares_in_two_queries(coach, coach_client, other_client):
    robin, account = active_with_account(coach)
    services.message_send(account=account, text=HOSTILE)
    address = reverse("clients:detail", args=[robin.pk])
    coach_client.get(address)
    with CaptureQueriesContext(connection) as captured:
        page = coach_client.get(address)
    html = page.content.decode()
    assert "1 answer from the client waiting for you" in html and HOSTILE not in html
    portal = [
        q["sql"] for q in captured if "portal_" in q["sql"] and not q["sql"].startswith("SELECT 0 WHERE")
    ]
    assert len(portal) == 2
    assert other_client.get(address).status_code == 404
