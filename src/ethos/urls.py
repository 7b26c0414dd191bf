"""Every app's pages, each under the one role they belong to (see ethos.web)."""

from django.urls import path

from . import views
from .web import CLIENT, COACH, SIGNED_IN, STAFF, role_include

urlpatterns = [
    path("", views.home, name="home"),
    # Sign-in and recovery are public; the account page belongs to whoever is signed in; the
    # vault's pages (unlock, recovery kit, backup) are marked for coaches one by one.
    path("", role_include("ethos.accounts.urls", role=SIGNED_IN)),
    path("", role_include("ethos.audit.urls", role=COACH)),
    path("", role_include("ethos.standards.urls", role=COACH)),
    path("", role_include("ethos.practice.urls", role=COACH)),
    path("", role_include("ethos.referrals.urls", role=COACH)),
    path("", role_include("ethos.clients.urls", role=COACH)),
    path("", role_include("ethos.coaching.urls", role=COACH)),
    path("", role_include("ethos.safeguarding.urls", role=COACH)),
    path("", role_include("ethos.money.urls", role=COACH)),
    # The client's own pages, and the coach's side of them.
    path("", role_include("ethos.portal.urls", role=CLIENT)),
    path("", role_include("ethos.portal.coach_urls", role=COACH)),
    # Complaints and ethics cases: staff pages (the complaint form itself is public), and the
    # coach's notice and response.
    path("", role_include("ethos.certification.cases.urls", role=STAFF)),
    path("", role_include("ethos.certification.cases.coach_urls", role=COACH)),
    # The association: staff's registry, the coach's own certificate, and the public pages
    # (verification, status lists, the association's key), each marked @login_not_required.
    path("", role_include("ethos.certification.urls", role=STAFF)),
    path("", role_include("ethos.certification.coach_urls", role=COACH)),
    path("", role_include("ethos.certification.public_urls", role=SIGNED_IN)),
]
