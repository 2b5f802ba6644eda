from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="governance_home"),
    path("agreements/", views.agreement_list, name="governance_agreements"),
    path("agreements/public/", views.public_agreements, name="governance_public_agreements"),
    path("agreements/import/", views.agreement_import, name="governance_agreement_import"),
    path("agreements/import/template.xlsx", views.agreement_import_template, name="governance_agreement_import_template"),
    path("agreements/new/", views.agreement_create, name="governance_agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="governance_agreement"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="governance_agreement_edit"),
    path("agreements/<int:pk>/clauses/new/", views.clause_add, name="governance_clause_add"),
    path("agreements/<int:pk>/signatories/new/", views.signatory_add, name="governance_signatory_add"),
    path("agreements/<int:pk>/documents/new/", views.agreement_document_add, name="governance_agreement_document_add"),
    path("agreement-documents/<int:pk>/", views.agreement_document, name="governance_agreement_document"),
    path("operations/", views.operation_list, name="governance_operations"),
    path("operations/new/", views.operation_create, name="governance_operation_create"),
    path("operations/<int:pk>/", views.operation_detail, name="governance_operation"),
    path("operations/<int:pk>/edit/", views.operation_edit, name="governance_operation_edit"),
    path("operations/<int:pk>/exit-plan/", views.exit_plan_edit, name="governance_exit_plan"),
    path("operations/<int:pk>/exit/", views.exit_trigger, name="governance_exit_trigger"),
    path("operations/<int:pk>/step/<slug:name>/", views.operation_transition, name="governance_operation_step"),
    path("operations/<int:pk>/assets/new/", views.asset_add, name="governance_asset_add"),
    path("operations/<int:pk>/reports/new/", views.report_add, name="governance_report_add"),
    path("operations/<int:pk>/documents/new/", views.operation_document_add, name="governance_operation_document_add"),
    path("operation-documents/<int:pk>/", views.operation_document, name="governance_operation_document"),
    path("reports/<int:pk>/review/", views.report_review, name="governance_report_review"),
]
