"""The Portal part of the client page: what was shared and what waits, read without the sealed boxes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ethos.clients.pages import day
from ethos.portal.models import Share

from .conftest import active_with_account, shared_goal

pytestmark = pytest.mark.django_db


def test_the_section_lists_the_shares_and_the_goals_waiting_without_reading_boxes(coach, coach_client):
    client, _ = active_with_account(coach)
    _, share = shared_goal(coach, client, words="Walk to the shop on my own")
    Share.objects.filter(pk=share.pk).update(answered_at=share.shared_at)
    _, waiting = shared_goal(coach, client, words="Call my sister on Sundays")
    with CaptureQueriesContext(connection) as captured:
        page = coach_client.get(reverse("clients:detail", args=[client.pk])).content.decode()
    shared_on = day(timezone.localtime(waiting.shared_at))
    assert f"A goal to confirm, version 1, {shared_on}: waiting" in page
    assert f"A goal to confirm, version 1, {shared_on}: answered {shared_on}" in page
    assert "Goals waiting for the client's confirmation" in page and "Call my sister on Sundays" in page
    share_reads = [q["sql"] for q in captured if 'FROM "portal_share"' in q["sql"]]
    assert share_reads and not any('"portal_share"."box"' in sql for sql in share_reads)
    # The goals are read once, for the goals section and the goals waiting alike; no file was sent.
    assert len([q for q in captured if q["sql"].startswith('SELECT "clients_goal"')]) == 1
    assert not [q for q in captured if q["sql"].startswith('SELECT "portal_upload"')]
