"""The coach's side of an ethics case: the notice, and the written response (role: coach)."""

from django.urls import path

from . import views

app_name = "cases_coach"

urlpatterns = [
    path("association-matters/", views.coach_cases, name="list"),
    path("association-matters/<uuid:pk>/", views.coach_case, name="case"),
]
