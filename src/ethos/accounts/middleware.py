import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from ethos.vault import services as vault_services
from ethos.vault.context import VaultLocked, unlocked

IDLE_SIGNED_OUT = "You were signed out after {minutes} minutes without activity, to keep your records safe."
SESSION_TOO_OLD = (
    "You were signed out because you signed in {hours} hours ago, to keep your records safe. "
    "Please sign in again."
)
SESSION_LAST_SEEN = "ethos_last_seen"
SESSION_SIGNED_IN_AT = "ethos_signed_in_at"
# Writing the session on every request would turn each page view into a database write;
# a minute's resolution is plenty for a timeout measured in minutes.
TOUCH_EVERY_SECONDS = 60


class NoStoreMiddleware:
    """Tell browsers and proxies to keep no copy of anything shown to a signed-in person.

    Pages with client data must not stay in a shared computer's cache or history after sign-out.
    Static files never get here (whitenoise answers them first), so they stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Read after the view, so the response to a sign-in is covered too. A view that already
        # said no-store (the recovery kit) keeps its header as it wrote it.
        if request.user.is_authenticated:
            if "no-store" not in response.get("Cache-Control", ""):
                add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response


def session_signed_in(request) -> None:
    """Note when this session signed in: SessionLifetimeMiddleware ends it that long after."""
    request.session[SESSION_SIGNED_IN_AT] = int(time.time())


def _signed_out(request, message: str):
    logout(request)
    messages.info(request, message)
    return redirect(f"{reverse('accounts:sign_in')}?next={request.path}")


class SessionLifetimeMiddleware:
    """Sign a person out ETHOS_SESSION_MAX_HOURS after they signed in, however active they are.

    Django's session expiry moves on with every save (and the idle timeout saves each minute), so
    the limit is counted here from the time noted at sign-in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            # A session from before this rule (or made without the sign-in page) starts counting now.
            signed_in_at = request.session.setdefault(SESSION_SIGNED_IN_AT, now)
            if now - signed_in_at > settings.ETHOS_SESSION_MAX_HOURS * 3600:
                return _signed_out(request, SESSION_TOO_OLD.format(hours=settings.ETHOS_SESSION_MAX_HOURS))
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Sign a coach out after ETHOS_IDLE_MINUTES without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            # Not rounded to whole seconds: a page whose idle.js has just cleared itself must find
            # the server agreeing that the time is up, not a second short of it.
            now = time.time()
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            idle_limit = settings.ETHOS_IDLE_MINUTES * 60
            if now - last_seen >= idle_limit:
                return _signed_out(request, IDLE_SIGNED_OUT.format(minutes=settings.ETHOS_IDLE_MINUTES))
            if now - last_seen >= TOUCH_EVERY_SECONDS or SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = int(now)
        return self.get_response(request)


class VaultMiddleware:
    """Give each signed-in coach's request its unlocked vault; send locked reads to unlock."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        vault = None
        user = request.user
        if user.is_authenticated and user.role == user.Role.COACH:
            vault = vault_services.session_vault(request, user)
        request.vault = vault
        if vault is None:
            response = self.get_response(request)
        else:
            with unlocked(vault):
                response = self.get_response(request)
        return self._set_cookie(request, response)

    def process_exception(self, request, exception):
        if not isinstance(exception, VaultLocked) or not request.user.is_authenticated:
            return None
        target = f"{reverse('accounts:unlock')}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)

    @staticmethod
    def _set_cookie(request, response):
        value = getattr(request, "vault_cookie", None)
        if value is None:
            return response
        name = vault_services.cookie_name()
        if value == "":
            response.delete_cookie(name, path="/", samesite="Strict")
        else:
            response.set_cookie(
                name,
                value,
                path="/",
                secure=settings.PRODUCTION,
                httponly=True,
                samesite="Strict",
            )
        return response
