"""The association staff's pages (role staff)."""

from django.urls import path

from . import views

app_name = "certification"

urlpatterns = [
    path("association/registry/", views.registry, name="registry"),
    path("association/registry/new/", views.register, name="register"),
    path("association/registry/<int:pk>/", views.detail, name="detail"),
    path("association/registry/<int:pk>/standing/", views.standing, name="standing"),
    path("association/registry/<int:pk>/conditions/", views.conditions, name="conditions"),
    path("association/registry/<int:pk>/issue/", views.issue, name="issue"),
    path("association/registry/<int:pk>/certificate.jwt", views.download, name="download"),
]
