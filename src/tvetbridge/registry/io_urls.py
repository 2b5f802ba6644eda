from django.urls import path

from . import io_views

urlpatterns = [
    path("", io_views.index, name="io_index"),
    path("confirm/", io_views.confirm, name="io_confirm"),
    path("export/<slug:kind>/", io_views.export, name="io_export"),
]
