from django.urls import path

from . import views, views_records

urlpatterns = [
    path("projects/<int:pk>/", views.project_results, name="outcomes_project"),
    path("projects/<int:pk>/targets/new/", views.target_edit, name="outcomes_target_new"),
    path("projects/<int:pk>/targets/<int:target_pk>/", views.target_edit, name="outcomes_target_edit"),
    path("projects/<int:pk>/flags/run/", views.run_flags, name="outcomes_run_flags"),
    path("countries/<str:code>/", views.country_results, name="outcomes_country"),
    path("alliances/<int:pk>/", views.alliance_results, name="outcomes_alliance"),
    path("projects/", views.project_list, name="outcomes_projects"),
    path("flags/", views.flag_list, name="outcomes_flags"),
    path("flags/<int:pk>/", views.flag_detail, name="outcomes_flag"),
    path("trainees/", views.trainee_list, name="outcomes_trainees"),
    path("trainees/new/", views.trainee_edit, name="outcomes_trainee_create"),
    path("trainees/<int:pk>/", views.trainee_detail, name="outcomes_trainee"),
    path("trainees/<int:pk>/edit/", views.trainee_edit, name="outcomes_trainee_edit"),
    path("trainees/<int:pk>/<str:kind>/new/", views_records.trainee_record, name="outcomes_trainee_record_new"),
    path("trainees/<int:pk>/<str:kind>/<int:record_pk>/edit/", views_records.trainee_record,
         name="outcomes_trainee_record_edit"),
    path("import/", views.import_view, name="outcomes_import"),
    path("import/template/<str:kind>.csv", views.import_template, name="outcomes_import_template"),
    path("money/", views.money_tables, name="outcomes_money"),
]
