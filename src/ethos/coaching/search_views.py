"""The note search page: every word must match; only the notes on the page shown are decrypted."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import note_search, notes, selectors

# Set once the search page has indexed any notes from before the note index (note_search.py).
NOTE_INDEX_CHECKED = "coaching.note_index_checked"
WHERE = {**notes.NOTE_SECTIONS, "addendum": "Addendum"}


@require_GET
def note_search_page(request: HttpRequest) -> HttpResponse:
    """Find notes by their words (`?q=`), newest session first, 25 to a page."""
    # Notes written before the index get their tokens at the first visit of a signed-in session;
    # every later save indexes its note as it is written, so one check per session is enough.
    if not request.session.get(NOTE_INDEX_CHECKED):
        note_search.note_tokens_backfill(coach=request.user)
        request.session[NOTE_INDEX_CHECKED] = True
    asked = "q" in request.GET
    query = note_search.parse(request.GET.get("q", ""))
    found = page = None
    if asked and not query.problem:
        matching = note_search.notes_matching(request.user, query)
        page = Paginator(matching, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
        found = note_search.found_on_page(list(page.object_list), query, labels=WHERE)
    context = {
        "query": query,
        "problem": query.problem if asked else "",
        "searched": page is not None,
        "page": page,
        "found": found,
        "kept": urlencode({"q": query.text}),
        "hint": note_search.SEARCH_HINT,
        "max_chars": note_search.MAX_QUERY_CHARS,
    }
    return render(request, "coaching/note_search.html", context)
