from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("directory/", views.resource_list, name="list"),
    path("directory/add/", views.resource_add, name="add"),
    path("directory/<uuid:pk>/", views.resource_detail, name="detail"),
    path("directory/<uuid:pk>/edit/", views.resource_edit, name="edit"),
    path("directory/<uuid:pk>/vet/", views.resource_vet, name="vet"),
    path("directory/<uuid:pk>/deactivate/", views.resource_deactivate, name="deactivate"),
    path("directory/<uuid:pk>/reactivate/", views.resource_reactivate, name="reactivate"),
]
