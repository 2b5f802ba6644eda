"""Admin: price tables are edited here; trainee records show no identity hash and incomes only to
coordinators and admins (the admin is staff-only in any case)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tvetbridge.core.admin import AuditedReadOnlyAdmin, ServiceSavedAdmin

from . import services
from .models import (
    CpiIndex,
    Credential,
    Employment,
    Enrolment,
    FlagComment,
    ImportBatch,
    IncomeObservation,
    ProjectTarget,
    QualityFlag,
    Trainee,
)


@admin.register(Trainee)
class TraineeAdmin(SimpleHistoryAdmin):
    list_display = ("external_key", "gender", "birth_year", "home_region", "is_synthetic")
    list_filter = ("is_synthetic", "gender")
    search_fields = ("external_key",)
    exclude = ("identity_hash",)
    raw_id_fields = ("home_region", "institution")


@admin.register(Enrolment)
class EnrolmentAdmin(SimpleHistoryAdmin):
    list_display = ("external_key", "trainee", "project", "programme", "status", "start_date", "end_date")
    list_filter = ("status",)
    raw_id_fields = ("trainee", "project", "programme")
    search_fields = ("external_key",)


@admin.register(Employment)
class EmploymentAdmin(SimpleHistoryAdmin):
    list_display = ("external_key", "trainee", "employer_name", "occupation_code", "start_date", "formal")
    raw_id_fields = ("trainee", "enrolment", "employer", "region")


@admin.register(IncomeObservation)
class IncomeAdmin(AuditedReadOnlyAdmin):
    # Corrected on the trainee's page or through the API, where a reason is required.
    list_display = ("trainee", "period", "amount", "currency", "source", "verified")
    list_filter = ("source", "verified", "currency")
    raw_id_fields = ("trainee", "batch")


@admin.register(Credential)
class CredentialAdmin(SimpleHistoryAdmin):
    list_display = ("trainee", "kind", "name", "level", "awarded")
    raw_id_fields = ("trainee", "enrolment")


@admin.register(CpiIndex)
class CpiAdmin(ServiceSavedAdmin):
    list_display = ("country_code", "year", "inflation_pct", "source")
    list_filter = ("country_code",)

    def get_readonly_fields(self, request, obj=None):
        return ("country_code", "year") if obj is not None else ()

    def save_through_service(self, request, obj, form):
        services.set_cpi(request.user, obj.country_code, obj.year, obj.inflation_pct, source=obj.source)


@admin.register(ProjectTarget)
class TargetAdmin(AuditedReadOnlyAdmin):
    # Set on the project's results page through services.set_target, which checks the partner.
    list_display = ("project", "region", "indicator", "value", "currency", "due")
    raw_id_fields = ("project", "region")


class CommentInline(admin.TabularInline):
    model = FlagComment
    extra = 0
    readonly_fields = ("author", "created", "status_to")


@admin.register(QualityFlag)
class FlagAdmin(SimpleHistoryAdmin):
    list_display = ("project", "rule", "status", "raised")
    list_filter = ("status", "rule")
    readonly_fields = ("evidence", "data_version", "resolved_by", "resolved_at")
    inlines = [CommentInline]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("kind", "filename", "user", "created", "rows", "inserted", "updated")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
