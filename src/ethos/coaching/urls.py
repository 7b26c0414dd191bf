from django.urls import path

from . import views

app_name = "coaching"

urlpatterns = [
    path("sessions/", views.session_list, name="list"),
    path("sessions/week/", views.week, name="week"),
    path("sessions/new/", views.schedule, name="schedule"),
    path("sessions/<uuid:pk>/", views.detail, name="detail"),
    path("sessions/<uuid:pk>/start/", views.start, name="start"),
    path("sessions/<uuid:pk>/close/", views.close, name="close"),
    path("sessions/<uuid:pk>/safety/", views.safety, name="safety"),
    path("sessions/<uuid:pk>/cancel/", views.cancel, name="cancel"),
    path("sessions/<uuid:pk>/move/", views.reschedule, name="reschedule"),
    path("sessions/<uuid:pk>/follow-ups/<uuid:follow_up_pk>/", views.follow_up, name="follow_up"),
    path("sessions/calendar/", views.calendar_settings, name="calendar"),
    # Public: the token is the credential (listed in tests/test_roles.py).
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]

from . import note_views  # noqa: E402

urlpatterns += [
    path("sessions/<uuid:pk>/note/edit/", note_views.note_edit, name="note_edit"),
    path("sessions/<uuid:pk>/note/", note_views.note_detail, name="note"),
    path("sessions/<uuid:pk>/note/versions/<int:number>/", note_views.note_version, name="note_version"),
    path("sessions/<uuid:pk>/note/sign/", note_views.note_sign, name="note_sign"),
    path("sessions/<uuid:pk>/note/addenda/", note_views.note_addendum, name="note_addendum"),
    path(
        "sessions/<uuid:pk>/note/not-applicable/", note_views.note_not_applicable, name="note_not_applicable"
    ),
    path("sessions/<uuid:pk>/note/scope-review/", note_views.note_scope_review, name="note_scope_review"),
    path(
        "sessions/<uuid:pk>/note/boundary-review/",
        note_views.note_boundary_review,
        name="note_boundary_review",
    ),
    path(
        "sessions/<uuid:pk>/note/follow-ups/<uuid:follow_up_pk>/",
        note_views.note_follow_up,
        name="note_follow_up",
    ),
]

from . import search_views  # noqa: E402

urlpatterns += [
    path("sessions/notes/search/", search_views.note_search_page, name="note_search"),
]
