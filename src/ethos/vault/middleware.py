from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import services
from .context import VaultLocked, unlocked


class VaultMiddleware:
    """Give each signed-in coach's request its unlocked vault; send locked reads to unlock."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        vault = None
        user = request.user
        if user.is_authenticated and user.role == user.Role.COACH:
            vault = services.session_vault(request, user)
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
        target = f"{reverse('vault:unlock')}?{urlencode({'next': request.get_full_path()})}"
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
        name = services.cookie_name()
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
