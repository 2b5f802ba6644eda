from django.urls import path

from . import views

urlpatterns = [
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("operations/", views.operations, name="operations"),
]
