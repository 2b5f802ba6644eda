from django.urls import path

from . import views

urlpatterns = [
    path("", views.dispatches, name="teachers_dispatches"),
    path("teacher/<int:pk>/", views.teacher_record, name="teachers_record"),
    path("dispatch/<int:pk>/move/", views.move_assignment, name="teachers_move_assignment"),
]
