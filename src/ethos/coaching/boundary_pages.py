"""What the boundaries put on other pages: the client page and timeline, open items, evidence (P7, P8)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from ethos.clients.models import Client
from ethos.clients.pages import TimelineEntry, client_section, timeline_source
from ethos.prepared import prepared
from ethos.standards.evidence import Evidence, count, evidence_provider, kept
from ethos.standards.record_types import RecordType
from ethos.standards.subjects import resolving_page, subject_describer, uuids

from .boundaries import boundaries_of
from .boundary_models import COACHING_CONTACT
from .models import BoundaryAgreement, BoundaryReview, ContactLog, RelationshipDeclaration, SessionNote


@client_section(
    "boundaries", title="Boundaries (P7, P8)", template="coaching/_client_boundaries.html", order=60
)
def boundaries_section(client: Client) -> dict:
    return {"boundaries": boundaries_of(client)}


@timeline_source
def boundary_entries(client: Client) -> list[TimelineEntry]:
    found = boundaries_of(client)
    entries = [
        TimelineEntry(
            c.logged_at, "boundary", f"Contact outside a session logged ({c.get_channel_display().lower()})"
        )
        for c in found.contacts
    ]
    entries += [
        TimelineEntry(d.declared_at, "boundary", f"Declared: {d.get_kind_display().lower()}")
        for d in found.declarations
    ]
    if found.agreement is not None:
        entries.append(TimelineEntry(found.agreement.created_at, "boundary", "Boundary agreement signed"))
    return entries


@subject_describer("contactlog")
def describe_contacts(coach, ids) -> dict[str, tuple[str, str]]:
    """Name a logged contact by its client and day: one query for the contacts, clients and keys."""
    contacts = ContactLog.objects.filter(coach=coach, pk__in=uuids(ids)).select_related(
        "client", "client__data_key"
    )
    return {
        str(c.pk): (
            f"Contact with {c.client.display_name} on {c.happened_on:%d %b %Y}",
            reverse("coaching:boundaries", args=[c.client_id]),
        )
        for c in contacts
    }


@resolving_page(RecordType.BOUNDARY_REVIEW)
def boundary_review_page(item) -> str | None:
    """A contact's review form, or the note whose finding opened the review."""
    if not uuids([item.subject_id]):
        return None
    if item.subject_type == "contactlog":
        client_id = ContactLog.objects.filter(pk=item.subject_id).values_list("client_id", flat=True).first()
        if client_id is None:
            return None
        url = reverse("coaching:contact_review", args=[client_id, item.subject_id])
        return f"{url}?{urlencode({'item': str(item.pk)})}"
    if item.subject_type == "sessionnote":
        session_id = (
            SessionNote.objects.filter(pk=item.subject_id).values_list("session_id", flat=True).first()
        )
        return reverse("coaching:note", args=[session_id]) if session_id else None
    return None


@kept(BoundaryAgreement)
@prepared
def _agreements(coach) -> dict[str, int]:
    return BoundaryAgreement.objects.filter(coach=coach).aggregate(clients=Count("client", distinct=True))


@kept(ContactLog)
@prepared
def _contacts(coach) -> dict[str, int]:
    return ContactLog.objects.filter(coach=coach).aggregate(
        total=Count("pk"), outside=Count("pk", filter=~Q(about__in=list(COACHING_CONTACT)))
    )


@kept(BoundaryReview)
@prepared
def _reviews(coach) -> dict[str, int]:
    """Boundary reviews kept, by clause: one query for the P7 and P8 rows."""
    return BoundaryReview.objects.filter(coach=coach).aggregate(
        P7=Count("pk", filter=Q(clause="P7")), P8=Count("pk", filter=Q(clause="P8"))
    )


@kept(RelationshipDeclaration, Client)
@prepared
def _declared(coach) -> dict[str, int]:
    return RelationshipDeclaration.objects.filter(coach=coach).aggregate(
        ending=Count("pk", filter=Q(kind__in=["romantic", "sexual", "attraction"])),
        ended=Count(
            "pk",
            filter=Q(kind__in=["romantic", "sexual", "attraction"], client__status=Client.Status.ENDED),
        ),
    )


@evidence_provider("P7")
def boundary_evidence(coach) -> list[Evidence]:
    agreements = _agreements(coach)
    contacts = _contacts(coach)
    reviews = _reviews(coach)["P7"]
    return [
        Evidence(
            f"{count(agreements['clients'], 'client')} with a signed boundary agreement.",
            count=agreements["clients"],
        ),
        Evidence(
            f"{count(contacts['total'], 'contact')} outside sessions logged, "
            f"{contacts['outside']} of them not about coaching; {count(reviews, 'boundary review')} kept.",
            count=contacts["total"],
            attention=reviews < contacts["outside"],
        ),
    ]


@evidence_provider("P8")
def relationship_evidence(coach) -> list[Evidence]:
    declared = _declared(coach)
    reviews = _reviews(coach)["P8"]
    return [
        Evidence(
            f"{count(declared['ending'], 'relationship')} declared that ended coaching, "
            f"{declared['ended']} of them ended with a referral; "
            f"{count(reviews, 'boundary review')} from notes.",
            attention=declared["ended"] < declared["ending"],
        )
    ]
