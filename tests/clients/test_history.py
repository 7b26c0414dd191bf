"""The client's history: every event, newest first, a page at a time; the client page shows the newest."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ethos.clients import pages
from ethos.clients.pages import HISTORY_PAGE, TIMELINE_SHOWN, TimelineEntry, timeline_source

from .conftest import intake

pytestmark = pytest.mark.django_db

# Events of a long history, one a day going back from yesterday: more than a page of the history.
MANY = HISTORY_PAGE + 7


@pytest.fixture
def long_history():
    """A source that, like sessions, holds many entries and reads only the newest it is asked for."""
    asked = []

    @timeline_source
    def many_entries(client, limit=TIMELINE_SHOWN):
        asked.append(limit)
        now = timezone.now()
        return [
            TimelineEntry(now - datetime.timedelta(days=1 + n), "session", f"Event number {n}")
            for n in range(min(MANY, limit))
        ]

    yield asked
    pages.unregister(many_entries)


def _timeline(page: str) -> str:
    return page[page.index('class="timeline"') :]


def test_it_shows_the_newest_events_on_the_client_page_and_links_to_the_rest(
    coach, vault, coach_client, long_history
):
    robin = intake(coach).client
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    timeline = _timeline(page)
    # The intake, today, and the newest events of the days before it.
    assert timeline.index("Intake accepted") < timeline.index("Event number 0<")
    assert timeline.count("Event number") == TIMELINE_SHOWN - 1
    assert f"Event number {TIMELINE_SHOWN - 2}<" in timeline
    assert f"Event number {TIMELINE_SHOWN - 1}<" not in timeline
    assert f"The latest {TIMELINE_SHOWN} events are shown" in page
    assert reverse("clients:history", args=[robin.pk]) in page
    # Each source is asked for one more than is shown: enough to know there is more.
    assert long_history == [pages.TIMELINE_READ]


# The page links (templates/pager.html): the word shown, then what a screen reader hears after it.
NEWER = 'Newer<span class="visually-hidden"> events</span>'
OLDER = 'Older<span class="visually-hidden"> events</span>'


def test_the_history_page_shows_every_event_a_page_at_a_time_newest_first(
    coach, vault, coach_client, long_history
):
    robin = intake(coach).client
    url = reverse("clients:history", args=[robin.pk])
    first = coach_client.get(url).content.decode()
    assert f"<h1>History with {robin.display_name}</h1>" in first
    timeline = _timeline(first)
    assert timeline.count("Event number") == HISTORY_PAGE - 1  # after the intake, today
    assert (
        timeline.index("Intake accepted")
        < timeline.index("Event number 0<")
        < timeline.index("Event number 1<")
    )
    assert f'href="?page=2" rel="next">{OLDER}' in first and 'rel="prev"' not in first
    assert f"Event number {MANY - 1}<" not in first  # the oldest event, on the last page

    second = coach_client.get(url, {"page": 2}).content.decode()
    assert _timeline(second).count("Event number") == MANY - HISTORY_PAGE + 1
    assert f"Event number {HISTORY_PAGE - 1}<" in second and f"Event number {MANY - 1}<" in second
    assert "Intake accepted" not in second
    assert f'href="?page=1" rel="prev">{NEWER}' in second and 'rel="next"' not in second
    assert long_history == [HISTORY_PAGE + 1, 2 * HISTORY_PAGE + 1]


def test_a_page_number_that_is_not_one_shows_the_newest_and_one_past_the_end_says_so(
    coach, vault, coach_client, long_history
):
    robin = intake(coach).client
    url = reverse("clients:history", args=[robin.pk])
    for wrong in ("x", "-1", "0", "", "\u00b2", "1.5"):
        assert "Event number 0<" in coach_client.get(url, {"page": wrong}).content.decode()
    past = coach_client.get(url, {"page": 9}).content.decode()
    assert "No events this far back" in past and "Event number" not in _timeline(past)


def test_a_client_without_many_events_links_to_the_history_without_saying_there_is_more(
    coach, vault, coach_client
):
    robin = intake(coach).client
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "Intake accepted" in page and "events are shown" not in page
    assert reverse("clients:history", args=[robin.pk]) in page
    history = coach_client.get(reverse("clients:history", args=[robin.pk])).content.decode()
    assert "Intake accepted" in history and 'rel="next"' not in history


def test_another_coachs_client_history_is_a_404(coach, vault, coach_client, other_coach, other_client):
    robin = intake(coach).client
    url = reverse("clients:history", args=[robin.pk])
    assert coach_client.get(url).status_code == 200
    assert other_client.get(url).status_code == 404
