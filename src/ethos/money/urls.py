from django.urls import path

from . import views

app_name = "money"

urlpatterns = [
    path("money/", views.home, name="home"),
    path("money/invoices/", views.documents_list, name="documents"),
    path("clients/<uuid:pk>/money/", views.ledger, name="ledger"),
    path("clients/<uuid:pk>/money/agreement/", views.agreement, name="agreement"),
    path("clients/<uuid:pk>/money/packages/new/", views.package_new, name="package_new"),
    path(
        "clients/<uuid:pk>/money/packages/<uuid:package_pk>/close/", views.package_close, name="package_close"
    ),
    path("clients/<uuid:pk>/money/charges/", views.charges, name="charges"),
    path("clients/<uuid:pk>/money/payments/new/", views.payment_new, name="payment_new"),
    path("clients/<uuid:pk>/money/gifts/new/", views.gift_new, name="gift_new"),
    path("clients/<uuid:pk>/money/invoices/new/", views.invoice_new, name="invoice_new"),
    path("clients/<uuid:pk>/money/documents/<uuid:document_pk>.pdf", views.document_pdf, name="document_pdf"),
]
