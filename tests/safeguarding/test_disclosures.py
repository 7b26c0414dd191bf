"""C1: nothing leaves without a basis that covers it; every disclosure is accounted for and kept as it was."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.audit.selectors import chain_head
from ethos.coaching.models import NoteAppendOnlyError
from ethos.safeguarding import services
from ethos.safeguarding.models import Consent, Disclosure, DisclosureAnnotation
from ethos.safeguarding.selectors import accounting_for
from ethos.standards.engine import ActionStopped
from ethos.standards.models import OpenItem, Tally
from ethos.standards.rules import C1_NO_BASIS, C1_NOT_COVERED
from tests.coaching.conftest import active_client
from tests.conftest import PASSPHRASE
from tests.test_pdf import pdf_text

from .conftest import PAYLOAD, ask, consent, court_order, disclose, note_with, open_task, record_report

pytestmark = pytest.mark.django_db

CONSENT = Disclosure.Basis.CONSENT
SUBPOENA = Disclosure.Basis.SUBPOENA


def _stopped_by(error: ActionStopped) -> list[str]:
    return [f"{f.clause} {f.message}" for f in error.verdict.findings]


def test_c1_a_disclosure_without_a_basis_is_blocked(coach, robin):
    with pytest.raises(ActionStopped) as stopped:
        disclose(coach, ask(robin, basis=""))
    assert _stopped_by(stopped.value) == [f"C1 {C1_NO_BASIS}"]
    # A consent basis that names no consent is no basis either.
    with pytest.raises(ActionStopped):
        disclose(coach, ask(robin, basis=CONSENT))
    assert not Disclosure.objects.exists()
    assert Tally.objects.get(coach=coach, clause="C1", point="disclosure.request").blocked == 2
    assert not AuditEvent.objects.filter(coach=coach, action=Action.SAFEGUARDING_DISCLOSED).exists()


def test_c1_a_consent_for_recipient_a_does_not_cover_recipient_b(coach, robin):
    given = consent(coach, robin, recipient="Dr Lee, GP")
    with pytest.raises(ActionStopped) as stopped:
        disclose(coach, ask(robin, basis=CONSENT, consent=given, recipient="Acme Insurance"))
    assert _stopped_by(stopped.value) == [f"C1 {C1_NOT_COVERED}"]
    made = disclose(coach, ask(robin, basis=CONSENT, consent=given, recipient="  dr lee,  GP "))
    assert made.consent_id == given.pk and Disclosure.objects.count() == 1


def test_c1_a_consent_covers_only_the_records_it_names(coach, robin):
    given = consent(coach, robin, kinds=("attendance",))
    with pytest.raises(ActionStopped):
        disclose(coach, ask(robin, basis=CONSENT, consent=given, kinds=("attendance", "notes")))
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize("days", [(-30, -1), (1, 30)], ids=["expired", "not yet begun"])
def test_c1_a_consent_outside_its_dates_covers_nothing(coach, robin, days):
    given = consent(coach, robin, days=days)
    with pytest.raises(ActionStopped):
        disclose(coach, ask(robin, basis=CONSENT, consent=given))
    assert not Disclosure.objects.exists()


def test_c1_a_revoked_consent_covers_nothing(coach, robin):
    given = consent(coach, robin)
    disclose(coach, ask(robin, basis=CONSENT, consent=given))
    services.consent_revoke(coach=coach, consent=given, note="She phoned to withdraw it.")
    with pytest.raises(ActionStopped):
        disclose(coach, ask(robin, basis=CONSENT, consent=given))
    with pytest.raises(ValidationError):
        services.consent_revoke(coach=coach, consent=given)
    assert Disclosure.objects.count() == 1  # what was shared before stays accounted for


def test_c1_a_subpoena_covers_only_what_it_names(coach, robin):
    order = court_order(coach, robin, recipient="County Court", kinds=("attendance",))
    for wrong in (
        ask(robin, basis=SUBPOENA, order=order, recipient="County Court", kinds=("notes",)),
        ask(robin, basis=SUBPOENA, order=order, recipient="The other side's solicitor"),
    ):
        with pytest.raises(ActionStopped):
            disclose(coach, wrong)
    made = disclose(coach, ask(robin, basis=SUBPOENA, order=order, recipient="County Court"))
    assert made.order_id == order.pk and made.basis == SUBPOENA


def test_c1_another_clients_consent_is_no_basis(coach, robin):
    other = active_client(coach, name="Sam Reed")
    given = consent(coach, other)
    with pytest.raises(ValidationError) as refused:
        disclose(coach, ask(robin, basis=CONSENT, consent=given))
    assert "consent" in refused.value.message_dict


def test_c1_re_authentication_is_required(coach, robin):
    given = consent(coach, robin)
    for passphrase in ("", "not my passphrase"):
        with pytest.raises(ValidationError) as refused:
            disclose(coach, ask(robin, basis=CONSENT, consent=given), passphrase=passphrase)
        assert "passphrase" in refused.value.message_dict
    assert not Disclosure.objects.exists()
    failed = AuditEvent.objects.filter(coach=coach, action=Action.AUTH_REAUTH_FAILED).get()
    assert failed.details["purpose"] == "disclosure"


def test_c1_a_consent_is_in_writing_a_typed_name_labelled_interim(coach, coach_client, robin):
    typed = consent(coach, robin, how=Consent.HowGiven.TYPED)
    assert typed.how_given_label.startswith("A typed name and date (an interim step")
    with pytest.raises(ValidationError) as refused:
        services.consent_record(
            coach=coach,
            client=robin,
            recipient="",
            purpose="",
            record_kinds=["secrets"],
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate() - datetime.timedelta(days=1),
            how_given=Consent.HowGiven.DOCUMENT,
            signed_on=timezone.localdate(),
        )
    assert set(refused.value.message_dict) == {
        "recipient",
        "purpose",
        "record_kinds",
        "valid_until",
        "document",
    }
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "Typed name: interim" in page


def test_c1_a_consent_upload_is_kept_encrypted_and_given_back_as_it_was(coach, coach_client, robin):
    today = timezone.localdate().isoformat()
    form = {
        "recipient": "Dr Lee, GP",
        "purpose": "Care",
        "record_kinds": ["attendance"],
        "valid_from": today,
        "valid_until": today,
        "how_given": "document",
        "signed_on": today,
    }
    not_a_pdf = coach_client.post(
        reverse("safeguarding:consent_new", args=[robin.pk]),
        {**form, "document": SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/pdf")},
    )
    assert not_a_pdf.status_code == 200 and services.DOCUMENT_TYPE in not_a_pdf.content.decode()
    assert not Consent.objects.exists()
    signed = b"%PDF-1.4 signed by Robin"
    response = coach_client.post(
        reverse("safeguarding:consent_new", args=[robin.pk]),
        {**form, "document": SimpleUploadedFile("signed.pdf", signed, content_type="application/pdf")},
    )
    assert response.status_code == 302
    kept = Consent.objects.get()
    copy = coach_client.get(reverse("safeguarding:consent_copy", args=[robin.pk, kept.pk]))
    assert copy.content == signed and copy["Content-Type"] == "application/pdf"


def test_c1_the_bundle_shows_recipient_basis_and_checkpoint_on_every_page_and_no_other_client(
    coach, robin, monkeypatch
):
    # Two notes need two sessions that do not overlap, and a session may be set at most ten minutes
    # back, so the second begins a few minutes ahead; in the minutes before midnight it would be
    # tomorrow's and could not start. The clock runs from today's midday instead.
    midday = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(12)))
    ahead = midday - timezone.now()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + ahead)
    other = active_client(coach, name="Sam Reed")
    note_with(coach, other, "Sam talked about his allotment.", minutes_ago=9, minutes=15)
    long_note = " ".join(["We worked on a wind-down routine for the evenings."] * 400)
    note_with(coach, robin, long_note, minutes_ago=-7)
    given = consent(coach, robin, kinds=("identity", "notes"))
    made = disclose(coach, ask(robin, basis=CONSENT, consent=given, kinds=("identity", "notes")))
    import io

    from pypdf import PdfReader

    pages = [page.extract_text() for page in PdfReader(io.BytesIO(made.bundle)).pages]
    assert len(pages) > 1
    size = made.checkpoint.split(" ")[0]
    for text in pages:
        flat = " ".join(text.split())
        assert "Disclosed to: Dr Lee, GP" in flat
        assert "Basis: The client's written consent" in flat
        assert f"Audit checkpoint: {size} events" in flat
    everything = pdf_text(made.bundle)
    assert "Robin Ash" in everything and "Sam Reed" not in everything and "allotment" not in everything
    assert int(size) == chain_head(coach).size  # the checkpoint after the disclosure's own event


def test_c1_accounting_every_disclosure_appears_with_date_recipient_what_purpose_and_basis(
    coach, coach_client, robin
):
    given = consent(coach, robin)
    first = disclose(coach, ask(robin, basis=CONSENT, consent=given))
    order = court_order(coach, robin)
    second = disclose(coach, ask(robin, basis=SUBPOENA, order=order, recipient="County Court"))
    report = record_report(coach, open_task(coach, robin))
    assert [d.pk for d in accounting_for(robin)] == [report.disclosure_id, second.pk, first.pk]
    page = coach_client.get(reverse("safeguarding:accounting", args=[robin.pk])).content.decode()
    for text in (
        "Dr Lee, GP",
        "County Court",
        "Children&#x27;s Services",
        "Coordinating care",
        "Dates of sessions held",
    ):
        assert text in page
    for basis in Disclosure.Basis:
        if basis != Disclosure.Basis.EMERGENCY:
            assert basis.label.replace("'", "&#x27;") in page
    printed = coach_client.get(reverse("safeguarding:accounting_print", args=[robin.pk]))
    text = " ".join(pdf_text(printed.content).split())
    assert "Accounting of disclosures for Robin Ash" in text and "to County Court" in text
    assert AuditEvent.objects.filter(coach=coach, action=Action.SAFEGUARDING_ACCOUNTING_PRINTED).count() == 1
    # Older than six years is out of the period; another client's are never in it.
    other = active_client(coach, name="Sam Reed")
    disclose(coach, ask(other, basis=CONSENT, consent=consent(coach, other)))
    later = timezone.now() + datetime.timedelta(days=365 * 6 + 3)
    assert accounting_for(robin, now=later) == [] and len(accounting_for(robin)) == 3


def test_c1_accounting_disclosures_cannot_be_changed_or_removed_only_annotated(coach, coach_client, robin):
    made = disclose(coach, ask(robin, basis=CONSENT, consent=consent(coach, robin)))
    made.recipient = "Someone else"
    with pytest.raises(NoteAppendOnlyError):
        made.save()
    with pytest.raises(NoteAppendOnlyError):
        made.delete()
    with pytest.raises(NoteAppendOnlyError):
        Disclosure.objects.filter(pk=made.pk).update(purpose="changed")
    with pytest.raises(NoteAppendOnlyError):
        Disclosure.objects.filter(pk=made.pk).delete()
    url = reverse("safeguarding:disclosure", args=[robin.pk, made.pk])
    assert coach_client.post(url, {"note-text": ""}).status_code == 200  # a clear message, nothing added
    response = coach_client.post(url, {"note-text": "The GP confirmed they received it."})
    assert response.status_code == 302
    note = DisclosureAnnotation.objects.get()
    with pytest.raises(NoteAppendOnlyError):
        note.delete()
    kept = Disclosure.objects.get()
    assert kept.recipient == "Dr Lee, GP" and kept.purpose == "Coordinating care"
    assert (
        "The GP confirmed they received it."
        in coach_client.get(reverse("safeguarding:accounting", args=[robin.pk])).content.decode()
    )


def test_c1_an_emergency_disclosure_goes_through_the_gate_and_is_reviewed_afterwards(
    coach, coach_client, robin
):
    made = services.emergency_disclose(
        coach=coach,
        passphrase=PASSPHRASE,
        client=robin,
        recipient="Ambulance (999)",
        what="Her name and address; she had taken an overdose.",
        record_kinds=("identity",),
    )
    item = OpenItem.objects.get(coach=coach, subject_type="disclosure", subject_id=str(made.pk))
    assert item.is_open and item.record_type_list == ["emergency_review"]
    with pytest.raises(ActionStopped):  # an emergency passes on who the client is, never their notes
        services.emergency_disclose(
            coach=coach,
            passphrase=PASSPHRASE,
            client=robin,
            recipient="Ambulance",
            what="x",
            record_kinds=("notes",),
        )
    page = coach_client.get(reverse("standards:open_item", args=[item.pk])).content.decode()
    assert reverse("safeguarding:disclosure", args=[robin.pk, made.pk]) in page
    url = reverse("safeguarding:disclosure", args=[robin.pk, made.pk])
    response = coach_client.post(
        url,
        {"review-what_happened": "She was unconscious.", "review-client_told": "I told her the next day."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.is_open
    report = coach_client.get(reverse("standards:compliance")).content.decode()
    assert "1 in emergencies" in report and "Robin Ash" not in report


def test_c1_the_crisis_page_shows_the_emergency_numbers_and_the_way_to_record_a_disclosure(
    coach, coach_client, robin
):
    from ethos.practice import services as practice

    practice.profile_update(
        coach=coach,
        country="GB",
        region="",
        age_of_majority=18,
        crisis_line="Samaritans: 116 123",
        emergency_number="999",
    )
    page = coach_client.get(reverse("clients:crisis", args=[robin.pk])).content.decode()
    assert "999" in page and "116 123" in page
    assert reverse("safeguarding:emergency", args=[robin.pk]) in page


def test_c1_the_gate_page_blocks_with_the_clause_named_and_changes_nothing(coach, coach_client, robin):
    url = reverse("safeguarding:disclosure_new", args=[robin.pk])
    form = {
        "basis": "",
        "recipient": "Acme Insurance",
        "record_kinds": ["notes"],
        "purpose": "Claim",
        "passphrase": PASSPHRASE,
    }
    response = coach_client.post(url, form)
    body = response.content.decode()
    assert response.status_code == 200 and "C1" in body and "Nothing leaves without a basis" in body
    assert not Disclosure.objects.exists()
    # The stopped page leads on to each way of putting a basis on file.
    ways = [
        reverse("safeguarding:consent_new", args=[robin.pk]),
        reverse("clients:detail", args=[robin.pk]) + "#portal-heading",
        reverse("safeguarding:order_new", args=[robin.pk]),
    ]
    assert all(f'href="{way}"' in body for way in ways)
    assert "Put a basis on file" not in coach_client.get(url).content.decode()
    given = consent(coach, robin)
    response = coach_client.post(
        url,
        {
            **form,
            "basis": "consent",
            "consent": str(given.pk),
            "recipient": "Dr Lee, GP",
            "record_kinds": ["attendance"],
        },
    )
    made = Disclosure.objects.get()
    assert response["Location"] == reverse("safeguarding:disclosure", args=[robin.pk, made.pk])
    bundle = coach_client.get(reverse("safeguarding:bundle", args=[robin.pk, made.pk]))
    assert bundle["Content-Type"] == "application/pdf" and "Robin" not in bundle["Content-Disposition"]


@pytest.mark.parametrize("field", ["recipient", "purpose"])
def test_it_keeps_script_and_sql_looking_text_as_text_in_every_field(coach, coach_client, robin, field):
    given = consent(coach, robin, recipient=PAYLOAD if field == "recipient" else "Dr Lee, GP")
    request = ask(robin, basis=CONSENT, consent=given, recipient=given.recipient)
    if field == "purpose":
        request = services.Request(**{**request.__dict__, "purpose": PAYLOAD})
    made = disclose(coach, request)
    task = open_task(coach, robin, details=PAYLOAD)
    for url in (
        reverse("safeguarding:accounting", args=[robin.pk]),
        reverse("safeguarding:disclosure", args=[robin.pk, made.pk]),
        reverse("safeguarding:consent", args=[robin.pk, given.pk]),
        reverse("safeguarding:task", args=[task.pk]),
        reverse("clients:detail", args=[robin.pk]),
    ):
        body = coach_client.get(url).content.decode()
        assert "<script>alert" not in body, url
        if "consents" not in url and url != reverse("clients:detail", args=[robin.pk]):
            assert "&lt;script&gt;alert" in body, url  # shown, as text
    assert Disclosure.objects.get().recipient == given.recipient


def test_it_answers_404_to_another_coach_on_every_safeguarding_page(coach, robin, other_client):
    given = consent(coach, robin)
    order = court_order(coach, robin)
    made = disclose(coach, ask(robin, basis=CONSENT, consent=given))
    note = note_with(coach, robin)
    item = OpenItem.objects.get(subject_type="sessionnote", subject_id=str(note.pk))
    task = open_task(coach, robin)
    urls = [
        reverse("safeguarding:task", args=[task.pk]),
        f"{reverse('safeguarding:task_new')}?client={robin.pk}",
        reverse("safeguarding:dismiss", args=[item.pk]),
        reverse("safeguarding:consent_new", args=[robin.pk]),
        reverse("safeguarding:consent", args=[robin.pk, given.pk]),
        reverse("safeguarding:consent_copy", args=[robin.pk, given.pk]),
        reverse("safeguarding:order_new", args=[robin.pk]),
        reverse("safeguarding:order", args=[robin.pk, order.pk]),
        reverse("safeguarding:order_copy", args=[robin.pk, order.pk]),
        reverse("safeguarding:accounting", args=[robin.pk]),
        reverse("safeguarding:accounting_print", args=[robin.pk]),
        reverse("safeguarding:disclosure_new", args=[robin.pk]),
        reverse("safeguarding:emergency", args=[robin.pk]),
        reverse("safeguarding:disclosure", args=[robin.pk, made.pk]),
        reverse("safeguarding:bundle", args=[robin.pk, made.pk]),
    ]
    for url in urls:
        for method in (other_client.get, other_client.post):
            assert method(url).status_code in (404, 405), url
    home = other_client.get(reverse("safeguarding:home")).content.decode()
    assert "Robin Ash" not in home and "mandatory report is owed" not in home


def _grow(coach, client, count):
    given = consent(coach, client)
    for _ in range(count):
        disclose(coach, ask(client, basis=CONSENT, consent=given))
        services.disclosure_annotate(
            coach=coach, disclosure=Disclosure.objects.latest("disclosed_at"), text="ok"
        )
        open_task(coach, client)


def test_the_list_pages_read_the_same_number_of_queries_for_one_and_many_rows(coach, coach_client, robin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    urls = [
        reverse("safeguarding:home"),
        reverse("safeguarding:accounting", args=[robin.pk]),
        reverse("clients:detail", args=[robin.pk]),
    ]
    _grow(coach, robin, 1)
    coach_client.get(urls[0])  # the session's first touch out of the way
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as one:
            assert coach_client.get(url).status_code == 200
        counts[url] = len(one)
    _grow(coach, robin, 8)
    for url in urls:
        with CaptureQueriesContext(connection) as many:
            coach_client.get(url)
        assert len(many) == counts[url], url


def test_the_compliance_report_counts_own_copies_apart_from_disclosures(coach, coach_client, robin):
    services.accounting_print(coach=coach, client=robin)
    page = coach_client.get(reverse("standards:compliance")).content.decode()
    assert "1 accounting of disclosures printed for a client" in page
    assert "0 letters printed for clients" in page and "0 encrypted backups downloaded by you" in page
    assert "0 kept bundles or uploads downloaded by you" in page
