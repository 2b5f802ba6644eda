from django.urls import path

from . import views

urlpatterns = [
    path("", views.downloads, name="opendata_downloads"),
    path("catalog.jsonld", views.catalogue, name="opendata_catalogue"),
    path("data/<str:key>.<str:fmt>", views.download, name="opendata_download"),
    path("directory/", views.directory, name="opendata_directory"),
    path("directory/projects/", views.directory_projects, name="opendata_directory_projects"),
    path("directory/enterprises/", views.directory_enterprises, name="opendata_directory_enterprises"),
    path("directory/enterprises/<str:key>/", views.directory_enterprise, name="opendata_enterprise"),
    path("listing/enterprises/<int:pk>/", views.enterprise_listing, name="opendata_enterprise_listing"),
    path("directory/alliances/", views.directory_alliances, name="opendata_directory_alliances"),
    path("directory/alliances/<str:key>/", views.directory_alliance, name="opendata_alliance"),
    path("directory/institutions/<str:key>/", views.directory_institution, name="opendata_institution"),
    path("directory/projects/<str:key>/", views.directory_project, name="opendata_project"),
    path("iati/", views.iati, name="opendata_iati"),
    path("iati/<str:kind>.xml", views.iati_file, name="opendata_iati_file"),
    path("iati/regenerate/", views.iati_regenerate, name="opendata_iati_regenerate"),
    path("countries/", views.countries, name="opendata_countries"),
    path("countries/<str:code>/", views.country_profile, name="opendata_country"),
    path("cases/", views.cases, name="opendata_cases"),
    path("cases/new/", views.case_edit, name="opendata_case_new"),
    path("cases/<slug:slug>/", views.case_detail, name="opendata_case"),
    path("cases/<slug:slug>/edit/", views.case_edit, name="opendata_case_edit"),
    path("cases/<slug:slug>/publish/", views.case_publish, name="opendata_case_publish"),
    path("cases/<slug:slug>/card.png", views.case_card, name="opendata_case_card"),
    path("cases/<slug:slug>/materials/new/", views.case_material_add, name="opendata_case_material_new"),
    path("cases/<slug:slug>/materials/<int:pk>/remove/", views.case_material_remove,
         name="opendata_case_material_remove"),
    path("cases/<slug:slug>/photos/<int:pk>/", views.case_photo, name="opendata_case_photo"),
]
