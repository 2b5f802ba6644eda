from django.urls import path

from . import views

urlpatterns = [
    path("", views.dispatches, name="teachers_dispatches"),
    path("shortage/", views.shortage, name="teachers_shortage"),
    path("shortage/<str:key>/", views.shortage_candidates, name="teachers_shortage_candidates"),
    path("teacher/<int:pk>/", views.teacher_record, name="teachers_record"),
    path("hsk-centres/", views.centres, name="teachers_centres"),
    path("hsk-centres/import/", views.centre_import, name="teachers_centre_import"),
    path("hsk-centres/import/<str:kind>.xlsx", views.centre_import_template, name="teachers_centre_import_template"),
    path("hsk-centres/<int:pk>/", views.centre, name="teachers_centre"),
    path("dispatch/<int:pk>/move/", views.move_assignment, name="teachers_move_assignment"),
]
