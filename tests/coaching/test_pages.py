"""The session pages: the calendar feed, another coach's 404, hostile text, bounded queries."""

from __future__ import annotations

import datetime
import re

import icalendar
import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ethos.coaching import services
from ethos.coaching.calendar import EVENT_TITLE
from ethos.coaching.models import CalendarFeed, FollowUp, Session
from ethos.standards.engine import ActionStopped
from tests.coaching.conftest import CANARY, PAYLOAD, REFLECTED, active_client, schedule, start, tomorrow_at

pytestmark = pytest.mark.django_db


def feed_address(coach_client) -> str:
    page = coach_client.post(reverse("coaching:calendar")).content.decode()
    return re.search(r'value="https?://[^/"]+(/calendar/[^"]+\.ics)"', page).group(1)


def test_the_calendar_feed_parses_and_names_no_client(coach, robin, coach_client):
    schedule(coach, robin, starts_at=tomorrow_at(10), place=f"{CANARY}'s flat")
    address = feed_address(coach_client)
    response = Browser().get(address)  # a calendar app: no sign-in, no cookies
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar"
    body = response.content.decode()
    assert CANARY not in body and "Quillon" not in body and "flat" not in body
    [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == EVENT_TITLE
    assert event.decoded("dtstart") == tomorrow_at(10)
    assert re.fullmatch(r"Ref [0-9A-F]{8}", str(event["description"]))


def test_an_unchanged_feed_is_served_from_the_kept_document_and_a_change_makes_a_new_one(
    coach, robin, coach_client
):
    session = schedule(coach, robin, starts_at=tomorrow_at(10))
    schedule(coach, robin, starts_at=tomorrow_at(14))
    address = feed_address(coach_client)
    calendar_app = Browser()
    first = calendar_app.get(address)
    etag = first["ETag"]
    assert first.status_code == 200 and etag
    assert len(icalendar.Calendar.from_ical(first.content).walk("VEVENT")) == 2
    # Polling again with the ETag: nothing changed, so nothing is sent.
    again = calendar_app.get(address, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # Without the ETag the same kept document comes back, not one rebuilt per request.
    assert calendar_app.get(address).content == first.content
    services.session_cancel(coach=coach, session=session, cancelled_by="coach", reason="unwell")
    changed = calendar_app.get(address, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    [left] = icalendar.Calendar.from_ical(changed.content).walk("VEVENT")
    assert left.decoded("dtstart") == tomorrow_at(14)


def test_the_calendar_feed_carries_the_last_thirty_days_and_the_year_ahead(coach, robin, coach_client):
    """The feed is a window on the diary, not the whole of it (selectors.FEED_PAST, FEED_AHEAD)."""
    now = timezone.now().replace(microsecond=0)
    kept, left_out = [], []
    for days, inside in ((-45, False), (-29, True), (1, True), (360, True), (370, False)):
        session = schedule(
            coach, robin, starts_at=tomorrow_at(10) + datetime.timedelta(days=len(kept + left_out))
        )
        starts_at = now + datetime.timedelta(days=days)
        Session.objects.filter(pk=session.pk).update(
            starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1)
        )
        (kept if inside else left_out).append((session.pk, starts_at))
    events = icalendar.Calendar.from_ical(Browser().get(feed_address(coach_client)).content).walk("VEVENT")
    assert [(str(e["uid"]), e.decoded("dtstart")) for e in events] == [
        (f"{pk}@ethos", starts_at) for pk, starts_at in kept
    ]


def test_the_calendar_token_is_stored_only_as_its_hash_and_rotating_stops_the_old_address(
    coach, coach_client
):
    old = feed_address(coach_client)
    token = old.removeprefix("/calendar/").removesuffix(".ics")
    assert len(token) >= 40
    stored = CalendarFeed.objects.get(coach=coach).token_hash
    assert token not in stored and stored == services.token_hash(token)
    new = feed_address(coach_client)
    assert Browser().get(old).status_code == 404
    assert Browser().get(new).status_code == 200
    assert Browser().get("/calendar/guessed-token.ics").status_code == 404


def _pages_of(session, follow_up):
    return [
        reverse("coaching:detail", args=[session.pk]),
        reverse("coaching:start", args=[session.pk]),
        reverse("coaching:close", args=[session.pk]),
        reverse("coaching:safety", args=[session.pk]),
        reverse("coaching:cancel", args=[session.pk]),
        reverse("coaching:reschedule", args=[session.pk]),
        reverse("coaching:follow_up", args=[session.pk, follow_up.pk]),
    ]


def test_another_coach_gets_404_on_every_session_page(coach, robin, other_client):
    session = schedule(coach, robin)
    with pytest.raises(ActionStopped):
        start(coach, session, presentation="influence")
    follow_up = FollowUp.objects.get(client=robin)
    leaks = []
    for url in _pages_of(session, follow_up):
        for method in (other_client.get, other_client.post):
            response = method(url, {"how": "x", "cancelled_by": "coach", "reason": "x"})
            if response.status_code not in (404, 405):
                leaks.append(f"{method.__name__} {url} -> {response.status_code}")
    assert leaks == []
    session.refresh_from_db()
    assert session.status == "scheduled"
    for url in (reverse("coaching:list"), reverse("coaching:week") + f"?start={tomorrow_at(1).date()}"):
        assert CANARY not in other_client.get(url).content.decode()


def test_hostile_text_survives_every_field_and_is_shown_escaped(coach, robin, coach_client):
    session = schedule(coach, robin, place=PAYLOAD)
    start(coach, session)
    with pytest.raises(ActionStopped):
        services.session_close(
            coach=coach,
            session=session,
            leaving="unsafe",
            reflection=services.Reflection(True, True, True, words=PAYLOAD),
        )
    services.safety_plan_record(
        coach=coach,
        session=session,
        steps=["orient"],
        what_was_done=PAYLOAD,
        risk_to_life=True,
        outcome="emergency",
    )
    later = schedule(coach, robin, starts_at=tomorrow_at(9))
    services.session_cancel(coach=coach, session=later, cancelled_by="client", reason=PAYLOAD)
    session.refresh_from_db()
    later.refresh_from_db()
    assert session.place == PAYLOAD and later.cancel_reason == PAYLOAD
    assert (
        session.safety_plans.get().what_was_done == PAYLOAD
        and session.close_checks.get().reflection == PAYLOAD
    )
    for shown in (session, later):
        page = coach_client.get(reverse("coaching:detail", args=[shown.pk])).content.decode()
        assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_hostile_text_in_a_follow_up_conversation_is_kept_as_written(coach, robin):
    first = schedule(coach, robin)
    with pytest.raises(ActionStopped):
        start(coach, first, presentation="influence")
    services.session_cancel(coach=coach, session=first, cancelled_by="coach", reason="moved")
    now = schedule(coach, robin)
    start(coach, now)
    follow_up = FollowUp.objects.get(client=robin)
    services.follow_up_resolve(coach=coach, follow_up=follow_up, session=now, how=PAYLOAD)
    follow_up.refresh_from_db()
    assert follow_up.resolution == PAYLOAD


def _diary(coach, count: int):
    """`count` sessions tomorrow, back to back, over up to three clients."""
    clients = [active_client(coach, name=f"Client {n}") for n in range(min(count, 3))]
    first = tomorrow_at(1)
    for n in range(count):
        schedule(
            coach, clients[n % len(clients)], starts_at=first + datetime.timedelta(minutes=15 * n), minutes=15
        )
    return clients[0]


@pytest.mark.parametrize(
    "page",
    [
        lambda client: reverse("coaching:list"),
        lambda client: reverse("coaching:week") + f"?start={tomorrow_at(1).date()}",
        lambda client: reverse("clients:detail", args=[client.pk]),
    ],
    ids=["agenda", "week", "client page"],
)
def test_session_pages_read_the_same_number_of_queries_for_1_and_50_sessions(
    coach, vault, coach_client, other_coach, page
):
    from ethos.vault.context import unlocked
    from tests.conftest import make_coach, open_vault, sign_in_browser

    client = _diary(coach, 1)
    url = page(client)
    coach_client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert coach_client.get(url).status_code == 200

    busy = make_coach(name="Busy Coach")
    with unlocked(open_vault(busy)):
        busy_client = _diary(busy, 50)
    browser = sign_in_browser(Browser(), busy)
    url = page(busy_client)
    browser.get(url)
    with CaptureQueriesContext(connection) as fifty:
        body = browser.get(url).content.decode()
    assert len(fifty.captured_queries) == len(one.captured_queries)
    assert "Client 2" in body or "Session" in body


def test_the_week_decrypts_each_client_once_and_says_how_a_session_went(coach, robin, monkeypatch):
    from ethos.coaching import selectors
    from ethos.vault.fields import EncryptedField

    first = start(coach, schedule(coach, robin))
    second = schedule(coach, robin, starts_at=timezone.now() + datetime.timedelta(hours=2))
    # Two more on one day, so the client has several sessions in one week whatever today is.
    morning = schedule(coach, robin, starts_at=tomorrow_at(10))
    afternoon = schedule(coach, robin, starts_at=tomorrow_at(14), modality=Session.Modality.PHONE)
    opened = []
    real_open = EncryptedField.open

    def counting_open(field, instance, sealed):
        opened.append((type(instance).__name__, instance.pk, field.name))
        return real_open(field, instance, sealed)

    monkeypatch.setattr(EncryptedField, "open", counting_open)
    mondays = {selectors.week_start(timezone.localdate(s.starts_at)) for s in (first, second, morning)}
    entries = {}
    for monday in sorted(mondays):
        opened.clear()
        days = selectors.week(coach, monday=monday)
        assert [day.date for day in days] == [monday + datetime.timedelta(days=n) for n in range(7)]
        entries |= {entry.url: entry for day in days for entry in day.entries}
        # Only the client's name is opened, once for the week however many sessions they have.
        assert opened and len(opened) == len(set(opened))
        assert {(model, pk) for model, pk, _ in opened} == {("Client", robin.pk)}
    assert {reverse("coaching:detail", args=[s.pk]) for s in (first, second, morning, afternoon)} <= set(
        entries
    )
    started = entries[reverse("coaching:detail", args=[first.pk])]
    assert (started.name, started.status_label) == (CANARY, "under way")
    assert entries[reverse("coaching:detail", args=[second.pk])].status_label == ""
    later = entries[reverse("coaching:detail", args=[afternoon.pk])]
    assert (later.starts, later.ends, later.modality) == ("14:00", "15:00", "Phone call")


def test_the_weeks_prepared_reads_match_the_orm_and_leave_out_cancelled_sessions_and_other_weeks(
    coach, robin
):
    from ethos.coaching import selectors

    kept = schedule(coach, robin, starts_at=tomorrow_at(10))
    cancelled = schedule(coach, robin, starts_at=tomorrow_at(12))
    services.session_cancel(coach=coach, session=cancelled, cancelled_by="client", reason="Busy")
    wren = active_client(coach, name="Wren Hollis")
    schedule(coach, wren, starts_at=tomorrow_at(10) + datetime.timedelta(days=7))
    monday = selectors.week_start(tomorrow_at(10).date())
    start_of_week = datetime.datetime.combine(
        monday, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    args = (coach, start_of_week, start_of_week + datetime.timedelta(days=7))
    rows = selectors._week_rows(*args)
    assert rows == selectors._week_rows.build(*args)
    assert rows == [(kept.pk, robin.pk, kept.starts_at, kept.ends_at, kept.modality, "scheduled")]
    clients = selectors._week_clients(*args)
    assert [client.pk for client in clients] == [client.pk for client in selectors._week_clients.build(*args)]
    assert [(client.pk, client.display_name) for client in clients] == [(robin.pk, CANARY)]


def test_the_page_of_a_session_that_never_started_asks_for_no_close_check_plan_or_note(
    coach, session, coach_client
):
    with CaptureQueriesContext(connection) as read:
        assert coach_client.get(reverse("coaching:detail", args=[session.pk])).status_code == 200
    # The session's own read carries whether it has a note (a subquery); nothing else is asked.
    for table in ("coaching_closecheck", "coaching_safetyplan", "coaching_sessionnote"):
        assert not [q for q in read.captured_queries if q["sql"].startswith(f'SELECT "{table}".')]


def test_the_week_has_seven_days_and_a_session_links_to_its_page(coach, robin, coach_client):
    session = schedule(coach, robin, starts_at=tomorrow_at(14))
    page = coach_client.get(reverse("coaching:week") + f"?start={tomorrow_at(1).date()}").content.decode()
    assert page.count('class="week__day') == 7
    assert reverse("coaching:detail", args=[session.pk]) in page and CANARY in page


def test_the_week_writes_a_hostile_name_escaped(coach, vault, coach_client):
    # The week's rows are written in Python (WeekEntry.html), not by the template's escaping.
    hostile = active_client(coach, name=PAYLOAD)
    schedule(coach, hostile, starts_at=tomorrow_at(14))
    page = coach_client.get(reverse("coaching:week") + f"?start={tomorrow_at(1).date()}").content.decode()
    assert "<script>alert" not in page
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Robert&#x27;); DROP TABLE"
    assert escaped in page


def test_the_agenda_writes_its_rows_with_a_hostile_name_escaped_and_a_session_without_a_fee_marked(
    coach, vault, coach_client
):
    # The agenda's rows are written in Python (selectors.agenda_rows), not by the template's escaping.
    hostile = active_client(coach, name=PAYLOAD)
    unfit = schedule(coach, hostile)  # began five minutes ago: on the agenda, which runs from today on
    with pytest.raises(ActionStopped):
        start(coach, unfit, fit=False)  # it stays scheduled, without a fee
    later = schedule(coach, hostile, starts_at=tomorrow_at(14), minutes=45, modality=Session.Modality.PHONE)
    page = coach_client.get(reverse("coaching:list")).content.decode()
    assert "<script>alert" not in page
    name = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Robert&#x27;); DROP TABLE coaching_session;--"
    when = timezone.localtime(later.starts_at)
    assert (
        f'<td><a href="{reverse("coaching:detail", args=[later.pk])}">'
        f'{when:%a} {when.day} {when:%b}, 14:00</a> <span class="muted">(45 min)</span></td>\n'
        f"      <td>{name}</td>\n"
        "      <td>Phone call</td>\n"
        '      <td><span class="badge badge--scheduled">Scheduled</span></td>'
    ) in page
    unfit_row = page[page.index(reverse("coaching:detail", args=[unfit.pk])) :].split("</tr>")[0]
    assert f"<td>{name}</td>" in unfit_row and "<td>Video call</td>" in unfit_row
    assert (
        '<span class="badge badge--scheduled">Scheduled</span> <span class="badge">No fee</span>' in unfit_row
    )


def test_a_closed_session_shows_its_checks(coach, session, coach_client):
    start(coach, session)
    services.session_close(coach=coach, session=session, leaving="settled", reflection=REFLECTED)
    page = coach_client.get(reverse("coaching:detail", args=[session.pk])).content.decode()
    assert "at close: settled" in page and "Held" in page


def test_the_client_page_timeline_shows_the_newest_events_however_many_sessions(coach, robin, coach_client):
    from ethos.clients.pages import TIMELINE_SHOWN

    first = tomorrow_at(1)
    for n in range(TIMELINE_SHOWN + 5):
        session = schedule(coach, robin, starts_at=first + datetime.timedelta(minutes=15 * n), minutes=15)
        services.session_cancel(coach=coach, session=session, cancelled_by="client", reason="Busy")
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert page.count("Session cancelled by the client") == TIMELINE_SHOWN
    assert f"{TIMELINE_SHOWN + 5} cancelled" in page
    assert f"The latest {TIMELINE_SHOWN} events are shown" in page
