"""Two-step recovery codes can be downloaded and printed, like the recovery kit, only while shown."""

import base64
import time

import pyotp
import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from ethos.accounts import services
from ethos.accounts.views import CODES_GONE, CODES_SHOWN
from tests.test_pdf import pdf_text

pytestmark = pytest.mark.django_db


def enrol(client):
    page = client.get(reverse("accounts:two_factor_setup"))
    response = client.post(
        reverse("accounts:two_factor_setup"), {"code": pyotp.TOTP(page.context["secret"]).now()}
    )
    assert response.status_code == 200
    return response


def download(client, kind):
    return client.get(reverse("accounts:recovery_codes_download", args=[kind]))


def test_the_codes_page_offers_both_downloads(coach_client):
    body = enrol(coach_client).content.decode()
    assert reverse("accounts:recovery_codes_download", args=["pdf"]) in body
    assert reverse("accounts:recovery_codes_download", args=["txt"]) in body


def test_it_downloads_the_codes_as_text_without_caching(coach_client, coach):
    codes = enrol(coach_client).context["codes"]
    response = download(coach_client, "txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == 'attachment; filename="ethos-recovery-codes.txt"'
    text = response.content.decode()
    assert coach.email in text
    assert all(code in text for code in codes)


def test_it_downloads_the_codes_as_a_pdf_to_print(coach_client, coach):
    codes = enrol(coach_client).context["codes"]
    response = download(coach_client, "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "recovery codes" in text
    assert all(code in text for code in codes)


def test_the_codes_are_sealed_in_the_session(coach_client):
    codes = enrol(coach_client).context["codes"]
    stored = " ".join(Session.objects.values_list("session_data", flat=True))
    raw = " ".join(str(value) for value in coach_client.session.values())
    for code in codes:
        assert code not in stored and code not in raw
        assert code.replace("-", "") not in raw


def test_the_downloads_end_when_the_codes_are_kept(coach_client):
    enrol(coach_client)
    response = coach_client.post(reverse("accounts:recovery_codes_kept"))
    assert response["Location"] == reverse("accounts:account")
    gone = download(coach_client, "pdf")
    assert gone.status_code == 404
    assert CODES_GONE in gone.content.decode()


def test_the_downloads_end_after_ten_minutes(coach_client, monkeypatch):
    enrol(coach_client)
    later = time.time() + services.RECOVERY_CODES_SHOWN_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert download(coach_client, "txt").status_code == 404
    assert CODES_SHOWN not in coach_client.session


def test_without_new_codes_there_is_nothing_to_download(coach_client):
    assert download(coach_client, "txt").status_code == 404
    assert download(coach_client, "exe").status_code == 404


def test_another_persons_session_cannot_open_the_codes(coach_client, coach, other_coach):
    enrol(coach_client)
    sealed = coach_client.session[CODES_SHOWN]
    opened = services.recovery_codes_open(
        user_id=other_coach.pk, sealed=base64.b64decode(sealed), now=int(time.time())
    )
    assert opened is None
    assert services.recovery_codes_open(
        user_id=coach.pk, sealed=base64.b64decode(sealed), now=int(time.time())
    )


def test_a_stranger_is_sent_to_sign_in(client):
    response = download(client, "txt")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
