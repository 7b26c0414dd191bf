from django.urls import path

from . import log_views, views

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
    path("practice/supervision/", log_views.supervision_log, name="supervision"),
    path("practice/supervision/supervisors/add/", log_views.supervisor_add, name="supervisor_add"),
    path("practice/supervision/add/", log_views.supervision_add, name="supervision_add"),
    path("practice/supervision/<uuid:pk>/", log_views.supervision_entry, name="supervision_entry"),
    path("practice/education/", log_views.education_log, name="education"),
    path("practice/education/add/", log_views.education_add, name="education_add"),
    path("practice/education/target/", log_views.education_target, name="education_target"),
    path("practice/education/<uuid:pk>/evidence/", log_views.education_evidence, name="education_evidence"),
]
