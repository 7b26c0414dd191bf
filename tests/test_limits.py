"""Finding 9: every request body is capped, file parts of multipart bodies included."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db

HUNDRED_MB = 100 * 1024 * 1024


def multipart_upload(size: int) -> tuple[bytes, str]:
    boundary = "ethos-test-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="email"\r\n\r\nnobody@example.org\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="upload"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return (
        body + b"\0" * size + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


def test_9_a_100_mb_multipart_post_to_sign_in_is_refused_with_413_unread(client, coach):
    # The body is small but claims 100 MB: reading past what was sent would fail the test
    # client's payload, so a 413 here proves nothing of the body was read.
    body, content_type = multipart_upload(1024)
    response = client.generic(
        "POST", reverse("accounts:sign_in"), body, content_type=content_type, CONTENT_LENGTH=str(HUNDRED_MB)
    )
    assert response.status_code == 413
    assert "at most 2 MB" in response.content.decode()


def test_9_a_file_part_just_over_the_cap_is_refused_with_413(client, coach, settings):
    body, content_type = multipart_upload(settings.ETHOS_MAX_BODY_BYTES)
    response = client.generic("POST", reverse("accounts:sign_in"), body, content_type=content_type)
    assert response.status_code == 413


def test_9_the_cap_is_a_setting_for_django_and_waitress(client, coach, settings):
    # waitress takes the portal's upload (ETHOS_UPLOAD_MAX_MB and its form); the middleware
    # keeps every other form to the body cap.
    assert settings.ETHOS_MAX_BODY_BYTES == 2 * 1024 * 1024
    assert options_cap() == settings.ETHOS_UPLOAD_MAX_BYTES + 64 * 1024
    settings.ETHOS_UPLOAD_MAX_BYTES = 1024 * 1024
    settings.ETHOS_MAX_BODY_MB = 5
    settings.ETHOS_MAX_BODY_BYTES = 5 * 1024 * 1024
    body, content_type = multipart_upload(3 * 1024 * 1024)
    response = client.generic("POST", reverse("accounts:sign_in"), body, content_type=content_type)
    assert response.status_code == 200  # read, and the form says what is missing
    assert options_cap() == 5 * 1024 * 1024


def options_cap() -> int:
    from ethos.accounts.management.commands.run import server_options

    return server_options(host="127.0.0.1", port=8000, threads=1)["max_request_body_size"]


def test_a_normal_sign_in_still_works_under_the_cap(coach):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("accounts:sign_in"))
    token = page.cookies["csrftoken"].value
    response = browser.post(
        reverse("accounts:sign_in"),
        {"email": coach.email, "passphrase": PASSPHRASE, "csrfmiddlewaretoken": token},
        follow=True,
    )
    assert response.status_code == 200
    assert response.wsgi_request.user == coach
