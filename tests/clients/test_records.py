import pytest
from django.test import Client as Browser
from django.urls import reverse

from ethos.audit.models import AuditEvent
from ethos.clients.models import Client, ContactVersion, Goal
from ethos.clients.selectors import PAGE_SIZE
from ethos.vault.context import unlocked
from tests.conftest import open_vault

from .conftest import intake, vetted_resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def robin(coach):
    with unlocked(open_vault(coach)):
        return intake(coach, name="Robin Ash").client


def client_urls(client) -> list[str]:
    return [
        reverse(name, args=[client.pk])
        for name in (
            "clients:detail",
            "clients:crisis",
            "clients:contact",
            "clients:refer",
            "clients:supervision",
            "clients:safety_check",
        )
    ]


def test_every_client_page_is_a_404_for_another_coach(robin, other_client):
    for url in client_urls(robin):
        assert other_client.get(url).status_code == 404, url
        assert other_client.post(url, {"reason": "x"}).status_code == 404, url


def test_every_client_page_needs_sign_in(robin):
    pages = [reverse("clients:list"), reverse("clients:intake"), reverse("clients:safety_checks")]
    for url in [*pages, *client_urls(robin)]:
        response = Browser().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))


def test_the_list_shows_only_my_clients_and_finds_them_by_name(coach_client, coach, other_coach, robin):
    with unlocked(open_vault(other_coach)):
        intake(other_coach, name="Sasha Theirs")
    with unlocked(open_vault(coach)):
        intake(coach, name="Kim Lowe")
    page = coach_client.get(reverse("clients:list")).content.decode()
    assert "Robin Ash" in page and "Kim Lowe" in page and "Sasha Theirs" not in page
    found = coach_client.get(reverse("clients:list"), {"q": "robin"}).content.decode()
    assert "Robin Ash" in found and "Kim Lowe" not in found


def test_the_list_filters_by_status(coach_client, coach, robin):
    with unlocked(open_vault(coach)):
        intake(coach, name="Young Person", age=16)
    page = coach_client.get(reverse("clients:list")).content.decode()
    # Declined intakes are not clients, but one still owed a referral (S9) stays in sight, marked.
    assert "Young Person" in page and "Referral owed" in page
    declined = coach_client.get(reverse("clients:list"), {"status": "declined"}).content.decode()
    assert "Young Person" in declined and "Robin Ash" not in declined
    assert coach_client.get(reverse("clients:list"), {"status": "<script>"}).status_code == 200


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_runs_a_bounded_number_of_queries(coach_client, coach, count, django_assert_max_num_queries):
    with unlocked(open_vault(coach)):
        for number in range(count):
            intake(coach, name=f"Client {number}")
    with django_assert_max_num_queries(10):
        response = coach_client.get(reverse("clients:list"))
    # One page of rows at most (tests/test_client_list_scale.py holds the rest).
    assert response.content.decode().count('class="badge badge--active"') == min(count, PAGE_SIZE)


def test_reading_a_client_is_an_audit_event(coach_client, coach, robin):
    coach_client.get(reverse("clients:detail", args=[robin.pk]))
    event = AuditEvent.objects.filter(coach=coach, action="client.viewed").get()
    assert event.target_id == str(robin.pk)


def test_contact_changes_are_versioned_and_audited(coach_client, coach, robin):
    response = coach_client.post(
        reverse("clients:contact", args=[robin.pk]), {"email": "new@example.org", "phone": "0200 111"}
    )
    assert response.status_code == 302
    with unlocked(open_vault(coach)):
        assert Client.objects.get(pk=robin.pk).contact == {"email": "new@example.org", "phone": "0200 111"}
        assert ContactVersion.objects.get(client=robin).contact == {"email": "robin@example.org"}
    assert AuditEvent.objects.filter(coach=coach, action="client.contact_changed").exists()
    bad = coach_client.post(reverse("clients:contact", args=[robin.pk]), {"email": "not an email"})
    assert "Enter a valid email address." in bad.content.decode()
    assert ContactVersion.objects.filter(client=robin).count() == 1


def test_the_timeline_tells_the_story(coach_client, coach, robin):
    with unlocked(open_vault(coach)):
        from ethos.clients import services

        services.referral_make(
            coach=coach, client=robin, resource=vetted_resource(coach), reason="peer group"
        )
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "Intake accepted" in page and "Referred to Harbour Coaching" in page


def test_the_compliance_report_shows_real_evidence_for_intake_clauses(coach_client, coach, robin):
    with unlocked(open_vault(coach)):
        intake(coach, name="Too Young", age=15)
        intake(coach, name="Full Up", decline_reason="capacity")
    page = coach_client.get(reverse("standards:compliance")).content.decode()
    assert "3 intakes checked for age, 1 declined as under age." in page
    assert "2 intakes declined, each for a listed reason" in page
    assert "3 intakes screened for suicide risk" in page


CANARIES = {
    "name": "Canary-Wren-Halloway",
    "email": "canary.wren.8831@example.org",
    "goal": "Canary-goal: to walk into the office without shaking",
}


@pytest.mark.usefixtures("flushable_db")
def test_c2_no_client_name_email_birth_date_or_goal_is_readable_in_the_database(coach):
    import datetime

    from tests.vault.test_at_rest import database_bytes

    born = datetime.date(1987, 11, 23)
    with unlocked(open_vault(coach)):
        client = intake(coach, name=CANARIES["name"], born=born).client
        client.contact = {"email": CANARIES["email"]}
        client.save()
        Goal(coach=coach, client=client, data_key=client.data_key, words=CANARIES["goal"]).save()
    raw = database_bytes()
    assert coach.email.encode() in raw  # the plain account email shows the test can see plaintext
    for canary in CANARIES.values():
        assert canary.encode() not in raw
    for form in ("1987-11-23", "23/11/1987", "19871123"):
        assert form.encode() not in raw


def test_the_detail_page_lists_only_this_clients_open_items(coach_client, coach, robin):
    with unlocked(open_vault(coach)):
        minor = intake(coach, name="Young Person", age=15).client  # S9 owes a referral for them
    assert (
        "Still to do for this client"
        not in coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    )
    page = coach_client.get(reverse("clients:detail", args=[minor.pk])).content.decode()
    assert "Still to do for this client" in page and "<strong>S9</strong>" in page
