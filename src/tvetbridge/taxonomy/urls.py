from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="taxonomy_index"),
    path("search/", views.search, name="taxonomy_search"),
    path("code/", views.code, name="taxonomy_code"),
    path("isco/<str:code>/", views.group, name="taxonomy_group"),
    path("occupations/<str:esco_id>/", views.occupation, name="taxonomy_occupation"),
    path("skills/<str:esco_id>/", views.skill, name="taxonomy_skill"),
]
