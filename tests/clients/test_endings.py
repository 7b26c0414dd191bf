import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ethos.audit.models import AuditEvent
from ethos.clients import endings, services
from ethos.clients.models import Client, Ending, Referral
from ethos.practice.models import PracticeClosure
from ethos.referrals import services as directory
from ethos.referrals.models import Resource
from ethos.standards.engine import ActionStopped
from ethos.standards.models import OpenItem
from ethos.standards.rules import P10_UNVETTED, P11_EXPLANATION, P11_OFFER, P11_PRACTICE, P11_REFERRAL
from ethos.vault.context import unlocked
from tests.conftest import open_vault
from tests.test_pdf import pdf_text

from .conftest import intake, vetted_resource

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>' OR 1=1; DROP TABLE clients_ending; --"
EXPLANATION = "I am moving abroad and can no longer offer sessions."


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


def explained(**extra) -> dict:
    return {"explanation": EXPLANATION, "explained_on": yesterday(), "explained_how": "in_session", **extra}


def release(coach, client, *, kind=Ending.Kind.END, by=Ending.InitiatedBy.COACH, **extra) -> Ending:
    return endings.client_release(coach=coach, client=client, kind=kind, initiated_by=by, **extra)


def findings(coach, clause: str) -> list[AuditEvent]:
    return [
        e
        for e in AuditEvent.objects.filter(coach=coach, action="standards.finding")
        if clause in e.clauses.split(",")
    ]


def open_record_types(coach, subject_id) -> set[str]:
    items = OpenItem.objects.for_coach(coach).open().filter(subject_id=str(subject_id))
    return {name for item in items for name in item.record_type_list}


@pytest.fixture
def robin(coach, vault):
    return intake(coach, name="Robin Ash").client


@pytest.fixture
def harbour(coach, vault):
    return vetted_resource(coach, name="Harbour Coaching")


def assert_nothing_written(client: Client) -> None:
    client.refresh_from_db()
    assert client.status == Client.Status.ACTIVE
    assert not Ending.objects.filter(client=client).exists()
    assert not Referral.objects.filter(client=client).exists()
    assert not AuditEvent.objects.filter(action__in=["client.ended", "client.paused"]).exists()


# -- P11 and P10: the services -------------------------------------------------------------


def test_p11_ending_without_an_explanation_is_refused(coach, robin, harbour):
    with pytest.raises(ActionStopped) as refused:
        release(coach, robin, referral_resources=[harbour], explanation="We talked", explained_on=yesterday())

    verdict = refused.value.verdict
    assert not verdict.allowed and verdict.clauses == ("P11",)
    assert [f.message for f in verdict.requires] == [P11_EXPLANATION]
    assert_nothing_written(robin)
    assert open_record_types(coach, robin.pk) == {"release_explanation"}
    assert len(findings(coach, "P11")) == 1


def test_p11_ending_without_a_vetted_coaching_referral_is_refused(coach, robin):
    therapist = vetted_resource(coach, name="Quay Therapy", kind=Resource.Kind.THERAPIST)
    with pytest.raises(ActionStopped) as refused:
        release(coach, robin, referral_resources=[therapist], **explained())

    assert [f.message for f in refused.value.verdict.requires] == [P11_REFERRAL]
    assert_nothing_written(robin)
    assert open_record_types(coach, robin.pk) == {"coaching_referral"}


def test_p11_pausing_is_held_to_the_same_standard(coach, robin):
    with pytest.raises(ActionStopped) as refused:
        release(coach, robin, kind=Ending.Kind.PAUSE)
    assert {f.message for f in refused.value.verdict.requires} == {P11_EXPLANATION, P11_REFERRAL}
    assert_nothing_written(robin)


def test_p10_a_referral_to_an_unvetted_coach_is_refused_and_the_ending_waits(coach, robin, harbour):
    unvetted = directory.resource_create(coach=coach, name="Unknown Coaching", kind=Resource.Kind.COACHING)
    with pytest.raises(ActionStopped) as refused:
        release(coach, robin, referral_resources=[harbour, unvetted], **explained())

    verdict = refused.value.verdict
    assert verdict.blocked and verdict.clauses == ("P10",)
    assert [f.message for f in verdict.blocks] == [P10_UNVETTED]
    assert_nothing_written(robin)  # not even the referral to the vetted one
    assert len(findings(coach, "P10")) == 1 and not findings(coach, "P11")


