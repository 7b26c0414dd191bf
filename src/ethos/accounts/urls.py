from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("welcome/", views.first_run, name="first_run"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("account/", views.account, name="account"),
    path("account/passphrase/", views.passphrase_change, name="passphrase_change"),
    path("account/two-step/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-step/off/", views.two_factor_disable, name="two_factor_disable"),
    path("account/two-step/codes.<str:kind>", views.recovery_codes_download, name="recovery_codes_download"),
    path("account/two-step/codes/kept/", views.recovery_codes_kept, name="recovery_codes_kept"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation"),
    path("unlock/", views.unlock, name="unlock"),
    path("lock/", views.lock, name="lock"),
    path("recovery-kit/", views.recovery_kit, name="recovery_kit"),
    path("recovery-kit/new/", views.recovery_kit_new, name="recovery_kit_new"),
    path("recovery-kit/download.<str:kind>", views.recovery_kit_download, name="recovery_kit_download"),
    path("recover/", views.recover, name="recover"),
    path("backup/", views.backup_download, name="backup"),
]
