from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import SkillDemand


@admin.register(SkillDemand)
class SkillDemandAdmin(SimpleHistoryAdmin, TranslationAdmin):
    list_display = ("title", "enterprise", "kind", "occupation", "country", "count", "deadline", "status",
                    "is_synthetic")
    list_filter = ("kind", "status", "country", "is_synthetic")
    search_fields = ("title_en", "title_ru", "title_zh_hans", "title_kk", "external_key")
    raw_id_fields = ("enterprise", "occupation", "region", "created_by", "source")
    filter_horizontal = ()
    autocomplete_fields = ()
    readonly_fields = ("created", "updated")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "required_skills":
            # 13,896 skills do not fit a select box.
            kwargs["widget"] = admin.widgets.ManyToManyRawIdWidget(db_field.remote_field, self.admin_site)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
