from django.urls import path

from . import views

urlpatterns = [
    path("gaps/", views.gap_list, name="matching_gaps"),
    path("gaps/<str:key>/", views.gap_detail, name="matching_gap_detail"),
    path("gaps/<str:key>/proposals/", views.gap_proposals, name="matching_gap_proposals"),
    path("allocation/", views.allocation, name="matching_allocation"),
    path("candidates/", views.candidate_vacancies, name="matching_candidate_vacancies"),
    path("candidates/vacancy/<int:pk>/", views.vacancy_candidates, name="matching_vacancy_candidates"),
    path("candidates/trainee/<int:pk>/", views.trainee_matches, name="matching_trainee_matches"),
    path("my-matches/", views.my_matches, name="matching_my_matches"),
    path("vacancies/<int:pk>/interest/", views.interest, {"action": "express"}, name="matching_interest"),
    path("vacancies/<int:pk>/interest/withdraw/", views.interest, {"action": "withdraw"},
         name="matching_interest_withdraw"),
]
