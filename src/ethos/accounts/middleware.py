import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

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
