"""The client page asks once which kinds of record a client has, and reads only those kinds."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethos.clients.pages import records_kept
from tests.coaching.conftest import active_client
from tests.coaching.test_boundaries import contact

pytestmark = pytest.mark.django_db


def test_it_names_exactly_the_kinds_a_client_has(coach, robin):
    other = active_client(coach, name="Sam Other")
    assert "contact_log" not in records_kept(robin)
    contact(coach, robin)
    kept = records_kept(robin)
    # A contact about something other than coaching also opens a boundary review's item, not a review.
    assert "contact_log" in kept and "boundary_review" not in kept and "consent" not in kept
    assert "contact_log" not in records_kept(other)


def test_asking_about_a_kind_nobody_registered_is_an_error_not_a_no(robin):
    with pytest.raises(ImproperlyConfigured):
        "contact_logs" in records_kept(robin)  # noqa: B015 - the membership test is what raises


def test_the_client_page_reads_a_kind_only_when_the_client_has_it(coach, robin, coach_client):
    page = reverse("clients:detail", args=[robin.pk])
    with CaptureQueriesContext(connection) as before:
        assert coach_client.get(page).status_code == 200
    reads = 'SELECT "coaching_contactlog".'  # a read of the rows, not the one question about kinds
    assert not any(q["sql"].startswith(reads) for q in before.captured_queries)
    contact(coach, robin, summary="They asked about a <b>lift</b> home.")
    with CaptureQueriesContext(connection) as after:
        response = coach_client.get(page)
    assert any(q["sql"].startswith(reads) for q in after.captured_queries)
    assert "Contact outside a session logged" in response.content.decode()
