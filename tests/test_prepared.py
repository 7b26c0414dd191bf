"""Prepared counting queries: built once through the ORM, then run as SQL with each call's arguments."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, F, Min, Q, Sum
from django.test.utils import CaptureQueriesContext

from ethos.coaching.models import Session
from ethos.prepared import per_vendor, prepared
from ethos.vault.fields import Sealed
from tests.coaching.conftest import active_client, schedule, tomorrow_at

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)

built = []


@prepared
def sessions_since(coach, since):
    built.append(since)
    return Session.objects.filter(coach=coach, starts_at__gte=since).aggregate(
        total=Count("pk"), video=Count("pk", filter=Q(modality=Session.Modality.VIDEO))
    )


@prepared
def by_day(coach, day):
    return list(
        Session.objects.filter(coach=coach, starts_at__date__gte=day)
        .values_list("modality")
        .annotate(n=Count("pk"))
        .values_list("modality", "n")
        .order_by("modality")
    )


@prepared
def how_many(coach):
    return Session.objects.filter(coach=coach).count()


def test_it_answers_as_the_orm_does_for_each_call_and_builds_the_query_once(coach, other_coach, vault):
    robin = active_client(coach)
    for hour in (9, 11, 15):
        schedule(coach, robin, starts_at=tomorrow_at(hour))
    built.clear()
    for since in (tomorrow_at(0), tomorrow_at(10), tomorrow_at(12), tomorrow_at(16)):
        assert sessions_since(coach, since) == sessions_since.build(coach, since)
    assert sessions_since(coach, tomorrow_at(10)) == {"total": 2, "video": 2}
    assert sessions_since(other_coach, tomorrow_at(0)) == {"total": 0, "video": 0}
    # The ORM built the query for the markers once (plus the comparisons above), never per call.
    assert len([s for s in built if s.year == 1901]) <= 1
    day = tomorrow_at(0).date()
    assert by_day(coach, day) == by_day.build(coach, day) == [("video", 3)]
    assert by_day(coach, day + DAY) == []
    assert how_many(coach) == 3 and how_many(other_coach) == 0
    with CaptureQueriesContext(connection) as ran:
        how_many(coach)
    assert len(ran.captured_queries) == 1


def test_a_value_worked_out_from_an_argument_is_refused_not_kept_as_a_constant(coach):
    @prepared
    def derived(coach, since):
        return Session.objects.filter(coach=coach, starts_at__gte=since - DAY).count()

    with pytest.raises(ImproperlyConfigured, match="worked out"):
        derived(coach, tomorrow_at(9))


def test_it_takes_one_query_of_counts_only(coach):
    @prepared
    def two(coach):
        return Session.objects.filter(coach=coach).count() + Session.objects.count()

    @prepared
    def total_minutes(coach):
        return Session.objects.filter(coach=coach).aggregate(minutes=Sum("duration_minutes"))

    @prepared
    def longer_than(minutes):
        return Session.objects.filter(duration_minutes__gt=minutes).count()

    with pytest.raises(ImproperlyConfigured, match="exactly one query"):
        two(coach)
    with pytest.raises(ImproperlyConfigured, match="counts only"):
        total_minutes(coach)
    with pytest.raises(ImproperlyConfigured, match="records, ids, dates, times and text"):
        longer_than(50)


@prepared
def by_status(coach, status):
    return Session.objects.filter(coach=coach, status=status).count()


def test_it_takes_text_as_it_is_and_refuses_text_worked_out_from_an_argument(coach, other_coach, vault):
    robin = active_client(coach)
    schedule(coach, robin, starts_at=tomorrow_at(9))
    for status in ("scheduled", "closed", "it's 100% _odd_"):
        assert by_status(coach, status) == by_status.build(coach, status)
    assert by_status(coach, Session.Status.SCHEDULED) == 1
    assert by_status(other_coach, "scheduled") == 0

    @prepared
    def like(status):
        return Session.objects.filter(status__contains=status).count()

    @prepared
    def lowered(status):
        return Session.objects.filter(status=status.lower()).count()

    for worked_out in (like, lowered):
        with pytest.raises(ImproperlyConfigured, match="worked out"):
            worked_out("scheduled")


# -- prepared QuerySets: records ------------------------------------------------------------------------

records_built = []


@prepared
def sessions_from(client, since):
    records_built.append(since)
    return (
        Session.objects.filter(client=client, starts_at__gte=since)
        .select_related("client")
        .annotate(minutes=F("duration_minutes") * 2)
        .order_by("starts_at")
    )


def _fields(session: Session) -> tuple:
    client = session.client
    return (session.pk, session.starts_at, session.place, session.status, client.name, session.minutes)


def test_prepared_are_the_orms_records_for_each_call_and_built_once(coach, other_coach, vault):
    robin = active_client(coach)
    sam = active_client(coach, name="Sam Other")
    for hour in (9, 11, 15):
        schedule(coach, robin, starts_at=tomorrow_at(hour))
    schedule(coach, sam, starts_at=tomorrow_at(10))
    records_built.clear()
    for since in (tomorrow_at(0), tomorrow_at(10), tomorrow_at(16)):
        found = sessions_from(robin, since)
        assert [_fields(s) for s in found] == [_fields(s) for s in sessions_from.build(robin, since)]
    assert [s.starts_at for s in sessions_from(robin, tomorrow_at(10))] == [tomorrow_at(11), tomorrow_at(15)]
    assert [s.client_id for s in sessions_from(sam, tomorrow_at(0))] == [sam.pk]
    # Built once through the ORM for the markers (the rest are the comparisons above).
    assert len([s for s in records_built if s.year == 1901]) <= 1
    with CaptureQueriesContext(connection) as ran:
        found = sessions_from(robin, tomorrow_at(0))
        # A sealed field stays sealed until read, then opens under the row's key, as the ORM's does.
        assert isinstance(found[0].client.__dict__["name"], Sealed)
        assert found[0].client.name == robin.name
    assert len(ran.captured_queries) == 1


def test_a_value_worked_out_from_an_argument_is_refused(coach, vault):
    robin = active_client(coach)

    @prepared
    def derived(client, since):
        return Session.objects.filter(client=client, starts_at__gte=since - DAY)

    with pytest.raises(ImproperlyConfigured, match="worked out"):
        derived(robin, tomorrow_at(9))


@prepared
def day_of(coach, start, end):
    return (
        Session.objects.filter(coach=coach, starts_at__gte=start, starts_at__lt=end)
        .select_related("client", "client__data_key")
        .annotate(n=Count("pk"))
        .order_by("starts_at")
    )


@prepared
def sessions_by_id(coach, ids):
    return Session.objects.filter(coach=coach, pk__in=ids).select_related("client").order_by("starts_at")


def _loaded(session: Session) -> tuple:
    """What a page reads of a session: its own columns, and its client's, already in memory."""
    row = {f.attname: getattr(session, f.attname) for f in Session._meta.concrete_fields}
    return row, session.client.pk, session.client.display_name, session.n