def test_p10_a_lapsed_vetting_does_not_count_as_a_coaching_referral(coach, robin):
    lapsed = vetted_resource(coach, name="Old Harbour", vetted_days_ago=400)
    with pytest.raises(ActionStopped) as refused:
        release(coach, robin, referral_resources=[lapsed], **explained())
    assert refused.value.verdict.clauses == ("P10",)
    assert_nothing_written(robin)


def test_p11_ending_with_an_explanation_and_a_vetted_coaching_referral_succeeds(coach, robin, harbour):
    with pytest.raises(ActionStopped):
        release(coach, robin)  # opens both P11 items
    before = Client.objects.get(pk=robin.pk).status_changed_at

    ending = release(
        coach, robin, referral_resources=[harbour], referral_reason="Same approach", **explained()
    )

    robin.refresh_from_db()
    assert robin.status == Client.Status.ENDED and robin.status_changed_at > before
    ending = Ending.objects.select_related("data_key").get(pk=ending.pk)
    assert ending.kind == "end" and ending.initiated_by == "coach"
    assert ending.explanation == EXPLANATION and ending.explained_on == yesterday()
    assert ending.explained_how == "in_session"
    [referral] = Referral.objects.select_related("data_key").filter(client=robin)
    assert referral.resource == harbour and referral.reason == "Same approach"
    event = AuditEvent.objects.get(coach=coach, action="client.ended")
    assert event.clauses == "P11" and event.target_id == str(robin.pk)
    assert EXPLANATION not in str(event.details)
    assert open_record_types(coach, robin.pk) == set()
    resolved = OpenItem.objects.filter(subject_id=str(robin.pk), resolved_at__isnull=False)
    assert {item.resolved_record_type for item in resolved} == {"release_explanation", "coaching_referral"}


def test_p11_a_coaching_referral_made_earlier_counts(coach, robin, harbour):
    services.referral_make(coach=coach, client=robin, resource=harbour, reason="For later")
    ending = release(coach, robin, **explained())
    assert ending.pk and Client.objects.get(pk=robin.pk).status == Client.Status.ENDED
    assert Referral.objects.filter(client=robin).count() == 1


def test_p11_a_referral_made_when_pausing_counts_when_ending(coach, robin, harbour):
    release(coach, robin, kind=Ending.Kind.PAUSE, referral_resources=[harbour], **explained())
    assert Client.objects.get(pk=robin.pk).status == Client.Status.PAUSED
    assert AuditEvent.objects.filter(coach=coach, action="client.paused", clauses="P11").exists()
    with pytest.raises(ValidationError):
        release(coach, robin, kind=Ending.Kind.PAUSE, **explained())  # already paused
    release(coach, robin, **explained())
    assert Client.objects.get(pk=robin.pk).status == Client.Status.ENDED
    with pytest.raises(ValidationError) as error:
        release(coach, robin, **explained())
    assert error.value.messages == [endings.CANNOT_END]


def test_p11_client_initiated_ending_records_the_reason_and_the_declined_offer(coach, robin, harbour):
    ending = release(
        coach,
        robin,
        by=Ending.InitiatedBy.CLIENT,
        client_reason="  I feel ready to go on alone. ",
        referral_resources=[harbour],
        referral_declined=True,
    )

    ending = Ending.objects.select_related("data_key").get(pk=ending.pk)
    assert ending.client_reason == "I feel ready to go on alone." and ending.explanation is None
    assert ending.referral_offer == Ending.ReferralOffer.DECLINED
    assert list(ending.offered_resources.all()) == [harbour]
    assert not Referral.objects.filter(client=robin).exists()  # declined: offered, not referred
    assert Client.objects.get(pk=robin.pk).status == Client.Status.ENDED
    assert not findings(coach, "P11")
    details = AuditEvent.objects.get(coach=coach, action="client.ended").details
    assert details["initiated_by"] == "client" and details["referral_offer"] == "declined"


