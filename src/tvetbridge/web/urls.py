from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, views_my

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
         name="login"),
    path("logout/", auth_views.LogoutView.as_view(template_name="web/logged_out.html"), name="logout"),
    path("my/", views_my.my_work, name="my_work"),
    path("my/consent/", views_my.my_consent, name="my_consent"),
    path("my/data.json", views_my.my_data, {"fmt": "json"}, name="my_data_json"),
    path("my/data.csv", views_my.my_data, {"fmt": "csv"}, name="my_data_csv"),
    path("search/", views.search, name="site_search"),
    path("countries/", views.country_list, name="country_list"),
    path("countries/<str:code>/", views.country_dashboard, name="country_dashboard"),
    path("audit/", views.audit_log, name="audit_log"),
    path("", include("tvetbridge.registry.urls")),
    path("io/", include("tvetbridge.registry.io_urls")),
    path("account/", include("tvetbridge.core.urls")),
]
