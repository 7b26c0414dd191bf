from django.urls import path

from . import views

app_name = "vault"

urlpatterns = [
    path("unlock/", views.unlock, name="unlock"),
    path("lock/", views.lock, name="lock"),
    path("recovery-kit/", views.recovery_kit, name="recovery_kit"),
    path("recovery-kit/new/", views.recovery_kit_new, name="recovery_kit_new"),
    path("recovery-kit/download.<str:kind>", views.recovery_kit_download, name="recovery_kit_download"),
    path("recover/", views.recover, name="recover"),
    path("backup/", views.backup_download, name="backup"),
]
