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
    path("invitation/<str:token>/", views.invitation_accept, name="invitation"),
]
