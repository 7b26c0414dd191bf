"""Read a coach's safeguarding records: access helpers (404 for anyone else's) and what pages show."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from ethos.clients.models import Client
from ethos.clients.pages import client_records, records_kept
from ethos.memo import once
from ethos.prepared import prepared

from .models import Consent, CourtOrder, Disclosure, DisclosureAnnotation, EmergencyReview, ReportTask

# The accounting covers six years, the longest period any well-known accounting asks for.
ACCOUNTING_YEARS = 6
PAGE_SIZE = 25


def accounting_since(now: datetime.datetime | None = None) -> datetime.datetime:
    now = now or timezone.now()
    return now - datetime.timedelta(days=365 * ACCOUNTING_YEARS + ACCOUNTING_YEARS // 4 + 1)


def get_task_for_coach(coach, pk) -> ReportTask:
    task = (
        ReportTask.objects.select_related("data_key", "client", "client__data_key", "note")
        .filter(coach=coach, pk=pk)
        .first()
    )
    if task is None:
        raise Http404("No such report task.")
    return task


def get_consent_for_coach(coach, client: Client, pk) -> Consent:
    consent = Consent.objects.select_related("data_key").filter(coach=coach, client=client, pk=pk).first()
    if consent is None:
        raise Http404("No such consent.")
    return consent


def get_order_for_coach(coach, client: Client, pk) -> CourtOrder:
    order = CourtOrder.objects.select_related("data_key").filter(coach=coach, client=client, pk=pk).first()
    if order is None:
        raise Http404("No such court order.")
    return order


def get_disclosure_for_coach(coach, client: Client, pk) -> Disclosure:
    disclosure = (
        Disclosure.objects.select_related("data_key", "client", "client__data_key")
        .filter(coach=coach, client=client, pk=pk)
        .first()
    )
    if disclosure is None:
        raise Http404("No such disclosure.")
    return disclosure


@dataclass(frozen=True)
class Due:
    """The coach's reports still owed, for the banner on every page: no names, no decryption."""

    count: int
    first_pk: object
    soonest: datetime.datetime
    overdue: int


def reports_due(coach) -> Due | None:
    """One light query: the open tasks' ids and deadlines, soonest first."""
    rows = [(task.pk, task.deadline) for task in _open_deadlines(coach)]
    if not rows:
        return None
    now = timezone.now()
    return Due(
        count=len(rows),
        first_pk=rows[0][0],
        soonest=rows[0][1],
        overdue=sum(1 for _, due in rows if due < now),
    )


@prepared
def _open_deadlines(coach):
    # On every page of the coach's: the SQL is built once per process (ethos.prepared).
    return ReportTask.objects.for_coach(coach).open().only("pk", "deadline").order_by("deadline")


def open_tasks(coach) -> list[ReportTask]:
    """Every report still owed, soonest deadline first, with its client's name (two queries)."""
    return list(
        ReportTask.objects.for_coach(coach)
        .open()
        .select_related("client", "client__data_key")
        .order_by("deadline")
    )


def recent_disclosures(coach, *, page=None) -> Page:
    """One page of the coach's disclosures, newest first, each with its client's name."""
    rows = (
        Disclosure.objects.filter(coach=coach)
        .select_related("data_key", "client", "client__data_key")
        .order_by("-disclosed_at", "pk")
    )
    return Paginator(rows, PAGE_SIZE).get_page(page)


def accounting_for(client: Client, *, now: datetime.datetime | None = None) -> list[Disclosure]:
    """Every disclosure of the client in the accounting period, newest first, with its annotations."""
    annotations = Prefetch(
        "annotations", queryset=DisclosureAnnotation.objects.select_related("data_key").order_by("written_at")
    )
    return list(
        Disclosure.objects.filter(client=client, disclosed_at__gte=accounting_since(now))
        .select_related("data_key")
        .prefetch_related(annotations)
        .order_by("-disclosed_at", "pk")
    )


@dataclass(frozen=True)
class ClientRecords:
    tasks: list[ReportTask]
    consents: list[Consent]
    orders: list[CourtOrder]
    disclosures: list[Disclosure]


@once
def records_of(client: Client) -> ClientRecords:
    """The client's tasks, consents, orders and disclosures: at most four queries, whatever their number.

    Only the kinds the client has are read, and each row's key is the client's, which the vault
    unwraps once a request, so no row is joined to its key.
    """
    kept = records_kept(client)
    tasks = _tasks_of(client) if "report_task" in kept else []
    for task in tasks:
        task.client = client  # the page names each by this client: no query per task
    return ClientRecords(
        tasks=tasks,
        consents=_consents_of(client) if "consent" in kept else [],
        orders=_orders_of(client) if "court_order" in kept else [],
        disclosures=_disclosures_of(client, accounting_since()) if "disclosure" in kept else [],
    )


# Read on every client page: their SQL is built once per process (ethos.prepared).
@prepared
def _tasks_of(client: Client):
    return ReportTask.objects.filter(client=client).order_by("-opened_at")


@prepared
def _consents_of(client: Client):
    return Consent.objects.filter(client=client).order_by("-recorded_at")


@prepared
def _orders_of(client: Client):
    return CourtOrder.objects.filter(client=client).order_by("-recorded_at")


@prepared
def _disclosures_of(client: Client, since: datetime.datetime):
    return (
        Disclosure.objects.filter(client=client, disclosed_at__gte=since)
        .defer("bundle")
        .order_by("-disclosed_at")
    )


@client_records("report_task")
def report_task_rows(client_id):
    return ReportTask.objects.filter(client_id=client_id)


@client_records("consent")
def consent_rows(client_id):
    return Consent.objects.filter(client_id=client_id)


@client_records("court_order")
def court_order_rows(client_id):
    return CourtOrder.objects.filter(client_id=client_id)


@client_records("disclosure")
def disclosure_rows(client_id):
    return Disclosure.objects.filter(client_id=client_id)


def review_of(disclosure: Disclosure) -> EmergencyReview | None:
    return EmergencyReview.objects.select_related("data_key").filter(disclosure=disclosure).first()
