from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("portal/join/<str:token>/", views.join, name="join"),
    path("portal/", views.home, name="home"),
    path("portal/intake/", views.intake, name="intake"),
    path("portal/goals/<uuid:pk>/", views.goal, name="goal"),
    path("portal/consents/<uuid:pk>/", views.consent, name="consent"),
    path("portal/agreements/<uuid:pk>/", views.agreement, name="agreement"),
    path("portal/messages/", views.messages_page, name="messages"),
    path("portal/end/", views.end, name="end"),
    path("portal/appointments/", views.appointments, name="appointments"),
    path("portal/records/", views.records, name="records"),
    path("portal/files/", views.upload, name="upload"),
    path("portal/records/sent/<uuid:pk>/", views.sent_download, name="sent_download"),
    path("portal/records/shared/<uuid:pk>/", views.document_download, name="document_download"),
]
