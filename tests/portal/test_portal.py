"""Issue 16: the client's own pages. Clause tests: P5 (only the client's confirmation activates a
goal), C1 (a consent exists only once the client signed its exact text), S2 (a positive answer shows
the crisis numbers first)."""

from __future__ import annotations

import datetime
import hashlib
from unittest import mock

import pytest
from django.core import mail
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from ethos.accounts.models import User
from ethos.clients import goals as goals_services
from ethos.clients.models import Client, Goal
from ethos.portal import services
from ethos.portal.models import ClientAccount, ConsentDraft, Invitation, Reply, Share
from ethos.safeguarding.models import Consent
from ethos.vault.context import VaultLocked, unlocked
from tests.conftest import PASSPHRASE, make_coach, open_vault, sign_in_browser

from .conftest import (
    CLIENT_PASSPHRASE,
    CRISIS_LINE,
    EMERGENCY,
    SITE,
    active_with_account,
    asked_consent,
    invite,
    join,
    sent_on_commit,
    shared_goal,
    sign_in,
    token_from,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
SQL = "Robin'); DROP TABLE clients_client; --"
NO = {
    "suicidal_thoughts": "no",
    "intent_or_plan": "no",
    "self_harm": "no",
    "substance_uncontrolled": "no",
    "current_treatment": "no",
}


def intake_answers(**changes) -> dict:
    return {
        "name": "Robin Ash",
        "date_of_birth": "1990-04-27",
        "wants": "To feel safe at work again",
        **NO,
        **changes,
    }


# -- 1. invitation and sign-in ----------------------------------------------------------------


def test_it_invites_with_a_single_use_link_stored_only_as_a_hash(coach):
    # An invitation before coaching begins names no client.
    with unlocked(open_vault(coach)), sent_on_commit():
        invitation, token = services.invitation_create(coach=coach, email="Robin.Ash@Example.org", site=SITE)
    [sent] = mail.outbox
    assert sent.subject == services.INVITE_SUBJECT
    for detail in ("robin", "Ash", coach.name, "trauma"):
        assert detail.lower() not in sent.subject.lower()
    assert token_from(sent.body) == token
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert token not in str(list(Invitation.objects.values_list()))
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(hours=72)

    browser = Browser()
    url = reverse("portal:join", args=[token])
    response = browser.post(url, {"passphrase": CLIENT_PASSPHRASE, "passphrase_again": CLIENT_PASSPHRASE})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    user = User.objects.get(email="robin.ash@example.org")
    assert user.role == User.Role.CLIENT and user.has_vault_password()
    assert ClientAccount.objects.get(user=user).coach == coach
    # Single use: the same link again changes nothing.
    again = Browser().post(url, {"passphrase": CLIENT_PASSPHRASE, "passphrase_again": CLIENT_PASSPHRASE})
    assert again.status_code == 404 and services.LINK_UNUSABLE in again.content.decode()
    with pytest.raises(services.ValidationError):
        services.join(token=token, passphrase=CLIENT_PASSPHRASE)
    assert User.objects.filter(role=User.Role.CLIENT).count() == 1


def test_it_refuses_a_link_after_72_hours(coach):
    token = invite(coach, email="late@example.org")
    later = timezone.now() + datetime.timedelta(hours=72, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = Browser().get(reverse("portal:join", args=[token]))
        assert response.status_code == 404
        with pytest.raises(services.ValidationError):
            services.join(token=token, passphrase=CLIENT_PASSPHRASE)
    assert not User.objects.filter(email="late@example.org").exists()


def test_it_asks_for_the_same_passphrase_strength_as_a_coachs_and_spends_nothing_on_a_weak_one(coach):
    token = invite(coach, email="weak@example.org")
    url = reverse("portal:join", args=[token])
    response = Browser().post(url, {"passphrase": "password123", "passphrase_again": "password123"})
    assert response.status_code == 400
    assert not User.objects.filter(email="weak@example.org").exists()
    assert Invitation.objects.get().used_at is None
    # The link still works for a strong one.
    response = Browser().post(url, {"passphrase": CLIENT_PASSPHRASE, "passphrase_again": CLIENT_PASSPHRASE})
    assert response.status_code == 302


def test_it_signs_a_client_in_and_opens_their_key_pair_for_the_session(coach):
    account = join(coach, email="robin@example.org")
    browser = sign_in(account)
    assert browser.get(reverse("home"))["Location"] == reverse("portal:home")
    page = browser.get(reverse("portal:home"))
    assert page.status_code == 200 and page.wsgi_request.vault is None  # no coach vault, ever
    assert browser.get(reverse("clients:list")).status_code == 404


def test_a_client_changes_their_passphrase_and_keeps_their_key(coach):
    client, account = active_with_account(coach)
    _, share = shared_goal(coach, client)
    browser = sign_in(account)
    new = "lantern orchard pebble compass"
    response = browser.post(
        reverse("accounts:passphrase_change"),
        {"current_passphrase": CLIENT_PASSPHRASE, "new_passphrase": new, "new_passphrase_again": new},
    )
    assert response.status_code == 302
    again = sign_in(account, new)
    assert (
        "To sleep through the night again"
        in again.get(reverse("portal:goal", args=[share.pk])).content.decode()
    )


def test_a_client_who_lost_their_passphrase_comes_back_through_the_coach(coach):
    client, account = active_with_account(coach)
    goal, share = shared_goal(coach, client)
    with unlocked(open_vault(coach)), sent_on_commit():
        services.link_resend(coach=coach, account=account, site=SITE)
    token = token_from(mail.outbox[-1].body)
    assert mail.outbox[-1].subject == services.RESET_SUBJECT
    new = "lantern orchard pebble compass"
    services.join(token=token, passphrase=new)
    share.refresh_from_db()
    assert share.withdrawn_at is not None  # sealed to the old key: the server cannot re-seal it
    browser = sign_in(account, new)
    assert (
        browser.get(reverse("portal:goal", args=[share.pk])).status_code == 200
    )  # a kind "cannot open" page
    with unlocked(open_vault(coach)):
        again = services.goal_share(coach=coach, goal=goal)
    assert (
        "To sleep through the night again"
        in browser.get(reverse("portal:goal", args=[again.pk])).content.decode()
    )


# -- 4. goals (P5) ------------------------------------------------------------------------------


def status_of(goal) -> str:
    return Goal.objects.filter(pk=goal.pk).values_list("status", flat=True).get()


def test_p5_only_the_clients_own_confirmation_activates_a_goal(coach):
    client, account = active_with_account(coach)
    goal, share = shared_goal(coach, client)
    assert status_of(goal) == Goal.Status.AWAITING  # sharing it activates nothing
    browser = sign_in(account)
    url = reverse("portal:goal", args=[share.pk])
    page = browser.get(url).content.decode()
    assert "To sleep through the night again" in page
    # A page showing an older text confirms nothing.
    stale = browser.post(url, {"words": "", "shown": "0" * 64})
    assert stale.status_code == 400 and services.TEXT_CHANGED in stale.content.decode()
    assert status_of(goal) == Goal.Status.AWAITING
    shown = services.text_sha256("To sleep through the night again")
    assert browser.post(url, {"words": "To sleep through the night again", "shown": shown}).status_code == 302
    assert Goal.objects.filter(pk=goal.pk).values_list("status", "confirmed_how").get() == (
        Goal.Status.ACTIVE,
        Goal.Confirmation.PORTAL,
    )
    assert browser.post(url, {"words": "", "shown": shown}).status_code == 400  # once only


def test_p5_the_coach_sees_what_the_client_changed_and_takes_their_words(coach, coach_client):
    client, account = active_with_account(coach)
    goal, share = shared_goal(coach, client)
    browser = sign_in(account)
    shown = services.text_sha256("To sleep through the night again")
    mine = "To sleep six hours, most nights, without dreading bedtime"
    browser.post(reverse("portal:goal", args=[share.pk]), {"words": mine, "shown": shown})
    reply = Reply.objects.get(kind=Reply.Kind.GOAL)
    page = coach_client.get(reverse("portal_coach:reply", args=[reply.pk])).content.decode()
    assert mine in page and "To sleep through the night again" in page
    assert coach_client.post(reverse("portal_coach:reply", args=[reply.pk])).status_code == 302
    with unlocked(open_vault(coach)):
        goal = Goal.objects.get(pk=goal.pk)
        assert goal.words == mine and goal.status == Goal.Status.ACTIVE


# -- 4. consents (C1) ---------------------------------------------------------------------------


def test_c1_a_consent_exists_only_once_the_client_signed_its_exact_text(coach, coach_client):
    client, account = active_with_account(coach)
    draft, first = asked_consent(coach, client)
    assert Consent.objects.count() == 0
    browser = sign_in(account)
    first_text = browser.get(reverse("portal:consent", args=[first.pk])).content.decode()
    assert "Dr Lindqvist, GP" in first_text
    # The coach shares it again (a new version) while the client has the old one open.
    with unlocked(open_vault(coach)):
        second = services.consent_share_again(coach=coach, draft=draft)
    with unlocked(open_vault(coach)):
        text = services.consent_text(ConsentDraft.objects.get(pk=draft.pk))
    signed = {"read_it": "on", "typed_name": "Robin Ash", "shown": services.text_sha256(text)}
    refused = browser.post(reverse("portal:consent", args=[first.pk]), signed)
    assert refused.status_code == 400 and Reply.objects.count() == 0
    assert browser.post(reverse("portal:consent", args=[second.pk]), signed).status_code == 302
    assert Consent.objects.count() == 0  # signed, not yet recorded: still no consent to rely on
    reply = Reply.objects.get(kind=Reply.Kind.SIGNATURE)
    with unlocked(open_vault(coach)):
        payload = services.reply_open(reply=reply)
    assert payload["text"] == text and payload["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert payload["typed_name"] == "Robin Ash" and payload["version"] == 2
    assert coach_client.post(reverse("portal_coach:reply", args=[reply.pk])).status_code == 302
    with unlocked(open_vault(coach)):
        consent = Consent.objects.get()
        assert consent.how_given == Consent.HowGiven.PORTAL and consent.signed_name == "Robin Ash"
        assert consent.recipient == "Dr Lindqvist, GP"
        assert ConsentDraft.objects.get(pk=draft.pk).consent_id == consent.pk


def test_c1_a_signature_of_another_text_makes_no_consent(coach):
    client, account = active_with_account(coach)
    draft, share = asked_consent(coach, client)
    browser = sign_in(account)
    with unlocked(open_vault(coach)):
        text = services.consent_text(draft)
    browser.post(
        reverse("portal:consent", args=[share.pk]),
        {"read_it": "on", "typed_name": "Robin Ash", "shown": services.text_sha256(text)},
    )
    reply = Reply.objects.get()
    with unlocked(open_vault(coach)):
        # The terms changed after the client signed: the signed text is not this consent's text.
        ConsentDraft.objects.filter(pk=draft.pk).update(
            valid_until=draft.valid_until + datetime.timedelta(days=1)
        )
        with pytest.raises(services.ValidationError) as refused:
            services.consent_from_signature(coach=coach, reply=reply)
    assert services.SIGNATURE_TEXT_DIFFERS in refused.value.messages
    assert Consent.objects.count() == 0


def test_c1_the_coachs_own_form_cannot_claim_a_portal_signature(coach, coach_client):
    from ethos.safeguarding.forms import ConsentForm

    assert Consent.HowGiven.PORTAL not in dict(ConsentForm.base_fields["how_given"].choices)


# -- 3. intake in the client's own words (S2) ---------------------------------------------------


def test_s2_a_positive_answer_shows_the_crisis_numbers_before_anything_else(coach, crisis_numbers):
    account = join(coach, email="robin@example.org")
    browser = sign_in(account)
    response = browser.post(
        reverse("portal:intake"), intake_answers(suicidal_thoughts="yes", intent_or_plan="yes")
    )
    assert response.status_code == 200
    page = response.content.decode()
    main = page[page.index('<main id="main"') :]
    first_number = min(main.index(EMERGENCY), main.index(CRISIS_LINE))
    assert first_number < main.index("Your answers went to your coach")
    assert main.index('role="alert"') < first_number < main.index("What else you can do")
    assert Reply.objects.filter(kind=Reply.Kind.INTAKE).count() == 1


def test_s2_passive_thoughts_show_the_numbers_too_and_no_thoughts_show_none(coach, crisis_numbers):
    one = sign_in(join(coach, email="one@example.org"))
    page = one.post(reverse("portal:intake"), intake_answers(suicidal_thoughts="yes")).content.decode()
    assert CRISIS_LINE in page and "Thank you for telling us" in page
    two = sign_in(join(coach, email="two@example.org"))
    response = two.post(reverse("portal:intake"), intake_answers())
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_s2_the_coach_records_the_clients_intake_through_the_same_rules(coach, coach_client, crisis_numbers):
    account = join(coach, email="robin@example.org")
    sign_in(account).post(
        reverse("portal:intake"), intake_answers(suicidal_thoughts="yes", intent_or_plan="yes")
    )
    reply = Reply.objects.get()
    url = reverse("portal_coach:reply", args=[reply.pk])
    page = coach_client.get(url).content.decode()
    assert "Robin Ash" in page and "S2" in page  # the rules' preview, before anything is recorded
    response = coach_client.post(url, {"decline_reason": ""})
    client = Client.objects.get()
    assert response["Location"] == reverse("clients:crisis", args=[client.pk])
    assert client.status == Client.Status.DECLINED and client.intake.decline_reason == "S2"
    assert ClientAccount.objects.get(pk=account.pk).client_id == client.pk


def test_it_records_an_accepted_intake_and_links_the_account(coach, coach_client):
    account = join(coach, email="robin@example.org")
    browser = sign_in(account)
    browser.post(reverse("portal:intake"), intake_answers(name=SQL, wants=SCRIPT))
    assert browser.get(reverse("portal:intake")).status_code == 200  # "already sent", nothing to fill
    assert browser.post(reverse("portal:intake"), intake_answers()).status_code == 200
    assert Reply.objects.count() == 1
    reply = Reply.objects.get()
    page = coach_client.get(reverse("portal_coach:reply", args=[reply.pk])).content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page
    coach_client.post(reverse("portal_coach:reply", args=[reply.pk]), {"decline_reason": ""})
    with unlocked(open_vault(coach)):
        client = Client.objects.get()
        assert client.name == SQL and client.intake.wants == SCRIPT and client.status == Client.Status.ACTIVE
    assert ClientAccount.objects.get(pk=account.pk).client_id == client.pk
    assert Reply.objects.get().handled_at is not None


def test_it_answers_bad_input_with_400_and_changes_nothing(coach):
    client, account = active_with_account(coach)
    goal, share = shared_goal(coach, client)
    _, consent_share = asked_consent(coach, client)
    fresh = sign_in(join(coach, email="new@example.org"))
    for data in (
        {},
        intake_answers(date_of_birth="the spring of 1990"),
        intake_answers(self_harm="maybe"),
        intake_answers(date_of_birth="2999-01-01"),
    ):
        assert fresh.post(reverse("portal:intake"), data).status_code == 400
    browser = sign_in(account)
    assert browser.post(reverse("portal:goal", args=[share.pk]), {"words": "x" * 5000}).status_code == 400
    assert (
        browser.post(reverse("portal:consent", args=[consent_share.pk]), {"typed_name": SCRIPT}).status_code
        == 400
    )
    assert Reply.objects.count() == 0
    assert status_of(goal) == Goal.Status.AWAITING


# -- who sees what: 404 for everyone else ---------------------------------------------------------


def test_another_client_a_second_coach_and_staff_get_404_on_every_portal_page(coach, other_client):
    client, account = active_with_account(coach)
    goal, share = shared_goal(coach, client)
    draft, consent_share = asked_consent(coach, client)
    sign_in(account).post(
        reverse("portal:goal", args=[share.pk]),
        {"words": "", "shown": services.text_sha256(goal_words(coach, goal))},
    )
    reply = Reply.objects.get()
    client_pages = [
        reverse("portal:home"),
        reverse("portal:intake"),
        reverse("portal:messages"),
        reverse("portal:end"),
        reverse("portal:appointments"),
        reverse("portal:records"),
        reverse("portal:goal", args=[share.pk]),
        reverse("portal:consent", args=[consent_share.pk]),
        reverse("portal:agreement", args=[consent_share.pk]),
    ]
    coach_pages = [
        reverse("portal_coach:home"),
        reverse("portal_coach:reply", args=[reply.pk]),
        reverse("portal_coach:resend", args=[account.pk]),
        reverse("portal_coach:invite_client", args=[client.pk]),
        reverse("portal_coach:consent_ask", args=[client.pk]),
        reverse("portal_coach:boundary_ask", args=[client.pk]),
        reverse("portal_coach:goal_share", args=[goal.pk]),
        reverse("portal_coach:consent_share_again", args=[draft.pk]),
        reverse("portal_coach:messages", args=[account.pk]),
        reverse("portal_coach:appointments_share", args=[client.pk]),
        reverse("portal_coach:accounting_share", args=[client.pk]),
    ]
    another = sign_in(join(make_coach(), email="sam@example.org"))  # another coach's client
    staff = User.objects.create_user(
        "staff@example.org", PASSPHRASE, name="Staff", role=User.Role.ASSOCIATION_STAFF
    )
    staff_browser = Browser()
    staff_browser.force_login(staff)
    leaks = []
    post_only = set(coach_pages[2:3] + coach_pages[6:8] + coach_pages[9:])
    for who, browser, pages in (
        ("another client", another, client_pages[6:]),
        ("second coach", other_client, client_pages + coach_pages[1:]),
        ("staff", staff_browser, client_pages + coach_pages),
        ("the client", sign_in(account), coach_pages),
    ):
        for url in pages:
            for method in (browser.get, browser.post):
                status = method(url).status_code
                # A coach's GET of a POST-only address is refused before any lookup (405, no data).
                if who == "second coach" and url in post_only and method == browser.get and status == 405:
                    continue
                if status != 404:
                    leaks.append(f"{who} {method.__name__} {url} -> {status}")
    assert leaks == []
    # The second coach's own portal page lists nothing of the first coach's.
    assert "robin@example.org" not in other_client.get(reverse("portal_coach:home")).content.decode()


def goal_words(coach, goal) -> str:
    with unlocked(open_vault(coach)):
        return Goal.objects.get(pk=goal.pk).words


def test_a_coach_without_a_key_pair_gets_one_at_the_next_unlock(db):
    from ethos.vault.models import BoxKey

    coach = make_coach()
    BoxKey.objects.filter(user=coach).delete()  # as for a coach from before the portal
    sign_in_browser(Browser(), coach)
    assert BoxKey.objects.filter(user=coach).count() == 1
    sign_in_browser(Browser(), coach)
    assert BoxKey.objects.filter(user=coach).count() == 1


def test_the_coachs_key_cannot_open_a_clients_words_without_the_coachs_vault(coach):
    account = join(coach, email="robin@example.org")
    sign_in(account).post(reverse("portal:intake"), intake_answers())
    reply = Reply.objects.get()
    with pytest.raises(VaultLocked):
        services.reply_open(reply=reply)
    other = make_coach()
    with unlocked(open_vault(other)), pytest.raises(PermissionError):
        services.reply_open(reply=reply)


# -- 4. boundary agreements (P7) ------------------------------------------------------------------


def test_p7_a_boundary_agreement_is_recorded_only_from_the_clients_signature_of_its_text(coach, coach_client):
    from ethos.coaching.boundary_models import PORTAL_SIGNED, BoundaryAgreement
    from ethos.portal.models import BoundaryDraft

    client, account = active_with_account(coach)
    page = coach_client.post(
        reverse("portal_coach:boundary_ask", args=[client.pk]),
        {
            "contact_between": "Email to move a session, answered within two working days.",
            "out_of_bounds": "",
        },
    )
    assert page.status_code == 400 and BoundaryDraft.objects.count() == 0
    coach_client.post(
        reverse("portal_coach:boundary_ask", args=[client.pk]),
        {
            "contact_between": "Email to move a session, answered within two working days.",
            "out_of_bounds": f"Social media. {SCRIPT}",
        },
    )
    share = Share.objects.get(kind=Share.Kind.BOUNDARY)
    assert BoundaryAgreement.objects.count() == 0
    browser = sign_in(account)
    home = browser.get(reverse("portal:home")).content.decode()
    assert reverse("portal:agreement", args=[share.pk]) in home
    url = reverse("portal:agreement", args=[share.pk])
    shown = browser.get(url).content.decode()
    assert "&lt;script&gt;" in shown and SCRIPT not in shown
    with unlocked(open_vault(coach)):
        text = services.boundary_text(BoundaryDraft.objects.get())
    assert (
        browser.post(url, {"read_it": "on", "typed_name": "Robin Ash", "shown": "0" * 64}).status_code == 400
    )
    assert (
        browser.post(
            url, {"read_it": "on", "typed_name": "Robin Ash", "shown": services.text_sha256(text)}
        ).status_code
        == 302
    )
    assert BoundaryAgreement.objects.count() == 0  # signed, not yet recorded by the coach
    reply = Reply.objects.get(kind=Reply.Kind.SIGNATURE)
    assert coach_client.post(reverse("portal_coach:reply", args=[reply.pk])).status_code == 302
    with unlocked(open_vault(coach)):
        agreement = BoundaryAgreement.objects.get()
        assert agreement.signature_kind == PORTAL_SIGNED and agreement.signed_name == "Robin Ash"
        assert agreement.out_of_bounds.endswith(SCRIPT)
    assert Consent.objects.count() == 0


def test_messages_do_not_crowd_the_clients_list_of_things_to_read(coach):
    _, account = active_with_account(coach)
    with unlocked(open_vault(coach)):
        services.message_share(coach=coach, account=account, text="Hello")
    home = sign_in(account).get(reverse("portal:home")).content.decode()
    assert "Nothing yet" in home


def test_a_browser_that_lost_its_half_of_the_key_is_asked_to_sign_in_again(coach):
    from ethos.vault.services import cookie_name

    client, account = active_with_account(coach)
    _, share = shared_goal(coach, client)
    browser = sign_in(account)
    del browser.cookies[cookie_name()]
    response = browser.get(reverse("portal:goal", args=[share.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))
    assert "To sleep through the night again" not in response.content.decode()


def test_sharing_a_goal_from_the_client_page_carries_its_csrf_token(coach, coach_client):
    # The client page renders its sections apart from the view: a section's form needs the
    # request for its token, or every press of "Share in the portal" is refused as expired.
    client, _ = active_with_account(coach)
    with unlocked(open_vault(coach)):
        goal = goals_services.goal_create(coach=coach, client=client, words="Sleep better")
    strict = Browser(enforce_csrf_checks=True)
    strict.cookies = coach_client.cookies
    page = strict.get(reverse("clients:detail", args=[client.pk])).content.decode()
    share_url = reverse("portal_coach:goal_share", args=[goal.pk])
    form = page[page.index(f'action="{share_url}"') :]
    token = form[form.index('name="csrfmiddlewaretoken" value="') :].split('"')[3]
    assert form.index("csrfmiddlewaretoken") < form.index("</form>")
    response = strict.post(share_url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Share.objects.filter(kind=Share.Kind.GOAL, subject_id=goal.pk).exists()
