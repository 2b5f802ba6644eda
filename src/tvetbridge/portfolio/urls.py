from django.urls import path

from . import views

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("export.<str:fmt>", views.portfolio_export, name="portfolio_export"),
]
