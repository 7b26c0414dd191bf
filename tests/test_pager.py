"""The page links every paged list shares (templates/pager.html), with both kinds of page."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.template import Context, Template
from django.template.loader import render_to_string

from ethos.paging import OpenPage

ROWS = list(range(60))


def pager(**context) -> str:
    return render_to_string("pager.html", context)


def test_a_first_page_links_only_forward_and_says_where_it_is():
    html = pager(page=Paginator(ROWS, 25).get_page(1), label="Pages of clients")
    assert '<nav class="pager" aria-label="Pages of clients">' in html
    assert '<span aria-current="page">Page 1 of 3</span>' in html
    assert 'href="?page=2" rel="next">Next<span class="visually-hidden"> page</span></a>' in html
    assert 'rel="prev"' not in html


def test_a_middle_page_links_both_ways_keeping_the_query_and_the_anchor():
    html = pager(
        page=Paginator(ROWS, 25).get_page(2),
        label="Pages of results",
        kept="q=rob+num&status=active",
        anchor="#results",
    )
    assert 'href="?q=rob+num&amp;status=active&amp;page=1#results" rel="prev">' in html
    assert 'href="?q=rob+num&amp;status=active&amp;page=3#results" rel="next">' in html
    assert "Page 2 of 3" in html


def test_the_words_of_the_links_can_be_a_lists_own():
    html = pager(
        page=Paginator(ROWS, 25).get_page(2),
        label="Pages of documents",
        previous="Newer",
        next="Older",
        unit="documents",
    )
    assert 'rel="prev">Newer<span class="visually-hidden"> documents</span></a>' in html
    assert 'rel="next">Older<span class="visually-hidden"> documents</span></a>' in html
    assert "Previous" not in html and ">Next<" not in html


@pytest.mark.parametrize(("pages", "shown"), [(None, "Page 3</span>"), (7, "Page 3 of 7</span>")])
def test_a_list_read_one_row_past_the_page_says_how_many_pages_only_when_it_knows(pages, shown):
    page = OpenPage(items=ROWS[:25], number=3, has_next=True, pages=pages)
    html = pager(page=page, label="Pages of events")
    assert shown in html
    assert 'href="?page=2" rel="prev"' in html and 'href="?page=4" rel="next"' in html


@pytest.mark.parametrize(
    "page", [Paginator(ROWS[:10], 25).get_page(1), OpenPage(items=ROWS[:10], number=1, has_next=False)]
)
def test_a_list_of_one_page_has_no_page_links(page):
    assert pager(page=page, label="Pages of clients").strip() == ""


def test_what_a_page_keeps_and_names_is_escaped():
    html = pager(page=Paginator(ROWS, 25).get_page(1), label='<script>"x"</script>', kept='q="><b>')
    assert "<script>" not in html and "<b>" not in html
    assert 'aria-label="&lt;script&gt;&quot;x&quot;&lt;/script&gt;"' in html


def test_the_pages_own_words_do_not_leak_in_from_the_page_around_it():
    # A page's context may hold a "next" address or a "label": the pager takes only what it is given.
    template = Template('{% include "pager.html" with page=page label="Pages of clients" only %}')
    html = template.render(
        Context({"page": Paginator(ROWS, 25).get_page(2), "next": "/elsewhere/", "kept": "q=secret"})
    )
    assert "/elsewhere/" not in html and "secret" not in html
    assert 'href="?page=3" rel="next">Next<' in html


def test_an_open_page_counts_and_iterates_its_own_rows():
    page = OpenPage(items=["a", "b"], number=2, has_next=False)
    assert list(page) == ["a", "b"] and len(page) == 2
    assert page.has_previous and page.has_other_pages and not page.has_next
    assert (page.previous_page_number, page.next_page_number) == (1, 3)
    assert not OpenPage(items=[], number=1, has_next=False).has_other_pages
