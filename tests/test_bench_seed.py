"""The bench's seeding still writes what the product writes, so `make bench` cannot rot unseen.

bench/bench_pages.py builds its practices through the product's services and writes the history of
signed notes in bulk (bench/bulk.py). Here the same code builds a tiny full practice (four clients, a
dozen signed notes, two invoices, seven disclosures, two portal users and a registry of ten coaches)
inside the test run's own settings, then fetches every page of the bench's PAGES as the bench does:
each must answer 200 (the bench's `fetch` stops on anything else), and the seeded rows must be the
ones the product reads. No time is asserted here (docs/structure.md): speed is the bench's job.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench(settings):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import bench_pages

    settings.ROOT_URLCONF = "pages_urls"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return bench_pages


def test_the_bench_seed_at_tiny_size_renders_every_page_with_its_rows(bench):
    from django.urls import reverse

    from ethos.certification.models import Certification
    from ethos.clients.models import Client
    from ethos.coaching.models import CloseCheck, NoteVersion, Session, SessionNote
    from ethos.money.models import Invoice
    from ethos.portal.models import ClientAccount
    from ethos.safeguarding.models import Disclosure

    registry = bench.seed_registry(10)
    scale = bench.Scale(notes=12, invoices=2, disclosures=7, portal_users=1)
    practice = bench.seed(4, scale=scale)
    bench.sign_in(practice, rounds=1)
    coach = practice.coach

    assert registry["coaches"] == 10
    # The registry's ten, and the coach's own certification from the ethics case.
    assert Certification.objects.count() == 11
    signed = SessionNote.objects.filter(coach=coach, signed_at__isnull=False)
    assert signed.count() == 12
    # What note_sign leaves: the session owes no note; and what session_close leaves: its check.
    assert not Session.objects.filter(note__in=signed, note_owed=True).exists()
    assert CloseCheck.objects.filter(session__note__in=signed, closed=True).count() == 12
    assert NoteVersion.objects.filter(note__in=signed, number=1).count() == 12
    assert practice.seeded["notes"]["mean_bytes"] > 1500
    invoices = Invoice.objects.filter(coach=coach, series=Invoice.Series.INVOICE)
    assert sorted(invoices.values_list("number", flat=True)) == [1, 2]
    assert practice.seeded["disclosures"] == 7
    # Three from the first client (seed_safeguarding) and the scale's seven.
    assert Disclosure.objects.filter(coach=coach).count() == 10
    assert ClientAccount.objects.filter(coach=coach, client__isnull=False).count() == 2

    for page in bench.PAGES:
        url = bench.address(page.name, practice)
        bench.fetch(practice, url, post=page.post, staff=page.staff, as_client=page.as_client)

    # Both client searches find the first active client; the one by both names finds only them.
    first = Client.objects.get(pk=practice.client_id)
    for name in ("client search", "client search: common"):
        listed = practice.browser.get(bench.address(name, practice)).content.decode()
        assert reverse("clients:detail", args=[first.pk]) in listed
    narrow = practice.browser.get(bench.address("client search", practice)).content.decode()
    assert set(re.findall(r'href="/clients/([0-9a-f-]{36})/"', narrow)) == {str(first.pk)}
    found = practice.browser.get(bench.address("note search: rare", practice)).content.decode()
    assert found.count("<mark>") == 1
    common = practice.browser.get(bench.address("note search", practice)).content.decode()
    assert "<mark>" in common
    listed = practice.staff_browser.get(bench.address("registry", practice)).content.decode()
    assert "TRC-R00009" in listed
    searched = practice.staff_browser.get(bench.address("registry search", practice)).content.decode()
    assert bench.REGISTRY_SEARCH in searched
