from django.urls import path

from . import views

urlpatterns = [
    path("", views.fund_list, name="finance_home"),
    path("funds/new/", views.fund_create, name="finance_fund_create"),
    path("funds/<int:pk>/", views.fund_detail, name="finance_fund"),
    path("funds/<int:pk>/terms/<slug:kind>/new/", views.instrument_create, name="finance_instrument_create"),
    path("funds/<int:pk>/flows/", views.flow_create, name="finance_flow_create"),
    path("funds/<int:pk>/statement/", views.statement, name="finance_statement"),
    path("funds/<int:pk>/designer/", views.designer, name="finance_fund_designer"),
    path("designer/", views.designer, name="finance_designer"),
    path("runs/<int:pk>/", views.run_detail, name="finance_run"),
    path("runs/<int:pk>/status/", views.run_status, name="finance_run_status"),
    path("runs/<int:pk>/save/", views.run_save, name="finance_run_save"),
    path("designs/", views.design_list, name="finance_designs"),
    path("designs/<int:pk>/", views.design_detail, name="finance_design"),
    path("designs/<int:pk>/attach/", views.design_attach, name="finance_design_attach"),
    path("compare/", views.compare, name="finance_compare"),
]
