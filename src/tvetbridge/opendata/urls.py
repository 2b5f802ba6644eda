from django.urls import path

from . import views

urlpatterns = [
    path("iati/", views.iati, name="opendata_iati"),
    path("iati/<str:kind>.xml", views.iati_file, name="opendata_iati_file"),
    path("iati/regenerate/", views.iati_regenerate, name="opendata_iati_regenerate"),
]
