"""The complaint form, the staff's pages and the coach's notice, through the browser's requests."""

from __future__ import annotations

import ast
import datetime
import uuid
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ethos.audit.models import AuditEvent
from ethos.certification.cases import services
from ethos.certification.cases.models import Complaint, EthicsCase
from ethos.certification.cases.services import ACK_SUBJECT, COACH_SUBJECT, TOO_MANY_COMPLAINTS
from tests.conftest import make_coach, sign_in_browser

from .conftest import TODAY, make_staff, to_hearing

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script> Robert'); DROP TABLE cases_complaint;--"
FORM = {
    "name": "Jamie Complainant",
    "email": "jamie@example.net",
    "phone": "",
    "coach_named": "Alex Rivera",
    "events_on": "2026-01-10",
    "account": HOSTILE,
    "clauses": ["P9", "P7"],
    "website": "",
}
STAFF_PAGES = [
    ("cases:list", False),
    ("cases:complaint", True),
    ("cases:complaint_close", True),
    ("cases:case_open", True),
    ("cases:detail", True),
    ("cases:advance", True),
    ("cases:panel", True),
    ("cases:vote", True),
    ("cases:decide", True),
    ("cases:appeal", True),
    ("cases:appeal_decide", True),
    ("cases:finalise", True),
    ("cases:interim", True),
    ("cases:conflict", True),
]


def staff_browser(member=None):
    browser = Client()
    browser.force_login(member or make_staff())
    return browser


def test_the_public_form_seals_the_complaint_and_acknowledges_it(
    client, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:complaint_form"), FORM)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert complaint.number in page
    # Nothing the complainant wrote is readable in the database or the log.
    for secret in (b"Jamie", b"jamie@example.net", b"Alex Rivera", b"DROP TABLE"):
        assert secret not in bytes(complaint.sealed)
    assert "Jamie" not in str(list(AuditEvent.objects.values_list("details", flat=True)))
    assert complaint.clauses == ["P7", "P9"]
    [message] = mail.outbox
    assert message.subject == ACK_SUBJECT and message.to == ["jamie@example.net"]
    assert complaint.number in message.body and "Alex" not in message.body


def test_script_and_sql_survive_exactly_and_are_shown_escaped_to_staff(client, staff):
    client.post(reverse("cases:complaint_form"), FORM)
    complaint = Complaint.objects.get()
    assert services.complaint_read(staff=staff, complaint=complaint).account == HOSTILE
    page = staff_browser(staff).get(reverse("cases:complaint", args=[complaint.pk])).content.decode()
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Robert&#x27;); DROP TABLE cases_complaint;--"
        in page
    )
    assert "<script>alert" not in page


def test_a_filled_honeypot_sends_nothing(client):
    response = client.post(reverse("cases:complaint_form"), FORM | {"website": "http://spam.example"})
    assert response.status_code == 400
    assert not Complaint.objects.exists() and mail.outbox == []


def test_the_form_is_rate_limited_per_address(client, settings):
    settings.ETHOS_COMPLAINTS_PER_HOUR = 1
    assert client.post(reverse("cases:complaint_form"), FORM).status_code == 302
    response = client.post(reverse("cases:complaint_form"), FORM)
    assert response.status_code == 400 and TOO_MANY_COMPLAINTS[:40] in response.content.decode()
    assert Complaint.objects.count() == 1


