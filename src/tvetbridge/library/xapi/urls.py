"""The xAPI base is ``/xapi``; resource paths carry no trailing slash, as clients append them."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^about/?$", views.about, name="xapi_about"),
    re_path(r"^statements/?$", views.statements, name="xapi_statements"),
    re_path(r"^activities/state/?$", views.state, name="xapi_state"),
    re_path(r"^activities/profile/?$", views.activity_profile, name="xapi_activity_profile"),
    re_path(r"^activities/?$", views.activities, name="xapi_activities"),
    re_path(r"^agents/profile/?$", views.agent_profile, name="xapi_agent_profile"),
    re_path(r"^agents/?$", views.agents, name="xapi_agents"),
]
