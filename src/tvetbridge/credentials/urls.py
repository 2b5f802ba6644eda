from django.urls import path

from . import views, views_recognition

urlpatterns = [
    path("frameworks/", views.framework_list, name="credentials_frameworks"),
    path("frameworks/referencing/", views.referencing, name="credentials_referencing"),
    path("frameworks/links/new/", views.link_edit, name="credentials_link_new"),
    path("frameworks/links/<int:pk>/edit/", views.link_edit, name="credentials_link_edit"),
    path("frameworks/links/<int:pk>/delete/", views.link_delete, name="credentials_link_delete"),
    path("frameworks/links/<int:pk>/history/", views.link_history, name="credentials_link_history"),
    path("frameworks/<slug:code>/", views.framework_detail, name="credentials_framework"),
    path("verify/issuers/", views.issuer_list, name="credentials_issuers"),
    path("verify/", views.verify, name="credentials_verify"),
    path("verify/<uuid:issued_uuid>/", views.verify, name="credentials_verify_id"),
    path("credentials/mine/", views.my_credentials, name="credentials_mine"),
    path("credentials/manage/", views.manage, name="credentials_manage"),
    path("credentials/manage/rotate-key/", views.rotate_key, name="credentials_rotate_key"),
    path("credentials/types/new/", views.credential_type_new, name="credentials_type_new"),
    path("credentials/<uuid:issued_uuid>/", views.credential_detail, name="credentials_detail"),
    path("credentials/<uuid:issued_uuid>/credential.jsonld", views.credential_json, name="credentials_json"),
    path("credentials/<uuid:issued_uuid>/certificate.pdf", views.credential_pdf, name="credentials_pdf"),
    path("credentials/<uuid:issued_uuid>/status/", views.credential_status, name="credentials_set_status"),
    path("credit-transfer/", views_recognition.transfer_list, name="credentials_transfers"),
    path("credit-transfer/<int:pk>/", views_recognition.transfer_detail, name="credentials_transfer_detail"),
    path("credit-transfer/<int:pk>/action/", views_recognition.transfer_action, name="credentials_transfer_action"),
    path("recognition/", views_recognition.recognition_list, name="credentials_recognition"),
    path("recognition/new/", views_recognition.recognition_new, name="credentials_recognition_new"),
    path("recognition/report/", views_recognition.recognition_report, name="credentials_recognition_report"),
    path("recognition/<int:pk>/", views_recognition.recognition_detail, name="credentials_recognition_detail"),
    path("recognition/<int:pk>/action/", views_recognition.recognition_action, name="credentials_recognition_action"),
]
