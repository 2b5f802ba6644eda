from modeltranslation.translator import TranslationOptions, register

from .models import IscoGroup, Occupation, Skill


@register(IscoGroup)
class IscoGroupTranslation(TranslationOptions):
    fields = ("label",)


@register(Occupation)
class OccupationTranslation(TranslationOptions):
    fields = ("label", "alt_labels", "description")


@register(Skill)
class SkillTranslation(TranslationOptions):
    fields = ("label", "alt_labels", "description")
