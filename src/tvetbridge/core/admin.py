"""Admin of the shared kernel. Audited models (``core.audit``) are read-only here or save through
their service, so the admin cannot change them behind the history's back; a platform admin lifts a
sign-in pause (django-axes) from the list of attempts."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import services, tokens
from .models import ApiToken, Country, ExchangeRate, FieldOfStudy, Language, Profile, Region, Source


class AuditedReadOnlyAdmin(SimpleHistoryAdmin):
    """An audited model shown with its history and changed only by its services (pages, API, actions)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceSavedAdmin(SimpleHistoryAdmin):
    """An audited model whose admin form saves through its service; no deletes behind its back."""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            self.save_through_service(request, obj, form)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))

    def save_through_service(self, request, obj, form):
        raise NotImplementedError


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
class ExchangeRateAdmin(ServiceSavedAdmin):
    list_display = ["currency", "date", "per_usd", "source"]
    list_filter = ["currency"]

    def get_readonly_fields(self, request, obj=None):
        return ["currency", "date"] if obj is not None else []

    def save_through_service(self, request, obj, form):
        services.set_exchange_rate(request.user, obj.currency, obj.date, obj.per_usd, source=obj.source)


@admin.register(Profile)
class ProfileAdmin(ServiceSavedAdmin):
    list_display = ["user", "role", "institution", "enterprise", "language"]
    list_filter = ["role"]
    autocomplete_fields = ["institution", "enterprise"]
    search_fields = ["user__username"]

    def save_through_service(self, request, obj, form):
        services.set_role(request.user, obj.user, obj.role, institution=obj.institution, enterprise=obj.enterprise)
        if "language" in form.changed_data:
            Profile.objects.filter(user=obj.user).update(language=obj.language)


class AccountAdmin(ServiceSavedAdmin, UserAdmin):
    """Accounts are audited: an admin's change is written by the one write path with who and why
    (``core.services.save``). Accounts are deactivated, never deleted, so their history stays whole."""

    def save_through_service(self, request, obj, form):
        services.save(request.user, obj, reason="account.changed")


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AccountAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedReadOnlyAdmin):
    # Only the digest is stored; nothing here can reveal a key. Tokens are revoked, never edited.
    list_display = ["name", "user", "prefix", "created", "expires", "read_only", "last_used", "revoked"]
    exclude = ["digest"]
    list_filter = ["revoked", "read_only"]
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked=False):
            tokens.revoke_token(request.user, token)
        messages.success(request, _("The selected tokens are revoked."))


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class SignInPauseAdmin(AccessAttemptAdmin):
    """Failed sign-ins per account and address; the action lifts the pause of the selected pairs."""

    actions = ["lift_pause"]

    @admin.action(description=gettext_lazy("Lift the sign-in pause for the selected account and address"))
    def lift_pause(self, request, queryset):
        lifted = 0
        for attempt in queryset:
            lifted += reset(username=attempt.username, ip=attempt.ip_address)
        messages.success(request, _("Sign-in pauses lifted: %(count)d.") % {"count": lifted})
