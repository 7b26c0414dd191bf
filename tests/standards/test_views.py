"""Every page: sign-in required, one coach never sees another's, hostile text stays text."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from ethos.standards.catalog import CODE_SAYS_LABEL, PRACTICE_RULE_LABEL, catalog
from ethos.standards.engine import Subject
from ethos.standards.facts import Facts
from ethos.standards.forms import DESK_UNREADABLE
from ethos.standards.models import OpenItem
from ethos.standards.points import Point
from ethos.standards.selectors import Status
from tests.standards.conftest import enforce_and_keep

pytestmark = pytest.mark.django_db
HOSTILE = "<script>alert(1)</script>'; DROP TABLE standards_openitem; --"


def open_goal_item(coach) -> OpenItem:
    enforce_and_keep(
        coach=coach,
        point=Point.GOAL_ACTIVATE,
        facts=Facts(goal_client_confirmed=False),
        subject=Subject("goal", "g"),
    )
    return OpenItem.objects.get(coach=coach)


def pages(item_pk=None):
    urls = [
        reverse("standards:compliance"),
        reverse("standards:ask"),
        reverse("standards:compliance_export", args=["json"]),
        reverse("standards:compliance_export", args=["pdf"]),
    ]
    if item_pk:
        urls.append(reverse("standards:open_item", args=[item_pk]))
    return urls


def test_it_requires_sign_in_on_every_page(client, coach):
    item = open_goal_item(coach)
    for url in pages(item.pk):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert client.post(reverse("standards:ask"), {}).status_code == 302


def test_it_hides_one_coachs_open_item_from_another(coach, other_client):
    item = open_goal_item(coach)
    assert other_client.get(reverse("standards:open_item", args=[item.pk])).status_code == 404


def test_it_shows_a_coach_their_own_open_item_and_what_resolves_it(coach_client, coach):
    item = open_goal_item(coach)
    response = coach_client.get(reverse("standards:open_item", args=[item.pk]))
    assert response.status_code == 200
    assert "the client&#x27;s own confirmation of the goal" in response.content.decode().lower()
    # Goal "g" does not exist, so there is no form to open: the page says so plainly.
    assert "Ethos has no page for this record yet" in response.content.decode()


def test_it_keeps_the_first_coachs_items_out_of_the_second_coachs_report(coach, other_client):
    open_goal_item(coach)
    report = other_client.get(reverse("standards:compliance")).context["report"]
    assert all(row.open_items == 0 for row in report.rows)
    data = json.loads(other_client.get(reverse("standards:compliance_export", args=["json"])).content)
    assert all(row["open_items"] == 0 for row in data["clauses"])


def test_it_answers_an_unknown_export_format_with_404(coach_client):
    assert coach_client.get("/compliance/export.exe").status_code == 404


def test_it_answers_an_unknown_open_item_with_404(coach_client):
    assert coach_client.get("/standards/open-items/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert coach_client.get("/standards/open-items/%3Cscript%3E/").status_code == 404


def test_it_escapes_hostile_text_in_every_page(client, db):
    from tests.conftest import make_coach, sign_in_browser

    coach = make_coach(name=HOSTILE)
    browser = sign_in_browser(client, coach)
    open_goal_item(coach)
    for url in pages(OpenItem.objects.get(coach=coach).pk)[:2]:
        body = browser.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body
    assert json.loads(browser.get(pages()[2]).content)["coach"] == HOSTILE
    assert browser.get(pages()[3]).content.startswith(b"%PDF")


def test_it_answers_bad_desk_input_with_a_clear_message(coach_client):
    response = coach_client.post(
        reverse("standards:ask"),
        {"client_age": HOSTILE, "relationship": HOSTILE, "signals": ["<b>", "' OR 1=1 --"]},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert DESK_UNREADABLE in body
    assert "Enter a whole number." in body
    assert "<script>alert(1)</script>" not in body
    assert response.context["verdicts"] is None


def test_it_answers_bad_desk_input_over_htmx_with_the_fragment(coach_client):
    response = coach_client.post(reverse("standards:ask"), {"client_age": "-4"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert DESK_UNREADABLE in body and "<html" not in body


def test_it_shows_the_dashboard_panel_of_open_items(coach_client, coach):
    from django.template import Context, Template
    from django.test import RequestFactory

    item = open_goal_item(coach)
    request = RequestFactory().get("/")
    request.user = coach
    html = Template("{% load standards %}{% open_items_panel %}").render(Context({"request": request}))
    assert "P5" in html and reverse("standards:open_item", args=[item.pk]) in html


def test_it_lists_the_report_with_bounded_queries(coach_client, coach, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert coach_client.get(reverse("standards:compliance")).status_code == 200
        return len(captured)

    open_goal_item(coach)
    count()  # the first request of a session loads more than a page does
    few = count()
    for n in range(12):
        enforce_and_keep(
            coach=coach,
            point=Point.NOTE_SAVE,
            facts=Facts(abuse_disclosed=frozenset({"minor"})),
            subject=Subject("note", f"n{n}"),
        )
        enforce_and_keep(
            coach=coach,
            point=Point.PAYMENT_RECORD,
            facts=Facts(transaction="loan"),
            subject=Subject("p", f"{n}"),
        )
    assert count() == few
    with django_assert_max_num_queries(few):
        coach_client.get(reverse("standards:compliance"))


def test_it_lists_open_items_with_one_query(coach, django_assert_num_queries):
    from ethos.standards.selectors import open_items_for

    for n in range(5):
        enforce_and_keep(
            coach=coach,
            point=Point.GOAL_ACTIVATE,
            facts=Facts(goal_client_confirmed=False),
            subject=Subject("goal", str(n)),
        )
    with django_assert_num_queries(1):
        assert len(open_items_for(coach)) == 5


def test_it_shows_untracked_clauses_honestly(coach_client):
    body = coach_client.get(reverse("standards:compliance")).content.decode()
    from ethos.standards.catalog import catalog
    from ethos.standards.evidence import providers_for

    untracked = [clause.id for clause in catalog() if not providers_for(clause.id)]
    assert "E1" in untracked  # the association's side does not exist yet
    assert body.count(Status.UNTRACKED.label) == len(untracked)


# -- What the code says, and what Ethos adds, shown apart ----------------------------------


def page(client, url: str) -> str:
    return client.get(url).content.decode().replace("&#x27;", "'")


def report_row(body: str, clause: str) -> str:
    start = body.index(f'id="clause-{clause}"')
    return body[start : body.index("</tr>", start)]


def paragraph(html: str, css: str) -> str:
    start = html.index(f'class="{css}')
    return html[start : html.index("</p>", start)]


def test_p12_the_report_page_shows_our_refund_rule_apart_from_the_code(coach_client):
    row = report_row(page(coach_client, reverse("standards:compliance")), "P12")
    clause = catalog()["P12"]
    code = paragraph(row, "compliance__text compliance__code")
    assert f"<strong>{CODE_SAYS_LABEL}:</strong> {clause.text}" in code and "refund" not in code
    ours = paragraph(row, "compliance__text compliance__practice-rule")
    assert f"<strong>{PRACTICE_RULE_LABEL}:</strong> {clause.practice_rule}" in ours


def test_it_shows_no_practice_rule_on_the_report_where_ethos_adds_none(coach_client):
    body = page(coach_client, reverse("standards:compliance"))
    assert PRACTICE_RULE_LABEL not in report_row(body, "P4")
    assert body.count(f"<strong>{PRACTICE_RULE_LABEL}:</strong>") == sum(
        1 for clause in catalog() if clause.practice_rule
    )


def test_s6_s10_and_s5_the_report_page_claims_only_what_records_show(coach_client, coach):
    from ethos.practice import services as practice

    practice.competence_update(coach=coach, areas=["grief-and-loss"])
    body = page(coach_client, reverse("standards:compliance"))
    for clause in ("S6", "S10"):
        row = report_row(body, clause)
        assert Status.UNSHOWN.label in row and Status.GOOD.label not in row
        assert "(no record shows this yet)" in row
    s5 = report_row(body, "S5")
    assert Status.DECLARED.label in s5 and Status.DECLARED.note in s5
    assert "1 competence area on your profile <em" in s5 and "(self-declared: Ethos has not checked it)" in s5


def test_it_shows_the_clause_and_our_rule_on_an_open_item_page(coach_client, coach):
    item = open_goal_item(coach)
    body = page(coach_client, reverse("standards:open_item", args=[item.pk]))
    clause = catalog()["P5"]
    assert f"<strong>{CODE_SAYS_LABEL}:</strong> {clause.text}" in body
    assert f"<strong>{PRACTICE_RULE_LABEL}:</strong> {clause.practice_rule}" in body
