from django.urls import path

from . import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("read/", views.mark, name="notifications_mark"),
    path("preferences/", views.preferences, name="notification_preferences"),
]
