"""Prepared counting queries: built once through the ORM, then run as SQL with each call's arguments."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.test.utils import CaptureQueriesContext

from ethos.coaching.models import Session
from ethos.prepared import prepared, prepared_records
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


# -- prepared records ------------------------------------------------------------------------

records_built = []


@prepared_records
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


def test_prepared_records_are_the_orms_records_for_each_call_and_built_once(coach, other_coach, vault):
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


def test_prepared_records_refuse_what_they_cannot_make_the_same(coach, vault):
    robin = active_client(coach)

    @prepared_records
    def prefetched(client):
        return Session.objects.filter(client=client).prefetch_related("rescheduled_to")

    @prepared_records
    def plain_values(client):
        return Session.objects.filter(client=client).values("pk")

    @prepared_records
    def already_run(client):
        return list(Session.objects.filter(client=client))

    @prepared_records
    def derived(client, since):
        return Session.objects.filter(client=client, starts_at__gte=since - DAY)

    with pytest.raises(ImproperlyConfigured, match="prefetch"):
        prefetched(robin)
    with pytest.raises(ImproperlyConfigured, match="values"):
        plain_values(robin)
    with pytest.raises(ImproperlyConfigured, match="not run it"):
        already_run(robin)
    with pytest.raises(ImproperlyConfigured, match="worked out"):
        derived(robin, tomorrow_at(9))
