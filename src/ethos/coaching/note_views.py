"""Note pages: the edit page with its autosave (htmx), the note with its versions, sign, addenda."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ethos.standards.record_types import RecordType
from ethos.web import apply_errors

from . import notes, selectors
from .forms import BoundaryReviewForm, FollowUpForm, NotApplicableForm, ScopeReviewForm

SIGNED = "The note is signed. From now on, add dated addenda."
MARKED = "Recorded why that finding does not apply."
SCOPE_REVIEWED = "Scope review recorded."
BOUNDARY_REVIEWED = "Boundary review recorded."
FOLLOW_UP_TALKED_THROUGH = "Recorded in this note that the follow-up was talked through."


def _version(request: HttpRequest) -> int:
    try:
        return max(0, int(request.POST.get("version", "0")))
    except ValueError:
        return -1


def _edit_context(session, note, **extra) -> dict:
    sections = extra.pop("sections", None) or (note.sections if note else notes.clean_sections({}))
    return {
        "session": session,
        "note": note,
        "fields": [(key, label, sections.get(key, "")) for key, label in notes.NOTE_SECTIONS.items()],
        "version": note.version if note else 0,
        **extra,
    }


@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, pk) -> HttpResponse:
    """Write the session's note; htmx posts drafts here and gets the status and findings back."""
    session = selectors.get_session_for_coach(request.user, pk)
    note = notes.note_of(session)
    if note is not None and note.is_signed:
        return redirect("coaching:note", pk=session.pk)
    context = _edit_context(session, note, findings=notes.find(note.sections) if note else [])
    if request.method == "POST":
        sections = {key: request.POST.get(key, "") for key in notes.NOTE_SECTIONS}
        try:
            saved = notes.note_save(
                coach=request.user, session=session, sections=sections, version=_version(request)
            )
        except notes.StaleNote as stale:
            context |= {
                "stale": stale,
                "stale_fields": list(zip(notes.NOTE_SECTIONS.values(), stale.sections.values(), strict=True)),
            }
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
        else:
            context = _edit_context(session, saved.note, findings=saved.findings, saved=True)
        if request.htmx:
            return render(request, "coaching/note_edit.html#autosave", context)
    return render(request, "coaching/note_edit.html", context)


@require_GET
def note_detail(request: HttpRequest, pk) -> HttpResponse:
    """The note: its text (signed or not), every version, every addendum, what is still owed."""
    session, note = notes.get_note_page_for_coach(request.user, pk)
    return _note_page(request, session, note)


def _answers(note, findings, page, failed: tuple | None) -> dict:
    """The forms that answer what the note owes, one per finding, open clause and follow-up.

    `failed` is (key, bound form) for the one that came back with errors: it takes its row's place.
    """
    failed_key, failed_form = failed or (None, None)

    def form(key, cls, number, **initial):
        if key == failed_key:
            return failed_form
        return cls(initial=initial, auto_id=f"{key[0]}-{number}-%s")

    marks = [
        (
            finding,
            form(
                ("na", finding.clause, finding.sentence.strip()),
                NotApplicableForm,
                n,
                clause=finding.clause,
                sentence=finding.sentence.strip(),
            )
            if finding.can_be_marked_not_applicable and not note.is_signed
            else None,
        )
        for n, finding in enumerate(findings)
    ]
    open_clauses = {}
    for item in page.open_items:
        if item.clause in notes.SCOPE_CLAUSES and RecordType.SCOPE_REVIEW in item.record_type_list:
            open_clauses.setdefault(("scope", item.clause), (item, ScopeReviewForm))
        elif item.clause in notes.BOUNDARY_CLAUSES and RecordType.BOUNDARY_REVIEW in item.record_type_list:
            open_clauses.setdefault(("boundary", item.clause), (item, BoundaryReviewForm))
    reviews = [
        (key[0], item, form(key, cls, n, clause=item.clause))
        for n, (key, (item, cls)) in enumerate(open_clauses.items())
    ]
    follow_ups = (
        []
        if note.is_signed
        else [
            (item, form(("follow_up", item.pk), FollowUpForm, n))
            for n, item in enumerate(page.follow_ups_open)
        ]
    )
    return {"marks": marks, "reviews": reviews, "follow_ups": follow_ups}


