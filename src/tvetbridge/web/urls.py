from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("tvetbridge.registry.urls")),
    path("io/", include("tvetbridge.registry.io_urls")),
    path("account/", include("tvetbridge.core.urls")),
]
