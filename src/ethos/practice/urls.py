from django.urls import path

from . import views

app_name = "practice"

urlpatterns = [
    path("practice/", views.home, name="home"),
    path("practice/profile/", views.profile, name="profile"),
    path("practice/profile/suggested/", views.profile_suggested, name="profile_suggested"),
    path("practice/competence/", views.competence, name="competence"),
    path("practice/credentials/", views.credentials, name="credentials"),
    path("practice/credentials/add/", views.credential_add, name="credential_add"),
    path("practice/credentials/<uuid:pk>/edit/", views.credential_edit, name="credential_edit"),
    path("practice/credentials/<uuid:pk>/delete/", views.credential_delete, name="credential_delete"),
]