def test_p11_a_client_initiated_ending_without_a_referral_offer_is_refused(coach, robin, harbour):
    # The old way: the client's reason alone ended coaching, with no coaching referral offered.
    with pytest.raises(ActionStopped) as refused:
        release(coach, robin, by=Ending.InitiatedBy.CLIENT, client_reason="Moving away")

    verdict = refused.value.verdict
    assert verdict.clauses == ("P11",) and [f.message for f in verdict.requires] == [P11_OFFER]
    assert_nothing_written(robin)
    assert open_record_types(coach, robin.pk) == {"coaching_referral", "referral_offer"}

    release(
        coach,
        robin,
        by=Ending.InitiatedBy.CLIENT,
        client_reason="Moving away",
        referral_resources=[harbour],
        referral_declined=True,
    )
    assert open_record_types(coach, robin.pk) == set()
    [item] = OpenItem.objects.filter(subject_id=str(robin.pk), clause="P11")
    assert item.resolved_record_type == "referral_offer"


def test_p11_a_coaching_referral_made_earlier_counts_as_offered_when_the_client_ends(coach, robin, harbour):
    services.referral_make(coach=coach, client=robin, resource=harbour, reason="For later")
    ending = release(coach, robin, by=Ending.InitiatedBy.CLIENT, client_reason="Done for now")
    assert ending.referral_offer == Ending.ReferralOffer.REFERRED


def test_p11_a_declined_offer_must_name_the_vetted_providers_offered(coach, robin):
    therapist = vetted_resource(coach, name="Quay Therapy", kind=Resource.Kind.THERAPIST)
    for offered in ([], [therapist]):
        with pytest.raises(ValidationError) as error:
            release(
                coach,
                robin,
                by=Ending.InitiatedBy.CLIENT,
                client_reason="Done",
                referral_resources=offered,
                referral_declined=True,
            )
        assert error.value.messages == [endings.OFFER_NAMES_PROVIDERS]
    assert_nothing_written(robin)


def test_p10_a_declined_offer_of_an_unvetted_provider_is_refused(coach, robin):
    unvetted = directory.resource_create(coach=coach, name="Unknown Coaching", kind=Resource.Kind.COACHING)
    with pytest.raises(ActionStopped) as refused:
        release(
            coach,
            robin,
            by=Ending.InitiatedBy.CLIENT,
            client_reason="Done",
            referral_resources=[unvetted],
            referral_declined=True,
        )
    assert refused.value.verdict.clauses == ("P10",)
    assert_nothing_written(robin)


def test_p11_only_the_client_can_decline_the_referral(coach, robin, harbour):
    with pytest.raises(ValidationError) as error:
        release(coach, robin, referral_resources=[harbour], referral_declined=True, **explained())
    assert error.value.messages == [endings.DECLINE_ONLY_WHEN_CLIENT_ENDS]
    assert_nothing_written(robin)


def test_p11_client_initiated_ending_needs_the_reason(coach, robin, harbour):
    with pytest.raises(ValidationError) as error:
        release(coach, robin, by=Ending.InitiatedBy.CLIENT, client_reason="  ", referral_resources=[harbour])
    assert error.value.messages == [endings.CLIENT_REASON_NEEDED]
    assert_nothing_written(robin)


def test_p11_a_client_initiated_ending_may_still_carry_a_referral(coach, robin, harbour):
    ending = release(
        coach, robin, by=Ending.InitiatedBy.CLIENT, client_reason="Moving", referral_resources=[harbour]
    )
    assert Referral.objects.filter(client=robin, resource=harbour).count() == 1
    assert ending.referral_offer == Ending.ReferralOffer.REFERRED


def test_another_coachs_client_or_resource_is_refused(coach, other_coach, robin, harbour):
    with pytest.raises(PermissionError):
        release(other_coach, robin, **explained())
    with unlocked(open_vault(other_coach)):
        theirs = vetted_resource(other_coach, name="Their Coaching")
    with pytest.raises(PermissionError):
        release(coach, robin, referral_resources=[theirs], **explained())
    assert_nothing_written(robin)


