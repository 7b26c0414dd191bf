"""The client's own record: what they sent, read back with their own key, and every document
shared with them, downloadable (C1). What a client sends is sealed to the coach and a copy to them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

import ethos
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent
from ethos.portal import services
from ethos.portal.models import Reply, Share
from ethos.vault.context import unlocked
from tests.conftest import make_coach, open_vault
from tests.safeguarding.conftest import ask, consent, disclose

from .conftest import active_with_account, asked_consent, join, shared_goal, sign_in

pytestmark = pytest.mark.django_db
STYLESHEET = Path(ethos.__file__).parent / "static" / "ethos" / "ethos.css"


def _wraps(css_class: str) -> bool:
    """Say whether the stylesheet lets text in this class break anywhere (a 64-character hash must)."""
    rules = re.findall(r"\.([\w-]+)\s*\{([^}]*)\}", STYLESHEET.read_text())
    breaks = ("word-break: break-all", "overflow-wrap: anywhere")
    return any(name == css_class and any(b in body for b in breaks) for name, body in rules)


def _sign_consent(coach, client, account, browser, name="Robin Ash"):
    draft, share = asked_consent(coach, client)
    with unlocked(open_vault(coach)):
        text = services.consent_text(draft)
    browser.post(
        reverse("portal:consent", args=[share.pk]),
        {"read_it": "on", "typed_name": name, "shown": services.text_sha256(text)},
    )
    return text, share


def test_c1_the_client_reads_back_and_downloads_the_exact_text_they_signed_and_its_hash(coach):
    client, account = active_with_account(coach)
    browser = sign_in(account)
    text, share = _sign_consent(coach, client, account, browser)
    reply = Reply.objects.get(kind=Reply.Kind.SIGNATURE)
    page = browser.get(reverse("portal:records")).content.decode()
    assert services.text_sha256(text) in page and "You signed as Robin Ash" in page
    # On a 390-px phone the hash must wrap: its class is one the stylesheet breaks anywhere.
    [css_class] = re.findall(rf'<code class="([\w-]+)">{services.text_sha256(text)}</code>', page)
    assert _wraps(css_class), f"{css_class!r} does not wrap in {STYLESHEET.name}"
    download = browser.get(reverse("portal:sent_download", args=[reply.pk]))
    assert download["Content-Disposition"].startswith('attachment; filename="sent-signature-')
    assert download["X-Content-Type-Options"] == "nosniff"
    body = download.content.decode()
    assert text in body and services.text_sha256(text) in body and "Robin Ash" in body
    # The document they were asked to sign, too.
    document = browser.get(reverse("portal:document_download", args=[share.pk])).content.decode()
    assert text in document and services.text_sha256(text) in document
    assert AuditEvent.objects.filter(action=Action.PORTAL_RECORD_DOWNLOADED).count() == 2


def test_p1_the_client_reads_back_their_intake_answers_and_the_words_of_their_goal(coach):
    newcomer = join(coach, email="newcomer@example.org")
    browser = sign_in(newcomer)
    browser.post(
        reverse("portal:intake"),
        {
            "name": "Robin Ash",
            "date_of_birth": "1990-04-27",
            "wants": "To feel at home in my own flat",
            **dict.fromkeys(services.SCREENING_FIELDS, "no"),
        },
    )
    intake = Reply.objects.get(kind=Reply.Kind.INTAKE)
    body = browser.get(reverse("portal:sent_download", args=[intake.pk])).content.decode()
    assert "To feel at home in my own flat" in body and "Date of birth: 1990-04-27" in body

    client, account = active_with_account(coach, email="current@example.org")
    _, share = shared_goal(coach, client, words="To sleep <script>alert(1)</script> well")
    browser = sign_in(account)
    browser.post(
        reverse("portal:goal", args=[share.pk]),
        {
            "words": "To sleep well <script>alert(2)</script>",
            "shown": services.text_sha256("To sleep <script>alert(1)</script> well"),
        },
    )
    page = browser.get(reverse("portal:records")).content.decode()
    assert "To sleep well &lt;script&gt;alert(2)&lt;/script&gt;" in page and "<script>alert(2)" not in page
    goal_reply = Reply.objects.get(kind=Reply.Kind.GOAL)
    body = browser.get(reverse("portal:sent_download", args=[goal_reply.pk])).content.decode()
    assert "Your goal: To sleep well <script>alert(2)</script>" in body  # plain text, kept as written
    assert "before you changed them: To sleep <script>alert(1)</script> well" in body


def test_c1_the_accounting_of_disclosures_downloads_as_the_pdf_the_coach_prints(coach, coach_client):
    client, account = active_with_account(coach)
    with unlocked(open_vault(coach)):
        given = consent(coach, client, recipient="Dr Lee, GP")
        disclose(coach, ask(client, basis="consent", consent=given, recipient="Dr Lee, GP"))
    coach_client.post(reverse("portal_coach:accounting_share", args=[client.pk]))
    share = Share.objects.get(kind=Share.Kind.ACCOUNTING)
    download = sign_in(account).get(reverse("portal:document_download", args=[share.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF-")
    assert download["Content-Disposition"].startswith('attachment; filename="accounting-1-')


def test_what_was_sent_before_copies_were_kept_says_so(coach):
    client, account = active_with_account(coach)
    browser = sign_in(account)
    _sign_consent(coach, client, account, browser)
    Reply.objects.update(copy=None, copy_key_id=None)  # as a signature sent before this change
    reply = Reply.objects.get()
    assert services.ONLY_FOR_COACH in browser.get(reverse("portal:records")).content.decode()
    assert (
        services.ONLY_FOR_COACH
        in browser.get(reverse("portal:sent_download", args=[reply.pk])).content.decode()
    )


def test_another_client_and_a_second_coach_get_404_on_the_clients_downloads(coach, other_client):
    client, account = active_with_account(coach)
    browser = sign_in(account)
    _, share = _sign_consent(coach, client, account, browser)
    reply = Reply.objects.get()
    urls = [
        reverse("portal:sent_download", args=[reply.pk]),
        reverse("portal:document_download", args=[share.pk]),
    ]
    another = sign_in(join(make_coach(), email="sam@example.org"))
    for url in urls:
        assert browser.get(url).status_code == 200
        assert another.get(url).status_code == 404
        assert other_client.get(url).status_code == 404


def _ended(coach, client):
    from ethos.clients.endings import client_release
    from tests.clients.conftest import vetted_resource

    with unlocked(open_vault(coach)):
        return client_release(
            coach=coach,
            client=client,
            kind="end",
            initiated_by="client",
            client_reason="I feel ready to stop.",
            referral_resources=[vetted_resource(coach)],
        )


def test_p11_the_letter_about_an_ending_is_shared_and_the_client_downloads_the_pdf(coach, coach_client):
    client, account = active_with_account(coach)
    ending = _ended(coach, client)
    page = coach_client.get(reverse("clients:detail", args=[client.pk])).content.decode()
    action = reverse("portal_coach:letter_share", args=[client.pk, ending.pk])
    assert action in page  # the button sits in the Portal section of the client page
    response = coach_client.post(action, follow=True)
    assert "The letter is in the client&#x27;s portal" in response.content.decode()
    share = Share.objects.get(kind=Share.Kind.LETTER)
    assert share.subject_id == ending.pk and share.box  # sealed to the client's key
    assert b"%PDF" not in bytes(share.box)
    browser = sign_in(account)
    assert "A letter from your coach" in browser.get(reverse("portal:records")).content.decode()
    download = browser.get(reverse("portal:document_download", args=[share.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF-")
    assert download["Content-Disposition"].startswith('attachment; filename="letter-1-')
    actions = list(AuditEvent.objects.filter(coach=coach).values_list("action", flat=True))
    assert Action.PORTAL_SHARED in actions and Action.CLIENT_LETTER_PRINTED in actions
    assert Action.PORTAL_RECORD_DOWNLOADED in actions


def test_a_letter_is_shared_only_by_its_coach_and_read_only_by_its_client(coach, coach_client, other_client):
    client, account = active_with_account(coach)
    ending = _ended(coach, client)
    action = reverse("portal_coach:letter_share", args=[client.pk, ending.pk])
    assert other_client.post(action).status_code == 404
    assert not Share.objects.filter(kind=Share.Kind.LETTER).exists()
    coach_client.post(action)
    share = Share.objects.get(kind=Share.Kind.LETTER)
    url = reverse("portal:document_download", args=[share.pk])
    assert sign_in(account).get(url).status_code == 200
    another = sign_in(join(make_coach(), email="sam@example.org"))
    assert another.get(url).status_code == 404


def test_sharing_a_letter_with_a_client_not_in_the_portal_says_so_and_shares_nothing(coach, coach_client):
    from .conftest import intake

    with unlocked(open_vault(coach)):
        client = intake(coach, name="Sam Birch").client
    ending = _ended(coach, client)
    response = coach_client.post(
        reverse("portal_coach:letter_share", args=[client.pk, ending.pk]), follow=True
    )
    assert services.NO_ACCOUNT.split(".")[0] in response.content.decode()
    assert not Share.objects.exists()
