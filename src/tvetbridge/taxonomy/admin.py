from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import CscoOccupation, IscoGroup, Occupation, OccupationSkill, Skill


@admin.register(IscoGroup)
class IscoGroupAdmin(TranslationAdmin):
    list_display = ("code", "label")
    search_fields = ("code", "label_en")
    raw_id_fields = ("parent",)


class OccupationSkillInline(admin.TabularInline):
    model = OccupationSkill
    raw_id_fields = ("skill",)
    extra = 0


@admin.register(Occupation)
class OccupationAdmin(TranslationAdmin):
    list_display = ("label", "code", "isco_group")
    search_fields = ("label_en", "code", "esco_id")
    raw_id_fields = ("isco_group", "csco")
    inlines = [OccupationSkillInline]


@admin.register(Skill)
class SkillAdmin(TranslationAdmin):
    list_display = ("label", "type", "reuse")
    list_filter = ("type", "reuse")
    search_fields = ("label_en", "esco_id")


@admin.register(CscoOccupation)
class CscoOccupationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "isco_group")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent", "isco_group")
