"""Admin: reference data and records for inspection. Issuer keys show only public parts; the sealed
private key is not a field the admin can display or edit."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    CredentialType,
    CreditTransferAgreement,
    FrameworkLevel,
    IssuedCredential,
    IssuerKey,
    IssuerProfile,
    LevelLink,
    QualificationFramework,
    RecognitionApplication,
)


@admin.register(QualificationFramework)
class FrameworkAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "country", "kind")


@admin.register(FrameworkLevel)
class LevelAdmin(SimpleHistoryAdmin):
    list_display = ("framework", "code", "name", "rank")
    list_filter = ("framework",)


@admin.register(LevelLink)
class LinkAdmin(SimpleHistoryAdmin):
    list_display = ("source", "target", "relation", "status")
    list_filter = ("status", "relation")


@admin.register(CredentialType)
class CredentialTypeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "institution", "kind")


@admin.register(IssuerProfile)
class IssuerAdmin(SimpleHistoryAdmin):
    list_display = ("institution", "slug", "method")


@admin.register(IssuerKey)
class IssuerKeyAdmin(SimpleHistoryAdmin):
    list_display = ("issuer", "public_key_multibase", "created", "retired", "revoked")
    fields = ("issuer", "did", "verification_method", "public_key_multibase", "retired", "revoked")
    readonly_fields = ("issuer", "did", "verification_method", "public_key_multibase")


@admin.register(IssuedCredential)
class IssuedAdmin(SimpleHistoryAdmin):
    list_display = ("uuid", "issuer", "status", "issued")
    list_filter = ("status",)
    readonly_fields = ("document",)


admin.site.register(CreditTransferAgreement, SimpleHistoryAdmin)
admin.site.register(RecognitionApplication, SimpleHistoryAdmin)
