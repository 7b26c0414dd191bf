"""Whatever is typed into the portal is kept exactly and shown as text; bad input is a 400 with a
clear message, never a 500, and changes nothing; two-step sign-in works for a client too."""

from __future__ import annotations

import pyotp
import pytest
from django.urls import reverse

from ethos.accounts import services as accounts
from ethos.clients.models import Client, Goal
from ethos.portal import services
from ethos.portal.models import BoundaryDraft, ConsentDraft, Reply, Share
from ethos.vault.context import unlocked
from tests.conftest import open_vault

from .conftest import CLIENT_PASSPHRASE, active_with_account, asked_consent, join, shared_goal, sign_in

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script> Robin'); DROP TABLE portal_reply; -- \" & é 🙂"


def test_script_and_sql_looking_input_survive_every_field(coach, coach_client):
    newcomer = sign_in(join(coach, email="new@example.org"))
    answers = dict.fromkeys(
        (
            "name",
            "preferred_name",
            "pronouns",
            "phone",
            "emergency_name",
            "emergency_phone",
            "wants",
            "concerns",
        ),
        HOSTILE,
    )
    answers |= {"date_of_birth": "1990-04-27"} | dict.fromkeys(services.SCREENING_FIELDS, "no")
    answers["pronouns"] = HOSTILE[:40]
    answers["phone"] = HOSTILE[:40]
    answers["emergency_phone"] = HOSTILE[:40]
    assert newcomer.post(reverse("portal:intake"), answers).status_code == 302

    client, account = active_with_account(coach)
    _, goal_share = shared_goal(coach, client, words=HOSTILE)
    coach_client.post(
        reverse("portal_coach:consent_ask", args=[client.pk]),
        {
            "recipient": HOSTILE,
            "purpose": HOSTILE,
            "record_kinds": ["attendance"],
            "valid_from": "2026-01-01",
            "valid_until": "2027-01-01",
        },
    )
    coach_client.post(
        reverse("portal_coach:boundary_ask", args=[client.pk]),
        {"contact_between": HOSTILE, "out_of_bounds": HOSTILE},
    )
    coach_client.post(reverse("portal_coach:messages", args=[account.pk]), {"text": HOSTILE})
    browser = sign_in(account)
    for url in (
        reverse("portal:goal", args=[goal_share.pk]),
        reverse("portal:consent", args=[Share.objects.get(kind=Share.Kind.CONSENT).pk]),
        reverse("portal:agreement", args=[Share.objects.get(kind=Share.Kind.BOUNDARY).pk]),
        reverse("portal:messages"),
    ):
        page = browser.get(url).content.decode()
        assert "<script>alert" not in page and "&lt;script&gt;alert" in page, url
    browser.post(
        reverse("portal:goal", args=[goal_share.pk]),
        {"words": HOSTILE + " mine", "shown": services.text_sha256(HOSTILE)},
    )
    for kind in (Share.Kind.CONSENT, Share.Kind.BOUNDARY):
        share = Share.objects.get(kind=kind)
        payload_text = _shared_text(coach, share)
        url = reverse("portal:consent" if kind == Share.Kind.CONSENT else "portal:agreement", args=[share.pk])
        response = browser.post(
            url, {"read_it": "on", "typed_name": HOSTILE, "shown": services.text_sha256(payload_text)}
        )
        assert response.status_code == 302, kind
    browser.post(reverse("portal:messages"), {"text": HOSTILE})
    browser.post(reverse("portal:end"), {"reason": HOSTILE, "sure": "on"})

    with unlocked(open_vault(coach)):
        opened = [services.reply_open(reply=reply) for reply in Reply.objects.all()]
        drafts = [*ConsentDraft.objects.all(), *BoundaryDraft.objects.all()]
        assert all(
            HOSTILE in [value for value in draft.terms.values() if isinstance(value, str)] for draft in drafts
        )
    kept = {
        Reply.Kind.INTAKE: lambda p: p["wants"] == HOSTILE and p["name"] == HOSTILE,
        Reply.Kind.GOAL: lambda p: p["words"] == HOSTILE + " mine",
        Reply.Kind.SIGNATURE: lambda p: p["typed_name"] == " ".join(HOSTILE.split()),
        Reply.Kind.MESSAGE: lambda p: p["text"] == HOSTILE,
        Reply.Kind.ENDING: lambda p: p["reason"] == HOSTILE,
    }
    for reply, payload in zip(Reply.objects.all(), opened, strict=True):
        assert kept[reply.kind](payload), reply.kind
    for reply in Reply.objects.all():
        if reply.kind == Reply.Kind.MESSAGE:
            continue
        page = coach_client.get(reverse("portal_coach:reply", args=[reply.pk])).content.decode()
        assert "<script>alert" not in page, reply.kind
    assert Client.objects.count() == 1 and Goal.objects.count() == 1


