import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from ethos.vault import services as vault_services
from ethos.vault.context import VaultLocked, unlocked

IDLE_SIGNED_OUT = "You were signed out after {minutes} minutes without activity, to keep your records safe."
SESSION_LAST_SEEN = "ethos_last_seen"
# Writing the session on every request would turn each page view into a database write;
# a minute's resolution is plenty for a timeout measured in minutes.
TOUCH_EVERY_SECONDS = 60


class IdleTimeoutMiddleware:
    """Sign a coach out after ETHOS_IDLE_MINUTES without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            idle_limit = settings.ETHOS_IDLE_MINUTES * 60
            if now - last_seen > idle_limit:
                logout(request)
                messages.info(request, IDLE_SIGNED_OUT.format(minutes=settings.ETHOS_IDLE_MINUTES))
                return redirect(f"{reverse('accounts:sign_in')}?next={request.path}")
            if now - last_seen >= TOUCH_EVERY_SECONDS or SESSION_LAST_SEEN not in request.session:
                request.session[SESSION_LAST_SEEN] = now
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
