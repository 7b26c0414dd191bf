"""The association's complaint and case pages (role: staff), and the public complaint form."""

from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    # Public: anyone may complain, with no account.
    path("complaints/new/", views.complaint_form, name="complaint_form"),
    path("complaints/received/", views.complaint_received, name="complaint_received"),
    # Staff.
    path("association/cases/", views.case_list, name="list"),
    path("association/complaints/<uuid:pk>/", views.complaint_detail, name="complaint"),
    path("association/complaints/<uuid:pk>/close/", views.complaint_close, name="complaint_close"),
    path("association/complaints/<uuid:pk>/open/", views.case_open, name="case_open"),
    path("association/cases/<uuid:pk>/", views.case_detail, name="detail"),
    path("association/cases/<uuid:pk>/advance/", views.case_advance, name="advance"),
    path("association/cases/<uuid:pk>/panel/", views.case_panel, name="panel"),
    path("association/cases/<uuid:pk>/vote/", views.case_vote, name="vote"),
    path("association/cases/<uuid:pk>/decide/", views.case_decide, name="decide"),
    path("association/cases/<uuid:pk>/appeal/", views.case_appeal, name="appeal"),
    path("association/cases/<uuid:pk>/appeal/decide/", views.case_appeal_decide, name="appeal_decide"),
    path("association/cases/<uuid:pk>/finalise/", views.case_finalise, name="finalise"),
    path("association/cases/<uuid:pk>/interim-suspension/", views.case_interim, name="interim"),
    path("association/cases/<uuid:pk>/conflict/", views.case_conflict, name="conflict"),
]