def test_p11_practice_closure_blocks_while_any_client_lacks_an_ending_and_succeeds_after(
    coach, robin, harbour
):
    kim = intake(coach, name="Kim Lowe").client
    intake(coach, name="Young Person", age=15)  # declined at intake: not a client to end

    with pytest.raises(ActionStopped) as refused:
        endings.practice_close(coach=coach)
    assert [f.message for f in refused.value.verdict.requires] == [P11_PRACTICE]
    assert not PracticeClosure.objects.exists()
    assert open_record_types(coach, coach.pk) == {"client_release"}

    release(coach, robin, kind=Ending.Kind.PAUSE, referral_resources=[harbour], **explained())
    with pytest.raises(ActionStopped):
        endings.practice_close(coach=coach)  # a paused client still has coaching to end
    release(coach, robin, **explained())
    release(
        coach,
        kim,
        by=Ending.InitiatedBy.CLIENT,
        client_reason="Found a group",
        referral_resources=[harbour],
        referral_declined=True,
    )

    closure = endings.practice_close(coach=coach)

    assert PracticeClosure.objects.get(coach=coach) == closure
    assert AuditEvent.objects.filter(coach=coach, action="practice.closed", clauses="P11").exists()
    assert open_record_types(coach, coach.pk) == set()
    assert len(findings(coach, "P11")) == 2
    with pytest.raises(ValidationError):
        endings.practice_close(coach=coach)


def test_the_closure_rows_say_what_each_client_still_needs(coach, robin, harbour):
    kim = intake(coach, name="Kim Lowe").client
    release(coach, kim, kind=Ending.Kind.PAUSE, referral_resources=[harbour], **explained())
    rows = {row.client.pk: row for row in endings.closure_rows(coach)}
    assert not rows[robin.pk].explained and rows[robin.pk].coaching_referrals == 0
    assert rows[kim.pk].explained and rows[kim.pk].coaching_referrals == 1


# -- the letter ----------------------------------------------------------------------------


def test_the_letter_is_a_pdf_with_the_explanation_and_the_referrals_contact_details(coach, robin):
    harbour = directory.resource_create(
        coach=coach,
        name="Harbour Coaching",
        kind=Resource.Kind.COACHING,
        phone="0100 000 000",
        email="hello@harbour.example",
        website="https://harbour.example",
    )
    directory.vetting_record(coach=coach, resource=harbour, vetted_on=yesterday(), method="spoke")
    ending = release(coach, robin, referral_resources=[harbour], **explained())

    data = endings.ending_letter(coach=coach, ending=ending)

    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (
        "Harbour Coaching",
        "0100 000 000",
        "hello@harbour.example",
        "https://harbour.example",
    ):
        assert expected in text
    assert "moving abroad" in text and "Robin" in text
    event = AuditEvent.objects.get(coach=coach, action="client.letter_printed")
    assert event.details == {"ending": str(ending.pk), "referrals": 1}


def test_the_letter_prints_text_outside_latin_1_as_written(coach, robin, harbour):
    ending = release(
        coach,
        robin,
        referral_resources=[harbour],
        **explained(explanation="\u201cThank you\u201d \u2014 it\u2019s been \U0001f331 \u0141\u00f3d\u017a"),
    )
    text = pdf_text(endings.letter_pdf_build(ending, [], coach_name="Zoë Ω", compress=False))
    # The font has no seedling emoji: a stand-in shows that something was there.
    assert "\u201cThank you\u201d \u2014 it\u2019s been \ufffd \u0141\u00f3d\u017a" in text
    assert "Zoë Ω" in text


# -- pages ---------------------------------------------------------------------------------


@pytest.fixture
def ended(coach, robin, harbour):
    return release(coach, robin, referral_resources=[harbour], **explained())


def test_every_ending_page_is_a_404_for_another_coach(robin, ended, other_client):
    end_url = reverse("clients:end", args=[robin.pk])
    letter_url = reverse("clients:ending_letter", args=[robin.pk, ended.pk])
    for url in (end_url, letter_url):
        assert other_client.get(url).status_code == 404, url
    assert (
        other_client.post(
            end_url, {"initiated_by": "client", "kind": "end", "client_reason": "x"}
        ).status_code
        == 404
    )
    assert not AuditEvent.objects.filter(action="client.letter_printed").exists()


