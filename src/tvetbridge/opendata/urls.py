from django.urls import path

from . import views

urlpatterns = [
    path("", views.downloads, name="opendata_downloads"),
    path("catalog.jsonld", views.catalogue, name="opendata_catalogue"),
    path("data/<str:key>.<str:fmt>", views.download, name="opendata_download"),
    path("iati/", views.iati, name="opendata_iati"),
    path("iati/<str:kind>.xml", views.iati_file, name="opendata_iati_file"),
    path("iati/regenerate/", views.iati_regenerate, name="opendata_iati_regenerate"),
]
