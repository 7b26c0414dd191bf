"""The coach's side of the association: their own certificate (role coach)."""

from django.urls import path

from . import views

app_name = "certification_coach"

urlpatterns = [
    path("practice/certificate/", views.my_certificate, name="mine"),
]
