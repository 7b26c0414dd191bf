"""The staff's registry pages: they work for staff, show no client data, and refuse everyone else."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client as Browser
from django.urls import reverse

from ethos.accounts.models import User
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.certification.log import association_account
from ethos.certification.models import Certification
from ethos.certification.services import credential_issue
from tests.certification.conftest import register, set_status
from tests.clients.conftest import intake
from tests.test_roles import OWNED, url_for

pytestmark = pytest.mark.django_db

CANARY = "Quillon Marrowby"
STAFF_PAGES = [(name, entry) for name, entry, role in OWNED if role == "staff"]


@pytest.fixture
def staff_browser(staff_member):
    browser = Browser()
    browser.force_login(staff_member)
    return browser


def test_no_staff_page_shows_any_client_data(staff_member, staff_browser, coach, vault):
    intake(coach, name=CANARY)
    certification = register(staff_member, coach=coach)
    credential_issue(staff=staff_member, certification=certification)
    set_status(staff_member, certification, "revoked")  # opens the closure in the coach's practice
    assert STAFF_PAGES
    for name, entry in STAFF_PAGES:
        url = url_for(name, entry).replace("/1/", f"/{certification.pk}/")
        for response in (
            staff_browser.get(url),
            staff_browser.get(reverse("certification:registry"), {"q": "a"}),
        ):
            assert CANARY not in response.content.decode(), name


def test_staff_add_a_coach_to_the_registry_linked_by_email(staff_member, staff_browser, coach):
    response = staff_browser.post(
        reverse("certification:register"),
        {
            "number": "trc-000123",
            "public_name": "Ada Coach",
            "issued_on": "2026-01-01",
            "renews_on": "2028-01-01",
            "coach_email": coach.email,
        },
    )
    certification = Certification.objects.get(number="TRC-000123")
    assert response["Location"] == reverse("certification:detail", args=[certification.pk])
    assert certification.coach == coach
    listing = staff_browser.get(reverse("certification:registry"), {"q": "ada"}).content.decode()
    assert "TRC-000123" in listing


def test_bad_registry_input_gives_a_clear_message_and_changes_nothing(staff_browser):
    response = staff_browser.post(
        reverse("certification:register"),
        {"number": "TRC-1", "public_name": "A", "issued_on": "2026-01-01", "renews_on": "2025-01-01",
         "coach_email": "nobody@example.org"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400 and "No coach account uses this email address." in page
    assert not Certification.objects.exists()


def test_staff_change_the_standing_with_a_reason_and_see_it_in_the_log(staff_member, staff_browser):
    certification = register(staff_member, number="TRC-000321")
    url = reverse("certification:standing", args=[certification.pk])
    staff_browser.post(url, {"status": "suspended", "reason": ""})
    certification.refresh_from_db()
    assert certification.status == "active"
    staff_browser.post(url, {"status": "suspended", "reason": "Interim suspension while a case is heard"})
    certification.refresh_from_db()
    assert certification.status == "suspended"
    detail = staff_browser.get(reverse("certification:detail", args=[certification.pk])).content.decode()
    assert "Certification standing changed" in detail and "(to suspended)" in detail


def test_staff_issue_and_download_a_certificate(staff_member, staff_browser):
    certification = register(staff_member, number="TRC-000654")
    staff_browser.post(reverse("certification:issue", args=[certification.pk]))
    download = staff_browser.get(reverse("certification:download", args=[certification.pk]))
    assert download["Content-Type"] == "application/vc+jwt"
    assert download.content.decode() == certification.credentials.first().token


@pytest.mark.parametrize("role", ["coach", "client"])
def test_coach_and_client_get_404_on_staff_pages(role, staff_member, coach):
    person = coach if role == "coach" else User.objects.create_user("c@example.org", "x" * 20, role="client")
    browser = Browser()
    browser.force_login(person)
    certification = register(staff_member)
    assert browser.get(reverse("certification:registry")).status_code == 404
    assert browser.get(reverse("certification:detail", args=[certification.pk])).status_code == 404


def test_the_add_staff_command_creates_a_staff_account_and_logs_it(monkeypatch, db):
    answers = iter(["a long enough passphrase for staff", "a long enough passphrase for staff"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("add_staff", "new.staff@association.test", "--name", "New Staff")
    staff = User.objects.get(email="new.staff@association.test")
    assert staff.role == User.Role.ASSOCIATION_STAFF and staff.check_password(
        "a long enough passphrase for staff"
    )
    assert AuditEvent.objects.filter(coach=association_account(), action=Action.STAFF_ADDED).exists()


def test_the_registry_comes_fifty_to_a_page_and_says_how_many_there_are(staff_member, staff_browser):
    register(staff_member, number="TRC-0001", public_name="Coach 1")  # through the service, like the rest
    first = Certification.objects.get()
    Certification.objects.bulk_create(
        Certification(
            number=f"TRC-{number:04d}",
            public_name=f"Coach {number}",
            issued_on=first.issued_on,
            renews_on=first.renews_on,
        )
        for number in range(2, 121)
    )
    registry = reverse("certification:registry")

    first = staff_browser.get(registry).content.decode()
    assert "All certifications: 1 to 50 of 120, by number" in first
    assert "TRC-0001" in first and "TRC-0050" in first and "TRC-0051" not in first
    assert "Page 1 of 3" in first and "?q=&amp;page=2" in first and "Previous" not in first

    last = staff_browser.get(registry, {"page": "3"}).content.decode()
    assert "101 to 120 of 120" in last and "TRC-0120" in last and "TRC-0100" not in last
    assert "Next" not in last
    assert "1 to 50 of 120" in staff_browser.get(registry, {"page": "not a page"}).content.decode()

    narrowed = staff_browser.get(registry, {"q": "TRC-00"}).content.decode()  # TRC-0001 to TRC-0099
    assert "Certifications matching “TRC-00”: 1 to 50 of 99" in narrowed
    assert "?q=TRC-00&amp;page=2" in narrowed
