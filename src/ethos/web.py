"""Helpers every app's views share: safe redirects, service errors onto forms, and roles.

Every URL belongs to one role (coach, client or association staff) or is public (sign-in, the
first run, recovery, invitations). `RoleMiddleware` looks up the role of the app a URL belongs
to (`role_include` in ethos/urls.py records it) and answers 404 to a signed-in person of any
other role, so a client or a member of staff learns nothing about the coach's pages.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, include, resolve, reverse
from django.utils.choices import flatten_choices
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString

COACH = "coach"
CLIENT = "client"
STAFF = "staff"
ROLES = (COACH, CLIENT, STAFF)
# Pages every signed-in person has for their own account (passphrase, two-step sign-in).
SIGNED_IN = "signed-in"

ROLE_UNKNOWN = "URL namespace {namespace!r} is given role {role!r}; roles are {roles}."
NOT_FOR_YOUR_ROLE = "There is no such page."


def escape(text) -> SafeString:
    """Django's `escape`, the same SafeString, for pages and sections written in Python.

    Django's first looks through its arguments for a lazy translation (`keep_lazy`), which costs
    about a microsecond a call; the client page escapes some 200 values. `str` reads a lazy one.
    """
    return SafeString(html.escape(str(text)))  # nosec B703 - the text is escaped


def conditional_escape(text) -> SafeString:
    """Django's `conditional_escape`: escape a value unless it is HTML already (`__html__`)."""
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return text.__html__()
    return escape(text)


# URL namespace -> the one role whose pages they are.
_role_of_namespace: dict[str, str] = {}


def role_include(module: str, *, role: str):
    """Include an app's URLs as pages of `role` (an app's urls.py names its namespace)."""
    if role not in (*ROLES, SIGNED_IN):
        raise ValueError(ROLE_UNKNOWN.format(namespace=module, role=role, roles=", ".join(ROLES)))
    urlconf = include(module)
    namespace = urlconf[1]
    _role_of_namespace[namespace] = role
    return urlconf


def for_role(role: str):
    """Mark one view as a page of `role` inside a namespace shared by every signed-in person."""
    if role not in ROLES:
        raise ValueError(ROLE_UNKNOWN.format(namespace="(a view)", role=role, roles=", ".join(ROLES)))

    def mark(view):
        view.ethos_role = role
        return view

    return mark


def role_of_view(view_func, namespaces: list[str]) -> str | None:
    """Return the role a view belongs to: its own mark, else its namespace's."""
    marked = getattr(view_func, "ethos_role", None)
    if marked is not None:
        return marked
    return _role_of_namespace.get(namespaces[0]) if namespaces else None


def role_of(user) -> str | None:
    """Return the signed-in person's role, or None for a stranger."""
    if user is None or not user.is_authenticated:
        return None
    return user.role


class RoleMiddleware:
    """Refuse a signed-in person the pages of another role, with a plain 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        role = role_of_view(view_func, match.namespaces if match else [])
        # Public pages (sign-in, first run, recovery) are open to everyone, in any role.
        if role in (None, SIGNED_IN) or not getattr(view_func, "login_required", True):
            return None
        user_role = role_of(request.user)
        if user_role is not None and user_role != role:
            raise Http404(NOT_FOR_YOUR_ROLE)
        return None


class BodyLimitMiddleware:
    """Refuse a request whose body is over ETHOS_MAX_BODY_MB with 413, before anything reads it.

    Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) leaves out the file parts of a multipart
    body, so without this a 100 MB upload to any form would be read in full.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:  # Django reads a malformed length as no body at all
            length = 0
        if length > settings.ETHOS_MAX_BODY_BYTES and length > _allowed_body(request):
            return render(request, "413.html", {"limit_mb": settings.ETHOS_MAX_BODY_MB}, status=413)
        return self.get_response(request)


def allow_body(limit: Callable[[], int]):
    """Let one view take a body bigger than ETHOS_MAX_BODY_MB, up to `limit()` bytes (an upload)."""

    def mark(view):
        view.max_body_bytes = limit
        return view

    return mark


def _allowed_body(request: HttpRequest) -> int:
    # Only for a body over the common cap: find the view and ask whether it takes more.
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return 0
    limit = getattr(match.func, "max_body_bytes", None)
    return limit() if limit is not None else 0


def safe_next(request: HttpRequest, default: str = "home") -> str:
    """Return the `next` target if it stays on this site, else the named default page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on their fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _choices_key(choices) -> tuple:
    """The options of a select as a hashable value, groups and all."""
    return tuple(
        (str(value), _choices_key(label) if isinstance(label, list | tuple) else str(label))
        for value, label in choices
    )


class FixedChoicesSelect(forms.Select):
    """A select whose options never change while Ethos runs: rendered once per chosen value.

    Django renders each option through a template: sixty actions on the Activity page, every
    country and currency on the practice profile, most of each page's time. The HTML depends only
    on the options, the name, the chosen value, the attributes and the renderer.
    """

    def render(self, name, value, attrs=None, renderer=None):
        valid = value in (None, "") or any(str(value) == str(v) for v, _ in flatten_choices(self.choices))
        # A value that is none of the options selects none, and is printed nowhere in the select:
        # every such value renders the same HTML, kept once, so junk input cannot fill memory.
        chosen = str(value or "") if valid else _NONE_OF_THEM
        # A bound field always passes its form's renderer (Django's default one, unless a form
        # names its own): keyed by the renderer's class, the page's own rendering is kept too.
        attributes = tuple(sorted((attrs or {}).items()))
        key = (_choices_key(self.choices), name, chosen, attributes, type(renderer))
        html = _RENDERED.get(key)
        if html is None:
            html = _RENDERED[key] = super().render(name, value, attrs, renderer)
        return html


# What FixedChoicesSelect rendered: at most one per option of each select, and one for none.
_RENDERED: dict[tuple, SafeString] = {}
_NONE_OF_THEM = object()


def csrf_input(token) -> str:
    """A form's CSRF field, as the `{% csrf_token %}` tag writes it (nothing without a token).

    For pages and sections written in Python (the client page's sections, the site header).
    """
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
