from django.urls import path

from . import views

app_name = "safeguarding"

urlpatterns = [
    path("safeguarding/", views.home, name="home"),
    path("safeguarding/reports/new/", views.task_new, name="task_new"),
    path("safeguarding/reports/<uuid:pk>/", views.task, name="task"),
    path("safeguarding/flags/<uuid:item_pk>/dismiss/", views.dismiss, name="dismiss"),
    path("clients/<uuid:pk>/consents/new/", views.consent_new, name="consent_new"),
    path("clients/<uuid:pk>/consents/<uuid:consent_pk>/", views.consent, name="consent"),
    path("clients/<uuid:pk>/consents/<uuid:consent_pk>/copy/", views.consent_copy, name="consent_copy"),
    path("clients/<uuid:pk>/court-orders/new/", views.order_new, name="order_new"),
    path("clients/<uuid:pk>/court-orders/<uuid:order_pk>/", views.order, name="order"),
    path("clients/<uuid:pk>/court-orders/<uuid:order_pk>/copy/", views.order_copy, name="order_copy"),
    path("clients/<uuid:pk>/disclosures/", views.accounting, name="accounting"),
    path("clients/<uuid:pk>/disclosures/accounting.pdf", views.accounting_print, name="accounting_print"),
    path("clients/<uuid:pk>/disclosures/new/", views.disclosure_new, name="disclosure_new"),
    path("clients/<uuid:pk>/disclosures/emergency/", views.emergency, name="emergency"),
    path("clients/<uuid:pk>/disclosures/<uuid:disclosure_pk>/", views.disclosure, name="disclosure"),
    path("clients/<uuid:pk>/disclosures/<uuid:disclosure_pk>/bundle.pdf", views.bundle, name="bundle"),
]
