from django.urls import path

from . import coach_views

app_name = "portal_coach"

urlpatterns = [
    path("portal/coach/", coach_views.home, name="home"),
    path("portal/coach/replies/<uuid:pk>/", coach_views.reply, name="reply"),
    path("portal/coach/accounts/<uuid:pk>/new-link/", coach_views.resend, name="resend"),
    path("portal/coach/accounts/<uuid:pk>/messages/", coach_views.messages_page, name="messages"),
    path("portal/coach/files/<uuid:pk>/", coach_views.upload_download, name="upload_download"),
    path("portal/coach/goals/<uuid:pk>/share/", coach_views.goal_share, name="goal_share"),
    path(
        "portal/coach/consents/<uuid:pk>/share/", coach_views.consent_share_again, name="consent_share_again"
    ),
    path("clients/<uuid:pk>/portal/invite/", coach_views.invite_client, name="invite_client"),
    path("clients/<uuid:pk>/portal/consent/", coach_views.consent_ask, name="consent_ask"),
    path("clients/<uuid:pk>/portal/boundaries/", coach_views.boundary_ask, name="boundary_ask"),
    path("clients/<uuid:pk>/portal/appointments/", coach_views.appointments_share, name="appointments_share"),
    path("clients/<uuid:pk>/portal/accounting/", coach_views.accounting_share, name="accounting_share"),
    path(
        "clients/<uuid:pk>/portal/endings/<uuid:ending_pk>/letter/",
        coach_views.letter_share,
        name="letter_share",
    ),
]
