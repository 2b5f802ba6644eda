from django.urls import path

from . import views

urlpatterns = [
    path("gaps/", views.gap_list, name="matching_gaps"),
    path("gaps/<str:key>/", views.gap_detail, name="matching_gap_detail"),
    path("gaps/<str:key>/proposals/", views.gap_proposals, name="matching_gap_proposals"),
    path("allocation/", views.allocation, name="matching_allocation"),
]
