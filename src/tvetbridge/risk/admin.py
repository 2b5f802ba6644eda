from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Alert, CountryRiskScore, Indicator, Observation, RiskEvent


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin, TranslationAdmin):
    list_display = ("code", "name", "unit", "min_value", "max_value", "direction", "is_reference")
    list_filter = ("is_reference",)
    search_fields = ("code", "name")


@admin.register(Observation)
class ObservationAdmin(SimpleHistoryAdmin):
    list_display = ("country", "indicator", "period", "value", "source")
    list_filter = ("indicator__is_reference", "period")
    search_fields = ("country__code", "indicator__code")
    raw_id_fields = ("country", "indicator", "source")


@admin.register(RiskEvent)
class RiskEventAdmin(SimpleHistoryAdmin, TranslationAdmin):
    list_display = ("date", "country", "kind", "severity", "title")
    list_filter = ("kind", "severity")
    raw_id_fields = ("affected_projects",)


@admin.register(Alert)
class AlertAdmin(SimpleHistoryAdmin):
    list_display = ("created", "country", "rule", "period", "score", "status")
    list_filter = ("status", "rule")
    raw_id_fields = ("projects", "event")
    readonly_fields = ("dedup_key", "evidence")


@admin.register(CountryRiskScore)
class CountryRiskScoreAdmin(admin.ModelAdmin):
    list_display = ("country", "period", "score", "score_low", "score_high", "risk_class", "inform_risk", "driver")
    list_filter = ("period", "risk_class")
