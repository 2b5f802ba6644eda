from django.urls import path

from . import queries, views

urlpatterns: list = []
for key, spec in queries.SPECS.items():
    name = spec.model._meta.model_name
    urlpatterns += [
        path(f"{key}/", views.record_list, {"key": key}, name=f"{name}_list"),
        path(f"{key}/new/", views.record_create, {"key": key}, name=f"{name}_create"),
        path(f"{key}/<int:pk>/", views.record_detail, {"key": key}, name=f"{name}_detail"),
        path(f"{key}/<int:pk>/edit/", views.record_edit, {"key": key}, name=f"{name}_edit"),
        path(f"{key}/<int:pk>/delete/", views.record_delete, {"key": key}, name=f"{name}_delete"),
    ]
urlpatterns.append(path("projects/<int:pk>/transition/", views.project_transition,
                        name="cooperationproject_transition"))
urlpatterns.append(path("alliances/<int:pk>/members/", views.alliance_members, name="alliance_members"))
