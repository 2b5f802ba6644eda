"""VC-API routes and the public documents verifiers fetch; not language-prefixed."""

from django.urls import path

from . import vcapi

urlpatterns = [
    path("credentials/issue", vcapi.issue, name="vcapi_issue"),
    path("credentials/verify", vcapi.verify_credential, name="vcapi_verify"),
    path("presentations/verify", vcapi.verify_presentation, name="vcapi_verify_presentation"),
    path("credentials/status/<uuid:list_uuid>", vcapi.status_list, name="credentials_status_list"),
    path("credentials/issuers/<slug:slug>/did.json", vcapi.did_document, name="credentials_did_document"),
]
