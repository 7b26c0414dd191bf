"""Note pages: the edit page with its autosave (htmx), the note with its versions, sign, addenda."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import notes, selectors

SIGNED = "The note is signed. From now on, add dated addenda."


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
    session = selectors.get_session_for_coach(request.user, pk)
    note = notes.get_note_for_coach(request.user, session)
    return _note_page(request, session, note)


def _note_page(request, session, note, **extra) -> HttpResponse:
    findings = notes.find(note.sections, list(note.not_applicable.all()))
    context = {
        "session": session,
        "note": note,
        "page": notes.note_page(note),
        "sections": [(label, note.sections.get(key, "")) for key, label in notes.NOTE_SECTIONS.items()],
        "findings": findings,
        **extra,
    }
    return render(request, "coaching/note.html", context)


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
