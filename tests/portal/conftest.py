"""Portal test helpers: invitations, joining and sharing through the product's own services."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client as Browser
from django.test import TestCase
from django.urls import reverse

from ethos.clients import goals
from ethos.portal import services
from ethos.portal.models import ClientAccount, Share
from ethos.practice.services import profile_update
from ethos.vault.context import unlocked
from tests.clients.conftest import intake
from tests.conftest import open_vault

CLIENT_PASSPHRASE = "violet tugboat marmalade quarry"
SITE = "http://testserver"  # the address a coach reached Ethos at
CRISIS_LINE = "0800 111 222"
EMERGENCY = "999"


def invite(coach, *, email: str, client=None) -> str:
    """Invite through the service (the coach's vault open); return the token from the email's link."""
    with unlocked(open_vault(coach)), sent_on_commit():
        services.invitation_create(coach=coach, email=email, site=SITE, client=client)
    return token_from(mail.outbox[-1].body)


def sent_on_commit():
    """Run what the service left for after its commit (the email), as a real commit would."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def token_from(body: str) -> str:
    return re.search(r"/portal/join/([^/\s]+)/", body).group(1)


def join(coach, *, email: str, client=None) -> ClientAccount:
    token = invite(coach, email=email, client=client)
    user, _ = services.join(token=token, passphrase=CLIENT_PASSPHRASE)
    return ClientAccount.objects.select_related("user", "coach").get(user=user)


def intake_sent(account: ClientAccount, *, name: str = "Robin Ash"):
    """The client sends their intake answers through the portal (no risk), as an answer waiting."""
    return services.intake_send(
        account=account,
        answers={
            "name": name,
            "date_of_birth": "1990-04-27",
            "wants": "To feel safe at work",
            "screening": dict.fromkeys(services.SCREENING_FIELDS, False),
        },
    )


def sign_in(account: ClientAccount, passphrase: str = CLIENT_PASSPHRASE) -> Browser:
    """Sign a client in through the real sign-in form, which opens their key for the session."""
    browser = Browser()
    response = browser.post(
        reverse("accounts:sign_in"), {"email": account.user.email, "passphrase": passphrase}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return browser


def active_with_account(coach, *, name="Robin Ash", email="robin@example.org"):
    with unlocked(open_vault(coach)):
        client = intake(coach, name=name).client
    return client, join(coach, email=email, client=client)


def shared_goal(coach, client, words="To sleep through the night again"):
    with unlocked(open_vault(coach)):
        goal = goals.goal_create(coach=coach, client=client, words=words)
        share = services.goal_share(coach=coach, goal=goal)
    return goal, share


def asked_consent(coach, client, **terms):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    values = {
        "recipient": "Dr Lindqvist, GP",
        "purpose": "So my doctor knows how I am doing",
        "record_kinds": ["attendance"],
        "valid_from": today,
        "valid_until": today + datetime.timedelta(days=90),
    } | terms
    with unlocked(open_vault(coach)):
        draft = services.consent_ask(coach=coach, client=client, **values)
    share = Share.objects.get(subject_id=draft.pk, withdrawn_at__isnull=True)
    return draft, share


@pytest.fixture
def crisis_numbers(coach):
    profile_update(
        coach=coach,
        country="GB",
        region="",
        age_of_majority=18,
        crisis_line=CRISIS_LINE,
        emergency_number=EMERGENCY,
    )
