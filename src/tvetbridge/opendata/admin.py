"""Admin for publishers and published activities, under the same rules as the pages."""

from django.contrib import admin
from rules.contrib.admin import ObjectPermissionsModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import ActivityPublication, ExemplaryCase, Publisher


@admin.register(Publisher)
class PublisherAdmin(ObjectPermissionsModelAdmin, SimpleHistoryAdmin):
    list_display = ["identifier", "institution", "org_type"]
    search_fields = ["identifier", "institution__name"]
    autocomplete_fields = ["institution"]


@admin.register(ActivityPublication)
class ActivityPublicationAdmin(ObjectPermissionsModelAdmin, SimpleHistoryAdmin):
    list_display = ["project", "publisher", "activity_id", "published_at"]
    search_fields = ["activity_id", "project__name"]
    autocomplete_fields = ["project"]
    readonly_fields = ["published_by", "published_at"]


@admin.register(ExemplaryCase)
class ExemplaryCaseAdmin(ObjectPermissionsModelAdmin, SimpleHistoryAdmin):
    list_display = ["slug", "project", "status", "published_at"]
    search_fields = ["slug", "title", "project__name"]
    readonly_fields = ["status", "published_by", "published_at"]  # published only through the service
