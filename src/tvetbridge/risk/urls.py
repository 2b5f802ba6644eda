from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="risk_overview"),
    path("countries/<str:code>/", views.country, name="risk_country"),
    path("countries/<str:code>/events/new/", views.event_create, name="risk_country_event_create"),
    path("events/new/", views.event_create, name="risk_event_create"),
    path("indicators/", views.indicator_list, name="risk_indicators"),
    path("indicators/new/", views.indicator_create, name="risk_indicator_create"),
    path("observations/new/", views.observation_create, name="risk_observation_create"),
    path("observations/upload/", views.observation_upload, name="risk_observation_upload"),
    path("alerts/", views.alert_list, name="risk_alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_action, {"action": "acknowledge"}, name="risk_alert_acknowledge"),
    path("alerts/<int:pk>/resolve/", views.alert_action, {"action": "resolve"}, name="risk_alert_resolve"),
]
