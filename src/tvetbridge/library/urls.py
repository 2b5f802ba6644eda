from django.urls import path

from . import views

urlpatterns = [
    path("", views.catalogue, name="library_catalogue"),
    path("new/", views.resource_create, name="library_create"),
    path("r/<int:pk>/", views.resource_detail, name="library_resource"),
    path("r/<int:pk>/open/", views.resource_open, name="library_open"),
    path("r/<int:pk>/complete/", views.resource_complete, name="library_complete"),
    path("r/<int:pk>/edit/", views.resource_edit, name="library_edit"),
    path("r/<int:pk>/skills/", views.resource_skills, name="library_skills"),
    path("r/<int:pk>/status/", views.resource_status, name="library_status"),
    path("my-learning/", views.my_learning, name="library_my_learning"),
    path("usage/", views.usage, name="library_usage"),
    path("lrs-clients/", views.clients, name="library_clients"),
    path("lrs-clients/<int:pk>/", views.client_action, name="library_client_action"),
]
