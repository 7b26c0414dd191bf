"""C2 for the portal: what a client writes is nowhere in clear in the database file or its WAL, and
the coach reads it after unlocking; what the coach shares is sealed too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ethos.portal import services
from ethos.portal.models import Reply
from ethos.vault.context import unlocked
from tests.conftest import open_vault
from tests.vault.test_at_rest import database_bytes

from .conftest import active_with_account, asked_consent, join, shared_goal, sign_in

pytestmark = pytest.mark.usefixtures("flushable_db")

INTAKE_CANARY = "Wrenfield-Ostracod-4417"
GOAL_CANARY = "Thistlecombe-Lanyard-2290"
SHARED_CANARY = "Quorndale-Pipit-7712"
SIGNED_CANARY = "Brackenmoor-Isolde-5531"
RECIPIENT_CANARY = "Halvergate-Clinic-3318"
MESSAGE_CANARY = "Ferncastle-Gudgeon-6604"
REPLY_CANARY = "Pennywick-Marten-1189"


def _absent(raw: bytes, word: str) -> None:
    for form in (word.encode(), word.encode("utf-16-le"), word.lower().encode(), word.upper().encode()):
        assert form not in raw, word


def test_c2_what_a_client_writes_is_nowhere_in_clear_and_the_coach_reads_it_after_unlock(coach):
    # Before coaching: a person's own intake answers.
    newcomer = join(coach, email="newcomer@example.org")
    sign_in(newcomer).post(
        reverse("portal:intake"),
        {
            "name": "Robin Ash",
            "date_of_birth": "1990-04-27",
            "wants": f"To stop {INTAKE_CANARY} from running my days",
            "suicidal_thoughts": "no",
            "intent_or_plan": "no",
            "self_harm": "no",
            "substance_uncontrolled": "no",
            "current_treatment": "no",
        },
    )
    # A current client: a goal shared, reworded and confirmed; a consent shared and signed.
    client, account = active_with_account(coach, email="current@example.org")
    _, goal_share = shared_goal(coach, client, words=f"To walk to {SHARED_CANARY} on my own")
    draft, consent_share = asked_consent(coach, client, recipient=RECIPIENT_CANARY)
    browser = sign_in(account)
    browser.post(
        reverse("portal:goal", args=[goal_share.pk]),
        {
            "words": f"To walk to {GOAL_CANARY} by myself",
            "shown": services.text_sha256(f"To walk to {SHARED_CANARY} on my own"),
        },
    )
    with unlocked(open_vault(coach)):
        text = services.consent_text(draft)
    browser.post(
        reverse("portal:consent", args=[consent_share.pk]),
        {"read_it": "on", "typed_name": SIGNED_CANARY, "shown": services.text_sha256(text)},
    )
    browser.post(reverse("portal:messages"), {"text": f"I saw {MESSAGE_CANARY} again"})
    with unlocked(open_vault(coach)):
        services.message_share(coach=coach, account=account, text=f"Let us talk about {REPLY_CANARY}")
    assert Reply.objects.count() == 4

    raw = database_bytes()
    assert b"newcomer@example.org" in raw  # a plain column: the scan would see plaintext if there were any
    for word in (
        INTAKE_CANARY,
        GOAL_CANARY,
        SHARED_CANARY,
        SIGNED_CANARY,
        RECIPIENT_CANARY,
        MESSAGE_CANARY,
        REPLY_CANARY,
    ):
        _absent(raw, word)

    with unlocked(open_vault(coach)):
        opened = {reply.kind: services.reply_open(reply=reply) for reply in Reply.objects.all()}
    assert INTAKE_CANARY in opened[Reply.Kind.INTAKE]["wants"]
    assert GOAL_CANARY in opened[Reply.Kind.GOAL]["words"]
    assert opened[Reply.Kind.SIGNATURE]["typed_name"] == SIGNED_CANARY
    assert RECIPIENT_CANARY in opened[Reply.Kind.SIGNATURE]["text"]
    assert MESSAGE_CANARY in opened[Reply.Kind.MESSAGE]["text"]
    page = browser.get(reverse("portal:messages")).content.decode()
    assert MESSAGE_CANARY in page and REPLY_CANARY in page  # each side reads the thread with their own key


def test_c2_a_coachs_backup_carries_their_portal_clients_and_restores_with_them(coach, tmp_path):
    from ethos.accounts import backup
    from ethos.accounts.models import User
    from ethos.portal.models import ClientAccount
    from ethos.vault.models import AccountKey, BoxKey
    from tests.conftest import make_coach
    from tests.vault.test_backup import empty_the_database

    client, account = active_with_account(coach, email="current@example.org")
    _, share = shared_goal(coach, client, words=f"To walk to {SHARED_CANARY} on my own")
    sign_in(account).post(reverse("portal:messages"), {"text": f"I saw {MESSAGE_CANARY} again"})
    stranger = join(make_coach(), email="someone-else@example.org")  # another coach's portal client
    out = tmp_path / "practice.ethos-backup"
    result = backup.backup_write(out=out, coach=coach)
    assert result.counts["accounts.user"] == 2  # the coach and their client, not the other practice
    _absent(out.read_bytes(), MESSAGE_CANARY)
    _absent(out.read_bytes(), SHARED_CANARY)

    empty_the_database()
    backup.restore_read(path=out)
    assert set(User.objects.values_list("email", flat=True)) == {coach.email, "current@example.org"}
    assert ClientAccount.objects.get().user_id == account.user_id
    assert AccountKey.objects.filter(coach_id=account.user_id).exists()
    assert BoxKey.objects.filter(user_id=account.user_id).exists()
    assert not User.objects.filter(pk=stranger.user_id).exists()
    # The client signs in again with their passphrase and reads what was shared, with their own key.
    page = sign_in(ClientAccount.objects.select_related("user").get()).get(
        reverse("portal:goal", args=[share.pk])
    )
    assert SHARED_CANARY in page.content.decode()
    with unlocked(open_vault(coach)):
        assert MESSAGE_CANARY in services.reply_open(reply=Reply.objects.get())["text"]
