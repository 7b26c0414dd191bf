from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("activity/", views.activity, name="activity"),
    path("activity/checkpoint.txt", views.checkpoint_download, name="checkpoint"),
    path("activity/consistency/", views.consistency, name="consistency"),
]
