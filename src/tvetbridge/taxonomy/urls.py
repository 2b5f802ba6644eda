from django.urls import path

from . import views, views_labels

urlpatterns = [
    path("", views.index, name="taxonomy_index"),
    path("search/", views.search, name="taxonomy_search"),
    path("code/", views.code, name="taxonomy_code"),
    path("isco/<str:code>/", views.group, name="taxonomy_group"),
    path("occupations/<str:esco_id>/", views.occupation, name="taxonomy_occupation"),
    path("skills/<str:esco_id>/", views.skill, name="taxonomy_skill"),
    path("labels/", views_labels.proposals, name="taxonomy_labels"),
    path("labels/propose/", views_labels.propose, name="taxonomy_label_propose"),
    path("labels/sheet/", views_labels.sheet, name="taxonomy_label_sheet"),
    path("labels/<int:pk>/decide/", views_labels.decide, name="taxonomy_label_decide"),
]
