"""Finding 13: nothing shown to a signed-in person is kept in a browser's or proxy's cache."""

import pytest
from django.urls import reverse

from tests.clients.conftest import intake

pytestmark = pytest.mark.django_db


def test_13_client_page_and_dashboard_are_sent_no_store(coach, vault, coach_client):
    robin = intake(coach).client
    for url in ("/", reverse("clients:detail", args=[robin.pk]), reverse("clients:list")):
        response = coach_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url
        assert response["Pragma"] == "no-cache", url


def test_13_the_sign_in_response_itself_is_sent_no_store(client, coach):
    from tests.conftest import PASSPHRASE

    response = client.post(reverse("accounts:sign_in"), {"email": coach.email, "passphrase": PASSPHRASE})
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]


def test_static_files_stay_cacheable_for_a_signed_in_coach(coach_client):
    response = coach_client.get("/static/ethos/ethos.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
