from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import ApiToken, Country, ExchangeRate, FieldOfStudy, Language, Profile, Region, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "publisher", "locator", "published", "is_synthetic"]
    list_filter = ["is_synthetic"]
    search_fields = ["key", "title", "publisher", "document"]


@admin.register(Country)
class CountryAdmin(TranslationAdmin):
    list_display = ["code", "name", "iso3", "numeric", "currency", "is_focus"]
    list_filter = ["is_focus"]
    search_fields = ["code", "name", "iso3"]


@admin.register(Region)
class RegionAdmin(TranslationAdmin):
    list_display = ["code", "name", "country", "level", "parent"]
    list_filter = ["country", "level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["country", "parent"]


@admin.register(Language)
class LanguageAdmin(TranslationAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(FieldOfStudy)
class FieldOfStudyAdmin(TranslationAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "date", "per_usd", "source"]
    list_filter = ["currency"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "institution", "enterprise", "language"]
    list_filter = ["role"]
    autocomplete_fields = ["institution", "enterprise"]
    search_fields = ["user__username"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    # Only the digest is stored; nothing here can reveal a key.
    list_display = ["name", "user", "prefix", "created", "last_used", "revoked"]
    readonly_fields = ["prefix", "digest", "created", "last_used"]
    list_filter = ["revoked"]