def test_a_queryset_of_records_comes_back_as_the_orm_makes_it_with_its_related_records(coach, vault):
    robin, sam = active_client(coach, name="Robin Ash"), active_client(coach, name="Sam Birch")
    booked = ((robin, 9), (sam, 11), (robin, 15))
    sessions = [schedule(coach, who, starts_at=tomorrow_at(hour)) for who, hour in booked]
    start, end = tomorrow_at(10), tomorrow_at(0) + DAY
    prepared_rows = day_of(coach, start, end)
    orm_rows = day_of.build(coach, start, end)
    assert prepared_rows == orm_rows == sessions[1:]
    with CaptureQueriesContext(connection) as ran:
        seen = [_loaded(s) for s in prepared_rows]
    assert len(ran.captured_queries) == 0  # the client and its key came with the row
    assert seen == [_loaded(s) for s in orm_rows]
    assert [name for _, _, name, _ in seen] == ["Sam Birch", "Robin Ash"]
    assert day_of(coach, tomorrow_at(16), end) == []


def test_a_list_of_ids_is_prepared_once_per_length_and_an_empty_one_runs_no_sql(coach, other_coach, vault):
    robin = active_client(coach)
    sessions = [schedule(coach, robin, starts_at=tomorrow_at(hour)) for hour in (9, 11, 15)]
    ids = [s.pk for s in sessions]
    assert sessions_by_id(coach, ids) == sessions_by_id.build(coach, ids) == sessions
    assert sessions_by_id(coach, ids[::-1]) == sessions  # the order is the query's, not the list's
    assert sessions_by_id(coach, ids[1:]) == sessions[1:]
    assert sessions_by_id(other_coach, ids) == []
    with CaptureQueriesContext(connection) as ran:
        assert sessions_by_id(coach, []) == []
    assert len(ran.captured_queries) == 0
    with pytest.raises(ImproperlyConfigured, match="list of ids"):
        sessions_by_id(coach, ["not an id"])


def test_a_queryset_that_is_not_of_records_is_refused(coach):
    @prepared
    def modalities(coach):
        return Session.objects.filter(coach=coach).values("modality")

    @prepared
    def with_notes(coach):
        return Session.objects.filter(coach=coach).prefetch_related("note")

    @prepared
    def evaluated(coach):
        return list(Session.objects.filter(coach=coach))

    @prepared
    def flat(coach):
        return Session.objects.filter(coach=coach).values_list("pk", flat=True)

    for function in (modalities, with_notes, flat):
        with pytest.raises(ImproperlyConfigured, match="values_list\\(\\) rows only"):
            function(coach)
    assert evaluated(coach) == []  # a list of records is value rows to it: read as the SQL's rows


@prepared
def minutes_by_client(coach, since):
    return (
        Session.objects.filter(coach=coach, starts_at__gte=since)
        .order_by()
        .values("client")
        .annotate(minutes=Sum("duration_minutes"), first=Min("starts_at"))
        .values_list("client", "minutes", "first")
        .order_by("first")
    )


def test_a_queryset_of_values_list_rows_comes_back_converted_as_the_orm_converts_it(coach, vault):
    robin, sam = active_client(coach), active_client(coach)
    for who, hour in ((robin, 9), (sam, 11), (robin, 15)):
        schedule(coach, who, starts_at=tomorrow_at(hour))
    rows = minutes_by_client(coach, tomorrow_at(0))
    assert rows == minutes_by_client.build(coach, tomorrow_at(0))
    [(first_client, minutes, first), _] = rows
    assert first_client == robin.pk and isinstance(first_client, uuid.UUID)  # an id, not its column text
    assert first == tomorrow_at(9) and minutes == 2 * Session.objects.first().duration_minutes
    assert minutes_by_client(coach, tomorrow_at(16)) == []


def test_hand_written_sql_is_built_once_for_each_kind_of_database(monkeypatch):
    built = []

    @per_vendor
    def statement() -> str:
        built.append(connection.vendor)
        return f"SELECT {connection.ops.quote_name('x')} -- {connection.vendor}"

    first = statement()
    assert statement() == first and built == [connection.vendor]
    assert connection.vendor in first
    # Another kind of database gets SQL of its own, built once as well; the first is kept.
    monkeypatch.setattr(connection, "vendor", "other")
    assert statement() == statement() == f"SELECT {connection.ops.quote_name('x')} -- other"
    monkeypatch.undo()
    assert statement() == first
    assert built == [connection.vendor, "other"]
