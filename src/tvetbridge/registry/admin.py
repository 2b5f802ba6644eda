"""Admin for registry records: read-only, with each record's history. Registry records are audited
(``core.audit``) and change only through the registry's services — the pages, the API and imports —
where the project life cycle, versions and scope rules apply; an admin form would bypass all three
(a project set to "active" without approval). Viewing follows the same ``rules_permissions`` the pages
and API use, and translated fields show per language."""

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline
from rules.contrib.admin import ObjectPermissionsModelAdmin

from tvetbridge.core.admin import AuditedReadOnlyAdmin

from .models import (
    Alliance,
    CooperationProject,
    CountryStatistic,
    Enterprise,
    Facility,
    FacultyLanguage,
    FacultyMember,
    Institution,
    Programme,
    ProjectFunding,
    ReportedResult,
    SectorCommittee,
)


class RegistryAdmin(AuditedReadOnlyAdmin, ObjectPermissionsModelAdmin, TranslationAdmin):
    list_filter = ["is_synthetic"]
    readonly_fields = ["created", "updated"]
    list_per_page = 50


class PlainRegistryAdmin(AuditedReadOnlyAdmin, ObjectPermissionsModelAdmin):
    """For registry models without translated fields (TranslationAdmin refuses those)."""

    list_filter = ["is_synthetic"]
    readonly_fields = ["created", "updated"]
    list_per_page = 50


@admin.register(Institution)
class InstitutionAdmin(RegistryAdmin):
    list_display = ["name", "kind", "country", "region", "is_synthetic"]
    list_filter = ["country", "kind", "is_synthetic"]
    search_fields = ["name", "short_name", "external_key"]
    autocomplete_fields = ["region"]
    filter_horizontal = ["languages", "fields"]
    list_select_related = ["country", "region"]


@admin.register(Programme)
class ProgrammeAdmin(RegistryAdmin):
    list_display = ["name", "institution", "field", "isced_level", "intake_capacity", "is_synthetic"]
    list_filter = ["isced_level", "is_synthetic"]
    search_fields = ["name", "external_key", "institution__name"]
    autocomplete_fields = ["institution"]
    list_select_related = ["institution", "field"]


class FacultyLanguageInline(admin.TabularInline):
    model = FacultyLanguage
    extra = 0


@admin.register(FacultyMember)
class FacultyMemberAdmin(PlainRegistryAdmin):
    list_display = ["full_name", "institution", "position", "willing_to_dispatch", "is_synthetic"]
    search_fields = ["full_name", "external_key"]
    autocomplete_fields = ["institution"]
    inlines = [FacultyLanguageInline]
    list_select_related = ["institution"]


@admin.register(Facility)
class FacilityAdmin(RegistryAdmin):
    list_display = ["name", "institution", "kind", "capacity", "is_synthetic"]
    list_filter = ["kind", "is_synthetic"]
    search_fields = ["name", "external_key"]
    autocomplete_fields = ["institution"]
    list_select_related = ["institution"]


@admin.register(Enterprise)
class EnterpriseAdmin(RegistryAdmin):
    list_display = ["name", "country", "sector", "chinese_funded", "is_synthetic"]
    list_filter = ["country", "sector", "chinese_funded", "is_synthetic"]
    search_fields = ["name", "external_key"]
    list_select_related = ["country"]


class SectorCommitteeInline(TranslationTabularInline):
    model = SectorCommittee
    extra = 0


@admin.register(Alliance)
class AllianceAdmin(RegistryAdmin):
    list_display = ["name", "founded", "reported_members", "is_synthetic"]
    search_fields = ["name", "external_key"]
    filter_horizontal = ["institutions", "lead_institutions", "enterprises"]
    inlines = [SectorCommitteeInline]


class FundingInline(admin.TabularInline):
    model = ProjectFunding
    extra = 0


class ReportedResultInline(admin.TabularInline):
    model = ReportedResult
    extra = 0


@admin.register(CooperationProject)
class CooperationProjectAdmin(RegistryAdmin):
    list_display = ["name", "kind", "status", "host_country", "start_date", "is_synthetic"]
    list_filter = ["host_country", "kind", "status", "is_synthetic"]
    search_fields = ["name", "external_key"]
    filter_horizontal = ["chinese_institutions", "partner_institutions", "enterprises", "fields"]
    readonly_fields = ["created", "updated", "approved_by", "approved_at"]
    inlines = [FundingInline, ReportedResultInline]
    list_select_related = ["host_country"]


@admin.register(CountryStatistic)
class CountryStatisticAdmin(admin.ModelAdmin):
    list_display = ["country", "indicator", "period", "value", "source"]
    list_filter = ["country", "indicator"]
    list_select_related = ["country", "source"]
