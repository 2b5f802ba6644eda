from django.contrib import admin

from .models import Report, ReportJob


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "scope", "period", "language", "version", "created")
    list_filter = ("kind", "language", "period")
    exclude = ("html", "pdf", "data")
    readonly_fields = ("content_hash",)


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ("created", "kind", "scope", "period", "language", "status", "progress")
    list_filter = ("status",)