def _shared_text(coach, share: Share) -> str:
    if share.kind == Share.Kind.CONSENT:
        draft = ConsentDraft.objects.get(pk=share.subject_id)
        with unlocked(open_vault(coach)):
            return services.consent_text(draft)
    draft = BoundaryDraft.objects.get(pk=share.subject_id)
    with unlocked(open_vault(coach)):
        return services.boundary_text(draft)


@pytest.mark.parametrize(
    ("page", "data"),
    [
        ("goal", {"words": "fine", "shown": "not-a-hash"}),
        ("goal", {"words": "fine"}),
        ("goal", {"words": "x" * 1001, "shown": "0" * 64}),
        ("consent", {"read_it": "on", "typed_name": "Robin", "shown": "z" * 64}),
        ("consent", {"read_it": "on", "typed_name": "x" * 201, "shown": "0" * 64}),
        ("consent", {"read_it": "yes please", "typed_name": "   ", "shown": "0" * 64}),
        ("messages", {"text": ""}),
        ("intake", {"name": "x" * 151, "date_of_birth": "0000-00-00", "suicidal_thoughts": "maybe"}),
        ("intake", {"date_of_birth": "1990-02-30"}),
        ("end", {"reason": "x" * 5001, "sure": "on"}),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_changes_nothing(coach, page, data):
    client, account = active_with_account(coach)
    goal, goal_share = shared_goal(coach, client)
    _, consent_share = asked_consent(coach, client)
    browser = sign_in(account if page != "intake" else join(coach, email="new@example.org"))
    url = {
        "goal": reverse("portal:goal", args=[goal_share.pk]),
        "consent": reverse("portal:consent", args=[consent_share.pk]),
        "messages": reverse("portal:messages"),
        "intake": reverse("portal:intake"),
        "end": reverse("portal:end"),
    }[page]
    response = browser.post(url, data)
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert Reply.objects.count() == 0
    assert Goal.objects.filter(pk=goal.pk, status=Goal.Status.AWAITING).exists()


def test_a_client_adds_two_step_sign_in_and_their_key_opens_only_after_the_code(coach):
    client, account = active_with_account(coach)
    _, share = shared_goal(coach, client)
    secret = pyotp.random_base32()
    accounts.totp_enable(user=account.user, secret=secret, code=pyotp.TOTP(secret).now())
    from django.test import Client as Browser

    browser = Browser()
    response = browser.post(
        reverse("accounts:sign_in"), {"email": account.user.email, "passphrase": CLIENT_PASSPHRASE}
    )
    assert response["Location"].startswith(reverse("accounts:sign_in_code"))
    assert browser.get(reverse("portal:goal", args=[share.pk])).status_code == 302  # not signed in yet
    account.user.refresh_from_db()
    account.user.totp_last_step = 0
    account.user.save(update_fields=["totp_last_step"])
    response = browser.post(reverse("accounts:sign_in_code"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert (
        "To sleep through the night again"
        in browser.get(reverse("portal:goal", args=[share.pk])).content.decode()
    )