def test_an_ending_under_another_client_is_a_404(coach, coach_client, ended):
    kim = intake(coach, name="Kim Lowe").client
    assert coach_client.get(reverse("clients:ending_letter", args=[kim.pk, ended.pk])).status_code == 404


def test_the_closure_page_of_another_coach_shows_none_of_my_clients(coach, robin, other_client, other_coach):
    page = other_client.get(reverse("clients:closure")).content.decode()
    assert "Robin Ash" not in page
    assert other_client.post(reverse("clients:closure")).status_code == 302
    assert PracticeClosure.objects.filter(coach=other_coach).exists()
    assert not PracticeClosure.objects.filter(coach=coach).exists()


def test_every_ending_page_needs_sign_in(robin, ended):
    for url in (
        reverse("clients:end", args=[robin.pk]),
        reverse("clients:ending_letter", args=[robin.pk, ended.pk]),
        reverse("clients:closure"),
    ):
        response = Browser().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))
    assert Browser().post(reverse("clients:closure")).status_code == 302
    assert not PracticeClosure.objects.exists()


def test_p11_the_end_page_shows_the_verdict_and_writes_only_the_finding(coach, coach_client, robin, harbour):
    url = reverse("clients:end", args=[robin.pk])
    response = coach_client.post(
        url, {"initiated_by": "coach", "kind": "end", "referral_resources": [str(harbour.pk)]}
    )
    page = response.content.decode()
    assert response.status_code == 200 and escape(P11_EXPLANATION) in page and "verdict" in page
    assert_nothing_written(robin)
    assert findings(coach, "P11")


def test_p11_the_end_page_ends_coaching_and_offers_the_letter(coach, coach_client, robin, harbour):
    url = reverse("clients:end", args=[robin.pk])
    assert "Harbour Coaching" in coach_client.get(url).content.decode()
    data = {
        "initiated_by": "coach",
        "kind": "end",
        "explanation": HOSTILE,
        "explained_on": str(yesterday()),
        "explained_how": "phone",
        "referral_resources": [str(harbour.pk)],
    }
    response = coach_client.post(url, data)
    assert response.status_code == 302
    ending = Ending.objects.get(client=robin)
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "<script>alert" not in page and escape(HOSTILE) in page
    letter_url = reverse("clients:ending_letter", args=[robin.pk, ending.pk])
    assert letter_url in page
    letter = coach_client.get(letter_url)
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert letter["Content-Disposition"].startswith("attachment;")
    assert letter.content.startswith(b"%PDF") and "Harbour Coaching" in pdf_text(letter.content)


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({}, "This field is required."),
        ({"initiated_by": "client", "kind": "end", "client_reason": "  "}, endings.CLIENT_REASON_NEEDED),
        ({"initiated_by": "coach", "kind": "end", "explained_on": "2025-02-30"}, "Enter the day as a date"),
        ({"initiated_by": "coach", "kind": "end", "explained_on": "TOMORROW"}, endings.EXPLAINED_IN_FUTURE),
        ({"initiated_by": "someone", "kind": "end"}, "Select a valid choice."),
        (
            {"initiated_by": "coach", "kind": "end", "referral_resources": ["not-a-resource"]},
            "Select a valid choice",
        ),
    ],
)
def test_bad_ending_input_gives_a_form_error_and_changes_nothing(
    coach, coach_client, robin, data, field_message
):
    tomorrow = str(timezone.localdate() + datetime.timedelta(days=1))
    data = {key: tomorrow if value == "TOMORROW" else value for key, value in data.items()}
    response = coach_client.post(reverse("clients:end", args=[robin.pk]), data)
    assert response.status_code == 200
    assert escape(field_message) in response.content.decode()
    assert_nothing_written(robin)
    assert not findings(coach, "P11")


