from django.urls import path

from . import views

urlpatterns = [
    path("", views.downloads, name="opendata_downloads"),
    path("catalog.jsonld", views.catalogue, name="opendata_catalogue"),
    path("data/<str:key>.<str:fmt>", views.download, name="opendata_download"),
    path("directory/", views.directory, name="opendata_directory"),
    path("directory/projects/", views.directory_projects, name="opendata_directory_projects"),
    path("directory/alliances/", views.directory_alliances, name="opendata_directory_alliances"),
    path("directory/alliances/<str:key>/", views.directory_alliance, name="opendata_alliance"),
    path("directory/institutions/<str:key>/", views.directory_institution, name="opendata_institution"),
    path("directory/projects/<str:key>/", views.directory_project, name="opendata_project"),
    path("iati/", views.iati, name="opendata_iati"),
    path("iati/<str:kind>.xml", views.iati_file, name="opendata_iati_file"),
    path("iati/regenerate/", views.iati_regenerate, name="opendata_iati_regenerate"),
]
