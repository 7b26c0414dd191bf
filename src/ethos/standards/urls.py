from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("compliance/", views.compliance, name="compliance"),
    path("compliance/submit/", views.compliance_submit, name="compliance_submit"),
    path("compliance/cosigned.txt", views.compliance_cosigned, name="compliance_cosigned"),
    path("compliance/export.<str:export_format>", views.compliance_export, name="compliance_export"),
    path("standards/ask/", views.ask, name="ask"),
    path("standards/open-items/<uuid:pk>/", views.open_item, name="open_item"),
]
