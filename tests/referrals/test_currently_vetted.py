"""P10: one definition of "currently vetted", the coach's own vetting, twelve months at most, and
the table that says which open items a referral to each kind of service answers."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

from ethos.referrals import services
from ethos.referrals.apps import check_record_types
from ethos.referrals.models import RECORD_TYPES_BY_KIND, Resource, VettingRecord, kinds_for, latest_review
from ethos.referrals.selectors import referral_fit, usable_resources, vetting_state
from ethos.referrals.services import REVIEW_TOO_LATE
from ethos.standards.catalog import catalog
from ethos.standards.engine import ActionStopped, Subject
from ethos.standards.facts import Vetting
from ethos.standards.models import OpenItem
from ethos.standards.rules import P10_LAPSED, P10_OUT_OF_USE
from ethos.standards.services import action

from .conftest import make_resource, vet

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
SUBJECT = Subject(type="client", id="c-1")


def names(queryset) -> list[str]:
    return sorted(queryset.values_list("name", flat=True))


# -- twelve months at most, and a lapse that needs no job ------------------------------------


@pytest.mark.parametrize(
    ("vetted_on", "latest"),
    [
        (datetime.date(2025, 3, 10), datetime.date(2026, 3, 10)),
        (datetime.date(2024, 2, 29), datetime.date(2025, 2, 28)),
        (datetime.date(2027, 3, 1), datetime.date(2028, 3, 1)),
    ],
)
def test_p10_the_latest_review_is_twelve_months_after_the_vetting(vetted_on, latest):
    assert latest_review(vetted_on) == latest


def test_p10_a_review_date_more_than_twelve_months_out_is_refused_and_nothing_is_saved(coach, vault):
    resource = make_resource(coach=coach)
    vetted_on = timezone.localdate() - datetime.timedelta(days=30)
    with pytest.raises(ValidationError) as refused:
        services.vetting_record(
            coach=coach,
            resource=resource,
            vetted_on=vetted_on,
            method=VettingRecord.Method.VISITED,
            review_by=latest_review(vetted_on) + DAY,
        )
    assert refused.value.messages == [REVIEW_TOO_LATE]
    assert not VettingRecord.objects.exists()
    record = vet(coach=coach, resource=resource, days_ago=30, review_by=latest_review(vetted_on))
    assert record.review_by == latest_review(vetted_on)


def test_p10_an_expired_vetting_lapses_by_itself_the_day_after_its_review_date(coach, vault):
    resource = make_resource(coach=coach, name="Harbour")
    record = vet(coach=coach, resource=resource, days_ago=100)
    last_day = record.review_by
    assert names(Resource.objects.currently_vetted(on=last_day)) == ["Harbour"]
    assert names(Resource.objects.currently_vetted(on=last_day + DAY)) == []
    assert vetting_state(resource, on=last_day) is Vetting.CURRENT
    assert vetting_state(resource, on=last_day + DAY) is Vetting.LAPSED
    # Nothing was written for it to lapse: the record is as it was.
    assert VettingRecord.objects.get().review_by == last_day
    # A vetting does not count before the day it was made.
    assert names(Resource.objects.currently_vetted(on=record.vetted_on - DAY)) == []


def test_p10_a_referral_after_the_review_date_is_refused_with_nothing_run_in_between(coach, vault):
    resource = make_resource(coach=coach)
    vet(coach=coach, resource=resource, days_ago=366)  # reviewed by yesterday at the latest
    with pytest.raises(ActionStopped) as refused, action():
        services.referral_check(coach=coach, resource=resource, subject=SUBJECT)
    assert [f.message for f in refused.value.verdict.findings] == [P10_LAPSED]


# -- the coach's own vetting -----------------------------------------------------------------


def test_p10_a_vetting_is_always_the_coachs_own(coach, vault):
    resource = make_resource(coach=coach)
    record = vet(coach=coach, resource=resource)
    assert record.vetted_by == coach.name and record.coach == coach
    with pytest.raises(TypeError):
        vet(coach=coach, resource=resource, vetted_by="A colleague")  # no such thing to fill in
    assert VettingRecord.objects.count() == 1


def test_p10_every_method_says_how_the_coach_checked_it_themselves():
    assert set(VettingRecord.Method.values) == {"visited", "spoke", "met", "licence", "used"}


# -- one source for "currently vetted" -------------------------------------------------------


@pytest.fixture
def directory(coach, vault):
    current = make_resource(coach=coach, name="Current", kind=Resource.Kind.COACHING)
    vet(coach=coach, resource=current, days_ago=10)
    lapsed = make_resource(coach=coach, name="Lapsed", kind=Resource.Kind.COACHING)
    vet(coach=coach, resource=lapsed, days_ago=400)
    make_resource(coach=coach, name="Never", kind=Resource.Kind.COACHING)
    retired = make_resource(coach=coach, name="Retired", kind=Resource.Kind.COACHING)
    vet(coach=coach, resource=retired, days_ago=10)
    services.resource_deactivate(coach=coach, resource=retired)
    return {"current": current, "lapsed": lapsed, "retired": retired}


def test_p10_currently_vetted_means_in_use_with_a_vetting_whose_review_date_has_not_passed(
    coach, other_coach, directory
):
    assert names(Resource.objects.currently_vetted()) == ["Current"]
    assert names(Resource.objects.for_coach(other_coach).currently_vetted()) == []
    # The directory's own readers ask the same question.
    assert [r.name for r in usable_resources(coach)] == ["Current"]
    assert [r.name for r in usable_resources(coach, kinds=kinds_for("coaching_referral"))] == ["Current"]


def test_p10_a_resource_taken_out_of_use_is_refused_even_when_the_caller_holds_an_old_copy(coach, vault):
    resource = make_resource(coach=coach)
    vet(coach=coach, resource=resource)
    held = Resource.objects.get(pk=resource.pk)  # loaded while still in use
    services.resource_deactivate(coach=coach, resource=resource)
    assert held.is_active  # the caller's copy is stale; the check reads the database
    with pytest.raises(ActionStopped) as refused, action():
        services.referral_check(coach=coach, resource=held, subject=SUBJECT)
    assert [f.message for f in refused.value.verdict.findings] == [P10_OUT_OF_USE]


def test_p10_the_directory_page_shows_the_same_answer(coach_client, coach, directory):
    page = coach_client.get("/directory/").content.decode()
    assert page.count("status--good") == 2  # Current (in use) and Retired (taken out of use)
    assert page.count("vetting due since") == 1 and page.count("never vetted") == 1


# -- which open items a referral answers: one table ------------------------------------------


def test_it_maps_every_kind_to_record_types_the_catalog_knows():
    assert set(RECORD_TYPES_BY_KIND) == set(Resource.Kind.values)
    known = catalog().record_types
    assert all(name in known for names_ in RECORD_TYPES_BY_KIND.values() for name in names_)
    check_record_types(RECORD_TYPES_BY_KIND, Resource.Kind.values, known)


def test_it_refuses_at_start_up_a_kind_without_record_types_or_an_unknown_record_type():
    known = catalog().record_types
    with pytest.raises(ImproperlyConfigured, match="no entry"):
        check_record_types({}, ["coaching"], known)
    with pytest.raises(ImproperlyConfigured, match="not in the catalog"):
        check_record_types({"coaching": ("made_up_referral",)}, ["coaching"], known)


@pytest.mark.parametrize(
    ("record_type", "kinds"),
    [
        ("crisis_referral", {"crisis_line", "therapist", "mental_health", "prescriber"}),
        ("safety_referral", {"addiction", "medical", "self_harm", "prescriber"}),
        ("youth_referral", {"youth"}),
        ("coaching_referral", {"coaching"}),
        ("competence_referral", {"coaching", "therapist", "mental_health", "domestic_violence"}),
    ],
)
def test_each_clause_is_answered_only_by_the_kinds_that_fit_it(record_type, kinds):
    assert set(kinds_for(record_type)) == kinds


def test_s2_a_legal_service_never_answers_a_crisis_item():
    assert Resource(kind=Resource.Kind.LEGAL).record_types == ("referral",)
    assert "legal" not in kinds_for("crisis_referral")


def test_it_explains_the_table_in_the_coachs_words():
    rows = {clause: kinds for clause, _, kinds in referral_fit()}
    assert rows["S9"] == ["Service for young people"] and rows["P11"] == ["Coaching provider"]
    assert "Legal service" not in rows["S2"]


# -- what was stored before ------------------------------------------------------------------

MIGRATION = importlib.import_module(
    "ethos.referrals.migrations.0003_vettings_within_twelve_months_and_fitting_open_items"
)


def test_p10_an_older_vetting_reviewed_later_than_twelve_months_is_cut_back(coach, vault):
    resource = make_resource(coach=coach)
    record = vet(coach=coach, resource=resource, days_ago=30)
    VettingRecord.objects.filter(pk=record.pk).update(
        review_by=record.vetted_on + datetime.timedelta(days=900)
    )
    MIGRATION.cut_back_review_dates(apps, None)
    assert VettingRecord.objects.get().review_by == latest_review(record.vetted_on)


@pytest.mark.parametrize(
    ("clause", "before", "after"),
    [
        ("S1", "referral", "safety_referral"),
        ("S1", "scope_review,referral", "scope_review,safety_referral"),
        ("S2", "referral", "crisis_referral"),
        ("S2", "scope_review,referral", "scope_review,crisis_referral"),
        ("S9", "referral", "youth_referral"),
        ("S5", "referral,supervision_entry", "competence_referral"),
        ("P11", "coaching_referral", "coaching_referral"),
    ],
)
def test_open_items_stored_before_name_the_referral_that_fits_their_clause(coach, clause, before, after):
    item = OpenItem.objects.create(
        coach=coach,
        clause=clause,
        point="intake.submit",
        subject_type="client",
        subject_id="c-1",
        message="m",
        resolution="r",
        record_types=before,
        opened_at=timezone.now(),
    )
    MIGRATION.name_fitting_referrals(apps, None)
    item.refresh_from_db()
    assert item.record_types == after