def test_missing_answers_are_named_and_nothing_is_stored(client):
    response = client.post(reverse("cases:complaint_form"), FORM | {"email": "", "account": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert services.CONTACT_NEEDED in body and services.ACCOUNT_NEEDED in body
    assert not Complaint.objects.exists()


def test_screening_opens_a_case_the_coach_is_told_of_and_answers(
    client, staff, certification, coach, django_capture_on_commit_callbacks
):
    client.post(reverse("cases:complaint_form"), FORM)
    complaint = Complaint.objects.get()
    browser = staff_browser(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            reverse("cases:case_open", args=[complaint.pk]),
            {
                "certification": certification.pk,
                "clauses": ["P9"],
                "summary": "It is alleged you lent a client money.",
            },
        )
    case = EthicsCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    notice = mail.outbox[-1]
    assert notice.subject == COACH_SUBJECT and notice.to == [coach.email] and "P9" in notice.body
    assert "Jamie" not in notice.body
    coach_browser = sign_in_browser(Client(), coach)
    page = coach_browser.get(reverse("cases_coach:case", args=[case.pk])).content.decode()
    assert "It is alleged you lent a client money." in page and "Jamie" not in page
    coach_browser.post(reverse("cases_coach:case", args=[case.pk]), {"text": "I never lent money."})
    case.refresh_from_db()
    assert case.responded_at is not None
    detail = browser.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "The coach sent a written response" in detail and "An ethics case was opened" in detail


def test_screening_out_of_jurisdiction_closes_and_tells_the_complainant(
    client, staff, django_capture_on_commit_callbacks
):
    client.post(reverse("cases:complaint_form"), FORM)
    complaint = Complaint.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        staff_browser(staff).post(
            reverse("cases:complaint_close", args=[complaint.pk]),
            {"because": "not_certified", "message": "We could not find this coach in our registry."},
        )
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.CLOSED
    told = mail.outbox[-1]
    assert told.to == ["jamie@example.net"] and "We could not find this coach" in told.body
    assert "Alex" not in told.subject


def test_a_refused_action_shows_its_reason_on_the_case_page(staff, case):
    response = staff_browser(staff).post(reverse("cases:advance", args=[case.pk]), {"to": "hearing"})
    assert response.status_code == 400
    assert "cannot move to hearing" in response.content.decode()


def test_the_case_list_shows_stage_and_deadline_and_marks_overdue_cases(
    staff, case, django_assert_max_num_queries
):
    EthicsCase.objects.filter(pk=case.pk).update(stage_deadline=datetime.date(2100, 1, 1))
    browser = staff_browser(staff)
    with django_assert_max_num_queries(12):
        body = browser.get(reverse("cases:list")).content.decode()
    assert case.number in body and "Intake" in body and "overdue" not in body
    EthicsCase.objects.filter(pk=case.pk).update(stage_deadline=datetime.date(2020, 1, 1))
    assert "overdue" in browser.get(reverse("cases:list")).content.decode()


def test_another_coach_gets_404_on_the_coachs_notice(case, other_coach):
    browser = sign_in_browser(Client(), other_coach)
    assert browser.get(reverse("cases_coach:case", args=[case.pk])).status_code == 404
    assert case.number not in browser.get(reverse("cases_coach:list")).content.decode()


@pytest.mark.parametrize("who", ["coach", "client", "stranger"])
def test_every_staff_page_refuses_coaches_clients_and_strangers(who, case):
    from ethos.accounts.models import User

    if who == "coach":
        browser = sign_in_browser(Client(), make_coach())
    elif who == "client":
        person = User.objects.create_user("client-x@example.org", "x", name="A client", role=User.Role.CLIENT)
        browser = Client()
        browser.force_login(person)
    else:
        browser = Client()
    for name, with_pk in STAFF_PAGES:
        pk = case.complaint_id if name.startswith("cases:complaint") or name == "cases:case_open" else case.pk
        url = reverse(name, args=[pk] if with_pk else [])
        for method in (browser.get, browser.post):
            response = method(url)
            if who == "stranger":
                assert response.status_code == 302 and response["Location"].startswith(
                    reverse("accounts:sign_in")
                )
            else:
                assert response.status_code == 404, (name, method)
    assert EthicsCase.objects.get().stage == EthicsCase.Stage.INTAKE


def test_staff_pages_reach_no_client_data():
    """Nothing in the cases app imports a practice's client apps or anything that decrypts them."""
    forbidden = ("ethos.clients", "ethos.coaching", "ethos.safeguarding", "ethos.money", "ethos.portal")
    vault_allowed = {"ethos.vault", "ethos.vault.boxes"}  # sealing to the association's own key
    root = Path(services.__file__).parent
    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith(forbidden) or (
                    name.startswith("ethos.vault") and name not in vault_allowed
                ):
                    found.append(f"{path.name}: {name}")
    assert found == []


def test_a_whole_case_through_the_staff_pages(staff, case, coach, panel):
    to_hearing(case, staff, coach)
    browser = staff_browser(staff)
    browser.post(reverse("cases:panel", args=[case.pk]), {"members": [m.pk for m in panel]})
    for member in panel:
        staff_browser(member).post(reverse("cases:vote", args=[case.pk]), {"outcome": "revocation"})
    browser.post(reverse("cases:decide", args=[case.pk]))
    case.refresh_from_db()
    assert case.stage == EthicsCase.Stage.DECISION and case.outcome == "revocation"
    page = browser.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Revocation" in page and "An appeal can be lodged until" in page
    assert uuid.UUID(str(case.pk))
    assert TODAY  # the case was opened on the fixture's day


def test_a_coachs_backup_carries_none_of_the_associations_records(case, coach):
    from django.apps import apps

    from ethos.accounts.backup import _ethos_models, _owned_rows

    models = [m for m in _ethos_models() if m._meta.app_label == "cases"]
    assert {m._meta.model_name for m in models} == {
        "complaint",
        "ethicscase",
        "panelseat",
        "conflictdeclaration",
    }
    assert all(not _owned_rows(model, coach).exists() for model in models)
    assert _owned_rows(apps.get_model("cases", "ethicscase"), None).count() == 1  # the whole site's backup


def test_e1_the_coachs_dashboard_names_an_open_case_and_the_response_due(case, coach, other_coach):
    from django.test import Client as Browser

    dashboard = sign_in_browser(Browser(), coach).get(reverse("home")).content.decode()
    assert f"Ethics case {case.number}" in dashboard
    assert "Your written response is due by" in dashboard
    assert reverse("cases_coach:case", args=[case.pk]) in dashboard
    elsewhere = sign_in_browser(Browser(), other_coach).get(reverse("home")).content.decode()
    assert case.number not in elsewhere and "From the association" not in elsewhere
