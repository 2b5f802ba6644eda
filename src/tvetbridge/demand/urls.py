from django.urls import path

from . import views

urlpatterns = [
    path("", views.demand_list, name="demand_list"),
    path("new/", views.demand_create, name="demand_create"),
    path("import/", views.demand_import, name="demand_import"),
    path("import/confirm/", views.demand_import_confirm, name="demand_import_confirm"),
    path("import/template/", views.demand_import_template, name="demand_import_template"),
    path("<int:pk>/", views.demand_detail, name="demand_detail"),
    path("<int:pk>/edit/", views.demand_edit, name="demand_edit"),
]