def _note_page(request, session, note, *, failed: tuple | None = None, **extra) -> HttpResponse:
    page = notes.note_page(note, open_follow_ups=not note.is_signed)
    findings = notes.find(note.sections, page.not_applicable)
    context = {
        "session": session,
        "note": note,
        "page": page,
        "sections": [(label, note.sections.get(key, "")) for key, label in notes.NOTE_SECTIONS.items()],
        "findings": findings,
        "answers": (answers := _answers(note, findings, page, failed)),
        **extra,
    }
    placed = [form for rows in answers.values() for *_, form in rows]
    if failed and failed[1] not in placed:
        # Nothing on the page matches what was posted (a finding edited away meanwhile).
        context["error"] = " ".join(e for errors in failed[1].errors.values() for e in errors)
    return render(request, "coaching/note.html", context, status=400 if failed else 200)


@require_GET
def note_version(request: HttpRequest, pk, number: int) -> HttpResponse:
    session = selectors.get_session_for_coach(request.user, pk)
    note = notes.get_note_for_coach(request.user, session)
    version = notes.get_version_for_coach(request.user, note, number)
    sections = [(label, version.sections.get(key, "")) for key, label in notes.NOTE_SECTIONS.items()]
    return render(
        request, "coaching/note_version.html", {"session": session, "version": version, "sections": sections}
    )


@require_POST
def note_sign(request: HttpRequest, pk) -> HttpResponse:
    session = selectors.get_session_for_coach(request.user, pk)
    note = notes.get_note_for_coach(request.user, session)
    try:
        notes.note_sign(coach=request.user, note=note, version=_version(request))
    except ValidationError as error:
        return _note_page(request, session, note, error=" ".join(error.messages))
    return redirect("coaching:note", pk=session.pk)


@require_POST
def note_addendum(request: HttpRequest, pk) -> HttpResponse:
    session = selectors.get_session_for_coach(request.user, pk)
    note = notes.get_note_for_coach(request.user, session)
    try:
        notes.note_addendum_add(
            coach=request.user,
            note=note,
            reason=request.POST.get("reason", ""),
            text=request.POST.get("text", ""),
        )
    except ValidationError as error:
        return _note_page(request, session, note, error=" ".join(error.messages))
    return redirect("coaching:note", pk=session.pk)


def _answered(request, session, note, key, form, service, done: str, **kwargs) -> HttpResponse:
    """Run one answering service with a valid form; show the form's errors in its row otherwise."""
    if form.is_valid():
        try:
            service(coach=request.user, note=note, **kwargs, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("coaching:note", pk=session.pk)
    return _note_page(request, session, note, failed=(key, form))


def _note_for_post(request, pk):
    session = selectors.get_session_for_coach(request.user, pk)
    return session, notes.get_note_for_coach(request.user, session)


@require_POST
def note_not_applicable(request: HttpRequest, pk) -> HttpResponse:
    """Record why a finding does not apply; it is kept, audited and counted (never closes S1, S2, C3)."""
    session, note = _note_for_post(request, pk)
    form = NotApplicableForm(request.POST, auto_id="na-failed-%s")
    key = ("na", request.POST.get("clause", ""), request.POST.get("sentence", "").strip())
    return _answered(request, session, note, key, form, notes.note_finding_not_applicable, MARKED)


@require_POST
def note_scope_review(request: HttpRequest, pk) -> HttpResponse:
    session, note = _note_for_post(request, pk)
    form = ScopeReviewForm(request.POST, auto_id="scope-failed-%s")
    key = ("scope", request.POST.get("clause", ""))
    return _answered(request, session, note, key, form, notes.note_scope_review, SCOPE_REVIEWED)


@require_POST
def note_boundary_review(request: HttpRequest, pk) -> HttpResponse:
    session, note = _note_for_post(request, pk)
    form = BoundaryReviewForm(request.POST, auto_id="boundary-failed-%s")
    key = ("boundary", request.POST.get("clause", ""))
    return _answered(request, session, note, key, form, notes.note_boundary_review, BOUNDARY_REVIEWED)


@require_POST
def note_follow_up(request: HttpRequest, pk, follow_up_pk) -> HttpResponse:
    """Record in this session's note that an open follow-up (S3) was talked through."""
    session, note = _note_for_post(request, pk)
    item = selectors.get_follow_up_for_coach(request.user, session, follow_up_pk)
    form = FollowUpForm(request.POST, auto_id="follow_up-failed-%s")
    return _answered(
        request,
        session,
        note,
        ("follow_up", item.pk),
        form,
        notes.note_follow_up_talked_through,
        FOLLOW_UP_TALKED_THROUGH,
        follow_up=item,
    )
