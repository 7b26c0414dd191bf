"""The note pages: autosave and its stale refusal, findings beside their sentence, 404s, queries."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from ethos.coaching import notes
from tests.coaching.conftest import PAYLOAD, start
from tests.coaching.test_notes import DIAGNOSIS, save

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(coach, session):
    return start(coach, session)


def post(browser, session, version, htmx=True, **text):
    data = {"version": version, **{key: text.get(key, "") for key in notes.NOTE_SECTIONS}}
    headers = {"HX-Request": "true"} if htmx else {}
    return browser.post(reverse("coaching:note_edit", args=[session.pk]), data, headers=headers)


def test_it_autosaves_and_shows_the_finding_next_to_its_sentence(coach_client, started):
    page = post(coach_client, started, 0, worked_on=f"We met. {DIAGNOSIS}").content.decode()
    assert "Saved at" in page and 'name="version" value="1"' in page
    assert f"<blockquote>{DIAGNOSIS}</blockquote>" in page and "<strong>S7</strong>" in page


def test_a_stale_autosave_is_refused_and_its_text_shown(coach, coach_client, started):
    save(coach, started, focus="first")
    save(coach, started, version=1, focus="second")
    page = post(coach_client, started, 1, focus="my stale words").content.decode()
    assert "changed in another tab or window" in page and "my stale words" in page
    assert notes.note_of(started).sections["focus"] == "second"


def test_hostile_text_is_shown_escaped(coach, coach_client, started):
    save(coach, started, focus=PAYLOAD)
    page = coach_client.get(reverse("coaching:note", args=[started.pk])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_another_coach_gets_404_on_every_note_page(coach, started, other_client):
    save(coach, started, focus="x")
    urls = [
        reverse(name, args=[started.pk])
        for name in ("coaching:note_edit", "coaching:note", "coaching:note_sign", "coaching:note_addendum")
    ] + [reverse("coaching:note_version", args=[started.pk, 1])]
    for url in urls:
        for method in (other_client.get, other_client.post):
            assert method(url, {"version": 1, "focus": "y"}).status_code in (404, 405), url
    assert notes.note_of(started).sections["focus"] == "x"


@pytest.mark.parametrize("versions", [1, 30])
def test_the_note_page_reads_in_bounded_queries(
    coach, coach_client, started, versions, django_assert_max_num_queries
):
    for number in range(versions):
        save(coach, started, version=number, focus=f"text {number}")
    with django_assert_max_num_queries(14):
        page = coach_client.get(reverse("coaching:note", args=[started.pk]))
    assert f"Version {versions}</a>" in page.content.decode()


def test_c2_the_session_page_leads_to_its_note_as_it_stands(coach, coach_client, session, vault):
    page = reverse("coaching:detail", args=[session.pk])
    assert "Write the note" not in coach_client.get(page).content.decode()  # not started yet
    start(coach, session)
    body = coach_client.get(page).content.decode()
    assert "Write the note" in body and reverse("coaching:note_edit", args=[session.pk]) in body
    save(coach, session, focus="Sleeping through the night")
    assert "Go on with the note" in coach_client.get(page).content.decode()
    note = notes.note_of(session)
    notes.note_sign(coach=coach, note=note, version=note.version)
    body = coach_client.get(page).content.decode()
    assert "Read the signed note" in body and reverse("coaching:note", args=[session.pk]) in body


def test_the_note_pages_prepared_reads_give_what_the_orm_gives(coach, started):
    from tests.coaching.test_notes import DIAGNOSIS, SUICIDE

    saved = save(coach, started, worked_on=f"{DIAGNOSIS} {SUICIDE}")
    save(coach, started, version=1, worked_on=f"{DIAGNOSIS} {SUICIDE} ")
    note = saved.note
    notes.note_finding_not_applicable(
        coach=coach, note=note, clause="S7", sentence=DIAGNOSIS, reason="The client's own words."
    )
    page = notes.note_page(note)
    assert [number for number, _ in page.versions] == [2, 1]
    assert [row.clause for row in page.not_applicable] == ["S7"]
    assert "S2" in {item.clause for item in page.open_items}
    reads = [
        (notes._versions_of, (note.pk,)),
        (notes._not_applicable_of, (note.pk,)),
        (notes._open_items_of, (note.coach_id, note.pk)),
        (notes._addenda_of, (note.pk,)),
        (notes._scope_reviews_of, (note.pk,)),
        (notes._boundary_reviews_of, (note.pk,)),
        (notes._follow_ups_resolved_in, (note.session_id,)),
        (notes._follow_ups_resolved_or_open, (note.session_id, note.client_id)),
        (notes._note_with_session, (coach, started.pk)),
    ]
    for read, args in reads:
        assert read(*args) == read.build(*args), (read, args)
    assert notes.get_note_page_for_coach(coach, str(started.pk)) == (started, note)
    with pytest.raises(Http404):
        notes.get_note_page_for_coach(coach, "not an id")
