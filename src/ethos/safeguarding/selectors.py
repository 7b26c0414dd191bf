"""Read a coach's safeguarding records: access helpers (404 for anyone else's) and what pages show."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from ethos.clients.models import Client
from ethos.clients.pages import client_records, records_kept
from ethos.memo import once
from ethos.prepared import Columns, per_vendor, prepared

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


# -- The client page's few columns of every record, in one statement -------------------------------


@dataclass(frozen=True)
class TaskLine:
    """A report task as the client page shows it: when it was opened and closed, and its deadline."""

    pk: uuid.UUID
    client: Client
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None
    deadline: datetime.datetime

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class ConsentLine:
    """A consent as the client page shows it: to whom, its dates, how it was given, whether withdrawn."""

    pk: uuid.UUID
    recipient: str
    valid_from: datetime.date
    valid_until: datetime.date
    how_given: str
    recorded_at: datetime.datetime
    revoked_at: datetime.datetime | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def in_force(self, day: datetime.date) -> bool:
        # Consent.in_force's rule, on the same columns.
        return not self.is_revoked and self.valid_from <= day <= self.valid_until


@dataclass(frozen=True)
class OrderLine:
    """A court order or subpoena as the client page shows it: its kind, court and days."""

    pk: uuid.UUID
    kind: str
    court: str
    issued_on: datetime.date
    recorded_at: datetime.datetime

    @property
    def kind_label(self) -> str:
        return _ORDER_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class DisclosureLine:
    """A disclosure in the accounting period as the client page tells it: when, and on what basis."""

    disclosed_at: datetime.datetime
    basis: str

    @property
    def basis_label(self) -> str:
        return _BASES.get(self.basis, self.basis)


@dataclass(frozen=True)
class PageRecords:
    tasks: list[TaskLine]
    consents: list[ConsentLine]
    orders: list[OrderLine]
    disclosures: list[DisclosureLine]


_ORDER_KINDS = dict(CourtOrder.Kind.choices)
_BASES = dict(Disclosure.Basis.choices)
_field = ReportTask._meta.get_field
# The statement's columns: the kind of record, its id and key, three times, two days, a short text
# and one sealed text, each typed (and read back) as the field it holds for the first kind.
_PAGE_COLUMNS = Columns(
    None,
    _field("id"),
    ReportTask._meta.get_field("data_key").target_field,
    _field("opened_at"),
    _field("closed_at"),
    _field("deadline"),
    Consent._meta.get_field("valid_from"),
    Consent._meta.get_field("valid_until"),
    Consent._meta.get_field("how_given"),
    Consent._meta.get_field("recipient"),
)


def _select(columns: str, model, where: str) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    # Column and table names from the models and typed NULLs only: every value is a parameter.
    return f"SELECT {columns} FROM {table} WHERE {where}"  # noqa: S608  # nosec B608


@per_vendor
def _page_statement() -> str:
    n = _PAGE_COLUMNS.null
    # Tasks, newest opened first; consents and orders, newest recorded first; disclosures of the
    # accounting period, newest first: the orders `records_of` reads them in.
    parts = (
        _select(
            f"0, id, data_key_id, opened_at, closed_at, deadline, {n(6)}, {n(7)}, {n(8)}, {n(9)}",
            ReportTask,
            "client_id = %s",
        ),
        _select(
            f"1, id, data_key_id, recorded_at, revoked_at, {n(5)}, valid_from, valid_until, "
            "how_given, recipient",
            Consent,
            "client_id = %s",
        ),
        _select(
            f"2, id, data_key_id, recorded_at, {n(4)}, {n(5)}, issued_on, {n(7)}, kind, court",
            CourtOrder,
            "client_id = %s",
        ),
        _select(
            f"3, id, data_key_id, disclosed_at, {n(4)}, {n(5)}, {n(6)}, {n(7)}, basis, {n(9)}",
            Disclosure,
            "client_id = %s AND disclosed_at >= %s",
        ),
    )
    return " UNION ALL ".join(parts) + " ORDER BY 1, 4 DESC"


_RECIPIENT = Consent._meta.get_field("recipient")
_COURT = CourtOrder._meta.get_field("court")


@once
def page_records_of(client: Client) -> PageRecords:
    """What the client page shows of the client's tasks, consents, orders and disclosures: one query.

    The rows `records_of` reads, in the same orders, as the few columns the page shows: no record
    built for each, and of the sealed values only the consents' recipients and the orders' courts
    opened (under the client's key, as reading them off their records would).
    """
    client_id = Client._meta.pk.get_db_prep_value(client.pk, connection)
    since = Disclosure._meta.get_field("disclosed_at").get_db_prep_value(accounting_since(), connection)
    with connection.cursor() as cursor:
        cursor.execute(_page_statement(), [client_id, client_id, client_id, client_id, since])
        rows = _PAGE_COLUMNS.read(cursor.fetchall())
    tasks, consents, orders, disclosures = [], [], [], []
    for kind, pk, key, first, second, third, day_one, day_two, text, sealed in rows:
        if kind == 0:
            tasks.append(TaskLine(pk=pk, client=client, opened_at=first, closed_at=second, deadline=third))
        elif kind == 1:
            recipient = _RECIPIENT.open_row(sealed, pk=pk, data_key_id=key)
            consents.append(
                ConsentLine(
                    pk=pk,
                    recipient=recipient,
                    valid_from=day_one,
                    valid_until=day_two,
                    how_given=text,
                    recorded_at=first,
                    revoked_at=second,
                )
            )
        elif kind == 2:
            court = _COURT.open_row(sealed, pk=pk, data_key_id=key)
            orders.append(OrderLine(pk=pk, kind=text, court=court, issued_on=day_one, recorded_at=first))
        else:
            disclosures.append(DisclosureLine(disclosed_at=first, basis=text))
    return PageRecords(tasks=tasks, consents=consents, orders=orders, disclosures=disclosures)
