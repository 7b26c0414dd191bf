from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("ethos.accounts.urls")),
    path("", include("ethos.vault.urls")),
    path("", include("ethos.audit.urls")),
    path("", include("ethos.standards.urls")),
    path("", include("ethos.practice.urls")),
    path("", include("ethos.referrals.urls")),
    path("", include("ethos.clients.urls")),
]
