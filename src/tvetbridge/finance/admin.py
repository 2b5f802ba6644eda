from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from rules.contrib.admin import ObjectPermissionsModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Account,
    Entry,
    Fund,
    FundDesign,
    IncomeFloor,
    OrderCommitment,
    Party,
    ProfitShare,
    SimulationRun,
    SkillOption,
    SponsorCommitment,
    Transaction,
)


@admin.register(Fund)
class FundAdmin(ObjectPermissionsModelAdmin, SimpleHistoryAdmin, TranslationAdmin):
    list_display = ("name", "currency")
    filter_horizontal = ("sponsors", "projects")


@admin.register(Party)
class PartyAdmin(ObjectPermissionsModelAdmin, SimpleHistoryAdmin, TranslationAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)


for model in (IncomeFloor, ProfitShare, SkillOption, SponsorCommitment):
    admin.site.register(model, type(f"{model.__name__}Admin", (ObjectPermissionsModelAdmin, SimpleHistoryAdmin),
                                    {"list_display": ("__str__", "fund", "currency", "project")}))


@admin.register(OrderCommitment)
class OrderCommitmentAdmin(ObjectPermissionsModelAdmin, SimpleHistoryAdmin):
    list_display = ("__str__", "demand", "fund", "currency", "project")
    list_filter = ("fund", "currency")
    # Demands are many; pick one by id rather than from a select of all of them.
    raw_id_fields = ("demand",)
    list_select_related = ("enterprise", "demand", "fund", "project")


@admin.register(Account)
class AccountAdmin(ObjectPermissionsModelAdmin, SimpleHistoryAdmin, TranslationAdmin):
    list_display = ("code", "name", "fund", "kind", "currency", "party")
    list_filter = ("fund", "kind", "currency")


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    can_delete = False
    readonly_fields = ("account", "amount", "currency")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    """Read-only: the ledger is written by posting (services), never edited."""

    list_display = ("date", "fund", "kind", "description", "created_by")
    list_filter = ("fund", "kind")
    inlines = [EntryInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FundDesign)
class FundDesignAdmin(ObjectPermissionsModelAdmin, SimpleHistoryAdmin):
    list_display = ("name", "project", "fund", "updated")


@admin.register(SimulationRun)
class SimulationRunAdmin(admin.ModelAdmin):
    list_display = ("pk", "status", "progress", "n_paths", "created_by", "created")
    readonly_fields = ("spec", "result")
