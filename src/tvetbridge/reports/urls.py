from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="reports"),
    path("jobs/<int:pk>/", views.job, name="report_job"),
    path("jobs/<int:pk>/status.json", views.job_status, name="report_job_status"),
    path("<int:pk>/", views.detail, name="report_detail"),
    path("<int:pk>/view/", views.html, name="report_html"),
    path("<int:pk>/pdf/", views.pdf, name="report_pdf"),
    path("<int:pk>/tables.xlsx", views.export, {"key": "", "fmt": "xlsx"}, name="report_xlsx"),
    path("<int:pk>/tables/<slug:key>.csv", views.export, {"fmt": "csv"}, name="report_csv"),
]
