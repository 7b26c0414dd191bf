"""Files a client sends their coach: checked by size and content, sealed to the coach at upload,
listed on the client page and downloaded by the coach after unlock (C2)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.portal import services
from ethos.portal.models import Upload
from tests.conftest import make_coach, sign_in_browser
from tests.vault.test_at_rest import database_bytes

from .conftest import active_with_account, join, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FILE_CANARY = "Marrowby-Quillet-8841"


def send(browser, name: str, content: bytes):
    return browser.post(reverse("portal:upload"), {"file": SimpleUploadedFile(name, content)})


def test_c2_a_clients_file_is_sealed_and_the_coach_downloads_it_after_unlock(coach, coach_client):
    client, account = active_with_account(coach)
    browser = sign_in(account)
    response = send(browser, "signed form.png", PNG)
    assert response.status_code == 302
    upload = Upload.objects.get()
    assert (upload.content_type, upload.size) == ("image/png", len(PNG))
    assert PNG not in bytes(upload.box)
    assert "signed form.png" in browser.get(reverse("portal:upload")).content.decode()

    page = coach_client.get(reverse("clients:detail", args=[client.pk])).content.decode()
    assert "signed form.png" in page and reverse("portal_coach:upload_download", args=[upload.pk]) in page
    download = coach_client.get(reverse("portal_coach:upload_download", args=[upload.pk]))
    assert download.status_code == 200
    assert download.content == PNG
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == 'attachment; filename="signed-form.png"'
    assert download["X-Content-Type-Options"] == "nosniff"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {Action.PORTAL_UPLOADED, Action.PORTAL_UPLOAD_DOWNLOADED} <= actions


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", b"MZ\x90\x00\x03\x00\x00\x00 a program dressed as a photo"),
        ("letter.pdf", b"PK\x03\x04 a zip archive called a pdf"),
        ("notes.txt", b"text with a \x00 nul byte is not plain text"),
        ("page.html", "<html><script>alert(1)</script>".encode("utf-16")),
    ],
)
def test_it_refuses_a_file_whose_content_is_not_an_allowed_type_and_stores_nothing(coach, name, content):
    _, account = active_with_account(coach)
    response = send(sign_in(account), name, content)
    assert response.status_code == 400
    assert services.UPLOAD_TYPE in response.content.decode()
    assert not Upload.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.PORTAL_UPLOADED).exists()


def test_it_takes_pdf_jpeg_and_plain_text_by_their_content(coach):
    _, account = active_with_account(coach)
    browser = sign_in(account)
    for name, content in (
        ("a.pdf", PDF),
        ("b.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32),
        ("c", "Grüße\n".encode()),
    ):
        assert send(browser, name, content).status_code == 302
    assert sorted(Upload.objects.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/jpeg",
        "text/plain",
    ]


def test_it_refuses_a_file_over_the_size_limit_with_a_clear_message(coach, settings):
    settings.ETHOS_UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    _, account = active_with_account(coach)
    browser = sign_in(account)
    response = send(browser, "big.pdf", PDF + b"0" * (3 * 1024 * 1024))
    assert response.status_code == 400
    assert "smaller than 3 MB" in response.content.decode()
    assert not Upload.objects.exists()
    # Over the common 2 MB body cap but within the upload's own limit: taken on this form only.
    assert send(browser, "fine.pdf", PDF + b"0" * (2 * 1024 * 1024 + 10)).status_code == 302
    big = SimpleUploadedFile("x.pdf", PDF + b"0" * (2 * 1024 * 1024 + 10))
    assert browser.post(reverse("portal:messages"), {"text": "hi", "file": big}).status_code == 413


def test_it_refuses_a_file_before_coaching_has_begun(coach):
    newcomer = join(coach, email="newcomer@example.org")
    response = send(sign_in(newcomer), "a.pdf", PDF)
    assert response.status_code == 400
    assert services.UPLOAD_NOT_YET in response.content.decode()
    assert not Upload.objects.exists()


def test_a_files_name_with_script_is_shown_as_text(coach, coach_client):
    client, account = active_with_account(coach)
    # A slash would be taken as a folder by the browser and by Django: the name keeps the rest.
    send(sign_in(account), "<script>alert(1)<script>.txt", b"hello")
    page = coach_client.get(reverse("clients:detail", args=[client.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;script&gt;.txt" in page
    assert "<script>alert(1)" not in page
    download = coach_client.get(reverse("portal_coach:upload_download", args=[Upload.objects.get().pk]))
    assert download["Content-Disposition"] == 'attachment; filename="script-alert-1--script.txt"'


def test_a_second_coach_and_another_client_cannot_reach_a_clients_file(coach, other_client):
    _, account = active_with_account(coach)
    send(sign_in(account), f"{FILE_CANARY}.txt", b"private")
    upload = Upload.objects.get()
    url = reverse("portal_coach:upload_download", args=[upload.pk])
    assert other_client.get(url).status_code == 404
    another = sign_in(join(make_coach(), email="sam@example.org"))
    assert another.get(url).status_code == 404
    assert FILE_CANARY not in another.get(reverse("portal:upload")).content.decode()
    assert sign_in(account).get(url).status_code == 404  # the client's role has no coach pages


@pytest.mark.usefixtures("flushable_db")
def test_c2_an_uploaded_file_is_nowhere_in_clear_in_the_database_or_its_wal(coach, client):
    _, account = active_with_account(coach)
    content = f"My paper says {FILE_CANARY}\n".encode() * 20
    send(sign_in(account), f"note-{FILE_CANARY}.txt", content)
    raw = database_bytes()
    assert b"robin@example.org" in raw  # the scan sees plain columns
    assert FILE_CANARY.encode() not in raw
    sign_in_browser(client, coach)
    download = client.get(reverse("portal_coach:upload_download", args=[Upload.objects.get().pk]))
    assert download.content == content
