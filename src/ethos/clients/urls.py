from django.urls import path

from . import views

app_name = "clients"

urlpatterns = [
    path("clients/", views.client_list, name="list"),
    path("clients/intake/", views.intake, name="intake"),
    path("clients/<uuid:pk>/", views.detail, name="detail"),
    path("clients/<uuid:pk>/history/", views.history, name="history"),
    path("clients/<uuid:pk>/intake/declined/", views.intake_declined, name="intake_declined"),
    path("clients/<uuid:pk>/resume/", views.client_resume, name="resume"),
    path("clients/<uuid:pk>/crisis/", views.crisis, name="crisis"),
    path("clients/<uuid:pk>/crisis/shown/", views.crisis_shown, name="crisis_shown"),
    path("clients/<uuid:pk>/safety-check/", views.safety_check, name="safety_check"),
    path(
        "clients/<uuid:pk>/safety-check/<uuid:check_pk>/follow-up/",
        views.safety_follow_up,
        name="safety_follow_up",
    ),
    path("clients/safety-checks/", views.safety_checks, name="safety_checks"),
    path("clients/<uuid:pk>/contact/", views.contact_edit, name="contact"),
    path("clients/<uuid:pk>/refer/", views.refer, name="refer"),
    path("clients/<uuid:pk>/supervision/", views.supervision_plan, name="supervision"),
    # Goals (P1, P5)
    path("clients/<uuid:pk>/goals/new/", views.goal_new, name="goal_new"),
    path("clients/<uuid:pk>/goals/<uuid:goal_pk>/", views.goal_detail, name="goal_detail"),
    path("clients/<uuid:pk>/goals/<uuid:goal_pk>/activate/", views.goal_activate, name="goal_activate"),
    path("clients/<uuid:pk>/goals/<uuid:goal_pk>/progress/", views.goal_progress, name="goal_progress"),
    path("clients/<uuid:pk>/goals/<uuid:goal_pk>/status/", views.goal_status, name="goal_status"),
    # Ending coaching and closing the practice (P11)
    path("clients/closure/", views.closure, name="closure"),
    path("clients/<uuid:pk>/end/", views.client_end, name="end"),
    path(
        "clients/<uuid:pk>/endings/<uuid:ending_pk>/letter.pdf",
        views.ending_letter,
        name="ending_letter",
    ),
]