def test_p11_the_client_initiated_form_needs_no_explanation_but_an_offer(coach, coach_client, robin, harbour):
    url = reverse("clients:end", args=[robin.pk])
    data = {"initiated_by": "client", "kind": "end", "client_reason": "I want to try a group instead"}
    refused = coach_client.post(url, data)
    assert refused.status_code == 200 and escape(P11_OFFER) in refused.content.decode()
    assert_nothing_written(robin)

    response = coach_client.post(
        url, {**data, "referral_resources": [str(harbour.pk)], "referral_declined": "on"}
    )
    assert response.status_code == 302
    assert Client.objects.get(pk=robin.pk).status == Client.Status.ENDED
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "Offered a referral, which the client declined" in page


def test_p11_the_form_refuses_a_declined_offer_when_the_coach_ends_it(coach_client, robin, harbour):
    response = coach_client.post(
        reverse("clients:end", args=[robin.pk]),
        {
            "initiated_by": "coach",
            "kind": "end",
            "explanation": "Moving abroad",
            "explained_on": str(yesterday()),
            "explained_how": "phone",
            "referral_resources": [str(harbour.pk)],
            "referral_declined": "on",
        },
    )
    assert response.status_code == 200
    assert escape(endings.DECLINE_ONLY_WHEN_CLIENT_ENDS) in response.content.decode()
    assert_nothing_written(robin)


def test_the_closure_page_lists_clients_escaped_and_refuses_until_all_have_ended(
    coach, coach_client, robin, harbour
):
    hostile = intake(coach, name=HOSTILE).client
    url = reverse("clients:closure")
    page = coach_client.get(url).content.decode()
    assert "Robin Ash" in page and escape(HOSTILE) in page and "<script>alert" not in page
    assert reverse("clients:end", args=[robin.pk]) in page

    refused = coach_client.post(url)
    assert refused.status_code == 200 and escape(P11_PRACTICE) in refused.content.decode()
    assert not PracticeClosure.objects.exists()

    release(coach, robin, **explained(referral_resources=[harbour]))
    release(coach, hostile, by=Ending.InitiatedBy.CLIENT, client_reason="Done", referral_resources=[harbour])
    assert coach_client.post(url).status_code == 302
    assert PracticeClosure.objects.filter(coach=coach).exists()
    assert "Your practice closed on" in coach_client.get(url).content.decode()


# The same bound for 1 and for 20 clients: session, user and vault (3), then clients, endings,
# referrals and the closure itself, with one to spare.
CLOSURE_QUERIES = 8


@pytest.mark.parametrize("count", [1, 20])
def test_the_closure_page_has_a_bounded_number_of_queries(
    coach, coach_client, harbour, count, django_assert_max_num_queries
):
    for number in range(count):
        client = intake(coach, name=f"Client {number}").client
        if number % 2:
            release(coach, client, kind=Ending.Kind.PAUSE, referral_resources=[harbour], **explained())
    coach_client.get(reverse("clients:closure"))  # warm up the session
    with django_assert_max_num_queries(CLOSURE_QUERIES):
        page = coach_client.get(reverse("clients:closure")).content.decode()
    assert f"Client {count - 1}" in page


def test_the_client_page_endings_section_has_the_same_query_bound_for_one_and_many(
    coach, coach_client, robin, harbour, django_assert_max_num_queries
):
    url = reverse("clients:detail", args=[robin.pk])
    release(coach, robin, kind=Ending.Kind.PAUSE, referral_resources=[harbour], **explained())
    coach_client.get(url)
    with CaptureQueriesContext(connection) as one:
        coach_client.get(url)
    for _ in range(5):
        Client.objects.filter(pk=robin.pk).update(status=Client.Status.ACTIVE)
        release(coach, robin, kind=Ending.Kind.PAUSE, **explained())
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = coach_client.get(url).content.decode()
    assert page.count("Download the letter") == 6


def test_p11_an_offer_of_a_service_taken_out_of_use_does_not_count(coach, robin, harbour):
    directory.resource_deactivate(coach=coach, resource=harbour)
    with pytest.raises(ActionStopped) as refused:
        release(
            coach,
            robin,
            by=Ending.InitiatedBy.CLIENT,
            client_reason="Done for now",
            referral_resources=[harbour],
            referral_declined=True,
        )
    assert refused.value.verdict.clauses == ("P10",)
    assert Client.objects.get(pk=robin.pk).status == Client.Status.ACTIVE
    assert not Ending.objects.filter(client=robin).exists()
