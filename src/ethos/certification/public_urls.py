"""Public pages of the association: verification, status lists and its key (no sign-in)."""

from django.urls import path

from . import views

app_name = "certification_public"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify.json", views.verify_json, name="verify_json"),
    path("association/status/<str:purpose>", views.status_list, name="status_list"),
    path("association/keys.json", views.jwks, name="jwks"),
]
