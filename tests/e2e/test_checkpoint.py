"""The browser keeps the last audit checkpoint it saw and warns loudly if the log was rewritten."""

import pytest
from django.db import connection

from ethos.audit import merkle, triggers
from ethos.audit.actions import Action
from ethos.audit.models import AuditEvent, AuditHead
from ethos.audit.services import audit_append, sign_checkpoint
from tests.conftest import PASSPHRASE, make_coach

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("flushable_db")]


def sign_in(page, live_server, coach):
    page.goto(live_server.url + "/sign-in/")
    page.get_by_label("Email").fill(coach.email)
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_label("Passphrase").press("Enter")
    page.wait_for_url(live_server.url + "/")
    page.wait_for_load_state("networkidle")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")


def kept_checkpoint(page, coach) -> str | None:
    return page.evaluate(f"localStorage.getItem('ethos.checkpoint.{coach.pk}')")


def test_the_browser_remembers_the_checkpoint_and_stays_quiet_while_the_log_only_grows(live_server, page):
    coach = make_coach()
    sign_in(page, live_server, coach)
    first = kept_checkpoint(page, coach)
    assert first and first.startswith(f"ethos/audit/{coach.pk}\n")
    sign_out(page)
    sign_in(page, live_server, coach)
    assert page.locator("#audit-watch").is_hidden()
    assert kept_checkpoint(page, coach) != first  # moved forward to the newer head


def test_a_rolled_back_log_raises_a_loud_warning_at_sign_in(live_server, page):
    coach = make_coach()
    for number in range(5):
        audit_append(coach=coach, action=Action.CLIENT_VIEWED, target_id=str(number))
    sign_in(page, live_server, coach)
    assert kept_checkpoint(page, coach)
    sign_out(page)
    # Someone with database and key access rolls the whole log back to an earlier, validly signed
    # state: the later events go and the head is rebuilt for size 2. Only a kept checkpoint shows it.
    triggers.remove(connection)
    AuditEvent.objects.filter(coach=coach, seq__gt=2)._raw_delete(connection.alias)
    triggers.install(connection)
    hashes = AuditEvent.objects.filter(coach=coach).order_by("seq").values_list("leaf_hash", flat=True)
    compact = merkle.CompactRange.from_leaf_hashes(bytes(h) for h in hashes)
    AuditHead.objects.filter(coach=coach).update(
        size=2, compact=compact.to_dict(), checkpoint=sign_checkpoint(coach.pk, 2, compact.root())
    )
    sign_in(page, live_server, coach)
    warning = page.locator("#audit-watch")
    warning.wait_for(state="visible")
    assert "does not match what this browser saw before" in warning.inner_text()
    assert warning.get_attribute("role") == "alert"
